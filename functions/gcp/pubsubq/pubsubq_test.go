package pubsubq

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/ottkit/ottkit/functions/gcp/gcptest"
	"github.com/ottkit/ottkit/functions/pipeline"
)

func TestQueueAndNotifier(t *testing.T) {
	ps := gcptest.NewPubSub(t, "ottkit-test", []string{"transcode", "notify"})
	ctx := context.Background()
	q := Queue{New(ps.Client, gcptest.TopicName("ottkit-test", "transcode"))}
	defer q.Stop()
	n := Notifier{New(ps.Client, gcptest.TopicName("ottkit-test", "notify"))}
	defer n.Stop()

	if err := q.Send(ctx, `{"assetId":"a1","tenant":"acme"}`); err != nil {
		t.Fatal(err)
	}
	note := pipeline.Notification{AssetID: "a1", Tenant: "acme", Status: pipeline.StatusReady, HLS: "assets/a1/index.m3u8"}
	if err := n.Publish(ctx, note); err != nil {
		t.Fatal(err)
	}
	msgs := ps.Fake.Messages()
	if len(msgs) != 2 {
		t.Fatalf("%d messages, want 2", len(msgs))
	}
	if string(msgs[0].Data) != `{"assetId":"a1","tenant":"acme"}` || len(msgs[0].Attributes) != 0 {
		t.Errorf("queued %s %v", msgs[0].Data, msgs[0].Attributes)
	}
	var got pipeline.Notification
	if err := json.Unmarshal(msgs[1].Data, &got); err != nil || got != note {
		t.Errorf("notification %s, %v", msgs[1].Data, err)
	}
	if a := msgs[1].Attributes; a[AttrStatus] != "ready" || a[AttrTenant] != "acme" || a[AttrAsset] != "a1" {
		t.Errorf("attributes %v", a)
	}
	missing := Queue{New(ps.Client, gcptest.TopicName("ottkit-test", "nope"))}
	defer missing.Stop()
	if err := missing.Send(ctx, "x"); err == nil {
		t.Error("publish to a missing topic succeeded")
	}
}
