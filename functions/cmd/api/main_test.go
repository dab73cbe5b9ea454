package main

import (
	"testing"

	"github.com/ottkit/ottkit/functions/aws/awstest"
)

// BenchmarkStartup times a cold start up to the point lambda.Start waits for the first event.
func BenchmarkStartup(b *testing.B) {
	awstest.BenchmarkStartup(b, "github.com/ottkit/ottkit/functions/cmd/api", map[string]string{
		"INGEST_BUCKET": "ingest", "CATALOG_TABLE": "catalog", "SIGNING_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:signing",
		"PLAYBACK_DOMAIN": "media.example.com", "PLAYBACK_TTL": "600", "UPLOAD_TTL": "900", "MAX_UPLOAD_BYTES": "1073741824",
	})
}
