package tcjob

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/video/transcoder/apiv1/transcoderpb"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/ottkit/ottkit/functions/pipeline"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.json")

var ladder = pipeline.LadderConfig{
	Rungs: []pipeline.Rung{
		{Height: 1080, MaxBitrate: 6_000_000},
		{Height: 720, MaxBitrate: 3_500_000},
		{Height: 480, MaxBitrate: 1_800_000},
		{Height: 360, MaxBitrate: 900_000},
	},
	Codec: pipeline.CodecH264,
}

type buildCase struct {
	name     string
	src      pipeline.Source
	codec    string
	captions []Caption
	duration time.Duration
}

var cases = []buildCase{
	{
		name:     "landscape-audio-captions",
		src:      pipeline.Source{Width: 1920, Height: 1080, FrameRate: 25, Audio: true},
		codec:    pipeline.CodecH264,
		captions: []Caption{{Track: 2, Codec: "c608", Language: "eng"}, {Track: 3, Codec: "tx3g", Language: "fre"}, {Track: 4, Codec: "subrip", Language: "und"}},
		duration: 95 * time.Second,
	},
	{
		name:     "portrait-no-audio",
		src:      pipeline.Source{Width: 1280, Height: 720, Rotation: 90, FrameRate: 30},
		codec:    pipeline.CodecH264,
		duration: 12 * time.Second,
	},
	{
		name:     "square-hevc",
		src:      pipeline.Source{Width: 1080, Height: 1080, FrameRate: 29.97, Audio: true},
		codec:    pipeline.CodecHEVC,
		duration: 1500 * time.Millisecond,
	},
}

func input(t testing.TB, c buildCase) Input {
	t.Helper()
	cfg := ladder
	cfg.Codec = c.codec
	plan, err := pipeline.PlanLadder(c.src, cfg)
	if err != nil {
		t.Fatal(err)
	}
	id := pipeline.AssetID("ingest", "uploads/acme/u1/"+c.name+".mp4", "1700000000000000")
	return Input{
		AssetID:           id,
		Attempt:           1,
		SourceURI:         "gs://ottkit-dev-masters/acme/" + id + "/source.mp4",
		DeliveryBucket:    "ottkit-dev-delivery",
		Topic:             "projects/ottkit-dev/topics/ottkit-dev-jobs",
		Plan:              plan,
		Rotation:          c.src.Rotation,
		Duration:          c.duration,
		Captions:          c.captions,
		ThumbnailInterval: 10,
		Labels:            map[string]string{"ottkit-stack": "dev"},
	}
}

// wireJSON is the job as the API's JSON mapping writes it. protojson varies its whitespace
// on purpose, so the document is decoded and re-encoded for stable golden files.
func wireJSON(t *testing.T, job *transcoderpb.Job) []byte {
	t.Helper()
	raw, err := protojson.Marshal(job)
	if err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	out, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(out, '\n')
}

func TestBuildGolden(t *testing.T) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			job, err := Build(input(t, c))
			if err != nil {
				t.Fatalf("Build: %v", err)
			}
			got := wireJSON(t, job)
			path := filepath.Join("testdata", c.name+".golden.json")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("job differs from %s (go test -update rewrites it); got:\n%s", path, got)
			}
		})
	}
}

