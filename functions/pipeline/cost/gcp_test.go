package cost

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/ottkit/ottkit/components/platform"
	"github.com/ottkit/ottkit/functions/pipeline"
)

// TestGCPPriceTitleByHand prices the title of TestPriceTitleByHand on GCP and checks each part
// against a calculation done by hand from GCPDefault, to half a tenth of a cent:
//
// The transcode is what tcjob's job bills (given here; cmd/ottkit counts it on the built job):
//
//	transcode  20 HD min × $0.030 + 20 SD min × $0.015 + 10 audio-only min × $0.005  = $0.950
//
// In europe-west1 with archive class NEARLINE, archiveAfterDays 30, deepArchiveAfterDays 180
// and noncurrent versions kept 30 days, the 2 GiB master is NEARLINE from the rewrite at
// completion, COLDLINE from day 90, ARCHIVE from day 180; its STANDARD upload stays as a
// noncurrent version 30 days and in soft delete 7 more. The 0.4211 GiB of outputs are
// Standard for 30 days, then Nearline (Autoclass); the fee covers the 400 video segments of at
// least 128 KiB, not the 100 audio ones (96 KB each); 502 objects are written:
//
//	master     2 × (3 × 0.010 + 3 × 0.004 + 6 × 0.0012)                                 = $0.0984
//	noncurrent 2 × 0.020 × 37 / 30                                                      = $0.0493
//	outputs    0.4211 × (0.020 + 11 × 0.010)                                            = $0.0547
//	autoclass  0.4 thousand objects × $0.0025 × 12 months                               = $0.0120
//	writes     502 × $0.005 / 1,000                                                     = $0.0025
//
// 1,000 views of half the title at the top rendition, 0.10924 GiB each, in 100,000 lookups;
// one cache fill of what a view plays, from 100 segment reads:
//
//	delivery   109.24 × $0.08 + 10 × $0.0075 + 0.10924 × $0.01 + 100 × $0.0004 / 1,000 = $8.8157
func TestGCPPriceTitleByHand(t *testing.T) {
	plan, err := pipeline.PlanLadder(pipeline.Source{Width: 1920, Height: 1080, FrameRate: 25, Audio: true,
		AudioTracks: []pipeline.AudioTrack{{Codec: "aac", Channels: 2, Language: "eng"}}}, pipeline.LadderConfig{Codec: pipeline.CodecH264, Rungs: platform.DefaultLadder})
	if err != nil {
		t.Fatal(err)
	}
	lc := GCPLifecycle{Region: "europe-west1", ArchiveClass: GCSNearline, ArchiveAfterDays: 30, DeepArchiveAfterDays: 180, NoncurrentDays: 30}
	c, err := GCPDefault.PriceTitle(Title{Plan: plan, Duration: 10 * time.Minute, SourceBytes: 2 << 30, Views: 1000, WatchedFraction: 0.5, Months: 12},
		TranscoderMinutes{SD: 20, HD: 20, Audio: 10}, lc)
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range []struct {
		name      string
		got, want float64
	}{
		{"transcode", c.TranscodeUSD, 0.950},
		{"storage", c.StorageUSD, 0.0984 + 0.04933 + 0.05474 + 0.0120 + 0.00251},
		{"delivery", c.EgressUSD, 8.8157},
		{"total", c.TotalUSD, 0.950 + 0.21698 + 8.8157},
	} {
		if math.Abs(x.got-x.want) > 0.0005 {
			t.Errorf("%s $%.5f, want $%.5f", x.name, x.got, x.want)
		}
	}
	if c.Cloud != "gcp" || c.Minutes.Tier != TierTranscoder {
		t.Errorf("cloud %q tier %q, want gcp and %q", c.Cloud, c.Minutes.Tier, TierTranscoder)
	}
	var classes []string
	for _, m := range c.Storage {
		classes = append(classes, m.MasterClass+"/"+m.OutputsClass)
	}
	want := "NEARLINE/STANDARD NEARLINE/NEARLINE NEARLINE/NEARLINE COLDLINE/NEARLINE COLDLINE/NEARLINE COLDLINE/NEARLINE " +
		"ARCHIVE/NEARLINE ARCHIVE/NEARLINE ARCHIVE/NEARLINE ARCHIVE/NEARLINE ARCHIVE/NEARLINE ARCHIVE/NEARLINE"
	if got := strings.Join(classes, " "); got != want {
		t.Errorf("classes by month\n got %s\nwant %s", got, want)
	}
	// The noncurrent STANDARD copy bills in months 1 and 2 only (days 0 to 36).
	if d := c.Storage[1].USD - c.Storage[2].USD; math.Abs(d-2*0.020*7/30) > 1e-9 {
		t.Errorf("month 2 minus month 3 is $%.5f, want the 7 noncurrent days of month 2 ($%.5f)", d, 2*0.020*7/30)
	}
	if c.FillGB <= 0 || c.FillGB >= c.EgressGB {
		t.Errorf("fill %v GB for %v GB egress, want one view's worth", c.FillGB, c.EgressGB)
	}
}

