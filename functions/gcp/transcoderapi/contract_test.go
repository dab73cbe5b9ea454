package transcoderapi

import (
	"testing"

	"github.com/ottkit/ottkit/functions/pipeline"
	"github.com/ottkit/ottkit/functions/stages/stagetest"
)

func TestTranscoderContract(t *testing.T) {
	stagetest.TranscoderContract(t, func(t *testing.T) stagetest.TranscoderFixture {
		fake, tc := setup(t)
		a, plan := asset()
		a.Status = pipeline.StatusQueued
		return stagetest.TranscoderFixture{
			Transcoder: tc, Asset: a, Plan: plan,
			Advance: fake.Advance,
			Jobs:    func() int { return len(fake.Jobs()) },
		}
	})
}
