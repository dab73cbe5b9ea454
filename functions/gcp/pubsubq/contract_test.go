package pubsubq

import (
	"encoding/json"
	"testing"

	"github.com/ottkit/ottkit/functions/gcp/gcptest"
	"github.com/ottkit/ottkit/functions/pipeline"
	"github.com/ottkit/ottkit/functions/stages/stagetest"
)

// received returns the messages pstest holds that were not returned before.
func received(ps *gcptest.PubSub) func() [][]byte {
	seen := map[string]bool{}
	return func() [][]byte {
		var out [][]byte
		for _, m := range ps.Fake.Messages() {
			if !seen[m.ID] {
				seen[m.ID] = true
				out = append(out, m.Data)
			}
		}
		return out
	}
}

func TestQueueContract(t *testing.T) {
	stagetest.QueueContract(t, func(t *testing.T) stagetest.QueueFixture {
		ps := gcptest.NewPubSub(t, "ottkit-test", []string{"transcode"})
		q := Queue{New(ps.Client, gcptest.TopicName("ottkit-test", "transcode"))}
		t.Cleanup(q.Stop)
		next := received(ps)
		return stagetest.QueueFixture{Queue: q, Receive: func(t *testing.T) []string {
			var out []string
			for _, d := range next() {
				out = append(out, string(d))
			}
			return out
		}}
	})
}

func TestNotifierContract(t *testing.T) {
	stagetest.NotifierContract(t, func(t *testing.T) stagetest.NotifierFixture {
		ps := gcptest.NewPubSub(t, "ottkit-test", []string{"notify"})
		n := Notifier{New(ps.Client, gcptest.TopicName("ottkit-test", "notify"))}
		t.Cleanup(n.Stop)
		next := received(ps)
		return stagetest.NotifierFixture{Notifier: n, Receive: func(t *testing.T) []pipeline.Notification {
			var out []pipeline.Notification
			for _, d := range next() {
				var note pipeline.Notification
				if err := json.Unmarshal(d, &note); err != nil {
					t.Fatalf("notification %s: %v", d, err)
				}
				out = append(out, note)
			}
			return out
		}}
	})
}
