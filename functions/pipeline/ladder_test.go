package pipeline

import (
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"
)

var testRungs = []Rung{
	{Height: 480, MaxBitrate: 1_800_000},
	{Height: 1080, MaxBitrate: 6_000_000},
	{Height: 360, MaxBitrate: 900_000},
	{Height: 720, MaxBitrate: 3_500_000},
}

func TestPlanLadder(t *testing.T) {
	h264 := LadderConfig{Rungs: testRungs, Codec: CodecH264}
	tests := []struct {
		name string
		src  Source
		cfg  LadderConfig
		want []Rendition
	}{
		{"landscape 1080p", Source{Width: 1920, Height: 1080, Audio: true}, h264, []Rendition{
			{1920, 1080, 6_000_000}, {1280, 720, 3_500_000}, {854, 480, 1_800_000}, {640, 360, 900_000}}},
		{"portrait coded upright", Source{Width: 1080, Height: 1920}, h264, []Rendition{
			{1080, 1920, 6_000_000}, {720, 1280, 3_500_000}, {480, 854, 1_800_000}, {360, 640, 900_000}}},
		{"phone portrait: landscape coded, rotation 90", Source{Width: 1920, Height: 1080, Rotation: 90}, h264, []Rendition{
			{1080, 1920, 6_000_000}, {720, 1280, 3_500_000}, {480, 854, 1_800_000}, {360, 640, 900_000}}},
		{"rotation 270 is portrait too", Source{Width: 1280, Height: 720, Rotation: 270}, h264, []Rendition{
			{720, 1280, 3_500_000}, {480, 854, 1_800_000}, {360, 640, 900_000}}},
		{"rotation 180 stays landscape", Source{Width: 1280, Height: 720, Rotation: 180}, h264, []Rendition{
			{1280, 720, 3_500_000}, {854, 480, 1_800_000}, {640, 360, 900_000}}},
		// Square: 1080x1080 is 1080²/(1920·1080) = 9/16 of the 16:9 pixel count (480 is measured
		// against 854x480, so slightly under 9/16).
		{"square", Source{Width: 1080, Height: 1080}, h264, []Rendition{
			{1080, 1080, 3_375_000}, {720, 720, 1_969_000}, {480, 480, 1_012_000}, {360, 360, 506_000}}},
		// 2560x1080 fits the 1920x1080 box at 1920x810: 3/4 of the box's pixels.
		{"ultra-wide", Source{Width: 2560, Height: 1080}, LadderConfig{Rungs: testRungs[1:2], Codec: CodecHEVC}, []Rendition{
			{1920, 810, 4_500_000}}},
		// A 1.85:1 "1080p" film is 1920x1038: it fills the 1080 box's width, not its height.
		{"flat 1.85 film", Source{Width: 1920, Height: 1038}, h264, []Rendition{
			{1920, 1038, 5_767_000}, {1280, 692, 3_364_000}, {854, 462, 1_733_000}, {640, 346, 865_000}}},
		// 2.39:1 UHD scope: H.264 never passes High 4.2's 1920x1080, whatever the rungs.
		{"scope UHD, h264", Source{Width: 3840, Height: 1606}, LadderConfig{Rungs: []Rung{{2160, 16_000_000}, {1080, 6_000_000}}, Codec: CodecH264}, []Rendition{
			{1920, 804, 4_467_000}}},
		{"scope UHD, hevc", Source{Width: 3840, Height: 1606}, LadderConfig{Rungs: []Rung{{2160, 16_000_000}, {1080, 6_000_000}}, Codec: CodecHEVC}, []Rendition{
			{3840, 1606, 11_896_000}, {1920, 804, 4_467_000}}},
		// 4:3 keeps its shape: 1440x1080 in the 1080 box, 960x720 in the 720 one.
		{"4:3", Source{Width: 1440, Height: 1080}, h264, []Rendition{
			{1440, 1080, 4_500_000}, {960, 720, 2_625_000}, {640, 480, 1_349_000}, {480, 360, 675_000}}},
		// Anamorphic PAL 16:9 arrives as its display size (SourceOf applies the pixel aspect).
		{"anamorphic PAL as displayed", Source{Width: 1024, Height: 576}, h264, []Rendition{
			{1024, 576, 2_240_000}, {854, 480, 1_800_000}, {640, 360, 900_000}}},
		{"no upscaling of a 720p source", Source{Width: 1280, Height: 720}, h264, []Rendition{
			{1280, 720, 3_500_000}, {854, 480, 1_800_000}, {640, 360, 900_000}}},
		{"max height caps a 4K source", Source{Width: 3840, Height: 2160}, LadderConfig{Rungs: testRungs, MaxHeight: 720, Codec: CodecH264}, []Rendition{
			{1280, 720, 3_500_000}, {854, 480, 1_800_000}, {640, 360, 900_000}}},
		// Below every rung: one rendition at the source's size, the lowest rung's bitrate scaled
		// by 320·180 / (640·360) = 1/4.
		{"tiny source keeps its own size", Source{Width: 320, Height: 180}, h264, []Rendition{{320, 180, 225_000}}},
		{"tiny odd source rounds down to even", Source{Width: 321, Height: 181}, h264, []Rendition{{320, 180, 225_000}}},
		{"max height below every rung", Source{Width: 1920, Height: 1080}, LadderConfig{Rungs: testRungs[1:2], MaxHeight: 480, Codec: CodecH264}, []Rendition{
			{854, 480, 1_186_000}}},
		// 853 wide at 480 would round up to 854, past the source.
		{"rounding never passes the source", Source{Width: 853, Height: 480}, h264, []Rendition{
			{852, 480, 1_796_000}, {640, 360, 900_000}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan, err := PlanLadder(tt.src, tt.cfg)
			if err != nil {
				t.Fatalf("PlanLadder: %v", err)
			}
			if !reflect.DeepEqual(plan.Renditions, tt.want) {
				t.Errorf("renditions\n got %v\nwant %v", plan.Renditions, tt.want)
			}
			if plan.Audio != tt.src.Audio || plan.Codec != tt.cfg.Codec {
				t.Errorf("audio %v codec %q, want %v %q", plan.Audio, plan.Codec, tt.src.Audio, tt.cfg.Codec)
			}
			if w, h := tt.src.DisplaySize(); plan.SourceWidth != w || plan.SourceHeight != h {
				t.Errorf("source size %dx%d, want %dx%d", plan.SourceWidth, plan.SourceHeight, w, h)
			}
		})
	}
}