func TestBuildSpecifics(t *testing.T) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := input(t, c)
			job, err := Build(in)
			if err != nil {
				t.Fatal(err)
			}
			if job.Labels[LabelAsset] != in.AssetID || job.Labels[LabelAttempt] != "1" || job.Labels["ottkit-stack"] != "dev" {
				t.Errorf("labels %v, want asset, attempt and the extra label", job.Labels)
			}
			cfg := job.GetConfig()
			if got := cfg.GetPubsubDestination().GetTopic(); got != in.Topic {
				t.Errorf("pubsub topic %q, want %q", got, in.Topic)
			}
			if got, want := cfg.GetOutput().GetUri(), "gs://ottkit-dev-delivery/assets/"+in.AssetID+"/"; got != want {
				t.Errorf("output uri %q, want %q", got, want)
			}
			if len(cfg.Inputs) != 1 || cfg.Inputs[0].Uri != in.SourceURI {
				t.Fatalf("inputs %v, want one reading %s", cfg.Inputs, in.SourceURI)
			}

			streams := map[string]*transcoderpb.ElementaryStream{}
			var videos, audios, texts int
			for _, es := range cfg.ElementaryStreams {
				streams[es.Key] = es
				switch {
				case es.GetVideoStream() != nil:
					videos++
				case es.GetAudioStream() != nil:
					audios++
				case es.GetTextStream() != nil:
					texts++
				}
			}
			if videos != len(in.Plan.Renditions) {
				t.Errorf("%d video streams for %d renditions", videos, len(in.Plan.Renditions))
			}
			if audios != boolInt(c.src.Audio) {
				t.Errorf("%d audio streams for audio=%v", audios, c.src.Audio)
			}
			wantTexts := 0
			for _, cp := range c.captions {
				wantTexts += boolInt(SupportedCaption(cp.Codec))
			}
			if texts != wantTexts {
				t.Errorf("%d text streams, want %d", texts, wantTexts)
			}

			// Every video stream has the planned size in the coded orientation, the planned
			// bitrate, 2 s GOPs and the segment length a multiple of the GOP.
			for i, r := range in.Plan.Renditions {
				w, h := r.Width, r.Height
				if c.src.Rotation == 90 || c.src.Rotation == 270 {
					w, h = h, w
				}
				var gotW, gotH, rate int32
				var gop time.Duration
				es := cfg.ElementaryStreams[i].GetVideoStream()
				if h264 := es.GetH264(); h264 != nil {
					gotW, gotH, rate, gop = h264.WidthPixels, h264.HeightPixels, h264.BitrateBps, h264.GetGopDuration().AsDuration()
				} else {
					h265 := es.GetH265()
					gotW, gotH, rate, gop = h265.WidthPixels, h265.HeightPixels, h265.BitrateBps, h265.GetGopDuration().AsDuration()
				}
				if int(gotW) != w || int(gotH) != h || int(rate) != r.MaxBitrate || gop != GOPSeconds*time.Second {
					t.Errorf("video %d: %dx%d @%d gop %v, want %dx%d @%d gop %ds", i, gotW, gotH, rate, gop, w, h, r.MaxBitrate, GOPSeconds)
				}
				if (c.codec == pipeline.CodecHEVC) != (es.GetH265() != nil) {
					t.Errorf("video %d codec does not follow plan codec %s", i, c.codec)
				}
			}

			// Both manifests list only mux streams that exist; DASH lists fMP4 only.
			mux := map[string]*transcoderpb.MuxStream{}
			for _, m := range cfg.MuxStreams {
				mux[m.Key] = m
				for _, ref := range m.ElementaryStreams {
					if streams[ref] == nil {
						t.Errorf("mux %s names unknown stream %s", m.Key, ref)
					}
				}
				if d := m.SegmentSettings.GetSegmentDuration().AsDuration(); d != SegmentSeconds*time.Second || d%(GOPSeconds*time.Second) != 0 {
					t.Errorf("mux %s segment %v", m.Key, d)
				}
			}
			if len(cfg.Manifests) != 2 {
				t.Fatalf("%d manifests, want HLS and DASH", len(cfg.Manifests))
			}
			for _, m := range cfg.Manifests {
				for _, ref := range m.MuxStreams {
					ms := mux[ref]
					if ms == nil {
						t.Errorf("%s manifest names unknown mux %s", m.Type, ref)
						continue
					}
					if m.Type == transcoderpb.Manifest_DASH && ms.Container != "fmp4" {
						t.Errorf("DASH manifest lists %s container %s", ref, ms.Container)
					}
				}
			}
			if cfg.Manifests[0].FileName != HLSFile || cfg.Manifests[1].FileName != DASHFile {
				t.Errorf("manifest names %s, %s", cfg.Manifests[0].FileName, cfg.Manifests[1].FileName)
			}
			if got := len(cfg.Manifests[1].MuxStreams); got != videos+audios {
				t.Errorf("DASH lists %d streams, want %d", got, videos+audios)
			}
			if got := len(cfg.Manifests[0].MuxStreams); got != videos+audios+texts {
				t.Errorf("HLS lists %d streams, want %d", got, videos+audios+texts)
			}

			if len(cfg.SpriteSheets) != 2 {
				t.Fatalf("%d sprite sheets, want poster and thumbnails", len(cfg.SpriteSheets))
			}
			poster, thumbs := cfg.SpriteSheets[0], cfg.SpriteSheets[1]
			// The sprites the poster sheet takes: at 0, then every interval until the end.
			var times []time.Duration
			if n := poster.GetTotalCount(); n == 1 {
				times = []time.Duration{0}
			} else {
				for at := time.Duration(0); at < poster.EndTimeOffset.AsDuration(); at += poster.GetInterval().AsDuration() {
					times = append(times, at)
				}
			}
			// Layout's poster is the capture PosterKey names: index 1 at PosterSecond, or 0.
			layout := pipeline.LayoutWith(in.AssetID, pipeline.TranscoderSprites)
			want := time.Duration(pipeline.PosterSecond(c.duration)) * time.Second
			idx := 0
			if layout.PosterKey(c.duration) != SpriteKey(in.AssetID, PosterPrefix, 0) {
				idx = 1
			}
			if idx >= len(times) || times[idx] != want || SpriteKey(in.AssetID, PosterPrefix, idx) != layout.PosterKey(c.duration) {
				t.Errorf("poster sprites at %v; Layout's poster %s (index %d) should be the one at %v", times, layout.PosterKey(c.duration), idx, want)
			}
			if poster.ColumnCount != 1 || poster.RowCount != 1 {
				t.Errorf("poster sheet %v, want one sprite per sheet", poster)
			}
			if got := SpriteKey(in.AssetID, ThumbnailPrefix, 2); got != layout.ThumbnailKey(2) {
				t.Errorf("thumbnail %s, Layout says %s", got, layout.ThumbnailKey(2))
			}
			if thumbs.GetInterval().AsDuration() != 10*time.Second || thumbs.ColumnCount != 1 || thumbs.RowCount != 1 {
				t.Errorf("thumbnail sheet %v, want one sprite every 10 s", thumbs)
			}
			for _, s := range cfg.SpriteSheets {
				if s.SpriteWidthPixels%2 != 0 || s.SpriteHeightPixels%2 != 0 || s.SpriteWidthPixels < 2 {
					t.Errorf("sprite %s size %dx%d is not even", s.FilePrefix, s.SpriteWidthPixels, s.SpriteHeightPixels)
				}
			}
		})
	}
}

