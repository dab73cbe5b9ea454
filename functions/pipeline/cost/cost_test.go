package cost

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/ottkit/ottkit/components/platform"
	"github.com/ottkit/ottkit/functions/pipeline"
)

// uhdLadder is a 4K-capable HEVC stack's ladder, as stacks/Pulumi.acme-prod.yaml configures.
var uhdLadder = pipeline.LadderConfig{Codec: pipeline.CodecHEVC, MaxHeight: 2160, Rungs: []pipeline.Rung{
	{Height: 2160, MaxBitrate: 16_000_000}, {Height: 1440, MaxBitrate: 9_000_000}, {Height: 1080, MaxBitrate: 6_000_000},
	{Height: 720, MaxBitrate: 3_500_000}, {Height: 540, MaxBitrate: 2_000_000}, {Height: 360, MaxBitrate: 800_000},
}}

// TestBeatsTheAnchor is issue 10's cost claim: for every common source class, ottkit's job
// bills no more output minutes and no more dollars than the anchor's (AWS's Video on Demand
// on AWS templates), and none of its renditions upscales or pads. It runs the default stack
// ladder (H.264) and a 4K HEVC ladder, and logs the table the closing note quotes.
func TestBeatsTheAnchor(t *testing.T) {
	for _, stack := range []struct {
		name string
		cfg  pipeline.LadderConfig
	}{
		{"default ladder (h264)", pipeline.LadderConfig{Codec: pipeline.CodecH264, Rungs: platform.DefaultLadder}},
		{"4K ladder (hevc)", uhdLadder},
	} {
		t.Run(stack.name, func(t *testing.T) {
			cmps, err := Default.Compare(CommonClasses, stack.cfg)
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			WriteComparison(&b, cmps)
			t.Logf("%s\n%s", stack.name, b.String())
			var ours, theirs float64
			for _, c := range cmps {
				om := c.Ottkit.Video() + c.Ottkit.Audio
				am := c.Anchor.Minutes.Video() + c.Anchor.Minutes.Audio
				if om > am || c.OttkitUSD > c.AnchorUSD {
					t.Errorf("%s: ottkit bills %.1f min ($%.3f), the anchor %.1f min ($%.3f)", c.Class.Name, om, c.OttkitUSD, am, c.AnchorUSD)
				}
				if c.Upscaled != 0 || c.Padded != 0 {
					t.Errorf("%s: %d upscaled and %d padded renditions in %s", c.Class.Name, c.Upscaled, c.Padded, c.Plan)
				}
				if c.Class.Audio != (c.Ottkit.Audio > 0) {
					t.Errorf("%s: %.1f audio minutes for audio=%v", c.Class.Name, c.Ottkit.Audio, c.Class.Audio)
				}
				ours += c.OttkitUSD
				theirs += c.AnchorUSD
			}
			if ours >= theirs {
				t.Errorf("total $%.2f is not below the anchor's $%.2f", ours, theirs)
			}
		})
	}
}

// TestAnchorModel pins the anchor's job to its templates: the 1080p template is 2 MP4 files
// and 8 renditions in each of HLS and DASH, plus DASH's audio.
func TestAnchorModel(t *testing.T) {
	j := Anchor(1920, 1080, time.Minute)
	if j.Profile != 1080 || j.Minutes.HD != 10 || j.Minutes.SD != 8 || j.Minutes.Audio != 1 || j.Minutes.Tier != pipeline.TierBasic {
		t.Errorf("1080p job %+v, want profile 1080, 10 HD, 8 SD, 1 audio minute, basic", j)
	}
	// A portrait phone clip is 1920 high: the profiler picks the 2160p template, whose 16:9
	// outputs upscale and reshape it.
	if j := Anchor(1080, 1920, time.Minute); j.Profile != 2160 || j.Upscaled == 0 || j.Reshaped != 19 || j.Minutes.Tier != pipeline.TierProfessional {
		t.Errorf("portrait job %+v, want the 2160p template, upscaled and reshaped", j)
	}
	if j := Anchor(854, 480, 5*time.Second); j.Profile != 720 || math.Abs(j.Minutes.HD-7*10.0/60) > 1e-9 {
		t.Errorf("short 480p job %+v, want the 720p template billed 10 s an output", j)
	}
}