func TestPlanLadderErrors(t *testing.T) {
	good := LadderConfig{Rungs: testRungs, Codec: CodecH264}
	tests := []struct {
		name string
		src  Source
		cfg  LadderConfig
		want string
	}{
		{"codec", Source{Width: 640, Height: 360}, LadderConfig{Rungs: testRungs, Codec: "vp9"}, `ladder codec "vp9" is not "h264" or "hevc"`},
		{"max height", Source{Width: 640, Height: 360}, LadderConfig{Rungs: testRungs, MaxHeight: 100, Codec: CodecH264}, "ladder max height 100 is below the minimum 144"},
		{"no rungs", Source{Width: 640, Height: 360}, LadderConfig{Codec: CodecH264}, "ladder: no rungs"},
		{"rotation", Source{Width: 640, Height: 360, Rotation: 45}, good, "source rotation 45 is not 0, 90, 180 or 270"},
		{"zero size", Source{Width: 0, Height: 360}, good, "source size 0x360 is too small to encode"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := PlanLadder(tt.src, tt.cfg)
			if err == nil || err.Error() != tt.want {
				t.Errorf("error %v, want %q", err, tt.want)
			}
		})
	}
}

// TestPlanLadderProperties checks the planner's promises over many random sources and
// configurations rather than hand-picked ones.
func TestPlanLadderProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 5000 {
		src := Source{Width: 16 + r.IntN(4000), Height: 16 + r.IntN(4000), Rotation: 90 * r.IntN(4), Audio: r.IntN(2) == 0}
		var rungs []Rung
		seen := map[int]bool{}
		for range 1 + r.IntN(6) {
			h := 2 * (MinRungHeight/2 + r.IntN((MaxRungHeight-MinRungHeight)/2))
			if !seen[h] {
				seen[h] = true
				rungs = append(rungs, Rung{Height: h, MaxBitrate: MinRungBitrate + r.IntN(20_000_000)})
			}
		}
		cfg := LadderConfig{Rungs: rungs, Codec: CodecH264}
		if r.IntN(2) == 0 {
			cfg.MaxHeight = MinRungHeight + r.IntN(2000)
		}
		plan, err := PlanLadder(src, cfg)
		if err != nil {
			t.Fatalf("case %d %+v %+v: %v", i, src, cfg, err)
		}
		dw, dh := src.DisplaySize()
		if len(plan.Renditions) == 0 {
			t.Fatalf("case %d: no renditions", i)
		}
		for j, rd := range plan.Renditions {
			where := func() string { return strings.TrimSpace(plan.String()) }
			if rd.Width%2 != 0 || rd.Height%2 != 0 || rd.Width < 2 || rd.Height < 2 {
				t.Fatalf("case %d: odd or empty rendition %dx%d in %s", i, rd.Width, rd.Height, where())
			}
			if rd.Width > dw || rd.Height > dh {
				t.Fatalf("case %d: %dx%d upscales the %dx%d source", i, rd.Width, rd.Height, dw, dh)
			}
			if cfg.MaxHeight > 0 && min(rd.Width, rd.Height) > cfg.MaxHeight {
				t.Fatalf("case %d: %dx%d passes max height %d", i, rd.Width, rd.Height, cfg.MaxHeight)
			}
			if (rd.Width >= rd.Height) != (dw >= dh) && rd.Width != rd.Height {
				t.Fatalf("case %d: %dx%d changes the orientation of %dx%d", i, rd.Width, rd.Height, dw, dh)
			}
			// Even rounding moves each side by at most one pixel.
			srcAspect := float64(dw) / float64(dh)
			lo := float64(rd.Width-2) / float64(rd.Height+2)
			hi := float64(rd.Width+2) / float64(max(rd.Height-2, 1))
			if rd.Height > 8 && rd.Width > 8 && (srcAspect < lo || srcAspect > hi) {
				t.Fatalf("case %d: %dx%d distorts aspect %.4f", i, rd.Width, rd.Height, srcAspect)
			}
			if prev := plan.Renditions[max(j-1, 0)]; j > 0 && (rd.Width > prev.Width || rd.Height > prev.Height || rd == prev) {
				t.Fatalf("case %d: renditions not largest first: %s", i, where())
			}
			if limit := codecLimit[cfg.Codec]; max(rd.Width, rd.Height) > limit.long || min(rd.Width, rd.Height) > limit.short {
				t.Fatalf("case %d: %dx%d is beyond the %s level", i, rd.Width, rd.Height, cfg.Codec)
			}
			if rd.MaxBitrate < 1000 || rd.MaxBitrate%1000 != 0 {
				t.Fatalf("case %d: bitrate %d not a positive multiple of 1000", i, rd.MaxBitrate)
			}
		}
		if plan.Audio != src.Audio {
			t.Fatalf("case %d: audio %v, want %v", i, plan.Audio, src.Audio)
		}
	}
}

