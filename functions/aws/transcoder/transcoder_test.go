package transcoder_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/ottkit/ottkit/functions/aws/mediaconvertfake"
	"github.com/ottkit/ottkit/functions/aws/transcoder"
	"github.com/ottkit/ottkit/functions/pipeline"
)

func plan(t *testing.T) pipeline.Plan {
	t.Helper()
	p, err := pipeline.PlanLadder(pipeline.Source{Width: 1920, Height: 1080, FrameRate: 25, Audio: true},
		pipeline.LadderConfig{Rungs: []pipeline.Rung{{Height: 720, MaxBitrate: 3_500_000}}, Codec: pipeline.CodecH264})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestSubmit(t *testing.T) {
	mc := mediaconvertfake.New()
	defer mc.Close()
	cfg := transcoder.Config{Queue: "arn:aws:mediaconvert:us-east-1:1:queues/q", Role: "arn:aws:iam::1:role/r", DeliveryBucket: "delivery", ThumbnailInterval: 10}
	tc := transcoder.New(mc.Client(), cfg)
	a := &pipeline.Asset{ID: "a1", Tenant: "acme", Attempts: 1, Source: pipeline.Object{Bucket: "masters", Key: "a1/in.mp4"},
		Probe: &pipeline.ProbeSummary{Duration: 30 * time.Second}}
	ctx := context.Background()

	id1, err := tc.Submit(ctx, a, plan(t))
	if err != nil || id1 == "" {
		t.Fatalf("Submit = %q, %v", id1, err)
	}
	id2, err := tc.Submit(ctx, a, plan(t))
	if err != nil || id2 != id1 || len(mc.Jobs()) != 1 {
		t.Errorf("resubmitting attempt 2 gave %q (%v) and %d jobs, want the same job", id2, err, len(mc.Jobs()))
	}
	job := mc.Jobs()[0].Request
	if *job.ClientRequestToken != "a1-2" || job.Tags[transcoder.TagAsset] != "a1" || job.Tags[transcoder.TagTenant] != "acme" {
		t.Errorf("token %s tags %v", *job.ClientRequestToken, job.Tags)
	}

	t.Run("invalid job is rejected before sending", func(t *testing.T) {
		bad := transcoder.New(mc.Client(), transcoder.Config{Role: cfg.Role, DeliveryBucket: "delivery", ThumbnailInterval: 10})
		if _, err := bad.Submit(ctx, a, plan(t)); !errors.Is(err, transcoder.ErrRejected) {
			t.Errorf("Submit without a queue: %v, want ErrRejected", err)
		}
	})
	t.Run("400 from MediaConvert is rejected", func(t *testing.T) {
		mc.FailNext(1, mediaconvertfake.Error{Status: http.StatusBadRequest, Type: "BadRequestException", Message: "/settings: invalid"})
		if _, err := tc.Submit(ctx, &pipeline.Asset{ID: "a2", Tenant: "acme", Source: a.Source, Probe: a.Probe}, plan(t)); !errors.Is(err, transcoder.ErrRejected) {
			t.Errorf("Submit: %v, want ErrRejected", err)
		}
	})
	t.Run("throttling is not a rejection", func(t *testing.T) {
		mc.FailNext(3, mediaconvertfake.TooManyRequests)
		_, err := tc.Submit(ctx, &pipeline.Asset{ID: "a3", Tenant: "acme", Source: a.Source, Probe: a.Probe}, plan(t))
		if err == nil || errors.Is(err, transcoder.ErrRejected) {
			t.Errorf("Submit: %v, want a retryable error", err)
		}
	})
}
