// Package snstopic publishes asset notifications (ready, failed, rejected) to an Amazon SNS
// topic, as JSON with message attributes subscribers can filter on.
package snstopic

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sns/types"

	"github.com/ottkit/ottkit/functions/pipeline"
)

// Topic is one SNS topic.
type Topic struct {
	client *sns.Client
	arn    string
}

var _ pipeline.Notifier = (*Topic)(nil)

// New returns the topic with arn.
func New(client *sns.Client, arn string) *Topic {
	return &Topic{client: client, arn: arn}
}

// Publish sends n as a JSON message. The status and tenant are also message attributes, so a
// subscription filter policy can pick, say, one tenant's failures.
func (t *Topic) Publish(ctx context.Context, n pipeline.Notification) error {
	body, err := json.Marshal(n)
	if err != nil {
		return fmt.Errorf("snstopic: encode notification for %s: %w", n.AssetID, err)
	}
	attrs := map[string]types.MessageAttributeValue{
		"status": {DataType: aws.String("String"), StringValue: aws.String(string(n.Status))},
	}
	if n.Tenant != "" {
		attrs["tenant"] = types.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String(n.Tenant)}
	}
	_, err = t.client.Publish(ctx, &sns.PublishInput{
		TopicArn:          aws.String(t.arn),
		Message:           aws.String(string(body)),
		MessageAttributes: attrs,
	})
	if err != nil {
		return fmt.Errorf("snstopic: publish %s for %s: %w", n.Status, n.AssetID, err)
	}
	return nil
}
