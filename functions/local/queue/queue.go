// Package queue is ottkit dev's durable message queue, kept in the same embedded bbolt
// database as the catalog, with the delivery semantics the stages rely on from SQS:
// at-least-once delivery, a visibility timeout after which an undeleted message is delivered
// again, a dead-letter queue that receives a message once it has been delivered MaxReceives
// times, and delayed send. Messages survive a restart; one in flight when the process stopped
// is delivered again when its visibility timeout ends.
package queue

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// ErrStaleReceipt reports a receipt handle that no longer names a delivery: the message was
// deleted, or its visibility timeout ended and it was delivered again with a new handle.
var ErrStaleReceipt = errors.New("queue: receipt handle is stale")

// DefaultMaxReceives is how many deliveries a message gets before it goes to the DLQ, matching
// the stacks' SQS redrive policy.
const DefaultMaxReceives = 5

// Options configures a queue.
type Options struct {
	// MaxReceives is how many times a message is delivered before it is moved to DeadLetter;
	// DefaultMaxReceives when zero.
	MaxReceives int
	// DeadLetter receives messages delivered MaxReceives times without being deleted; nil
	// drops them, so every queue a stage consumes should have one.
	DeadLetter *Queue
	// OnDeadLetter, when set, is called with the body of each message moved to DeadLetter
	// (after the move is committed): the local counterpart of a DLQ depth alarm.
	OnDeadLetter func(body string)
	// Now is the clock; time.Now when nil. Tests set it to step through timeouts.
	Now func() time.Time
}

// Queue is one named queue in a bbolt database. It implements pipeline.Queue (Send) and the
// delayed send retries use (SendDelayed).
type Queue struct {
	db     *bolt.DB
	name   string
	bucket []byte
	opts   Options
	// wake is signalled, without blocking, on every send so a waiting Consume looks again.
	wake chan struct{}
}

// Message is one delivery of a message.
type Message struct {
	// ID identifies the message across deliveries.
	ID string
	// Body is what was sent.
	Body string
	// ReceiveCount is how many times it has been delivered, this delivery included.
	ReceiveCount int
	// SentAt is when it was sent.
	SentAt time.Time
	// Receipt names this delivery for Delete and ChangeVisibility.
	Receipt string
}

// record is a stored message.
type record struct {
	Body      string    `json:"body"`
	SentAt    time.Time `json:"sentAt"`
	VisibleAt time.Time `json:"visibleAt"`
	Receives  int       `json:"receives"`
	Receipt   string    `json:"receipt,omitempty"`
}