// TestPriceTitleByHand prices one title and checks it against a calculation done by hand
// from the price table, to 10 %:
//
// A 10-minute 1080p title with stereo audio on the default ladder plans 1920x1080 @6 Mb/s and
// 1280x720 @3.5 Mb/s (HD), 854x480 @1.5 Mb/s and 640x360 @0.8 Mb/s (SD), one SD frame capture
// and one audio rendition, all basic tier:
//
//	transcode  20 HD min × $0.015 + 30 SD min × $0.0075 + 10 audio min × $0.003     = $0.555
//
// Outputs average half their peak: (6 + 3.5 + 1.5 + 0.8) / 2 + 0.128 = 6.028 Mb/s, × 600 s
// = 452.1 MB = 0.421 GiB, in 500 segments. The 2 GiB master is Standard for 30 days, Glacier IR
// until day 180, Deep Archive after; the outputs frequent, infrequent after 30 days, archive
// instant after 90:
//
//	master     2 × (0.023 + 5 × 0.004 + 6 × 0.00099)                                  = $0.0979
//	outputs    0.421 × (0.023 + 2 × 0.0125 + 9 × 0.004)                               = $0.0354
//	monitoring 0.5 thousand objects × $0.0025 × 12 months                              = $0.0150
//
// 1,000 views of half the title at the top rendition: (3 + 0.128) Mb/s × 300 s = 117.3 MB
// = 0.1093 GiB each, 109.3 GB in all, in 100,000 requests:
//
//	egress     109.3 × $0.085 + 10 × $0.01                                             = $9.39
//
// Total: $10.09.
func TestPriceTitleByHand(t *testing.T) {
	plan, err := pipeline.PlanLadder(pipeline.Source{Width: 1920, Height: 1080, FrameRate: 25, Audio: true,
		AudioTracks: []pipeline.AudioTrack{{Codec: "aac", Channels: 2, Language: "eng"}}}, pipeline.LadderConfig{Codec: pipeline.CodecH264, Rungs: platform.DefaultLadder})
	if err != nil {
		t.Fatal(err)
	}
	c, err := Default.PriceTitle(Title{Plan: plan, Duration: 10 * time.Minute, SourceBytes: 2 << 30, Views: 1000, WatchedFraction: 0.5, Months: 12},
		Lifecycle{ArchiveAfterDays: 30, DeepArchiveAfterDays: 180})
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range []struct {
		name      string
		got, want float64
	}{
		{"transcode", c.TranscodeUSD, 0.555},
		{"storage", c.StorageUSD, 0.0979 + 0.0354 + 0.0150},
		{"egress", c.EgressUSD, 9.39},
		{"total", c.TotalUSD, 10.09},
	} {
		if math.Abs(x.got-x.want) > 0.1*x.want {
			t.Errorf("%s $%.4f, want $%.4f ± 10 %%", x.name, x.got, x.want)
		}
	}
	if c.Storage[0].MasterClass != "STANDARD" || c.Storage[1].MasterClass != "GLACIER_IR" || c.Storage[6].MasterClass != "DEEP_ARCHIVE" || c.Storage[3].OutputsClass != "IT_ARCHIVE_INSTANT" {
		t.Errorf("storage classes over time %+v do not follow the lifecycle", c.Storage)
	}
	if _, err := Default.PriceTitle(Title{Plan: plan}, Lifecycle{}); err == nil {
		t.Error("a title of no duration was priced")
	}
}

