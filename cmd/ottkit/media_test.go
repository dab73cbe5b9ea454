package main

import (
	"encoding/json"
	"math"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ottkit/ottkit/functions/pipeline"
	"github.com/ottkit/ottkit/functions/pipeline/cost"
)

// ffmpegFile makes a small file with ffmpeg (functions/internal/testmedia is out of reach of
// cmd/): a lavfi source and the output options given.
func ffmpegFile(t *testing.T, name, source string, opts ...string) string {
	t.Helper()
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Fatalf("ffmpeg is not on PATH (apt-get install -y ffmpeg): %v", err)
	}
	out := filepath.Join(t.TempDir(), name)
	args := append(append([]string{"-hide_banner", "-loglevel", "error", "-nostdin", "-y", "-f", "lavfi", "-i", source}, opts...), out)
	if b, err := exec.Command("ffmpeg", args...).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg %v: %v: %s", args, err, b)
	}
	return out
}

// TestProbeCommand runs `ottkit probe` on real files: an accepted anamorphic clip (its
// display size, ladder and cost), a five-hour fragmented MP4 and a 16x16 clip, both rejected
// with their reason and exit 1.
func TestProbeCommand(t *testing.T) {
	x264 := []string{"-c:v", "libx264", "-preset", "ultrafast"}
	pal := ffmpegFile(t, "pal.mkv", "testsrc2=s=720x576:r=25:d=1", append([]string{"-vf", "setsar=64/45"}, x264...)...)
	code, out, errOut := ottkit(t, "probe", "--project-dir", projectDir, pal)
	if code != exitOK {
		t.Fatalf("probe %s: exit %d, stderr %s", pal, code, errOut)
	}
	for _, want := range []string{"accepted", "pixel aspect 64:45, display 1024x576", "matroska", "ladder        h264 1024x576@2240k", "basic tier", "read"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}

	// An interlaced MPEG-2 master in MXF: the report says it is deinterlaced and prices the
	// job at the professional tier; its bit depth is not stated, and says so.
	mxf := ffmpegFile(t, "interlaced.mxf", "testsrc2=s=720x576:r=50:d=1", "-vf", "interlace", "-c:v", "mpeg2video", "-flags", "+ildct+ilme")
	code, out, errOut = ottkit(t, "probe", "--project-dir", projectDir, mxf)
	if code != exitOK {
		t.Fatalf("probe %s: exit %d, stderr %s", mxf, code, errOut)
	}
	for _, want := range []string{"25 fps, interlaced (deinterlaced by the job)", "professional tier", "SDR, bit depth not stated"} {
		if !strings.Contains(out, want) {
			t.Errorf("interlaced MXF report lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "0-bit") {
		t.Errorf("interlaced MXF report states a 0-bit depth:\n%s", out)
	}

	// On a GCP stack the same clip is priced with GCP's table: the Transcoder API job.
	code, out, errOut = ottkit(t, "probe", "--stack", "dev-gcp", "--project-dir", projectDir, pal)
	if code != exitOK || !strings.Contains(out, "transcoder tier") || !strings.Contains(out, "GCP prices of") {
		t.Errorf("probe --stack dev-gcp: exit %d, stderr %s; want the transcoder tier with GCP prices:\n%s", code, errOut, out)
	}

	long := ffmpegFile(t, "long.mp4", "color=c=gray:s=160x90:r=1:d=18000", append(x264, "-g", "60", "-movflags", "frag_keyframe+empty_moov")...)
	tiny := ffmpegFile(t, "tiny.mp4", "testsrc2=s=16x16:r=10:d=1", x264...)
	code, out, errOut = ottkit(t, "probe", "--json", "--project-dir", projectDir, pal, long, tiny)
	if code != exitFailed || !strings.Contains(errOut, "2 of 3 files would be rejected") {
		t.Fatalf("exit %d, stderr %q; want 1 and the count of rejected files", code, errOut)
	}
	var reports []probeReport
	if err := json.Unmarshal([]byte(out), &reports); err != nil {
		t.Fatalf("--json output: %v\n%s", err, out)
	}
	if len(reports) != 3 {
		t.Fatalf("%d reports, want 3", len(reports))
	}
	if r := reports[0]; !r.Accepted || r.Video.DisplayWidth != 1024 || r.Ladder == nil || r.Ladder.Codec != "h264" || r.Cost == nil || r.Cost.Minutes.Tier != "basic" {
		t.Errorf("anamorphic report %+v, want accepted with the default H.264 ladder at the basic tier", r)
	}
	if r := reports[1]; r.Accepted || r.Reason != "too-long" || r.DurationFrom != "fragments" || r.Duration < 5*3600-60 {
		t.Errorf("five-hour report %+v, want too-long (over the default 4 h) from the fragments", r)
	}
	if r := reports[2]; r.Accepted || r.Reason != "unsupported-size" || r.Ladder != nil {
		t.Errorf("16x16 report %+v, want unsupported-size and no ladder", r)
	}
	// acme-prod allows 6 hours and encodes HEVC: the five-hour file passes, at the
	// professional tier.
	code, out, errOut = ottkit(t, "probe", "--json", "--stack", "acme-prod", "--project-dir", projectDir, long)
	reports = nil
	if err := json.Unmarshal([]byte(out), &reports); code != exitOK || err != nil || len(reports) != 1 {
		t.Fatalf("acme-prod: exit %d, %v, stderr %s", code, err, errOut)
	}
	if r := reports[0]; !r.Accepted || r.Ladder.Codec != "hevc" || r.Cost.Minutes.Tier != "professional" {
		t.Errorf("acme-prod report %+v, want accepted on an HEVC ladder at the professional tier", r)
	}
	if code, _, errOut := ottkit(t, "probe", "/nonexistent.mp4"); code != exitUsage || !strings.Contains(errOut, "/nonexistent.mp4") {
		t.Errorf("missing file: exit %d, stderr %q; want 2 naming the file", code, errOut)
	}
}

// TestCostCommand runs `ottkit cost` in its three modes against the shipped stacks.
func TestCostCommand(t *testing.T) {
	code, out, errOut := ottkit(t, "cost", "--project-dir", projectDir, "--duration", "10m", "--source-gb", "2", "--views", "1000")
	if code != exitOK {
		t.Fatalf("cost: exit %d, stderr %s", code, errOut)
	}
	// The figures of cost.TestPriceTitleByHand's hand calculation.
	for _, want := range []string{"AWS prices of", "MediaConvert basic tier: 30.0 SD + 20.0 HD + 0.0 UHD video minutes, 10.0 audio minutes = $0.555", "month 7", "DEEP_ARCHIVE", "109.2 GB = $9.39"} {
		if !strings.Contains(out, want) {
			t.Errorf("title report lacks %q:\n%s", want, out)
		}
	}

	code, out, errOut = ottkit(t, "cost", "--compare", "--json", "--project-dir", projectDir)
	if code != exitOK {
		t.Fatalf("cost --compare: exit %d, stderr %s", code, errOut)
	}
	var cmps []struct {
		OttkitUSD, AnchorUSD float64
		Upscaled, Padded     int
	}
	if err := json.Unmarshal([]byte(out), &cmps); err != nil || len(cmps) != 9 {
		t.Fatalf("--compare --json: %v, %d classes\n%s", err, len(cmps), out)
	}
	for i, c := range cmps {
		if c.OttkitUSD > c.AnchorUSD || c.Upscaled+c.Padded != 0 {
			t.Errorf("class %d: %+v, want at most the anchor's price, no upscaled or padded rendition", i, c)
		}
	}

	code, out, errOut = ottkit(t, "cost", "--idle", "--stack", "acme-prod", "--project-dir", projectDir)
	if code != exitOK {
		t.Fatalf("cost --idle: exit %d, stderr %s", code, errOut)
	}
	// acme-prod: one KMS key, a WAF web ACL with its rules, alarms, the dashboard.
	for _, want := range []string{"aws:kms/key:Key", "aws:wafv2/webAcl:WebAcl", "waf rules", "aws:cloudwatch/metricAlarm:MetricAlarm", "total $"} {
		if !strings.Contains(out, want) {
			t.Errorf("idle report lacks %q:\n%s", want, out)
		}
	}
	for _, bad := range [][]string{{"cost", "--idle"}, {"cost", "--duration", "0s"}, {"cost", "--watched", "2"}, {"cost", "--compare", "--idle", "--stack", "x"}} {
		if code, _, errOut := ottkit(t, bad...); code != exitUsage || errOut == "" {
			t.Errorf("%v: exit %d, stderr %q; want 2 with the reason", bad, code, errOut)
		}
	}
}

// TestCostCommandGCP prices titles and idle months of the two shipped GCP stacks end to end:
// the command reads ottkit:cloud, builds the Transcoder API job tcjob makes for the stack's
// ladder, and prices it, the stack's storage lifecycle and Cloud CDN with the GCP table.
func TestCostCommandGCP(t *testing.T) {
	// dev-gcp: default ladder, europe-west1, masters rewritten to ARCHIVE. The figures are
	// cost.TestGCPPriceTitleByHand's title: 854x480 and 640x360 are SD, the sprites bill
	// nothing, and nothing doubles at 25 fps.
	code, out, errOut := ottkit(t, "cost", "--stack", "dev-gcp", "--project-dir", projectDir, "--duration", "10m", "--source-gb", "2", "--views", "1000")
	if code != exitOK {
		t.Fatalf("cost --stack dev-gcp: exit %d, stderr %s", code, errOut)
	}
	for _, want := range []string{"GCP prices of " + cost.GCPDefault.Date + ", europe-west1",
		"Transcoder API: 20.0 SD + 20.0 HD + 0.0 UHD video minutes, 10.0 audio-only minutes = $0.950",
		"month 1   master ARCHIVE  outputs STANDARD", "month 12  master ARCHIVE  outputs NEARLINE",
		"109.2 GB cache egress, 0.11 GB cache fill = $8.82"} {
		if !strings.Contains(out, want) {
			t.Errorf("dev-gcp title report lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "AWS") || strings.Contains(out, "GLACIER") || strings.Contains(out, "MediaConvert") {
		t.Errorf("dev-gcp title report mentions AWS prices or classes:\n%s", out)
	}

	// acme-gcp: its own three-rung ladder in europe-west4, masters to COLDLINE at completion
	// and to ARCHIVE on day 365.
	code, out, errOut = ottkit(t, "cost", "--json", "--stack", "acme-gcp", "--project-dir", projectDir, "--duration", "10m", "--months", "14")
	if code != exitOK {
		t.Fatalf("cost --stack acme-gcp: exit %d, stderr %s", code, errOut)
	}
	var r struct {
		Plan pipeline.Plan
		Cost cost.TitleCost
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("acme-gcp --json: %v\n%s", err, out)
	}
	c := r.Cost
	if c.Cloud != "gcp" || c.Minutes.Tier != cost.TierTranscoder || len(r.Plan.Renditions) != 3 || c.Minutes.SD != 10 || c.Minutes.HD != 20 || c.Minutes.Audio != 10 {
		t.Errorf("acme-gcp: cloud %q, minutes %+v over %d renditions; want gcp, 10 SD, 20 HD and 10 audio-only minutes of 3", c.Cloud, c.Minutes, len(r.Plan.Renditions))
	}
	if len(c.Storage) != 14 || c.Storage[0].MasterClass != "COLDLINE" || c.Storage[12].MasterClass != "COLDLINE" || c.Storage[13].MasterClass != "ARCHIVE" {
		t.Errorf("acme-gcp master classes %+v, want COLDLINE from completion and ARCHIVE from day 365", c.Storage)
	}
	if want := c.TranscodeUSD + c.StorageUSD + c.EgressUSD; c.TotalUSD != want || c.EgressUSD <= 0 || c.FillGB <= 0 {
		t.Errorf("acme-gcp total $%v, parts $%v + $%v + $%v, fill %v GB", c.TotalUSD, c.TranscodeUSD, c.StorageUSD, c.EgressUSD, c.FillGB)
	}

	// Idle: the two global forwarding rules are priced together, Cloud Armor by policy and
	// rule, alerting by condition. acme-gcp's geo rules add two Armor rules to dev-gcp's one.
	idle := map[string]float64{}
	for _, stack := range []string{"dev-gcp", "acme-gcp"} {
		code, out, errOut := ottkit(t, "cost", "--idle", "--json", "--stack", stack, "--project-dir", projectDir)
		if code != exitOK {
			t.Fatalf("cost --idle --stack %s: exit %d, stderr %s", stack, code, errOut)
		}
		var rep struct {
			Cloud, Prices string
			Lines         []cost.IdleLine
			TotalUSD      float64
		}
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatalf("%s --idle --json: %v\n%s", stack, err, out)
		}
		got := map[string]cost.IdleLine{}
		for _, l := range rep.Lines {
			got[l.Type] = l
		}
		if rep.Cloud != "gcp" || !strings.HasPrefix(rep.Prices, "GCP prices") {
			t.Errorf("%s: cloud %q prices %q, want gcp's", stack, rep.Cloud, rep.Prices)
		}
		if l := got["gcp:compute/globalForwardingRule:GlobalForwardingRule"]; l.Count != 2 || math.Abs(l.USD-18.25) > 1e-9 {
			t.Errorf("%s: forwarding rules %+v, want 2 for $18.25", stack, l)
		}
		if l := got["alerting conditions"]; l.Count < 7 {
			t.Errorf("%s: alerting conditions %+v, want one per alert policy at least", stack, l)
		}
		for _, typ := range []string{"gcp:kms/cryptoKey:CryptoKey", "gcp:compute/securityPolicy:SecurityPolicy", "cloud armor rules"} {
			if got[typ].Count == 0 {
				t.Errorf("%s: no %s line in %+v", stack, typ, rep.Lines)
			}
		}
		idle[stack] = rep.TotalUSD
	}
	if d := idle["acme-gcp"] - idle["dev-gcp"]; math.Abs(d-2*cost.GCPDefault.ArmorRule) > 1e-9 {
		t.Errorf("acme-gcp idles at $%.2f more than dev-gcp, want its two geo rules ($%.2f)", d, 2*cost.GCPDefault.ArmorRule)
	}

	// The anchor comparison is MediaConvert's; a GCP stack is told so.
	if code, out, errOut := ottkit(t, "cost", "--compare", "--stack", "dev-gcp", "--project-dir", projectDir); code == exitOK || !strings.Contains(errOut, "deploys to gcp") || out != "" {
		t.Errorf("--compare on dev-gcp: exit %d, stdout %q, stderr %q; want a refusal naming gcp", code, out, errOut)
	}
}
