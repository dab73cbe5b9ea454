// Package pubsubq sends the pipeline's messages through Pub/Sub: Queue publishes a stage's
// hand-off to the next stage's topic (whose push subscription carries the dead-letter policy)
// and Notifier publishes an asset's final status to the notifications topic, with its status
// and tenant as attributes so subscribers can filter on them.
//
// Publishing waits for the server's acknowledgement, so a handler that returns nil has handed
// its message over; a publish error fails the handler and the push is retried.
package pubsubq

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"cloud.google.com/go/pubsub/v2"

	"github.com/ottkit/ottkit/functions/pipeline"
)

// Topic is one Pub/Sub topic the functions publish to.
type Topic struct {
	name string
	pub  *pubsub.Publisher
}

// New returns the topic name (projects/<p>/topics/<t>) of client, publishing each message
// at once: a function publishes one message per request, so batching only adds latency.
func New(client *pubsub.Client, name string) *Topic {
	pub := client.Publisher(name)
	pub.PublishSettings.CountThreshold = 1
	pub.PublishSettings.DelayThreshold = time.Millisecond
	return &Topic{name: name, pub: pub}
}

// Stop flushes and stops the publisher; call it when the process exits.
func (t *Topic) Stop() { t.pub.Stop() }

func (t *Topic) publish(ctx context.Context, m *pubsub.Message) error {
	if _, err := t.pub.Publish(ctx, m).Get(ctx); err != nil {
		return fmt.Errorf("pubsubq: publish to %s: %w", t.name, err)
	}
	return nil
}

// Queue is the pipeline.Queue over a topic.
type Queue struct{ *Topic }

var _ pipeline.Queue = Queue{}

// Send publishes body.
func (q Queue) Send(ctx context.Context, body string) error {
	return q.publish(ctx, &pubsub.Message{Data: []byte(body)})
}

// Notifier is the pipeline.Notifier over a topic.
type Notifier struct{ *Topic }

var _ pipeline.Notifier = Notifier{}

// Attribute names set on notifications.
const (
	AttrStatus = "status"
	AttrTenant = "tenant"
	AttrAsset  = "assetId"
)

// Publish sends n as JSON with status, tenant and asset id attributes.
func (n Notifier) Publish(ctx context.Context, note pipeline.Notification) error {
	body, err := json.Marshal(note)
	if err != nil {
		return fmt.Errorf("pubsubq: encode notification for %s: %w", note.AssetID, err)
	}
	return n.publish(ctx, &pubsub.Message{Data: body, Attributes: map[string]string{
		AttrStatus: string(note.Status), AttrTenant: note.Tenant, AttrAsset: note.AssetID,
	}})
}