// TestBuildDeinterlaces checks that an interlaced source is deinterlaced at the input, so
// every rendition and the sprites get progressive frames, that the validating fake takes the
// job, and that a progressive source is left alone.
func TestBuildDeinterlaces(t *testing.T) {
	for _, interlaced := range []bool{true, false} {
		in := input(t, buildCase{name: "interlaced", src: pipeline.Source{Width: 1920, Height: 1080, FrameRate: 25, Audio: true, Interlaced: interlaced},
			codec: pipeline.CodecH264, duration: time.Minute})
		job, err := Build(in)
		if err != nil {
			t.Fatal(err)
		}
		d := job.GetConfig().Inputs[0].GetPreprocessingConfig().GetDeinterlace()
		if !interlaced {
			if d != nil {
				t.Errorf("progressive source: deinterlace %v, want none", d)
			}
			continue
		}
		if b := d.GetBwdif(); b == nil || b.Mode != "send_frame" || b.Parity != "auto" || b.DeinterlaceAllFrames {
			t.Errorf("interlaced source: deinterlace %v, want bwdif send_frame, parity auto, flagged frames only", d)
		}
	}
}

func TestBuildCaptionLanguages(t *testing.T) {
	job, err := Build(input(t, cases[0]))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, es := range job.GetConfig().ElementaryStreams {
		if ts := es.GetTextStream(); ts != nil {
			got = append(got, ts.LanguageCode+"@"+itoa(ts.Mapping[0].InputTrack))
		}
	}
	// c608 is left out; fre is French in BCP-47; und gives no language.
	if want := []string{"fr@3", "@4"}; strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("text streams %v, want %v", got, want)
	}
}

func itoa(n int32) string { return string(rune('0' + n)) }

