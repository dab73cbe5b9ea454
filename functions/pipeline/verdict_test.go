package pipeline

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ottkit/ottkit/functions/internal/testmedia"
	"github.com/ottkit/ottkit/functions/pipeline/probe"
)

func TestJudge(t *testing.T) {
	h264 := &probe.Info{Container: probe.MP4, MIME: "video/mp4", Duration: 90 * time.Second,
		Video: &probe.VideoTrack{Codec: "h264", Width: 1920, Height: 1080}, AudioTracks: 1}
	rules := Rules{MaxDuration: time.Hour, MaxBytes: 10 << 30, Codecs: []string{"h264", "HEVC"}}
	wrapped := func(e error) error { return fmt.Errorf("probe: mp4: %w: box \"mdat\" at offset 40", e) }
	tests := []struct {
		name       string
		info       *probe.Info
		err        error
		size       int64
		rules      Rules
		want       Reason
		wantDetail string
	}{
		{"accepted", h264, nil, 1 << 20, rules, "", ""},
		{"accepted without limits", h264, nil, 1 << 40, Rules{}, "", ""},
		{"hevc, case-insensitive", &probe.Info{Duration: time.Minute, Video: &probe.VideoTrack{Codec: "hevc", Width: 640, Height: 360}}, nil, 1, rules, "", ""},
		{"zero bytes before probing", nil, nil, 0, rules, ReasonEmpty, "the upload is empty"},
		{"too large wins over a probe error", nil, wrapped(probe.ErrTruncated), 11 << 30, rules, ReasonTooLarge,
			"size 11811160064 bytes is above the limit 10737418240 bytes"},
		{"probe empty", nil, probe.ErrEmpty, 5, rules, ReasonEmpty, "empty object"},
		{"not video names the type", &probe.Info{MIME: "image/png"}, wrapped(probe.ErrNotVideo), 5, rules, ReasonNotVideo, "(detected image/png)"},
		{"truncated", nil, wrapped(probe.ErrTruncated), 5, rules, ReasonTruncated, `box "mdat" at offset 40`},
		{"corrupt", nil, wrapped(probe.ErrCorrupt), 5, rules, ReasonCorrupt, "corrupt"},
		{"limit exceeded is corrupt", nil, wrapped(probe.ErrLimitExceeded), 5, rules, ReasonCorrupt, "limit exceeded"},
		{"no video track", &probe.Info{Container: probe.MP4}, wrapped(probe.ErrNoVideoTrack), 5, rules, ReasonNoVideoTrack, "no video track"},
		{"no video without error", &probe.Info{Container: probe.MP4}, nil, 5, rules, ReasonNoVideoTrack, "the mp4 container has no video track"},
		{"unsupported container", &probe.Info{MIME: "video/x-msvideo"}, wrapped(probe.ErrUnsupportedContainer), 5, rules, ReasonUnsupportedContainer, "(detected video/x-msvideo)"},
		{"unknown error", nil, errors.New("read: connection reset"), 5, rules, ReasonCorrupt, "read: connection reset"},
		{"nil info", nil, nil, 5, rules, ReasonCorrupt, "the probe returned no information"},
		{"too long", &probe.Info{Duration: 2*time.Hour + 400*time.Millisecond, Video: &probe.VideoTrack{Codec: "h264"}}, nil, 5, rules, ReasonTooLong,
			"duration 2h0m0s is above the limit 1h0m0s"},
		{"exactly the limit", &probe.Info{Duration: time.Hour, Video: &probe.VideoTrack{Codec: "h264", Width: 640, Height: 360}}, nil, 5, rules, "", ""},
		{"codec", &probe.Info{Duration: time.Minute, Video: &probe.VideoTrack{Codec: "prores"}}, nil, 5, rules, ReasonUnsupportedCodec, `video codec "prores" is not one of h264, HEVC`},
		{"unknown duration is a decision", &probe.Info{Container: probe.MP4, Video: &probe.VideoTrack{Codec: "h264", Width: 640, Height: 360}}, nil, 5, rules, ReasonDurationUnknown, "states no duration"},
		{"codec the container cannot carry", &probe.Info{Container: probe.WebM, Duration: time.Minute, Video: &probe.VideoTrack{Codec: "h264", Width: 640, Height: 360}}, nil, 5, Rules{}, ReasonUnsupportedCodec, "in webm"},
		{"dnxhd in mov", &probe.Info{Container: probe.MOV, Duration: time.Minute, Video: &probe.VideoTrack{Codec: "dnxhd", Width: 1920, Height: 1080}}, nil, 5, Rules{}, "", ""},
		{"0x0", sized(0, 0, 0, 0), nil, 5, Rules{}, ReasonUnsupportedSize, "no picture size"},
		{"16x16", sized(16, 16, 16, 16), nil, 5, Rules{}, ReasonUnsupportedSize, "smaller than 64x64"},
		{"2x65535", sized(2, 65535, 0, 0), nil, 5, Rules{}, ReasonUnsupportedSize, "smaller than"},
		{"8K is the largest", sized(7680, 4320, 7680, 4320), nil, 5, Rules{}, "", ""},
		{"past 8K", sized(8200, 4320, 0, 0), nil, 5, Rules{}, ReasonUnsupportedSize, "larger than"},
		{"absurd aspect", sized(4000, 200, 0, 0), nil, 5, Rules{}, ReasonUnsupportedSize, "aspect ratio of 20.00:1"},
		{"container claims 65535x65535 over 640x360", sized(65535, 65535, 640, 360), nil, 5, Rules{}, ReasonSizeMismatch, "states 65535x65535 but the h264 stream's own header says 640x360"},
		{"1088 stored over a 1080 header is padding", &probe.Info{Duration: time.Minute, Video: &probe.VideoTrack{Codec: "h264", Width: 1920, Height: 1080, CodedWidth: 1920, CodedHeight: 1088, HeaderWidth: 1920, HeaderHeight: 1080}}, nil, 5, Rules{}, "", ""},
		{"non-right-angle matrix", &probe.Info{Duration: time.Minute, Video: &probe.VideoTrack{Codec: "h264", Width: 640, Height: 360, Transform: "a display matrix rotating by 30.0°"}}, nil, 5, Rules{}, ReasonUnsupportedTransform, "rotating by 30.0°"},
		{"exactly max bytes", h264, nil, 10 << 30, rules, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := Judge(tt.info, tt.err, tt.size, tt.rules)
			if v.Accepted != (tt.want == "") || v.Reason != tt.want {
				t.Fatalf("Judge = %+v, want reason %q", v, tt.want)
			}
			if !strings.Contains(v.Detail, tt.wantDetail) || (tt.want != "" && v.Detail == "") {
				t.Errorf("detail %q, want it to contain %q", v.Detail, tt.wantDetail)
			}
		})
	}
}

