package main

import (
	"testing"

	"github.com/ottkit/ottkit/functions/aws/awstest"
)

// BenchmarkStartup times a cold start up to the point lambda.Start waits for the first event.
func BenchmarkStartup(b *testing.B) {
	awstest.BenchmarkStartup(b, "github.com/ottkit/ottkit/functions/cmd/ingest", map[string]string{
		"INGEST_BUCKET": "ingest", "MASTERS_BUCKET": "masters", "CATALOG_TABLE": "catalog",
		"TRANSCODE_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/transcode",
		"MAX_DURATION":        "14400", "MAX_UPLOAD_BYTES": "5368709120",
	})
}
