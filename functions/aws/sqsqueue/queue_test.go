package sqsqueue_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/ottkit/ottkit/functions/aws/awstest"
	"github.com/ottkit/ottkit/functions/aws/manifest"
	"github.com/ottkit/ottkit/functions/aws/sqsqueue"
)

func TestMain(m *testing.M) { os.Exit(awstest.Main(m)) }

func TestSend(t *testing.T) {
	env := awstest.NewEnv(t, nil)
	url := env.Queue(t, manifest.TranscodeQueue)
	q := sqsqueue.New(env.SQS, url)
	ctx := context.Background()
	if err := q.Send(ctx, `{"assetId":"a"}`); err != nil {
		t.Fatal(err)
	}
	msgs := env.Receive(t, url, 10)
	if len(msgs) != 1 || *msgs[0].Body != `{"assetId":"a"}` {
		t.Fatalf("received %v, want the one body sent", msgs)
	}
}

func TestSendDelayedHoldsTheMessage(t *testing.T) {
	env := awstest.NewEnv(t, nil)
	url := env.Queue(t, manifest.TranscodeQueue)
	q := sqsqueue.New(env.SQS, url)
	if err := q.SendDelayed(context.Background(), "later", 2*time.Second); err != nil {
		t.Fatal(err)
	}
	if msgs := env.Receive(t, url, 10); len(msgs) != 0 {
		t.Fatalf("a delayed message was visible at once: %v", msgs)
	}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if msgs := env.Receive(t, url, 10); len(msgs) == 1 && *msgs[0].Body == "later" {
			return
		}
		time.Sleep(250 * time.Millisecond)
	}
	t.Error("the delayed message never arrived")
}

func TestSendToMissingQueue(t *testing.T) {
	env := awstest.NewEnv(t, nil)
	q := sqsqueue.New(env.SQS, awstest.MotoEndpoint(t)+"/123456789012/missing")
	if err := q.Send(context.Background(), "x"); err == nil {
		t.Error("Send to a missing queue succeeded")
	}
}