func TestBuildRejects(t *testing.T) {
	base := input(t, cases[0])
	tests := []struct {
		name  string
		mod   func(*Input)
		field string
	}{
		{"asset", func(in *Input) { in.AssetID = "Has Upper" }, "AssetID"},
		{"attempt", func(in *Input) { in.Attempt = 0 }, "Attempt"},
		{"source", func(in *Input) { in.SourceURI = "s3://b/k" }, "SourceURI"},
		{"source-no-object", func(in *Input) { in.SourceURI = "gs://bucket/" }, "SourceURI"},
		{"delivery", func(in *Input) { in.DeliveryBucket = "a/b" }, "DeliveryBucket"},
		{"topic", func(in *Input) { in.Topic = "ottkit-jobs" }, "Topic"},
		{"interval", func(in *Input) { in.ThumbnailInterval = 0 }, "ThumbnailInterval"},
		{"rotation", func(in *Input) { in.Rotation = 45 }, "Rotation"},
		{"codec", func(in *Input) { in.Plan.Codec = "vp9" }, "Plan.Codec"},
		{"no-renditions", func(in *Input) { in.Plan.Renditions = nil }, "Plan.Renditions"},
		{"odd", func(in *Input) { in.Plan.Renditions = []pipeline.Rendition{{Width: 641, Height: 360, MaxBitrate: 1e6}} }, "Plan.Renditions[0]"},
		{"upscale", func(in *Input) {
			in.Plan.Renditions = []pipeline.Rendition{{Width: 3840, Height: 2160, MaxBitrate: 1e6}}
		}, "Plan.Renditions[0]"},
		{"bitrate", func(in *Input) {
			in.Plan.Renditions = []pipeline.Rendition{{Width: 640, Height: 360, MaxBitrate: 900_000_000}}
		}, "MaxBitrate"},
		{"duplicate", func(in *Input) {
			in.Plan.Renditions = []pipeline.Rendition{{Width: 640, Height: 360, MaxBitrate: 1e6}, {Width: 640, Height: 360, MaxBitrate: 5e5}}
		}, "Plan.Renditions[1]"},
		{"track", func(in *Input) { in.Captions = []Caption{{Track: -1, Codec: "subrip"}} }, "Captions[0].Track"},
		{"reserved-label", func(in *Input) { in.Labels = map[string]string{LabelAsset: "x"} }, LabelAsset},
		{"label-key", func(in *Input) { in.Labels = map[string]string{"Stack": "dev"} }, "Labels key"},
		{"label-value", func(in *Input) { in.Labels = map[string]string{"stack": "Dev"} }, "Labels[\"stack\"]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := base
			in.Plan.Renditions = append([]pipeline.Rendition(nil), base.Plan.Renditions...)
			tt.mod(&in)
			_, err := Build(in)
			if err == nil || !strings.Contains(err.Error(), tt.field) {
				t.Errorf("Build error %v, want one naming %s", err, tt.field)
			}
		})
	}
}

func TestFilter(t *testing.T) {
	if got, want := Filter("abc", 2), `labels.ottkit-asset="abc" AND labels.ottkit-attempt="2"`; got != want {
		t.Errorf("Filter %s, want %s", got, want)
	}
}

