package stagetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ottkit/ottkit/functions/pipeline"
)

// TranscoderFixture is what TranscoderContract needs of one implementation.
type TranscoderFixture struct {
	Transcoder pipeline.Transcoder
	// Asset is a queued asset whose source the transcoder accepts, and Plan a plan for it.
	Asset *pipeline.Asset
	Plan  pipeline.Plan
	// Advance moves the transcoding service's clock (the fake's, MediaConvert fake's) by d.
	Advance func(d time.Duration)
	// Jobs returns the number of jobs the service created: what would be billed.
	Jobs func() int
}

// TranscoderContract checks a pipeline.Transcoder: a repeated submission of one attempt
// returns the first job, Find finds an attempt's job however long after it was submitted, and
// reports ErrNoJob for an attempt never submitted.
func TranscoderContract(t *testing.T, newTranscoder func(t *testing.T) TranscoderFixture) {
	ctx := context.Background()
	t.Run("OneJobPerAttempt", func(t *testing.T) {
		f := newTranscoder(t)
		since := time.Now()
		if _, err := f.Transcoder.Find(ctx, f.Asset, since); !errors.Is(err, pipeline.ErrNoJob) {
			t.Fatalf("Find before any submission = %v, want ErrNoJob", err)
		}
		first, err := f.Transcoder.Submit(ctx, f.Asset, f.Plan)
		if err != nil || first == "" {
			t.Fatalf("Submit = %q, %v", first, err)
		}
		again, err := f.Transcoder.Submit(ctx, f.Asset, f.Plan)
		if err != nil || again != first {
			t.Errorf("second Submit = %q, %v; want the first job %q", again, err, first)
		}
		if n := f.Jobs(); n != 1 {
			t.Errorf("%d jobs for one attempt, want 1", n)
		}
		f.Advance(3 * time.Minute)
		if got, err := f.Transcoder.Find(ctx, f.Asset, since); err != nil || got != first {
			t.Errorf("Find 3 minutes later = %q, %v; want %q", got, err, first)
		}
		next := *f.Asset
		next.Attempts++
		if _, err := f.Transcoder.Find(ctx, &next, since); !errors.Is(err, pipeline.ErrNoJob) {
			t.Errorf("Find for the next attempt = %v, want ErrNoJob", err)
		}
		other := *f.Asset
		other.ID = "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"
		if _, err := f.Transcoder.Find(ctx, &other, since); !errors.Is(err, pipeline.ErrNoJob) {
			t.Errorf("Find for another asset = %v, want ErrNoJob", err)
		}
	})
}
