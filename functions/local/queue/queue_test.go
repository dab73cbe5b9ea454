package queue_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/ottkit/ottkit/functions/local/boltfile"
	"github.com/ottkit/ottkit/functions/local/queue"
)

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func openDB(t testing.TB, path string) *bolt.DB {
	t.Helper()
	db, err := boltfile.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func queues(t *testing.T, db *bolt.DB, clk *clock, maxReceives int) (*queue.Queue, *queue.Queue) {
	t.Helper()
	dlq, err := queue.New(db, "jobs-dlq", queue.Options{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	q, err := queue.New(db, "jobs", queue.Options{MaxReceives: maxReceives, DeadLetter: dlq, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	return q, dlq
}

func receiveOne(t *testing.T, q *queue.Queue, vis time.Duration) (queue.Message, bool) {
	t.Helper()
	msgs, err := q.Receive(context.Background(), 1, vis)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) == 0 {
		return queue.Message{}, false
	}
	return msgs[0], true
}

func TestVisibilityTimeoutRedeliversAndStaleReceiptsDeleteNothing(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	q, _ := queues(t, openDB(t, filepath.Join(t.TempDir(), "db")), clk, 5)
	q.Send(ctx, "a")
	q.Send(ctx, "b")

	first, _ := receiveOne(t, q, 30*time.Second)
	if first.Body != "a" || first.ReceiveCount != 1 {
		t.Fatalf("first delivery %+v, want a #1", first)
	}
	second, _ := receiveOne(t, q, 30*time.Second)
	if second.Body != "b" {
		t.Fatalf("second delivery %q, want b while a is in flight", second.Body)
	}
	if m, ok := receiveOne(t, q, 30*time.Second); ok {
		t.Fatalf("delivered %q while both are in flight", m.Body)
	}
	clk.Add(31 * time.Second)
	again, ok := receiveOne(t, q, 30*time.Second)
	if !ok || again.Body != "a" || again.ReceiveCount != 2 || again.ID != first.ID {
		t.Fatalf("after the timeout got %+v, want a again as delivery #2", again)
	}
	if err := q.Delete(ctx, first.Receipt); !errors.Is(err, queue.ErrStaleReceipt) {
		t.Errorf("Delete(old receipt) = %v, want ErrStaleReceipt", err)
	}
	if err := q.Delete(ctx, again.Receipt); err != nil {
		t.Fatal(err)
	}
	if err := q.Delete(ctx, again.Receipt); !errors.Is(err, queue.ErrStaleReceipt) {
		t.Errorf("second Delete = %v, want ErrStaleReceipt", err)
	}
	if err := q.ChangeVisibility(ctx, second.Receipt, 0); err != nil {
		t.Fatal(err)
	}
	if m, ok := receiveOne(t, q, time.Second); !ok || m.Body != "b" {
		t.Errorf("after releasing b got %+v, want b", m)
	}
}

func TestDeadLetterAfterMaxReceives(t *testing.T) {
	clk := &clock{t: time.Now()}
	db := openDB(t, filepath.Join(t.TempDir(), "db"))
	dlq, _ := queue.New(db, "jobs-dlq", queue.Options{Now: clk.Now})
	var alarms []string
	q, _ := queue.New(db, "jobs", queue.Options{MaxReceives: 3, DeadLetter: dlq, Now: clk.Now, OnDeadLetter: func(b string) { alarms = append(alarms, b) }})
	q.Send(context.Background(), "poison")
	for i := 1; i <= 3; i++ {
		m, ok := receiveOne(t, q, time.Second)
		if !ok || m.ReceiveCount != i {
			t.Fatalf("delivery %d: %+v, %v", i, m, ok)
		}
		clk.Add(2 * time.Second)
	}
	if m, ok := receiveOne(t, q, time.Second); ok {
		t.Fatalf("delivered a 4th time: %+v", m)
	}
	d, ok := receiveOne(t, dlq, time.Second)
	if !ok || d.Body != "poison" || d.ReceiveCount != 1 {
		t.Fatalf("DLQ has %+v, %v; want the poison message", d, ok)
	}
	if len(alarms) != 1 || alarms[0] != "poison" {
		t.Errorf("OnDeadLetter got %v", alarms)
	}
	if v, h, _ := q.Depth(); v+h != 0 {
		t.Errorf("source queue still holds %d messages", v+h)
	}
}

func TestDelayedSend(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: time.Now()}
	q, _ := queues(t, openDB(t, filepath.Join(t.TempDir(), "db")), clk, 5)
	if err := q.SendDelayed(ctx, "later", 10*time.Second); err != nil {
		t.Fatal(err)
	}
	if err := q.SendDelayed(ctx, "x", -time.Second); err == nil {
		t.Error("negative delay accepted")
	}
	if m, ok := receiveOne(t, q, time.Second); ok {
		t.Fatalf("delivered %q before its delay", m.Body)
	}
	clk.Add(10 * time.Second)
	if m, ok := receiveOne(t, q, time.Second); !ok || m.Body != "later" {
		t.Fatalf("after the delay got %+v, %v", m, ok)
	}
}

func TestMessagesSurviveRestart(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "db")
	clk := &clock{t: time.Now()}
	db := openDB(t, path)
	q, _ := queues(t, db, clk, 5)
	q.Send(ctx, "queued")
	q.Send(ctx, "in flight")
	receiveOne(t, q, 30*time.Second) // "queued" is in flight when the process stops
	db.Close()

	db = openDB(t, path)
	defer db.Close()
	q, _ = queues(t, db, clk, 5)
	m, _ := receiveOne(t, q, time.Second)
	if m.Body != "in flight" {
		t.Fatalf("after restart got %q first, want the message that was not in flight", m.Body)
	}
	clk.Add(31 * time.Second)
	m, _ = receiveOne(t, q, time.Second)
	if m.Body != "queued" || m.ReceiveCount != 2 {
		t.Fatalf("after its timeout got %+v, want the in-flight message redelivered as #2", m)
	}
}

func TestConsumeRetriesThenDeadLetters(t *testing.T) {
	db := openDB(t, filepath.Join(t.TempDir(), "db"))
	defer db.Close()
	dlq, _ := queue.New(db, "dlq", queue.Options{})
	q, _ := queue.New(db, "work", queue.Options{MaxReceives: 3, DeadLetter: dlq})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var mu sync.Mutex
	seen := map[string]int{}
	go q.Consume(ctx, 20*time.Millisecond, func(ctx context.Context, m queue.Message) error {
		mu.Lock()
		defer mu.Unlock()
		seen[m.Body]++
		if m.Body == "bad" {
			return fmt.Errorf("cannot")
		}
		return nil
	})
	q.Send(ctx, "good")
	q.Send(ctx, "bad")
	dead := make(chan queue.Message, 1)
	go dlq.Consume(ctx, time.Second, func(ctx context.Context, m queue.Message) error { dead <- m; return nil })
	select {
	case m := <-dead:
		if m.Body != "bad" {
			t.Fatalf("DLQ got %q", m.Body)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the failing message never reached the DLQ")
	}
	mu.Lock()
	defer mu.Unlock()
	if seen["good"] != 1 || seen["bad"] != 3 {
		t.Errorf("deliveries %v, want good once and bad 3 times", seen)
	}
}

func TestConsumeKeepsSlowHandlersMessageHidden(t *testing.T) {
	db := openDB(t, filepath.Join(t.TempDir(), "db"))
	defer db.Close()
	q, _ := queue.New(db, "work", queue.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var mu sync.Mutex
	calls := 0
	done := make(chan struct{})
	handler := func(ctx context.Context, m queue.Message) error {
		mu.Lock()
		calls++
		first := calls == 1
		mu.Unlock()
		time.Sleep(600 * time.Millisecond) // six visibility timeouts
		if first {
			close(done)
		}
		return nil
	}
	go q.Consume(ctx, 100*time.Millisecond, handler)
	go q.Consume(ctx, 100*time.Millisecond, handler)
	q.Send(ctx, "slow")
	<-done
	time.Sleep(150 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	if calls != 1 {
		t.Errorf("a slow handler's message was delivered %d times, want 1", calls)
	}
}

func BenchmarkSendReceiveDelete(b *testing.B) {
	ctx := context.Background()
	db := openDB(b, filepath.Join(b.TempDir(), "db"))
	defer db.Close()
	q, _ := queue.New(db, "bench", queue.Options{})
	b.ReportAllocs()
	for b.Loop() {
		q.Send(ctx, `{"assetId":"x"}`)
		msgs, _ := q.Receive(ctx, 1, time.Second)
		q.Delete(ctx, msgs[0].Receipt)
	}
}
