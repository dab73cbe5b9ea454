package stagetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/ottkit/ottkit/functions/pipeline"
)

// QueueFixture is what QueueContract and DelayedQueueContract need of one implementation.
type QueueFixture struct {
	// Queue is the queue under test; for DelayedQueueContract it must implement
	// pipeline.DelayedQueue too.
	Queue pipeline.Queue
	// Receive returns the bodies visible now that were not received before, deleting them.
	Receive func(t *testing.T) []string
}

// waitFor polls receive until it has returned want (in any order) or limit passes.
func waitFor(t *testing.T, receive func(t *testing.T) []string, want []string, limit time.Duration) []string {
	var got []string
	deadline := time.Now().Add(limit)
	for {
		got = append(got, receive(t)...)
		if len(got) >= len(want) || time.Now().After(deadline) {
			slices.Sort(got)
			return got
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// QueueContract checks a pipeline.Queue: every body sent arrives, unchanged.
func QueueContract(t *testing.T, newQueue func(t *testing.T) QueueFixture) {
	ctx := context.Background()
	t.Run("SendArrives", func(t *testing.T) {
		f := newQueue(t)
		want := []string{`{"assetId":"a","tenant":"acme"}`, "second", "ünïcode ✓"}
		for _, b := range want {
			if err := f.Queue.Send(ctx, b); err != nil {
				t.Fatal(err)
			}
		}
		slices.Sort(want)
		if got := waitFor(t, f.Receive, want, 5*time.Second); !slices.Equal(got, want) {
			t.Errorf("received %q, want %q", got, want)
		}
	})
}

// DelayedQueueContract checks a pipeline.DelayedQueue: a message sent with no delay is
// visible at once, a delayed one only later, and it does arrive.
func DelayedQueueContract(t *testing.T, newQueue func(t *testing.T) QueueFixture) {
	ctx := context.Background()
	t.Run("DelayHoldsTheMessage", func(t *testing.T) {
		f := newQueue(t)
		dq, ok := f.Queue.(pipeline.DelayedQueue)
		if !ok {
			t.Fatalf("%T is not a pipeline.DelayedQueue", f.Queue)
		}
		if err := dq.SendDelayed(ctx, "now", 0); err != nil {
			t.Fatal(err)
		}
		if err := dq.SendDelayed(ctx, "later", 2*time.Second); err != nil {
			t.Fatal(err)
		}
		if got := waitFor(t, f.Receive, []string{"now"}, 5*time.Second); !slices.Equal(got, []string{"now"}) {
			t.Fatalf("first received %q, want only the undelayed message", got)
		}
		if got := waitFor(t, f.Receive, []string{"later"}, 10*time.Second); !slices.Equal(got, []string{"later"}) {
			t.Errorf("then received %q, want the delayed message", got)
		}
	})
}

// NotifierFixture is what NotifierContract needs of one implementation.
type NotifierFixture struct {
	Notifier pipeline.Notifier
	// Receive returns the notifications a subscriber got since the last call.
	Receive func(t *testing.T) []pipeline.Notification
}

// NotifierContract checks a pipeline.Notifier: a subscriber gets every field of what was
// published.
func NotifierContract(t *testing.T, newNotifier func(t *testing.T) NotifierFixture) {
	ctx := context.Background()
	t.Run("SubscriberGetsTheNotification", func(t *testing.T) {
		f := newNotifier(t)
		sent := []pipeline.Notification{
			{AssetID: "a1", Tenant: "acme", Status: pipeline.StatusReady, HLS: "assets/a1/index.m3u8", DASH: "assets/a1/index.mpd"},
			{AssetID: "a2", Tenant: "acme", Status: pipeline.StatusFailed, FailureCode: "1040", FailureMessage: "bad input"},
		}
		for _, n := range sent {
			if err := f.Notifier.Publish(ctx, n); err != nil {
				t.Fatal(err)
			}
		}
		var got []pipeline.Notification
		deadline := time.Now().Add(5 * time.Second)
		for len(got) < len(sent) && time.Now().Before(deadline) {
			got = append(got, f.Receive(t)...)
			if len(got) < len(sent) {
				time.Sleep(100 * time.Millisecond)
			}
		}
		slices.SortFunc(got, func(a, b pipeline.Notification) int { return compareStrings(a.AssetID, b.AssetID) })
		if !slices.Equal(got, sent) {
			t.Errorf("subscriber got %+v, want %+v", got, sent)
		}
	})
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
