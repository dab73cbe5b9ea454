package main

import (
	"testing"

	"github.com/ottkit/ottkit/functions/gcp/gcptest"
)

// BenchmarkStartup times a cold start until the service accepts connections on $PORT.
func BenchmarkStartup(b *testing.B) {
	gcptest.BenchmarkStartup(b, "github.com/ottkit/ottkit/functions/cmd/gcp-api", gcptest.StartupEnv(map[string]string{
		"SERVICE_ACCOUNT": gcptest.Self, "PLAYBACK_DOMAIN": "media.example.com",
	}))
}