// sized is an accepted-looking H.264 track of the given picture and codec-header sizes.
func sized(w, h, hw, hh int) *probe.Info {
	return &probe.Info{Duration: time.Minute, Video: &probe.VideoTrack{Codec: "h264", Width: w, Height: h, HeaderWidth: hw, HeaderHeight: hh}}
}

func TestIsContentError(t *testing.T) {
	for _, e := range []error{probe.ErrEmpty, probe.ErrNotVideo, probe.ErrTruncated, probe.ErrCorrupt, probe.ErrNoVideoTrack,
		probe.ErrUnsupportedContainer, probe.ErrLimitExceeded, fmt.Errorf("probe: mkv: %w", probe.ErrCorrupt)} {
		if !IsContentError(e) {
			t.Errorf("IsContentError(%v) = false, want true", e)
		}
	}
	for _, e := range []error{nil, context.Canceled, errors.New("s3: GetObject: 503 SlowDown")} {
		if IsContentError(e) {
			t.Errorf("IsContentError(%v) = true, want false: a read failure must be retried", e)
		}
	}
}

// TestJudgeRealMedia runs the probe on real files of every kind and checks the verdict, the
// summary and the planned ladder end to end.
func TestJudgeRealMedia(t *testing.T) {
	rules := Rules{MaxDuration: time.Hour} // any codec the transcoder decodes
	cfg := LadderConfig{Rungs: []Rung{{1080, 6_000_000}, {720, 3_500_000}, {360, 900_000}}, Codec: CodecH264}
	tests := []struct {
		kind     testmedia.Kind
		want     Reason
		top      Rendition // the largest planned rendition when accepted
		audio    bool
		captions int
	}{
		{testmedia.Landscape1080p, "", Rendition{1920, 1080, 6_000_000}, true, 0},
		{testmedia.Portrait1080x1920, "", Rendition{1080, 1920, 6_000_000}, true, 0},
		{testmedia.Rotated90, "", Rendition{360, 640, 900_000}, true, 0},
		{testmedia.Square, "", Rendition{720, 720, 1_969_000}, true, 0},
		{testmedia.NoAudio, "", Rendition{640, 360, 900_000}, false, 0},
		{testmedia.WithCaptions, "", Rendition{640, 360, 900_000}, true, 1},
		{testmedia.MKV, "", Rendition{640, 360, 900_000}, true, 1},
		{testmedia.MPEGTS, "", Rendition{640, 360, 900_000}, true, 0},
		{testmedia.HEVC, "", Rendition{320, 240, 0}, true, 0},
		{testmedia.Truncated, ReasonTruncated, Rendition{}, false, 0},
		{testmedia.Empty, ReasonEmpty, Rendition{}, false, 0},
		{testmedia.PNGAsMP4, ReasonNotVideo, Rendition{}, false, 0},
		{testmedia.AudioOnly, ReasonNoVideoTrack, Rendition{}, false, 0},
		{testmedia.AVI, ReasonUnsupportedContainer, Rendition{}, false, 0},
		{testmedia.FragmentedStock, "", Rendition{320, 240, 0}, true, 0},
		{testmedia.FiveHourFragmented, ReasonTooLong, Rendition{}, false, 0},
		{testmedia.FiveHourLiveMKV, ReasonTooLong, Rendition{}, false, 0},
		{testmedia.FiveHourTS, ReasonTooLong, Rendition{}, false, 0},
		{testmedia.FiveHourMP4, ReasonTooLong, Rendition{}, false, 0},
		{testmedia.TSRestart, "", Rendition{320, 240, 0}, true, 0},
		{testmedia.PAL169, "", Rendition{1024, 576, 0}, false, 0},
		{testmedia.AnamorphicMP4, "", Rendition{1024, 576, 0}, false, 0},
		{testmedia.AnamorphicMKV, "", Rendition{1024, 576, 0}, false, 0},
		{testmedia.HDV, "", Rendition{1920, 1080, 6_000_000}, false, 0},
		{testmedia.MPEG2HD, "", Rendition{1920, 1080, 6_000_000}, false, 0},
		{testmedia.DNxHR, "", Rendition{320, 240, 0}, false, 0},
		{testmedia.DV, "", Rendition{720, 576, 0}, false, 0},
		{testmedia.Tiny, ReasonUnsupportedSize, Rendition{}, false, 0},
	}
	for _, tt := range tests {
		t.Run(string(tt.kind), func(t *testing.T) {
			f, err := os.Open(testmedia.Path(t, tt.kind))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			src, err := probe.FileSource(f)
			if err != nil {
				t.Fatal(err)
			}
			info, perr := probe.Probe(context.Background(), src, probe.Limits{})
			if perr != nil && !IsContentError(perr) {
				t.Fatalf("probe error %v is not a content error", perr)
			}
			v := Judge(info, perr, src.Size(), rules)
			if v.Reason != tt.want || v.Accepted != (tt.want == "") {
				t.Fatalf("verdict %+v, want reason %q", v, tt.want)
			}
			if !v.Accepted {
				return
			}
			sum := Summarize(info)
			if got := len(sum.Captions); got != tt.captions {
				t.Errorf("%d caption tracks summarised, want %d", got, tt.captions)
			}
			plan, err := PlanLadder(SourceOf(sum), cfg)
			if err != nil {
				t.Fatal(err)
			}
			top := plan.Renditions[0]
			if tt.top.MaxBitrate == 0 {
				// Below every rung: the source's own size.
				tt.top.MaxBitrate = top.MaxBitrate
			}
			if top != tt.top || plan.Audio != tt.audio {
				t.Errorf("top rendition %+v audio %v, want %+v audio %v", top, plan.Audio, tt.top, tt.audio)
			}
		})
	}
}

