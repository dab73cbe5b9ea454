package main

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
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
	for _, want := range []string{"basic tier: 30.0 SD + 20.0 HD + 0.0 UHD video minutes, 10.0 audio minutes = $0.555", "month 7", "DEEP_ARCHIVE", "109.2 GB = $9.39"} {
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
	// A GCP stack is refused, not priced with AWS's table.
	for _, args := range [][]string{{"cost", "--stack", "dev-gcp"}, {"cost", "--idle", "--stack", "dev-gcp"}} {
		code, out, errOut := ottkit(t, append(args, "--project-dir", projectDir)...)
		if code == exitOK || !strings.Contains(errOut, "deploys to gcp") || strings.Contains(out, "total") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want a refusal naming gcp", args, code, out, errOut)
		}
	}
	for _, bad := range [][]string{{"cost", "--idle"}, {"cost", "--duration", "0s"}, {"cost", "--watched", "2"}, {"cost", "--compare", "--idle", "--stack", "x"}} {
		if code, _, errOut := ottkit(t, bad...); code != exitUsage || errOut == "" {
			t.Errorf("%v: exit %d, stderr %q; want 2 with the reason", bad, code, errOut)
		}
	}
}