// TestGCPMasterLifecycle pins the master's class to what components/gcp.MediaStorage's rules
// and the complete stage's rewrite do, for each archive class a GCP stack may choose.
func TestGCPMasterLifecycle(t *testing.T) {
	for _, tt := range []struct {
		lc   GCPLifecycle
		days map[int]string
	}{
		// dev-gcp: ARCHIVE at completion; nothing moves it further.
		{GCPLifecycle{ArchiveClass: GCSArchive, ArchiveAfterDays: 30, DeepArchiveAfterDays: 180},
			map[int]string{0: GCSArchive, 89: GCSArchive, 400: GCSArchive}},
		// acme-gcp: COLDLINE at completion (the NEARLINE and COLDLINE rules do not match it),
		// ARCHIVE on day 365.
		{GCPLifecycle{ArchiveClass: GCSColdline, ArchiveAfterDays: 30, DeepArchiveAfterDays: 365},
			map[int]string{0: GCSColdline, 90: GCSColdline, 364: GCSColdline, 365: GCSArchive}},
		// NEARLINE: COLDLINE 60 days after archiveAfterDays, never ARCHIVE without deep archive.
		{GCPLifecycle{ArchiveClass: GCSNearline, ArchiveAfterDays: 10},
			map[int]string{0: GCSNearline, 69: GCSNearline, 70: GCSColdline, 3000: GCSColdline}},
	} {
		for day, want := range tt.days {
			if got := tt.lc.masterClass(day); got != want {
				t.Errorf("%+v day %d: %s, want %s", tt.lc, day, got, want)
			}
		}
	}
}

// TestGCPEgressTiers checks Cloud CDN's tier boundaries at 10 and 150 TiB, and the last
// listed rate beyond them.
func TestGCPEgressTiers(t *testing.T) {
	for _, tt := range []struct{ gb, want float64 }{
		{0, 0},
		{100, 8},
		{10 * 1024, 819.2},
		{10*1024 + 100, 819.2 + 5.5},
		{150 * 1024, 819.2 + 140*1024*0.055},
		{200 * 1024, 819.2 + 140*1024*0.055 + 50*1024*0.03},
		{1024 * 1024, 819.2 + 140*1024*0.055 + 874*1024*0.03},
	} {
		if got := GCPDefault.EgressUSD(tt.gb); math.Abs(got-tt.want) > 0.01 {
			t.Errorf("EgressUSD(%v) = %.2f, want %.2f", tt.gb, got, tt.want)
		}
	}
}

