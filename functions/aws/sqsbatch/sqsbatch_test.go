package sqsbatch

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/ottkit/ottkit/functions/aws/lambdalog"
)

func TestProcessReportsOnlyFailedRecords(t *testing.T) {
	event := events.SQSEvent{Records: []events.SQSMessage{
		{MessageId: "ok", Body: "fine"}, {MessageId: "err", Body: "fail"}, {MessageId: "boom", Body: "panic"}, {MessageId: "ok2", Body: "fine"},
	}}
	var seen []string
	var logs bytes.Buffer
	resp := Process(context.Background(), lambdalog.New(&logs, slog.LevelInfo), event, func(ctx context.Context, m events.SQSMessage) error {
		seen = append(seen, m.MessageId)
		lambdalog.WithAssetID(ctx, "asset-"+m.MessageId)
		switch m.Body {
		case "fail":
			return errors.New("throttled")
		case "panic":
			panic("nil map")
		}
		return nil
	})
	if strings.Join(seen, ",") != "ok,err,boom,ok2" {
		t.Errorf("processed %v, want every record in order", seen)
	}
	var failed []string
	for _, f := range resp.BatchItemFailures {
		failed = append(failed, f.ItemIdentifier)
	}
	if strings.Join(failed, ",") != "err,boom" {
		t.Errorf("failures = %v, want err,boom", failed)
	}
	if !strings.Contains(logs.String(), `"assetId":"asset-err"`) || !strings.Contains(logs.String(), `"assetId":"asset-boom"`) {
		t.Errorf("failure lines lack their record's asset id: %s", logs.String())
	}
	if !strings.Contains(logs.String(), "throttled") || !strings.Contains(logs.String(), "panic: nil map") {
		t.Errorf("logs %s lack the causes", logs.String())
	}
}
