package transcoder_test

import (
	"sync"
	"testing"
	"time"

	"github.com/ottkit/ottkit/functions/aws/mediaconvertfake"
	"github.com/ottkit/ottkit/functions/aws/transcoder"
	"github.com/ottkit/ottkit/functions/pipeline"
	"github.com/ottkit/ottkit/functions/stages/stagetest"
)

// TestContract runs the suite every pipeline.Transcoder passes against MediaConvert on the
// fake, whose clock the suite moves past the one-minute life of a client request token.
func TestContract(t *testing.T) {
	stagetest.TranscoderContract(t, func(t *testing.T) stagetest.TranscoderFixture {
		mc := mediaconvertfake.New()
		t.Cleanup(mc.Close)
		var mu sync.Mutex
		now := time.Now()
		mc.SetNow(func() time.Time { mu.Lock(); defer mu.Unlock(); return now })
		cfg := transcoder.Config{Queue: "arn:aws:mediaconvert:us-east-1:1:queues/q", Role: "arn:aws:iam::1:role/r", DeliveryBucket: "delivery", ThumbnailInterval: 10}
		return stagetest.TranscoderFixture{
			Transcoder: transcoder.New(mc.Client(), cfg),
			Asset: &pipeline.Asset{ID: "a1", Tenant: "acme", Status: pipeline.StatusQueued, Source: pipeline.Object{Bucket: "masters", Key: "a1/in.mp4"},
				Probe: &pipeline.ProbeSummary{Duration: 30 * time.Second}},
			Plan:    plan(t),
			Advance: func(d time.Duration) { mu.Lock(); defer mu.Unlock(); now = now.Add(d) },
			Jobs:    func() int { return len(mc.Jobs()) },
		}
	})
}
