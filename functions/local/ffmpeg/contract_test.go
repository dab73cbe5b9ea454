package ffmpeg

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ottkit/ottkit/functions/internal/testmedia"
	"github.com/ottkit/ottkit/functions/pipeline"
	"github.com/ottkit/ottkit/functions/stages/stagetest"
)

// TestTranscoderContract runs the pipeline.Transcoder contract on the ffmpeg transcoder. A
// job is what it records in its work directory, and so what would be encoded.
func TestTranscoderContract(t *testing.T) {
	stagetest.TranscoderContract(t, func(t *testing.T) stagetest.TranscoderFixture {
		f := newFixture(t)
		clock := time.Now()
		f.tc.Close()
		cfg := f.config()
		cfg.Now = func() time.Time { return clock }
		tc, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { tc.Close() })
		a, plan := f.asset(testmedia.NoAudio, pipeline.Source{Width: 640, Height: 360, FrameRate: 10},
			[]pipeline.Rung{{Height: 360, MaxBitrate: 300_000}})
		a.Status = pipeline.StatusQueued
		return stagetest.TranscoderFixture{
			Transcoder: tc, Asset: a, Plan: plan,
			Advance: func(d time.Duration) { clock = clock.Add(d) },
			Jobs: func() int {
				records, _ := filepath.Glob(filepath.Join(f.work, "jobs", "*.json"))
				if _, err := os.Stat(filepath.Join(f.work, "jobs")); err != nil {
					t.Fatal(err)
				}
				return len(records)
			},
		}
	})
}