func TestEgressTiers(t *testing.T) {
	for _, tt := range []struct{ gb, want float64 }{
		{0, 0},
		{100, 8.5},
		{10 * 1024, 870.4},
		{20 * 1024, 870.4 + 10*1024*0.080},
	} {
		if got := Default.EgressUSD(tt.gb); math.Abs(got-tt.want) > 0.01 {
			t.Errorf("EgressUSD(%v) = %.2f, want %.2f", tt.gb, got, tt.want)
		}
	}
}

func TestIdleMonthly(t *testing.T) {
	types := []string{"aws:kms/key:Key", "aws:lambda/function:Function", "aws:cloudwatch/metricAlarm:MetricAlarm",
		"aws:cloudwatch/metricAlarm:MetricAlarm", "aws:wafv2/webAcl:WebAcl", "aws:s3/bucketV2:BucketV2"}
	total, lines := Default.IdleMonthly(types, 3)
	if want := 1.00 + 2*0.10 + 5.00 + 3*1.00; math.Abs(total-want) > 1e-9 {
		t.Errorf("idle $%.2f, want $%.2f (%+v)", total, want, lines)
	}
	if len(lines) != 4 {
		t.Errorf("lines %+v, want kms, alarms, web ACL and rules", lines)
	}
}

// TestBilledMinutesClasses checks the billing rules: classes by the short side, the 10 s
// minimum, HEVC and multi-pass at the professional tier, rates above 30 fps counted twice.
func TestBilledMinutesClasses(t *testing.T) {
	plan := pipeline.Plan{Codec: pipeline.CodecH264, Audio: true, Renditions: []pipeline.Rendition{{Width: 1080, Height: 1920, MaxBitrate: 1}, {Width: 720, Height: 1280, MaxBitrate: 1}, {Width: 360, Height: 640, MaxBitrate: 1}}}
	m := pipeline.BilledMinutes(plan, 90*time.Second, false)
	if m.Tier != pipeline.TierBasic || m.HD != 3 || m.SD != 3 || m.Audio != 1.5 {
		t.Errorf("portrait minutes %+v, want basic, 3 HD, 3 SD (with the capture), 1.5 audio", m)
	}
	if m := pipeline.BilledMinutes(plan, 2*time.Second, true); m.Tier != pipeline.TierProfessional || math.Abs(m.Audio-10.0/60) > 1e-9 {
		t.Errorf("multi-pass 2 s minutes %+v, want professional, 10 s billed", m)
	}
	plan.FrameRate = 50
	if m := pipeline.BilledMinutes(plan, time.Minute, false); m.HD != 4 {
		t.Errorf("50 fps HD minutes %v, want 4 (two renditions, twice)", m.HD)
	}
	plan.Codec = pipeline.CodecHEVC
	if m := pipeline.BilledMinutes(plan, time.Minute, false); m.Tier != pipeline.TierProfessional {
		t.Errorf("hevc tier %s, want professional", m.Tier)
	}
}

func BenchmarkCompare(b *testing.B) {
	cfg := pipeline.LadderConfig{Codec: pipeline.CodecH264, Rungs: platform.DefaultLadder}
	for b.Loop() {
		if _, err := Default.Compare(CommonClasses, cfg); err != nil {
			b.Fatal(err)
		}
	}
}

func ExamplePrices_PriceTitle() {
	plan, _ := pipeline.PlanLadder(pipeline.Source{Width: 1280, Height: 720, Audio: true}, pipeline.LadderConfig{Codec: pipeline.CodecH264, Rungs: platform.DefaultLadder})
	c, _ := Default.PriceTitle(Title{Plan: plan, Duration: time.Hour, SourceBytes: 4 << 30, Views: 100}, Lifecycle{ArchiveAfterDays: 30})
	fmt.Printf("%s tier: %.0f HD + %.0f SD video minutes, %.0f audio: $%.2f\n", c.Minutes.Tier, c.Minutes.HD, c.Minutes.SD, c.Minutes.Audio, c.TranscodeUSD)
	// Output: basic tier: 60 HD + 180 SD video minutes, 60 audio: $2.43
}
