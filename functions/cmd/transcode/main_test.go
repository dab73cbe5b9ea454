package main

import (
	"testing"

	"github.com/ottkit/ottkit/functions/aws/awstest"
)

// BenchmarkStartup times a cold start up to the point lambda.Start waits for the first event.
func BenchmarkStartup(b *testing.B) {
	awstest.BenchmarkStartup(b, "github.com/ottkit/ottkit/functions/cmd/transcode", map[string]string{
		"CATALOG_TABLE": "catalog", "DELIVERY_BUCKET": "delivery",
		"MEDIACONVERT_QUEUE_ARN": "arn:aws:mediaconvert:us-east-1:123456789012:queues/ottkit",
		"MEDIACONVERT_ROLE_ARN":  "arn:aws:iam::123456789012:role/ottkit-mediaconvert",
		"NOTIFY_TOPIC_ARN":       "arn:aws:sns:us-east-1:123456789012:ottkit-notify",
		"LADDER":                 `[{"height":1080,"maxBitrate":6000000},{"height":720,"maxBitrate":3500000}]`,
		"MAX_HEIGHT":             "1080", "VIDEO_CODEC": "h264", "THUMBNAIL_INTERVAL": "10",
	})
}
