// Package player serves the ottkit dev web page: upload a file through the platform's upload
// API, follow the asset's status, and play it with hls.js or dash.js, showing the renditions
// the player sees.
//
// The page's own files are embedded. The players come from npm at the versions web/package.json
// pins (installed by `npm ci --prefix web`, which `make dev` and .ci/deps run) and are served
// from that node_modules directory at run time, so a fresh clone builds and vets without npm
// having run; New says what to run when they are missing.
package player

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
)

//go:embed static
var static embed.FS

// Libraries are the player files the page loads, by the name it loads them as (under /lib/),
// with their path inside node_modules.
var Libraries = map[string]string{
	"hls.min.js":              "hls.js/dist/hls.min.js",
	"dash.mediaplayer.min.js": "dashjs/dist/modern/umd/dash.mediaplayer.min.js",
}

// InstallHint is what to run when the player libraries are missing.
const InstallHint = "npm ci --prefix web (make dev runs it)"

// Config is where the page finds the API, the media and the player libraries.
type Config struct {
	// Modules is the node_modules directory holding hls.js and dashjs: web/node_modules of
	// the repository (FindModules finds it).
	Modules string
	// API is the base URL of the platform's API as the page calls it, e.g. "/api".
	API string
	// Media is the origin of the media server, e.g. "http://127.0.0.1:8081"; "" when it is
	// the page's own origin.
	Media string
	// Origins are other origins the page sends requests to: the API's and the upload URLs',
	// when they are not the page's own.
	Origins []string
}

// Handler serves the page at / and the player libraries at /lib/.
type Handler struct {
	cfg    Config
	config []byte
	files  http.Handler
}

// FindModules looks for web/node_modules in dir and its parents (a command run from anywhere
// in the repository finds the repository's), and fails with InstallHint when there is none.
func FindModules(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("player: %w", err)
	}
	for d := abs; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "web", "package.json")); err == nil {
			return filepath.Join(d, "web", "node_modules"), nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("player: no web/package.json in %s or its parents: run ottkit dev from the repository, or give the node_modules directory", abs)
		}
	}
}

// New checks that the player libraries are installed and returns the page's handler.
func New(cfg Config) (*Handler, error) {
	if cfg.API == "" {
		return nil, errors.New("player: Config.API is empty")
	}
	if cfg.Modules == "" {
		return nil, errors.New("player: Config.Modules is empty")
	}
	for _, rel := range Libraries {
		p := filepath.Join(cfg.Modules, filepath.FromSlash(rel))
		if _, err := os.Stat(p); err != nil {
			return nil, fmt.Errorf("player: the web page's player %s is not installed: run %s: %w", p, InstallHint, err)
		}
	}
	conf, err := json.Marshal(map[string]string{"api": strings.TrimSuffix(cfg.API, "/"), "media": strings.TrimSuffix(cfg.Media, "/")})
	if err != nil {
		return nil, fmt.Errorf("player: %w", err)
	}
	sub, err := fs.Sub(static, "static")
	if err != nil {
		return nil, fmt.Errorf("player: %w", err)
	}
	return &Handler{cfg: cfg, config: []byte("window.OTTKIT_CONFIG = " + string(conf) + ";\n"), files: http.FileServerFS(sub)}, nil
}

// ServeHTTP serves the page, its configuration and the player libraries.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	media := h.cfg.Media
	if media == "" {
		media = "'self'"
	}
	connect := strings.Join(append([]string{"'self'", media}, h.cfg.Origins...), " ")
	// hls.js runs its demuxer in a worker made from a blob: URL, and both players feed the
	// video element through MediaSource (blob: too).
	w.Header().Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; worker-src 'self' blob:; media-src 'self' blob: "+media+
		"; connect-src "+connect+"; img-src 'self' data: "+media+"; style-src 'self'; frame-ancestors 'none'")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Referrer-Policy", "no-referrer")
	switch {
	case r.URL.Path == "/config.js":
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		_, _ = w.Write(h.config)
	case strings.HasPrefix(r.URL.Path, "/lib/"):
		rel, ok := Libraries[strings.TrimPrefix(r.URL.Path, "/lib/")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		http.ServeFile(w, r, filepath.Join(h.cfg.Modules, filepath.FromSlash(rel)))
	default:
		h.files.ServeHTTP(w, r)
	}
}
