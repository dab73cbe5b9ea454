package notify_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/ottkit/ottkit/functions/local/notify"
	"github.com/ottkit/ottkit/functions/pipeline"
)

func TestPublishLogsAndFansOut(t *testing.T) {
	var logs bytes.Buffer
	topic := notify.New(slog.New(slog.NewTextHandler(&logs, nil)))
	var a, b []pipeline.Notification
	stopA := topic.Subscribe(func(n pipeline.Notification) { a = append(a, n) })
	topic.Subscribe(func(n pipeline.Notification) { b = append(b, n) })
	ready := pipeline.Notification{AssetID: "a1", Tenant: "acme", Status: pipeline.StatusReady, HLS: "assets/a1/index.m3u8", DASH: "assets/a1/index.mpd"}
	topic.Publish(context.Background(), ready)
	stopA()
	topic.Publish(context.Background(), pipeline.Notification{AssetID: "a2", Tenant: "acme", Status: pipeline.StatusFailed, FailureCode: "encode_failed", FailureMessage: "moov atom not found"})
	if len(a) != 1 || a[0] != ready {
		t.Errorf("unsubscribed subscriber got %v", a)
	}
	if len(b) != 2 || b[1].FailureCode != "encode_failed" {
		t.Errorf("subscriber got %v", b)
	}
	for _, want := range []string{"asset ready", "assetId=a1", "hls=assets/a1/index.m3u8", "asset failed", `failureMessage="moov atom not found"`} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, logs.String())
		}
	}
}