// TestInterlacedSourcesAreDeinterlaced runs real field-coded masters, and progressive ones,
// from the probe to the plan: the interlaced ones, and only they, plan a deinterlaced job,
// which bills at the professional tier.
func TestInterlacedSourcesAreDeinterlaced(t *testing.T) {
	cfg := LadderConfig{Rungs: []Rung{{720, 3_500_000}, {360, 900_000}}, Codec: CodecH264}
	for _, tt := range []struct {
		kind       testmedia.Kind
		interlaced bool
	}{
		{testmedia.InterlacedTS, true}, {testmedia.InterlacedMXF, true}, {testmedia.InterlacedMOV, true},
		{testmedia.InterlacedMKV, true}, {testmedia.InterlacedHEVC, true},
		{testmedia.PAL169, false}, {testmedia.MXF, false}, {testmedia.ProResMOV, false}, {testmedia.MKV, false}, {testmedia.HEVC, false},
	} {
		t.Run(string(tt.kind), func(t *testing.T) {
			f, err := os.Open(testmedia.Path(t, tt.kind))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			src, err := probe.FileSource(f)
			if err != nil {
				t.Fatal(err)
			}
			info, err := probe.Probe(context.Background(), src, probe.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			sum := Summarize(info)
			plan, err := PlanLadder(SourceOf(sum), cfg)
			if err != nil {
				t.Fatal(err)
			}
			if sum.Interlaced != tt.interlaced || plan.Deinterlace != tt.interlaced {
				t.Errorf("summary interlaced %v, plan deinterlace %v; want %v", sum.Interlaced, plan.Deinterlace, tt.interlaced)
			}
			wantTier := TierBasic
			if tt.interlaced {
				wantTier = TierProfessional
			}
			a := &Asset{Probe: &sum, Renditions: plan.Renditions}
			if got := BilledMinutes(PlanOf(a, CodecH264), time.Minute, false); got.Tier != wantTier {
				t.Errorf("billed at the %s tier, want %s", got.Tier, wantTier)
			}
		})
	}
}

func TestSummarize(t *testing.T) {
	info := &probe.Info{Container: probe.MOV, Duration: 1500 * time.Millisecond, AudioTracks: 2,
		Video:    &probe.VideoTrack{Codec: "hevc", Width: 1920, Height: 1080, Rotation: 270, FrameRate: 29.97},
		Captions: []probe.CaptionTrack{{Codec: "c608", Language: "eng", Track: 1}}}
	got := Summarize(info)
	if got.Container != "mov" || got.Duration != 1500*time.Millisecond || got.DurationSeconds != 1.5 || got.Width != 1920 ||
		got.Height != 1080 || got.Rotation != 270 || got.Codec != "hevc" || got.FrameRate != 29.97 || got.AudioTracks != 2 ||
		len(got.Captions) != 1 || got.Captions[0] != (Caption{Codec: "c608", Language: "eng", Track: 1}) {
		t.Errorf("Summarize = %+v", got)
	}
	src := SourceOf(got)
	if w, h := src.DisplaySize(); w != 1080 || h != 1920 || !src.Audio {
		t.Errorf("SourceOf display %dx%d audio %v, want 1080x1920 with audio", w, h, src.Audio)
	}
}
