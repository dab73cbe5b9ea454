package snstopic_test

import (
	"context"
	"encoding/json"
	"os"
	"testing"

	"github.com/ottkit/ottkit/functions/aws/awstest"
	"github.com/ottkit/ottkit/functions/aws/snstopic"
	"github.com/ottkit/ottkit/functions/pipeline"
)

func TestMain(m *testing.M) { os.Exit(awstest.Main(m)) }

func TestPublish(t *testing.T) {
	env := awstest.NewEnv(t, nil)
	arn, sub := env.Topic(t)
	topic := snstopic.New(env.SNS, arn)
	n := pipeline.Notification{AssetID: "a1", Tenant: "acme", Status: pipeline.StatusReady, HLS: "assets/a1/index.m3u8"}
	if err := topic.Publish(context.Background(), n); err != nil {
		t.Fatal(err)
	}
	msgs := env.Receive(t, sub, 10)
	if len(msgs) != 1 {
		t.Fatalf("subscriber got %d messages, want 1", len(msgs))
	}
	var got pipeline.Notification
	if err := json.Unmarshal([]byte(*msgs[0].Body), &got); err != nil {
		t.Fatalf("body %q: %v", *msgs[0].Body, err)
	}
	if got != n {
		t.Errorf("published %+v, want %+v", got, n)
	}
	attrs := msgs[0].MessageAttributes
	if attrs["status"].StringValue == nil || *attrs["status"].StringValue != "ready" || attrs["tenant"].StringValue == nil || *attrs["tenant"].StringValue != "acme" {
		t.Errorf("message attributes = %v, want status=ready tenant=acme", attrs)
	}
}
