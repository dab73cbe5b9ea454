package playback_test

import (
	"context"
	"testing"
	"time"

	"github.com/ottkit/ottkit/functions/aws/playback"
	"github.com/ottkit/ottkit/functions/edge/cloudflare"
	"github.com/ottkit/ottkit/functions/pipeline"
)

type staticKey playback.Key

func (k staticKey) Key(context.Context) (playback.Key, error) { return playback.Key(k), nil }

// BenchmarkEdgeStackGrant signs one playback grant of an edge stack, CloudFront's cookies
// and the edge token (keys cached, as in a warm function), against CloudFront's alone.
func BenchmarkEdgeStackGrant(b *testing.B) {
	edgeKey, err := cloudflare.GenerateKey("k1")
	if err != nil {
		b.Fatal(err)
	}
	cdn := playback.NewSigner(staticKey{KeyPairID: "KXYZ", PrivateKey: rsaKey(b)}, "d111.cloudfront.net")
	for name, s := range map[string]pipeline.PlaybackSigner{
		"cloudfront":      cdn,
		"cloudfront+edge": pipeline.PlaybackSigners{cdn, cloudflare.NewSigner(cloudflare.StaticKey(edgeKey))},
	} {
		b.Run(name, func(b *testing.B) {
			exp := time.Now().Add(10 * time.Minute).Truncate(time.Second)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.Sign(context.Background(), "/assets/abc123/", exp); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
