// Package notify is ottkit dev's notifier: the local counterpart of the SNS topic the complete
// stage publishes to. Every notification is logged and handed to each subscriber in-process
// (the dev console, the web page's status stream, a test).
package notify

import (
	"context"
	"log/slog"
	"sync"

	"github.com/ottkit/ottkit/functions/pipeline"
)

// Topic is a pipeline.Notifier with in-process subscribers.
type Topic struct {
	log *slog.Logger
	mu  sync.Mutex
	// subs is copied on write, so Publish never holds the lock while a subscriber runs.
	subs map[int]func(pipeline.Notification)
	next int
}

var _ pipeline.Notifier = (*Topic)(nil)

// New returns a topic that logs to log (slog.Default() when nil).
func New(log *slog.Logger) *Topic {
	if log == nil {
		log = slog.Default()
	}
	return &Topic{log: log, subs: map[int]func(pipeline.Notification){}}
}

// Subscribe calls f with every notification published from now on, until the returned
// function is called. f runs on the publisher's goroutine and must not block.
func (t *Topic) Subscribe(f func(pipeline.Notification)) (unsubscribe func()) {
	t.mu.Lock()
	defer t.mu.Unlock()
	id := t.next
	t.next++
	subs := make(map[int]func(pipeline.Notification), len(t.subs)+1)
	for k, v := range t.subs {
		subs[k] = v
	}
	subs[id] = f
	t.subs = subs
	return func() {
		t.mu.Lock()
		defer t.mu.Unlock()
		subs := make(map[int]func(pipeline.Notification), len(t.subs))
		for k, v := range t.subs {
			if k != id {
				subs[k] = v
			}
		}
		t.subs = subs
	}
}

// Publish logs n and hands it to every subscriber.
func (t *Topic) Publish(ctx context.Context, n pipeline.Notification) error {
	attrs := []any{"assetId", n.AssetID, "tenant", n.Tenant, "status", n.Status}
	if n.HLS != "" {
		attrs = append(attrs, "hls", n.HLS, "dash", n.DASH)
	}
	if n.FailureCode != "" {
		attrs = append(attrs, "failureCode", n.FailureCode, "failureMessage", n.FailureMessage)
	}
	t.log.InfoContext(ctx, "asset "+string(n.Status), attrs...)
	t.mu.Lock()
	subs := t.subs
	t.mu.Unlock()
	for _, f := range subs {
		f(n)
	}
	return nil
}