func TestBitrateScalingRule(t *testing.T) {
	// A rendition's bitrate over its pixel count equals the rung's over the 16:9 pixel count.
	for _, src := range []Source{{Width: 1080, Height: 1920}, {Width: 1440, Height: 1080}, {Width: 1080, Height: 1350}} {
		plan, err := PlanLadder(src, LadderConfig{Rungs: []Rung{{Height: 1080, MaxBitrate: 6_000_000}}, Codec: CodecH264})
		if err != nil {
			t.Fatal(err)
		}
		r := plan.Renditions[0]
		got := float64(r.MaxBitrate) / float64(r.Width*r.Height)
		want := 6_000_000.0 / (1920 * 1080)
		if math.Abs(got-want)/want > 0.001 {
			t.Errorf("%dx%d: %d bit/s is %.6f per pixel, want %.6f", r.Width, r.Height, r.MaxBitrate, got, want)
		}
	}
}

func TestParseLadder(t *testing.T) {
	got, err := ParseLadder(`[{"height":1080,"maxBitrate":6000000},{"height":720,"maxBitrate":3500000}]`)
	if err != nil {
		t.Fatal(err)
	}
	want := []Rung{{1080, 6_000_000}, {720, 3_500_000}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ParseLadder = %v, want %v", got, want)
	}
}

