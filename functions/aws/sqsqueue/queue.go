// Package sqsqueue sends messages to an Amazon SQS queue: ingest's transcode requests, and the
// delayed resubmissions complete makes when a transcoding job fails with a retryable error.
package sqsqueue

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/ottkit/ottkit/functions/pipeline"
)

// MaxDelay is the longest delay SQS accepts on a message.
const MaxDelay = 15 * time.Minute

// Queue is one SQS queue.
type Queue struct {
	client *sqs.Client
	url    string
}

var _ pipeline.Queue = (*Queue)(nil)

// New returns the queue at url.
func New(client *sqs.Client, url string) *Queue {
	return &Queue{client: client, url: url}
}

// Send sends body for immediate delivery.
func (q *Queue) Send(ctx context.Context, body string) error {
	return q.SendDelayed(ctx, body, 0)
}

// SendDelayed sends body so that it becomes visible after delay, rounded down to whole seconds
// and capped at MaxDelay.
func (q *Queue) SendDelayed(ctx context.Context, body string, delay time.Duration) error {
	delay = min(max(delay, 0), MaxDelay)
	_, err := q.client.SendMessage(ctx, &sqs.SendMessageInput{
		QueueUrl:     aws.String(q.url),
		MessageBody:  aws.String(body),
		DelaySeconds: int32(delay / time.Second),
	})
	if err != nil {
		return fmt.Errorf("sqsqueue: send to %s: %w", q.url, err)
	}
	return nil
}