func TestGCPIdleMonthly(t *testing.T) {
	rules := []any{map[string]any{}, map[string]any{}, map[string]any{}}
	res := []IdleResource{
		{Type: "gcp:kms/cryptoKey:CryptoKey"},
		{Type: "gcp:compute/securityPolicy:SecurityPolicy", Inputs: map[string]any{"rules": rules}},
		{Type: "gcp:monitoring/alertPolicy:AlertPolicy", Inputs: map[string]any{"conditions": []any{1, 2}}},
		{Type: "gcp:monitoring/alertPolicy:AlertPolicy", Inputs: map[string]any{"conditions": []any{1}}},
		{Type: "gcp:storage/bucket:Bucket"},
		{Type: "gcp:cloudfunctionsv2/function:Function"},
	}
	for i := 0; i < 2; i++ {
		res = append(res, IdleResource{Type: "gcp:compute/globalForwardingRule:GlobalForwardingRule"})
	}
	total, lines := GCPDefault.IdleMonthly(res)
	// Two forwarding rules are inside the first five's hourly price.
	if want := 0.06 + 5 + 3*1.00 + 3*1.50 + 0.025*730; math.Abs(total-want) > 1e-9 {
		t.Errorf("idle $%.4f, want $%.4f (%+v)", total, want, lines)
	}
	if len(lines) != 5 {
		t.Errorf("lines %+v, want key, policy, forwarding rules, armor rules, conditions", lines)
	}
	// Seven forwarding rules: the first five together, two more by the hour.
	for i := 0; i < 5; i++ {
		res = append(res, IdleResource{Type: "gcp:compute/globalForwardingRule:GlobalForwardingRule"})
	}
	if total7, _ := GCPDefault.IdleMonthly(res); math.Abs(total7-total-2*0.01*730) > 1e-9 {
		t.Errorf("seven rules add $%.4f, want $%.2f", total7-total, 2*0.01*730)
	}
}

func TestGCPPriceTitleRefuses(t *testing.T) {
	plan := pipeline.Plan{Codec: pipeline.CodecH264, Renditions: []pipeline.Rendition{{Width: 640, Height: 360, MaxBitrate: 800_000}}}
	good := GCPLifecycle{Region: "europe-west1", ArchiveClass: GCSArchive, ArchiveAfterDays: 30, NoncurrentDays: 30}
	for name, tt := range map[string]struct {
		lc   GCPLifecycle
		want string
	}{
		"region":  {GCPLifecycle{Region: "mars-north1", ArchiveClass: GCSArchive, ArchiveAfterDays: 30, NoncurrentDays: 30}, `"mars-north1"`},
		"class":   {GCPLifecycle{Region: "europe-west1", ArchiveClass: "GLACIER_IR", ArchiveAfterDays: 30, NoncurrentDays: 30}, `"GLACIER_IR"`},
		"expires": {GCPLifecycle{Region: "europe-west1", ArchiveClass: GCSArchive, ArchiveAfterDays: 30}, "days"},
	} {
		_, err := GCPDefault.PriceTitle(Title{Plan: plan, Duration: time.Minute}, TranscoderMinutes{SD: 1}, tt.lc)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want one naming %s", name, err, tt.want)
		}
	}
	if _, err := GCPDefault.PriceTitle(Title{Plan: plan}, TranscoderMinutes{}, good); err == nil {
		t.Error("a title of no duration was priced")
	}
	for _, r := range GCPDefault.Regions() {
		if p := GCPDefault.Storage[r]; !(p[GCSStandard] > p[GCSNearline] && p[GCSNearline] > p[GCSColdline] && p[GCSColdline] > p[GCSArchive] && p[GCSArchive] > 0) {
			t.Errorf("region %s: %v is not Standard > Nearline > Coldline > Archive > 0", r, p)
		}
	}
}

// BenchmarkGCPPriceTitle prices a ten-minute title over ten years (storage summed day by day).
func BenchmarkGCPPriceTitle(b *testing.B) {
	plan, err := pipeline.PlanLadder(pipeline.Source{Width: 1920, Height: 1080, Audio: true}, pipeline.LadderConfig{Codec: pipeline.CodecH264, Rungs: platform.DefaultLadder})
	if err != nil {
		b.Fatal(err)
	}
	lc := GCPLifecycle{Region: "europe-west4", ArchiveClass: GCSColdline, ArchiveAfterDays: 30, DeepArchiveAfterDays: 365, NoncurrentDays: 30}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := GCPDefault.PriceTitle(Title{Plan: plan, Duration: 10 * time.Minute, SourceBytes: 2 << 30, Views: 1000, Months: 120}, TranscoderMinutes{SD: 20, HD: 20, Audio: 10}, lc); err != nil {
			b.Fatal(err)
		}
	}
}
