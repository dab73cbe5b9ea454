package pipeline

import (
	"math"
	"time"
)

// Tiers of MediaConvert's on-demand pricing. A job bills every output at one tier: the
// professional one as soon as any output needs it (HEVC, multi-pass, HDR or 10-bit).
const (
	TierBasic        = "basic"
	TierProfessional = "professional"
	// TierTranscoder is what GCP jobs record: the Transcoder API has one price list, with no
	// tiers (tcjob.BilledMinutes).
	TierTranscoder = "transcoder"
)

// Resolution classes MediaConvert prices by: the output's shorter side below 720 lines is
// SD, up to 1080 HD, above it UHD.
const (
	ClassSD  = "sd"
	ClassHD  = "hd"
	ClassUHD = "uhd"
)

// Minutes are the output minutes a transcode bills, by resolution class, all at Tier.
// Audio-only outputs bill apart from video.
type Minutes struct {
	Tier  string  `json:"tier" dynamodbav:"tier"`
	SD    float64 `json:"sd,omitempty" dynamodbav:"sd,omitempty"`
	HD    float64 `json:"hd,omitempty" dynamodbav:"hd,omitempty"`
	UHD   float64 `json:"uhd,omitempty" dynamodbav:"uhd,omitempty"`
	Audio float64 `json:"audio,omitempty" dynamodbav:"audio,omitempty"`
}

// Video is the video output minutes of every class.
func (m Minutes) Video() float64 { return m.SD + m.HD + m.UHD }

// Add returns the sum of m and o, at the costlier tier of the two.
func (m Minutes) Add(o Minutes) Minutes {
	t := m.Tier
	if o.Tier == TierProfessional || t == "" {
		t = o.Tier
	}
	return Minutes{Tier: t, SD: m.SD + o.SD, HD: m.HD + o.HD, UHD: m.UHD + o.UHD, Audio: m.Audio + o.Audio}
}

// ClassOf is the resolution class of a width x height output.
func ClassOf(width, height int) string {
	switch short := min(width, height); {
	case short < 720:
		return ClassSD
	case short <= 1080:
		return ClassHD
	}
	return ClassUHD
}

// highFrameRateFactor is how many minutes an output above 30 fps bills per minute: the
// pricing page's rates double past 30 fps.
const highFrameRateFactor = 2

// OutputMinutes is the billed length of one output of duration d: MediaConvert bills whole
// seconds, at least 10 of them.
func OutputMinutes(d time.Duration) float64 {
	secs := math.Ceil(d.Seconds())
	return max(secs, 10) / 60
}

// BilledMinutes is what the job mcjob builds for plan bills when the source lasts d (the
// job is clipped to it, see ClipDuration): one output per rendition at its class, one per
// audio rendition, and the single frame-capture output that makes the poster and the
// thumbnails, at its own (SD) size. The tier is professional for HEVC (which also carries
// HDR and 10-bit), for multi-pass encoding and for a deinterlaced source, basic otherwise.
// AWS's pricing page puts "simple web distribution" on the basic tier and broadcast
// processing on the professional one without listing the deinterlacer; it is priced as
// professional so an estimate never falls short of the bill. It is a pure function, so the
// complete stage can record it on the catalog item and `ottkit cost` price it.
func BilledMinutes(plan Plan, d time.Duration, multiPass bool) Minutes {
	m := Minutes{Tier: TierBasic}
	if plan.Codec == CodecHEVC || multiPass || plan.HDR != "" || plan.Deinterlace {
		m.Tier = TierProfessional
	}
	per := OutputMinutes(d)
	video := per
	if fps := plan.FrameRate; fps > 30 && (plan.OutputFrameRate == 0 || plan.OutputFrameRate > 30) {
		video *= highFrameRateFactor
	}
	for _, r := range plan.Renditions {
		m.addVideo(ClassOf(r.Width, r.Height), video)
	}
	m.addVideo(ClassSD, per) // poster and thumbnails: one small frame-capture output
	audio := len(plan.AudioTracks)
	if plan.Audio && audio == 0 {
		audio = 1
	}
	m.Audio = float64(audio) * per
	return m
}

func (m *Minutes) addVideo(class string, minutes float64) {
	switch class {
	case ClassSD:
		m.SD += minutes
	case ClassHD:
		m.HD += minutes
	default:
		m.UHD += minutes
	}
}

// ClipDuration is where the transcode job stops reading the source: the judged duration
// rounded up to the next whole second. Judge accepted the upload for that duration, so a
// file whose headers understate its length is still billed for no more than was judged.
func ClipDuration(d time.Duration) time.Duration {
	return d.Truncate(time.Second) + time.Second
}

// PlanOf rebuilds, from a catalog item, the plan its transcode was built from as far as
// billing goes: the renditions, the audio tracks, the frame rate and the dynamic range, with
// the stack's codec (the item does not keep it). BilledMinutes(PlanOf(a, codec), d, false)
// is what the job bills, so the complete stage can record it without the ladder.
func PlanOf(a *Asset, codec string) Plan {
	p := Plan{Codec: codec, Renditions: a.Renditions}
	if s := a.Probe; s != nil {
		src := SourceOf(*s)
		p.Audio, p.FrameRate, p.SourceHDR, p.Deinterlace = src.Audio, src.FrameRate, src.HDR, src.Interlaced
		if src.FrameRate > MaxFrameRate {
			p.OutputFrameRate = outputFrameRate(src.FrameRate)
		}
		if codec == CodecHEVC {
			p.HDR = src.HDR
		}
		p.AudioTracks = audioRenditions(src)
	}
	return p
}
