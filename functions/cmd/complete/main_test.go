package main

import (
	"testing"

	"github.com/ottkit/ottkit/functions/aws/awstest"
)

// BenchmarkStartup times a cold start up to the point lambda.Start waits for the first event.
func BenchmarkStartup(b *testing.B) {
	awstest.BenchmarkStartup(b, "github.com/ottkit/ottkit/functions/cmd/complete", map[string]string{
		"CATALOG_TABLE": "catalog", "DELIVERY_BUCKET": "delivery", "MASTERS_BUCKET": "masters",
		"NOTIFY_TOPIC_ARN":      "arn:aws:sns:us-east-1:123456789012:notify",
		"TRANSCODE_QUEUE_URL":   "https://sqs.us-east-1.amazonaws.com/123456789012/transcode",
		"ARCHIVE_STORAGE_CLASS": "GLACIER_IR", "MAX_RETRIES": "2", "VIDEO_CODEC": "h264",
	})
}