// New returns the queue called name in db, creating it if absent.
func New(db *bolt.DB, name string, opts Options) (*Queue, error) {
	if name == "" {
		return nil, errors.New("queue: name is empty")
	}
	if opts.MaxReceives == 0 {
		opts.MaxReceives = DefaultMaxReceives
	}
	if opts.MaxReceives < 1 {
		return nil, fmt.Errorf("queue %s: MaxReceives %d must be at least 1", name, opts.MaxReceives)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	q := &Queue{db: db, name: name, bucket: []byte("queue/" + name), opts: opts, wake: make(chan struct{}, 1)}
	if err := db.Update(func(tx *bolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(q.bucket)
		return err
	}); err != nil {
		return nil, fmt.Errorf("queue %s: create in %s: %w", name, db.Path(), err)
	}
	return q, nil
}

// Name returns the queue's name.
func (q *Queue) Name() string { return q.name }

// Send enqueues body for immediate delivery.
func (q *Queue) Send(ctx context.Context, body string) error { return q.SendDelayed(ctx, body, 0) }

// SendDelayed enqueues body, to be delivered no sooner than d from now.
func (q *Queue) SendDelayed(ctx context.Context, body string, d time.Duration) error {
	if d < 0 {
		return fmt.Errorf("queue %s: negative delay %s", q.name, d)
	}
	now := q.opts.Now()
	err := q.db.Update(func(tx *bolt.Tx) error {
		return q.put(tx, record{Body: body, SentAt: now, VisibleAt: now.Add(d)})
	})
	if err != nil {
		return fmt.Errorf("queue %s: send: %w", q.name, err)
	}
	q.signal()
	return nil
}

func (q *Queue) signal() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

func (q *Queue) put(tx *bolt.Tx, r record) error {
	b := tx.Bucket(q.bucket)
	seq, err := b.NextSequence()
	if err != nil {
		return err
	}
	v, err := json.Marshal(r)
	if err != nil {
		return err
	}
	return b.Put(binary.BigEndian.AppendUint64(nil, seq), v)
}

// Receive delivers up to max visible messages, oldest first, and hides each for visibility.
// A message already delivered MaxReceives times is moved to the dead-letter queue instead of
// being delivered again. It never blocks; Consume waits for messages.
func (q *Queue) Receive(ctx context.Context, max int, visibility time.Duration) ([]Message, error) {
	if max < 1 || visibility <= 0 {
		return nil, fmt.Errorf("queue %s: receive needs max ≥ 1 and a positive visibility, got %d and %s", q.name, max, visibility)
	}
	now := q.opts.Now()
	var out []Message
	var dead []string
	err := q.db.Update(func(tx *bolt.Tx) error {
		out, dead = out[:0], dead[:0]
		b := tx.Bucket(q.bucket)
		c := b.Cursor()
		for k, v := c.First(); k != nil && len(out) < max; k, v = c.Next() {
			var r record
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("message %x: %w", k, err)
			}
			if r.VisibleAt.After(now) {
				continue
			}
			if r.Receives >= q.opts.MaxReceives {
				if err := q.deadLetter(tx, r, now); err != nil {
					return err
				}
				if err := c.Delete(); err != nil {
					return err
				}
				dead = append(dead, r.Body)
				continue
			}
			r.Receives++
			r.VisibleAt = now.Add(visibility)
			r.Receipt = hex.EncodeToString(k) + "." + token()
			nv, err := json.Marshal(r)
			if err != nil {
				return err
			}
			if err := b.Put(k, nv); err != nil {
				return err
			}
			out = append(out, Message{ID: hex.EncodeToString(k), Body: r.Body, ReceiveCount: r.Receives, SentAt: r.SentAt, Receipt: r.Receipt})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("queue %s: receive: %w", q.name, err)
	}
	if len(dead) > 0 && q.opts.DeadLetter != nil {
		q.opts.DeadLetter.signal()
	}
	for _, body := range dead {
		if q.opts.OnDeadLetter != nil {
			q.opts.OnDeadLetter(body)
		}
	}
	return out, nil
}

func (q *Queue) deadLetter(tx *bolt.Tx, r record, now time.Time) error {
	if q.opts.DeadLetter == nil {
		return nil
	}
	return q.opts.DeadLetter.put(tx, record{Body: r.Body, SentAt: r.SentAt, VisibleAt: now})
}

func token() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// find returns the key and record of the delivery receipt names, or ErrStaleReceipt.
func (q *Queue) find(tx *bolt.Tx, receipt string) ([]byte, record, error) {
	var r record
	if len(receipt) < 17 || receipt[16] != '.' {
		return nil, r, ErrStaleReceipt
	}
	k, err := hex.DecodeString(receipt[:16])
	if err != nil {
		return nil, r, ErrStaleReceipt
	}
	v := tx.Bucket(q.bucket).Get(k)
	if v == nil {
		return nil, r, ErrStaleReceipt
	}
	if err := json.Unmarshal(v, &r); err != nil {
		return nil, r, err
	}
	if r.Receipt != receipt {
		return nil, r, ErrStaleReceipt
	}
	return k, r, nil
}

// Delete removes the message a delivery's receipt names: the consumer is done with it. A stale
// receipt is ErrStaleReceipt and deletes nothing, because the message is someone else's now.
func (q *Queue) Delete(ctx context.Context, receipt string) error {
	err := q.db.Update(func(tx *bolt.Tx) error {
		k, _, err := q.find(tx, receipt)
		if err != nil {
			return err
		}
		return tx.Bucket(q.bucket).Delete(k)
	})
	if err != nil {
		return fmt.Errorf("queue %s: delete: %w", q.name, err)
	}
	return nil
}

// ChangeVisibility makes the delivered message visible again d from now: 0 releases it at
// once, a longer d keeps a slow consumer's message from being delivered to another.
func (q *Queue) ChangeVisibility(ctx context.Context, receipt string, d time.Duration) error {
	err := q.db.Update(func(tx *bolt.Tx) error {
		k, r, err := q.find(tx, receipt)
		if err != nil {
			return err
		}
		r.VisibleAt = q.opts.Now().Add(d)
		v, err := json.Marshal(r)
		if err != nil {
			return err
		}
		return tx.Bucket(q.bucket).Put(k, v)
	})
	if err != nil {
		return fmt.Errorf("queue %s: change visibility: %w", q.name, err)
	}
	if d == 0 {
		q.signal()
	}
	return nil
}

// Depth counts the queue's messages: visible now, and in flight or delayed.
func (q *Queue) Depth() (visible, hidden int, err error) {
	now := q.opts.Now()
	err = q.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(q.bucket).ForEach(func(k, v []byte) error {
			var r record
			if err := json.Unmarshal(v, &r); err != nil {
				return err
			}
			if r.VisibleAt.After(now) {
				hidden++
			} else {
				visible++
			}
			return nil
		})
	})
	return visible, hidden, err
}

