package queue_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/ottkit/ottkit/functions/local/queue"
	"github.com/ottkit/ottkit/functions/stages/stagetest"
)

func fixture(t *testing.T) stagetest.QueueFixture {
	db := openDB(t, filepath.Join(t.TempDir(), "db"))
	t.Cleanup(func() { db.Close() })
	q, err := queue.New(db, "contract", queue.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return stagetest.QueueFixture{Queue: q, Receive: func(t *testing.T) []string {
		msgs, err := q.Receive(context.Background(), 10, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, m := range msgs {
			out = append(out, m.Body)
			if err := q.Delete(context.Background(), m.Receipt); err != nil {
				t.Fatal(err)
			}
		}
		return out
	}}
}

func TestQueueContract(t *testing.T)        { stagetest.QueueContract(t, fixture) }
func TestDelayedQueueContract(t *testing.T) { stagetest.DelayedQueueContract(t, fixture) }
