package main

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// clip makes a one-second 320x240 MP4 with audio with ffmpeg, and a copy cut off after its
// first kilobytes: a file no prober or decoder can read.
func clip(t *testing.T) (good, corrupt string) {
	t.Helper()
	dir := t.TempDir()
	good = filepath.Join(dir, "clip.mp4")
	out, err := exec.Command("ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i", "testsrc2=s=320x240:r=10:d=1",
		"-f", "lavfi", "-i", "sine=d=1", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", good).CombinedOutput()
	if err != nil {
		t.Fatalf("ffmpeg (apt-get install ffmpeg): %v\n%s", err, out)
	}
	b, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	corrupt = filepath.Join(dir, "corrupt.mp4")
	if err := os.WriteFile(corrupt, b[:min(len(b), 3000)], 0o644); err != nil {
		t.Fatal(err)
	}
	return good, corrupt
}

// devProject is a project whose one stack, "dev-small", is dev-aws with a 360p ceiling, so
// the ingest tests encode one small rendition.
func devProject(t *testing.T) string {
	t.Helper()
	dir := cleanCheckout(t)
	b, err := os.ReadFile(filepath.Join(dir, "stacks", "Pulumi.dev-aws.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "stacks", "Pulumi.dev-small.yaml"), append(b, "  ottkit:maxHeight: 360\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func devIngestArgs(project, data, file string) []string {
	return []string{"dev", "--ingest", file, "--project-dir", project, "--stack", "dev-small", "--data-dir", data, "--timeout", "3m"}
}

// TestDevIngestReady: a small file ffmpeg made goes through upload, ingest, transcode and
// complete, and `ottkit dev --ingest` exits 0 naming the asset.
func TestDevIngestReady(t *testing.T) {
	project, data := devProject(t), t.TempDir()
	good, _ := clip(t)
	code, out, errOut := runCLI(t, devIngestArgs(project, data, good)...)
	if code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	for _, want := range []string{"upload received", "transcoding job complete", ": ready as asset ", "1 renditions", "index.m3u8", "index.mpd"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// TestDevIngestCorrupt: a file that is not playable video ends rejected, once: one delivery,
// no retries, exit 1 with the reason.
func TestDevIngestCorrupt(t *testing.T) {
	project, data := devProject(t), t.TempDir()
	_, corrupt := clip(t)
	code, out, errOut := runCLI(t, devIngestArgs(project, data, corrupt)...)
	if code != exitFailed || !strings.Contains(errOut, "rejected") {
		t.Fatalf("exit %d, stderr %q; want 1 and rejected\n%s", code, errOut, out)
	}
	if n := strings.Count(out, "upload received"); n != 1 {
		t.Errorf("%d uploads received, want 1:\n%s", n, out)
	}
	if strings.Contains(out, "delivered again") || strings.Contains(out, "dead-letter") {
		t.Errorf("the corrupt upload was retried:\n%s", out)
	}
}

// TestDevRefusesBadInput: a port in use, an unwritable data directory and a corrupt catalog
// stop `ottkit dev` before it starts, with an error naming them.
func TestDevRefusesBadInput(t *testing.T) {
	project := devProject(t)
	good, _ := clip(t)
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	file := filepath.Join(t.TempDir(), "a-file")
	os.WriteFile(file, nil, 0o600)
	corrupt := t.TempDir()
	os.WriteFile(filepath.Join(corrupt, "ottkit.db"), []byte(strings.Repeat("garbage ", 1000)), 0o600)
	for name, tc := range map[string]struct {
		args []string
		want string
	}{
		"unwritable data directory": {[]string{"--data-dir", filepath.Join(file, "data")}, file},
		"corrupt catalog":           {[]string{"--data-dir", corrupt}, filepath.Join(corrupt, "ottkit.db")},
		"unknown stack":             {[]string{"--data-dir", t.TempDir(), "--stack", "nope"}, "nope"},
		"port in use":               {[]string{"--data-dir", t.TempDir(), "--addr", busy.Addr().String()}, busy.Addr().String() + " is already in use"},
	} {
		t.Run(name, func(t *testing.T) {
			args := append([]string{"dev", "--ingest", good, "--project-dir", project, "--stack", "dev-small"}, tc.args...)
			code, out, errOut := runCLI(t, args...)
			if code != exitUsage || !strings.Contains(errOut, tc.want) {
				t.Errorf("exit %d, stderr %q; want 2 naming %s\n%s", code, errOut, tc.want, out)
			}
		})
	}
}
