package main

import (
	"testing"

	"github.com/ottkit/ottkit/functions/gcp/gcptest"
)

// BenchmarkStartup times a cold start until the service accepts connections on $PORT.
func BenchmarkStartup(b *testing.B) {
	gcptest.BenchmarkStartup(b, "github.com/ottkit/ottkit/functions/cmd/gcp-transcode", gcptest.StartupEnv(map[string]string{
		"LADDER": `[{"height":1080,"maxBitrate":6000000},{"height":720,"maxBitrate":3500000}]`,
	}))
}