func TestParseLadderErrors(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"not json", `1080p`, "ladder: not a JSON array of rungs: "},
		{"object", `{"height":720}`, "ladder: not a JSON array of rungs: "},
		{"empty", `[]`, "ladder: no rungs"},
		{"too low", `[{"height":1080,"maxBitrate":6000000},{"height":720,"maxBitrate":3500000},{"height":100,"maxBitrate":200000}]`,
			"ladder[2].height: 100 is below the minimum 144"},
		{"too high", `[{"height":8640,"maxBitrate":6000000}]`, "ladder[0].height: 8640 is above the maximum 4320"},
		{"odd", `[{"height":721,"maxBitrate":6000000}]`, "ladder[0].height: 721 is odd; encoders need even dimensions"},
		{"bitrate low", `[{"height":720,"maxBitrate":1000}]`, "ladder[0].maxBitrate: 1000 is below the minimum 50000"},
		{"bitrate high", `[{"height":720,"maxBitrate":2000000000}]`, "ladder[0].maxBitrate: 2000000000 is above the maximum 1152000000"},
		{"duplicate", `[{"height":720,"maxBitrate":3000000},{"height":720,"maxBitrate":3500000}]`, "ladder[1].height: 720 repeats ladder[0]"},
		{"missing height", `[{"maxBitrate":3000000}]`, "ladder[0].height: missing"},
		{"missing bitrate", `[{"height":720}]`, "ladder[0].maxBitrate: missing"},
		{"unknown field", `[{"height":720,"maxBitrate":1000000},{"height":480,"bitrate":1000000}]`, `ladder[1]: json: unknown field "bitrate"`},
		{"wrong type", `[{"height":"720p","maxBitrate":1000000}]`, "ladder[0]: json: cannot unmarshal"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseLadder(tt.in)
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("error %v, want one starting %q", err, tt.want)
			}
		})
	}
}

func TestPlanString(t *testing.T) {
	p := Plan{Codec: CodecH264, Renditions: []Rendition{{1920, 1080, 6_000_000}, {1280, 720, 3_500_000}}, Audio: true}
	if got, want := p.String(), "h264 1920x1080@6000k,1280x720@3500k +audio"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

func BenchmarkPlanLadder(b *testing.B) {
	cfg := LadderConfig{Rungs: testRungs, Codec: CodecH264}
	src := Source{Width: 1920, Height: 1080, Rotation: 90, FrameRate: 29.97, Audio: true}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := PlanLadder(src, cfg); err != nil {
			b.Fatal(err)
		}
	}
}

func FuzzParseLadder(f *testing.F) {
	f.Add(`[{"height":1080,"maxBitrate":6000000},{"height":720,"maxBitrate":3500000}]`)
	f.Add(`[{"height":144,"maxBitrate":50000}]`)
	f.Add(`[{"height":-2,"maxBitrate":1e3}]`)
	f.Add(`[{}]`)
	f.Fuzz(func(t *testing.T, text string) {
		rungs, err := ParseLadder(text)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "ladder") {
				t.Fatalf("error %q does not name the ladder", err)
			}
			return
		}
		if err := ValidateRungs(rungs); err != nil {
			t.Fatalf("ParseLadder accepted rungs ValidateRungs rejects: %v", err)
		}
		for _, src := range []Source{{Width: 1920, Height: 1080}, {Width: 90, Height: 160, Rotation: 270}} {
			plan, err := PlanLadder(src, LadderConfig{Rungs: rungs, Codec: CodecHEVC})
			if err != nil || len(plan.Renditions) == 0 {
				t.Fatalf("PlanLadder with parsed rungs: %v, %d renditions", err, len(plan.Renditions))
			}
		}
	})
}

// TestPlanOfBillsLikeThePlan: the plan rebuilt from a catalog item bills what the plan the
// job was built from bills.
func TestPlanOfBillsLikeThePlan(t *testing.T) {
	for _, s := range []ProbeSummary{
		{Container: "mp4", Width: 1920, Height: 1080, FrameRate: 25, AudioTracks: 2, Audio: []AudioTrack{{Codec: "aac", Channels: 6, Language: "eng"}, {Codec: "aac", Channels: 2, Language: "spa"}}},
		{Container: "mov", Width: 3840, Height: 2160, FrameRate: 119.88, HDR: "hdr10"},
	} {
		for _, codec := range []string{CodecH264, CodecHEVC} {
			plan, err := PlanLadder(SourceOf(s), LadderConfig{Rungs: testRungs, Codec: codec})
			if err != nil {
				t.Fatal(err)
			}
			a := &Asset{Probe: &s, Renditions: plan.Renditions}
			if got, want := BilledMinutes(PlanOf(a, codec), time.Minute, false), BilledMinutes(plan, time.Minute, false); got != want {
				t.Errorf("%s %dx%d: PlanOf bills %+v, the plan %+v", codec, s.Width, s.Height, got, want)
			}
		}
	}
}
