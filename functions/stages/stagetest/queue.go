package stagetest

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	"github.com/ottkit/ottkit/functions/pipeline"
)

// Message is one message a fake Queue received.
type Message struct {
	Body  string
	Delay time.Duration
	// Sent is when it was sent; it becomes visible at Sent+Delay.
	Sent time.Time
}

// Queue is an in-memory pipeline.Queue and pipeline.DelayedQueue that keeps what it was sent.
type Queue struct {
	Faults
	// Now is the clock; time.Now when nil.
	Now func() time.Time

	mu       sync.Mutex
	sent     []Message
	received int // sent[:received] have been returned by Receive
}

var (
	_ pipeline.Queue        = (*Queue)(nil)
	_ pipeline.DelayedQueue = (*Queue)(nil)
)

// Send implements pipeline.Queue.
func (q *Queue) Send(ctx context.Context, body string) error { return q.SendDelayed(ctx, body, 0) }

// SendDelayed implements pipeline.DelayedQueue, capping delay at pipeline.MaxQueueDelay.
func (q *Queue) SendDelayed(_ context.Context, body string, delay time.Duration) error {
	if err := q.take("Send"); err != nil {
		return err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	now := time.Now
	if q.Now != nil {
		now = q.Now
	}
	q.sent = append(q.sent, Message{Body: body, Delay: min(max(delay, 0), pipeline.MaxQueueDelay), Sent: now()})
	return nil
}

// Receive returns the bodies of the messages that are visible now (their delay has passed)
// and were not received before, as a consumer of the queue would get them.
func (q *Queue) Receive() []string {
	now := time.Now
	if q.Now != nil {
		now = q.Now
	}
	at := now()
	q.mu.Lock()
	defer q.mu.Unlock()
	var out []string
	var later []Message
	for _, m := range q.sent[q.received:] {
		if !at.Before(m.Sent.Add(m.Delay)) {
			out = append(out, m.Body)
		} else {
			later = append(later, m)
		}
	}
	// Received messages move before the received mark; the rest keep their order after it.
	kept := q.sent[:q.received:q.received]
	for _, m := range q.sent[q.received:] {
		if !at.Before(m.Sent.Add(m.Delay)) {
			kept = append(kept, m)
		}
	}
	q.received = len(kept)
	q.sent = append(kept, later...)
	return out
}

// Messages returns what was sent, in order.
func (q *Queue) Messages() []Message {
	q.mu.Lock()
	defer q.mu.Unlock()
	return append([]Message(nil), q.sent...)
}

// Requests decodes every message as a pipeline.TranscodeRequest; a body that is not one
// decodes to the zero request.
func (q *Queue) Requests() []pipeline.TranscodeRequest {
	var out []pipeline.TranscodeRequest
	for _, m := range q.Messages() {
		var r pipeline.TranscodeRequest
		_ = json.Unmarshal([]byte(m.Body), &r)
		out = append(out, r)
	}
	return out
}

// Notifier is an in-memory pipeline.Notifier that keeps what it was sent.
type Notifier struct {
	Faults
	mu   sync.Mutex
	sent []pipeline.Notification
}

var _ pipeline.Notifier = (*Notifier)(nil)

// Publish implements pipeline.Notifier.
func (n *Notifier) Publish(_ context.Context, note pipeline.Notification) error {
	if err := n.take("Publish"); err != nil {
		return err
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	n.sent = append(n.sent, note)
	return nil
}

// Notifications returns what was published, in order.
func (n *Notifier) Notifications() []pipeline.Notification {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]pipeline.Notification(nil), n.sent...)
}
