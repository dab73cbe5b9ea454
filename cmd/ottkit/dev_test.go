package main

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ottkit/ottkit/functions/local/devjwt"
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

// syncBuffer is a bytes.Buffer safe for the command writing while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// TestDevServesAndStops runs `ottkit dev` as a user does: it prints where the page, API,
// uploads and media listen, the page loads, the API refuses a request without a token and
// answers one with the printed token, a segment without cookies is refused, and Ctrl-C stops
// it with exit 0, releasing the data directory for the next start.
func TestDevServesAndStops(t *testing.T) {
	project, data := devProject(t), t.TempDir()
	sigs := make(chan os.Signal, 1)
	saved := devSignals
	devSignals = func() (<-chan os.Signal, func()) { return sigs, func() {} }
	t.Cleanup(func() { devSignals = saved })

	for round := range 2 { // the second start is warm and finds the first one's data
		var out, errOut syncBuffer
		done := make(chan int, 1)
		go func() {
			done <- run([]string{"dev", "--addr", "127.0.0.1:0", "--project-dir", project, "--stack", "dev-small", "--data-dir", data}, &out, &errOut)
		}()
		page := waitForLine(t, &out, &errOut, "  page     ", done)
		base, token, ok := strings.Cut(page, "/#token=")
		if !ok {
			t.Fatalf("page line %q has no token", page)
		}
		for _, want := range []string{"  api      " + base + "/api/", "  uploads  " + base + "/upload/", "  media    " + base + "/assets/", "Ctrl-C stops it"} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("round %d: output lacks %q:\n%s", round, want, out.String())
			}
		}
		if code, body := get(t, base+"/", ""); code != 200 || !strings.Contains(body, "<html") {
			t.Errorf("page: %d %.200s", code, body)
		}
		if code, _ := get(t, base+"/api/assets", ""); code != 401 {
			t.Errorf("API without a token: %d, want 401", code)
		}
		if code, body := get(t, base+"/api/assets", token); code != 200 || !strings.Contains(body, "assets") {
			t.Errorf("API with the printed token: %d %s", code, body)
		}
		if code, _ := get(t, base+"/assets/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/index.m3u8", ""); code != 403 {
			t.Errorf("media without cookies: %d, want 403", code)
		}
		sigs <- os.Interrupt
		select {
		case code := <-done:
			if code != exitOK || !strings.Contains(out.String(), "stopping") {
				t.Fatalf("round %d: exit %d after Ctrl-C\n%s\n%s", round, code, out.String(), errOut.String())
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("round %d: ottkit dev did not stop after Ctrl-C", round)
		}
	}
}

func waitForLine(t *testing.T, out, errOut *syncBuffer, prefix string, done <-chan int) string {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		for _, l := range strings.Split(out.String(), "\n") {
			if strings.HasPrefix(l, prefix) {
				return strings.TrimSpace(strings.TrimPrefix(l, prefix))
			}
		}
		select {
		case code := <-done:
			t.Fatalf("ottkit dev exited %d before printing %q:\n%s\nstderr:\n%s", code, prefix, out.String(), errOut.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("no line %q in:\n%s\nstderr:\n%s", prefix, out.String(), errOut.String())
	return ""
}

func get(t *testing.T, url, token string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestDevToken(t *testing.T) {
	data := t.TempDir()
	code, out, errOut := runCLI(t, "dev", "token", "--tenant", "acme", "--role", "uploader", "--data-dir", data)
	if code != exitOK || strings.Count(strings.TrimSpace(out), ".") != 2 {
		t.Fatalf("dev token: exit %d, %q %q", code, out, errOut)
	}
	key, err := devjwt.LoadOrCreate(jwtKeyPath(data)) // what ottkit dev will verify with
	if err != nil {
		t.Fatal(err)
	}
	c, err := key.Verify(strings.TrimSpace(out))
	if err != nil || c.Tenant != "acme" || len(c.Roles) != 1 || c.Roles[0] != "uploader" {
		t.Errorf("minted token verifies as %+v, %v", c, err)
	}
	for _, bad := range [][]string{{"--tenant", "../x"}, {}} {
		if code, _, _ := runCLI(t, append([]string{"dev", "token", "--data-dir", data}, bad...)...); code != exitUsage {
			t.Errorf("dev token %v: exit %d, want 2", bad, code)
		}
	}
}
