package tcjob

import (
	"time"

	"cloud.google.com/go/video/transcoder/apiv1/transcoderpb"

	"github.com/ottkit/ottkit/functions/pipeline"
)

// Minutes is what a job bills, in output minutes per Transcoder API price class
// (cloud.google.com/transcoder/pricing): every video stream is charged for the output's
// duration at the class of its resolution, and audio-only outputs at the audio rate.
// Sprite sheets and text streams are not charged.
type Minutes struct {
	// SD is below 1280x720, HD 1280x720 up to 1920x1080, UHD above 1920x1080.
	SD, HD, UHD float64
	// Audio is audio-only output.
	Audio float64
}

// Total is the sum over the classes.
func (m Minutes) Total() float64 { return m.SD + m.HD + m.UHD + m.Audio }

// add counts minutes of a w x h video stream at its class: SD when either side is below
// 1280x720's, HD up to 1920x1080 in either orientation, UHD above.
func (m *Minutes) add(w, h int, minutes float64) {
	long, short := max(w, h), min(w, h)
	switch {
	case long < 1280 || short < 720:
		m.SD += minutes
	case long <= 1920 && short <= 1080:
		m.HD += minutes
	default:
		m.UHD += minutes
	}
}

// BilledMinutes is what the job Build makes for plan bills when the source lasts d, counted
// from the plan rather than a built job, so the complete stage can record it from the
// renditions a ready asset has: one video stream per rendition at its class (display or coded
// orientation, the class is the same) and one audio-only stream when the plan has audio. It
// equals OutputMinutes(Build(…plan…), d), which TestBilledMinutesIsTheJobs checks.
func BilledMinutes(plan pipeline.Plan, d time.Duration) pipeline.Minutes {
	var m Minutes
	for _, r := range plan.Renditions {
		m.add(r.Width, r.Height, d.Minutes())
	}
	if plan.Audio {
		m.Audio = d.Minutes()
	}
	return pipeline.Minutes{Tier: pipeline.TierTranscoder, SD: m.SD, HD: m.HD, UHD: m.UHD, Audio: m.Audio}
}

// OutputMinutes counts the output minutes job bills for a source of duration d.
func OutputMinutes(job *transcoderpb.Job, d time.Duration) Minutes {
	var m Minutes
	minutes := d.Minutes()
	videoStreams := map[string]bool{}
	for _, es := range job.GetConfig().GetElementaryStreams() {
		v := es.GetVideoStream()
		if v == nil {
			continue
		}
		videoStreams[es.Key] = true
		var w, h int32
		if s := v.GetH264(); s != nil {
			w, h = s.WidthPixels, s.HeightPixels
		} else if s := v.GetH265(); s != nil {
			w, h = s.WidthPixels, s.HeightPixels
		}
		m.add(int(w), int(h), minutes)
	}
	for _, mux := range job.GetConfig().GetMuxStreams() {
		audioOnly := mux.Container != "vtt"
		for _, key := range mux.ElementaryStreams {
			if videoStreams[key] {
				audioOnly = false
			}
		}
		if audioOnly {
			m.Audio += minutes
		}
	}
	return m
}
