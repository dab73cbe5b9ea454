package player

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// modules lays out a node_modules directory with stand-ins for the two player files.
func modules(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "web", "node_modules")
	for name, rel := range Libraries {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("/* "+name+" */"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func serve(t *testing.T, h http.Handler, path string) (*http.Response, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	b, _ := io.ReadAll(rec.Result().Body)
	return rec.Result(), string(b)
}

func TestPage(t *testing.T) {
	h, err := New(Config{Modules: modules(t), API: "/api/", Media: "http://127.0.0.1:8081"})
	if err != nil {
		t.Fatal(err)
	}
	resp, body := serve(t, h, "/")
	if resp.StatusCode != 200 || !strings.Contains(body, `<video id="video"`) || !strings.Contains(body, "lib/hls.min.js") || !strings.Contains(body, "lib/dash.mediaplayer.min.js") {
		t.Errorf("/: %d\n%s", resp.StatusCode, body)
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "media-src 'self' blob: http://127.0.0.1:8081") || !strings.Contains(csp, "script-src 'self'") {
		t.Errorf("Content-Security-Policy %q", csp)
	}
	if _, body := serve(t, h, "/config.js"); body != `window.OTTKIT_CONFIG = {"api":"/api","media":"http://127.0.0.1:8081"};`+"\n" {
		t.Errorf("/config.js: %q", body)
	}
	for name := range Libraries {
		resp, body := serve(t, h, "/lib/"+name)
		if resp.StatusCode != 200 || body != "/* "+name+" */" || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/javascript") {
			t.Errorf("/lib/%s: %d %q %q", name, resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
	}
	if resp, _ := serve(t, h, "/lib/../package.json"); resp.StatusCode == 200 {
		t.Errorf("/lib/../package.json served")
	}
	if resp, _ := serve(t, h, "/lib/other.js"); resp.StatusCode != 404 {
		t.Errorf("/lib/other.js: %d, want 404", resp.StatusCode)
	}
	if resp, body := serve(t, h, "/app.js"); resp.StatusCode != 200 || !strings.Contains(body, "/uploads") {
		t.Errorf("/app.js: %d", resp.StatusCode)
	}
}

func TestMissingPlayers(t *testing.T) {
	_, err := New(Config{Modules: filepath.Join(t.TempDir(), "node_modules"), API: "/api"})
	if err == nil || !strings.Contains(err.Error(), "npm ci --prefix web") {
		t.Errorf("New without node_modules: %v, want an error saying what to run", err)
	}
}

func TestFindModules(t *testing.T) {
	mods := modules(t)
	repo := filepath.Dir(filepath.Dir(mods))
	if err := os.WriteFile(filepath.Join(repo, "web", "package.json"), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	deep := filepath.Join(repo, "cmd", "ottkit")
	if err := os.MkdirAll(deep, 0o755); err != nil {
		t.Fatal(err)
	}
	got, err := FindModules(deep)
	if err != nil || got != mods {
		t.Errorf("FindModules = %q, %v; want %q", got, err, mods)
	}
	if _, err := FindModules(t.TempDir()); err == nil {
		t.Error("FindModules found modules outside any repository")
	}
}

// TestPinnedVersions keeps web/package.json pinned to exact versions, so every install
// serves the same player code.
func TestPinnedVersions(t *testing.T) {
	b, err := os.ReadFile("../../../web/package.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, dep := range []string{`"hls.js": "1.7.4"`, `"dashjs": "5.2.1"`} {
		if !strings.Contains(string(b), dep) {
			t.Errorf("web/package.json does not pin %s", dep)
		}
	}
	lock, err := os.ReadFile("../../../web/package-lock.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, dep := range []string{`"node_modules/hls.js": {
      "version": "1.7.4"`, `"node_modules/dashjs": {
      "version": "5.2.1"`} {
		if !strings.Contains(string(lock), dep) {
			t.Errorf("web/package-lock.json does not lock %s", dep)
		}
	}
}