// nextVisible returns when the earliest hidden message becomes visible, or false if none is.
func (q *Queue) nextVisible() (time.Time, bool) {
	var next time.Time
	q.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(q.bucket).ForEach(func(k, v []byte) error {
			var r record
			if json.Unmarshal(v, &r) == nil && (next.IsZero() || r.VisibleAt.Before(next)) {
				next = r.VisibleAt
			}
			return nil
		})
	})
	return next, !next.IsZero()
}

// Handler processes one delivered message. Returning nil deletes it; an error leaves it to be
// delivered again once its visibility timeout ends (and to the DLQ after MaxReceives).
type Handler func(ctx context.Context, m Message) error

// maxIdle bounds how long Consume sleeps without looking, so a clock step is noticed.
const maxIdle = time.Second

// Consume delivers messages to handle one at a time until ctx ends, hiding each for
// visibility and extending that every third of it while handle runs, so a slow handler is not raced by a second
// delivery. It returns ctx's error, or the first error of the queue itself.
func (q *Queue) Consume(ctx context.Context, visibility time.Duration, handle Handler) error {
	for {
		msgs, err := q.Receive(ctx, 1, visibility)
		if err != nil {
			return err
		}
		if len(msgs) == 0 {
			wait := maxIdle
			if next, ok := q.nextVisible(); ok {
				wait = min(max(next.Sub(q.opts.Now()), time.Millisecond), maxIdle)
			}
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return ctx.Err()
			case <-q.wake:
			case <-t.C:
			}
			t.Stop()
			continue
		}
		m := msgs[0]
		if err := q.run(ctx, m, visibility, handle); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			continue // redelivered when its visibility ends
		}
		if err := q.Delete(ctx, m.Receipt); err != nil && !errors.Is(err, ErrStaleReceipt) {
			return err
		}
	}
}

// run calls handle with a heartbeat that keeps m hidden while it runs.
func (q *Queue) run(ctx context.Context, m Message, visibility time.Duration, handle Handler) error {
	done := make(chan struct{})
	defer close(done)
	go func() {
		t := time.NewTicker(visibility / 3)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				q.ChangeVisibility(ctx, m.Receipt, visibility)
			}
		}
	}()
	return handle(ctx, m)
}
