package cost

import (
	"fmt"
	"math"
	"time"

	"github.com/ottkit/ottkit/functions/pipeline"
)

// The anchor is AWS's "Video on Demand on AWS" solution (v6.1.x, QVBR mode, frame capture
// off as deployed by default), whose job templates are in aws-solutions/video-on-demand-on-aws,
// source/custom-resource/lib/mediaconvert/templates/{2160p,1080p,720p}_avc_aac_16x9_qvbr.json.
// Its profiler picks the template whose height is nearest the source's frame height, and every
// template encodes a fixed set of 16:9 outputs whatever the source's shape: MP4 files, an
// Apple HLS group and a DASH group with their own copies of the same renditions. All its AVC
// presets are SINGLE_PASS_HQ (basic tier); the 2160p template's HEVC MP4 puts that job on the
// professional tier.
var anchorTemplates = map[int]anchorTemplate{
	720: {
		mp4:  []anchorOutput{{1280, 720}},
		abr:  []anchorOutput{{480, 270}, {640, 360}, {640, 360}, {960, 540}, {1280, 720}, {1280, 720}, {1280, 720}},
		tier: pipeline.TierBasic,
	},
	1080: {
		mp4:  []anchorOutput{{1920, 1080}, {1280, 720}},
		abr:  []anchorOutput{{480, 270}, {640, 360}, {640, 360}, {960, 540}, {1280, 720}, {1280, 720}, {1280, 720}, {1920, 1080}},
		tier: pipeline.TierBasic,
	},
	2160: {
		mp4:  []anchorOutput{{3840, 2160}, {1920, 1080}, {1280, 720}},
		abr:  []anchorOutput{{480, 270}, {640, 360}, {640, 360}, {960, 540}, {1280, 720}, {1280, 720}, {1280, 720}, {1920, 1080}},
		tier: pipeline.TierProfessional,
	},
}

type anchorOutput struct{ w, h int }

type anchorTemplate struct {
	mp4  []anchorOutput // file group
	abr  []anchorOutput // each in the HLS group and again in the DASH group
	tier string
}

// anchorProfile is the template the solution's profiler picks: the nearest of 2160, 1080 and
// 720 to the source's frame height, the higher on a tie as its loop keeps the first.
func anchorProfile(height int) int {
	best, bestDiff := 0, math.MaxInt
	for _, p := range []int{2160, 1080, 720} {
		if d := max(height-p, p-height); d < bestDiff {
			best, bestDiff = p, d
		}
	}
	return best
}

// AnchorJob is what the anchor's job for a source bills and how many of its outputs upscale
// or change the picture's shape.
type AnchorJob struct {
	Profile  int              `json:"profile"`
	Minutes  pipeline.Minutes `json:"minutes"`
	Upscaled int              `json:"upscaled"`
	Reshaped int              `json:"reshaped"`
}

// Anchor models the anchor's job for a source of the given coded size (its profiler reads
// the frame height before rotation) and duration. Its DASH group carries one AAC output;
// the HLS outputs mux audio into each rendition.
func Anchor(width, height int, d time.Duration) AnchorJob {
	profile := anchorProfile(height)
	t := anchorTemplates[profile]
	job := AnchorJob{Profile: profile, Minutes: pipeline.Minutes{Tier: t.tier}}
	per := pipeline.OutputMinutes(d)
	outs := append(append(append([]anchorOutput(nil), t.mp4...), t.abr...), t.abr...)
	for _, o := range outs {
		switch pipeline.ClassOf(o.w, o.h) {
		case pipeline.ClassSD:
			job.Minutes.SD += per
		case pipeline.ClassHD:
			job.Minutes.HD += per
		default:
			job.Minutes.UHD += per
		}
		if o.w > width || o.h > height {
			job.Upscaled++
		}
		if !sameShape(o.w, o.h, width, height) {
			job.Reshaped++
		}
	}
	job.Minutes.Audio = per
	return job
}

// sameShape reports whether w x h has the aspect ratio of sw x sh within even rounding.
func sameShape(w, h, sw, sh int) bool {
	return math.Abs(float64(w)/float64(h)-float64(sw)/float64(sh)) <= 2.5/float64(min(h, sh))
}

// SourceClass is one kind of source a comparison covers.
type SourceClass struct {
	Name          string
	Width, Height int // display size, no rotation
	Audio         bool
	Duration      time.Duration
}

// Comparison is ottkit's job and the anchor's for one source class.
type Comparison struct {
	Class      SourceClass      `json:"class"`
	Plan       pipeline.Plan    `json:"plan"`
	Ottkit     pipeline.Minutes `json:"ottkit"`
	OttkitUSD  float64          `json:"ottkitUsd"`
	Anchor     AnchorJob        `json:"anchor"`
	AnchorUSD  float64          `json:"anchorUsd"`
	Upscaled   int              `json:"upscaled"`
	Padded     int              `json:"padded"`
	Renditions int              `json:"renditions"`
}

// Compare plans each class with cfg and prices ottkit's job and the anchor's.
func (p Prices) Compare(classes []SourceClass, cfg pipeline.LadderConfig) ([]Comparison, error) {
	var out []Comparison
	for _, c := range classes {
		src := pipeline.Source{Width: c.Width, Height: c.Height, FrameRate: 30, Audio: c.Audio, Container: "mp4"}
		if c.Audio {
			src.AudioTracks = []pipeline.AudioTrack{{Codec: "aac", Channels: 2, Language: "eng"}}
		}
		plan, err := pipeline.PlanLadder(src, cfg)
		if err != nil {
			return nil, fmt.Errorf("cost: class %s: %w", c.Name, err)
		}
		cmp := Comparison{Class: c, Plan: plan, Renditions: len(plan.Renditions)}
		cmp.Ottkit = pipeline.BilledMinutes(plan, c.Duration, false)
		cmp.OttkitUSD = p.MinutesUSD(cmp.Ottkit)
		cmp.Anchor = Anchor(c.Width, c.Height, c.Duration)
		cmp.AnchorUSD = p.MinutesUSD(cmp.Anchor.Minutes)
		for _, r := range plan.Renditions {
			if r.Width > c.Width || r.Height > c.Height {
				cmp.Upscaled++
			}
			if !sameShape(r.Width, r.Height, c.Width, c.Height) {
				cmp.Padded++ // a shape other than the source's is bars or distortion
			}
		}
		out = append(out, cmp)
	}
	return out, nil
}

// CommonClasses are the source classes issue 10's comparison names, 10 minutes each.
var CommonClasses = []SourceClass{
	{"1080p", 1920, 1080, true, 10 * time.Minute},
	{"720p", 1280, 720, true, 10 * time.Minute},
	{"480p", 854, 480, true, 10 * time.Minute},
	{"portrait 1080x1920", 1080, 1920, true, 10 * time.Minute},
	{"square 1080", 1080, 1080, true, 10 * time.Minute},
	{"scope 2.39:1", 1920, 804, true, 10 * time.Minute},
	{"4:3 1440x1080", 1440, 1080, true, 10 * time.Minute},
	{"UHD 3840x2160", 3840, 2160, true, 10 * time.Minute},
	{"audio-less 1080p", 1920, 1080, false, 10 * time.Minute},
}
