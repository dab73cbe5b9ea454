package pipeline_test

import (
	"testing"
	"time"

	"github.com/ottkit/ottkit/functions/pipeline"
)

func TestProgressIncreasesOnEveryAllowedMove(t *testing.T) {
	for _, from := range pipeline.Statuses {
		for _, to := range pipeline.Statuses {
			if !from.CanMoveTo(to) {
				continue
			}
			a := &pipeline.Asset{Status: from, Attempts: 1}
			if from == pipeline.StatusUploaded || from == pipeline.StatusQueued {
				a.Attempts = 0
			}
			before := pipeline.Progress(a)
			b := *a
			if !b.Advance(to, time.Now()) {
				t.Fatalf("Advance(%s → %s) refused a move CanMoveTo allows", from, to)
			}
			if after := pipeline.Progress(&b); after <= before {
				t.Errorf("%s → %s: progress %d → %d, want an increase", from, to, before, after)
			}
		}
	}
}