func TestSpriteKey(t *testing.T) {
	if got, want := SpriteKey("abc", ThumbnailPrefix, 3), "assets/abc/thumbs/thumb0000000003.jpeg"; got != want {
		t.Errorf("SpriteKey %s, want %s", got, want)
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func BenchmarkBuild(b *testing.B) {
	in := input(b, cases[0])
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Build(in); err != nil {
			b.Fatal(err)
		}
	}
}

func TestOutputMinutes(t *testing.T) {
	// 1920x1080 source, 95 s: 1080 and 720 are HD, 480 and 360 SD, one audio-only stream.
	in := input(t, cases[0])
	job, err := Build(in)
	if err != nil {
		t.Fatal(err)
	}
	m := OutputMinutes(job, 3*time.Minute)
	if want := (Minutes{SD: 6, HD: 6, Audio: 3}); m != want {
		t.Errorf("OutputMinutes %+v, want %+v", m, want)
	}
	if m.Total() != 15 {
		t.Errorf("Total %v, want 15", m.Total())
	}
	// Portrait 720x1280 is HD by its sides, not by its height alone.
	job, err = Build(input(t, cases[1]))
	if err != nil {
		t.Fatal(err)
	}
	if m := OutputMinutes(job, time.Minute); m.HD != 1 || m.SD != 2 || m.Audio != 0 {
		t.Errorf("portrait OutputMinutes %+v, want HD 1, SD 2", m)
	}
}

// TestOutputMinutesClassBoundaries prices one rendition of each size at the Transcoder API's
// class boundaries (SD below 1280x720, HD up to 1920x1080, UHD above, by the long and short
// sides in either orientation), which differ from MediaConvert's short-side rule: a 960x720
// rendition is SD here and HD on MediaConvert, a 2560x1080 one UHD here and HD there. The
// rotated source checks the coded size is what counts, and a HEVC stream bills like H.264.
func TestOutputMinutesClassBoundaries(t *testing.T) {
	for _, tt := range []struct {
		w, h     int
		rotation int
		codec    string
		want     Minutes
	}{
		{1278, 720, 0, pipeline.CodecH264, Minutes{SD: 1}},
		{1280, 718, 0, pipeline.CodecH264, Minutes{SD: 1}},
		{1280, 720, 0, pipeline.CodecH264, Minutes{HD: 1}},
		{960, 720, 0, pipeline.CodecH264, Minutes{SD: 1}},
		{720, 1280, 0, pipeline.CodecH264, Minutes{HD: 1}},
		{1920, 1080, 0, pipeline.CodecHEVC, Minutes{HD: 1}},
		{1080, 1920, 90, pipeline.CodecH264, Minutes{HD: 1}},
		{1920, 1082, 0, pipeline.CodecH264, Minutes{UHD: 1}},
		{2560, 1080, 0, pipeline.CodecH264, Minutes{UHD: 1}},
		{3840, 2160, 0, pipeline.CodecHEVC, Minutes{UHD: 1}},
	} {
		plan := pipeline.Plan{Codec: tt.codec, SourceWidth: tt.w, SourceHeight: tt.h, FrameRate: 60,
			Renditions: []pipeline.Rendition{{Width: tt.w, Height: tt.h, MaxBitrate: 2_000_000}}}
		job, err := Build(Input{AssetID: "a1", Attempt: 1, SourceURI: "gs://masters/a1", DeliveryBucket: "delivery",
			Topic: "projects/ottkit-dev/topics/jobs", Plan: plan, Rotation: tt.rotation, Duration: time.Minute, ThumbnailInterval: 10})
		if err != nil {
			t.Fatalf("%dx%d: %v", tt.w, tt.h, err)
		}
		// 60 fps bills no more than 30 fps: the API has no frame-rate multiplier.
		if got := OutputMinutes(job, time.Minute); got != tt.want {
			t.Errorf("%dx%d (rotation %d, %s): %+v, want %+v", tt.w, tt.h, tt.rotation, tt.codec, got, tt.want)
		}
	}
}

// TestBilledMinutesIsTheJobs: what BilledMinutes counts from a plan is what the job Build
// makes for it bills, for every build case (rotated, without audio, HEVC, with captions).
func TestBilledMinutesIsTheJobs(t *testing.T) {
	for _, c := range cases {
		in := input(t, c)
		job, err := Build(in)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		j := OutputMinutes(job, c.duration)
		got := BilledMinutes(in.Plan, c.duration)
		want := pipeline.Minutes{Tier: pipeline.TierTranscoder, SD: j.SD, HD: j.HD, UHD: j.UHD, Audio: j.Audio}
		if got != want || j.Total() == 0 {
			t.Errorf("%s: BilledMinutes %+v, the job bills %+v", c.name, got, want)
		}
	}
}

// BenchmarkBilledMinutes counts a default-ladder job's minutes from its plan, as complete does.
func BenchmarkBilledMinutes(b *testing.B) {
	in := input(b, cases[0])
	b.ReportAllocs()
	for b.Loop() {
		if m := BilledMinutes(in.Plan, 95*time.Second); m.HD == 0 {
			b.Fatal("no HD minutes")
		}
	}
}
