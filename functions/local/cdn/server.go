// Package cdn is the local home's edge: a media server that serves the delivery directory
// under /assets/<id>/... and lets through only requests whose CloudFront signed cookies hold,
// checked as CloudFront checks them for the stack's key group (Verifier). A missing, expired,
// tampered, other-asset or unknown-key cookie gets 403 and CloudFront's error document, never
// media. It answers byte ranges, sets the content types players expect, and allows the player
// page's origin with credentials (CORS), as the stack's response headers policy does.
package cdn

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"mime"
	"net/http"
	"os"
	"path"
	"slices"
	"strings"
)

// Config is what the media server serves and whom it lets in.
type Config struct {
	// Root is the directory holding the delivery bucket; /assets/<id>/x is Root/assets/<id>/x.
	Root string
	// Verifier checks each request's signed cookies.
	Verifier *Verifier
	// AllowedOrigins are the player origins allowed to fetch with credentials, e.g.
	// http://127.0.0.1:8080; none allows only same-origin pages.
	AllowedOrigins []string
	// Log receives a line per refused request; slog.Default() when nil.
	Log *slog.Logger
}

// Server is the media server; it implements http.Handler.
type Server struct {
	cfg  Config
	root *os.Root
}

// contentTypes are the media types of delivery files, as the delivery bucket's objects carry
// them.
var contentTypes = map[string]string{
	".m3u8": "application/vnd.apple.mpegurl",
	".mpd":  "application/dash+xml",
	".m4s":  "video/iso.segment",
	".mp4":  "video/mp4",
	".vtt":  "text/vtt; charset=utf-8",
	".jpg":  "image/jpeg",
}

// New opens the delivery directory.
func New(cfg Config) (*Server, error) {
	if cfg.Verifier == nil {
		return nil, errors.New("cdn: Config.Verifier is nil")
	}
	if cfg.Verifier.Domain == "" {
		return nil, errors.New("cdn: Config.Verifier.Domain is empty")
	}
	if len(cfg.Verifier.Keys) == 0 {
		return nil, errors.New("cdn: Config.Verifier.Keys is empty: the key group trusts no key")
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if err := os.MkdirAll(cfg.Root, 0o755); err != nil {
		return nil, fmt.Errorf("cdn: delivery directory: %w", err)
	}
	root, err := os.OpenRoot(cfg.Root)
	if err != nil {
		return nil, fmt.Errorf("cdn: delivery directory: %w", err)
	}
	return &Server{cfg: cfg, root: root}, nil
}

// Close releases the delivery directory.
func (s *Server) Close() error { return s.root.Close() }

// ServeHTTP serves GET and HEAD of /assets/<id>/<file> to signed requests.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.cors(w, r)
	if r.Method == http.MethodOptions {
		// A preflight carries no cookies; it only learns what the real request may do.
		w.Header().Set("Access-Control-Allow-Methods", "GET, HEAD")
		w.Header().Set("Access-Control-Allow-Headers", "Range")
		w.Header().Set("Access-Control-Max-Age", "600")
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	p := r.URL.Path
	parts := strings.Split(strings.TrimPrefix(p, "/"), "/")
	if path.Clean(p) != p || len(parts) < 3 || parts[0] != "assets" || parts[1] == "" || strings.HasSuffix(p, "/") {
		// Not a file under an asset, or a path that is not in its canonical form (dot
		// segments, doubled slashes) and would be matched against the policy as written.
		s.refuse(w, r, &Denial{Code: "AccessDenied", Reason: fmt.Sprintf("%q is not a delivery file path", p)})
		return
	}
	if err := s.cfg.Verifier.Verify(r); err != nil {
		var d *Denial
		if !errors.As(err, &d) {
			d = &Denial{Code: "AccessDenied", Reason: err.Error()}
		}
		s.refuse(w, r, d)
		return
	}
	name := strings.Join(parts, "/")
	f, err := s.root.Open(name)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			http.Error(w, "not found", http.StatusNotFound)
			return
		}
		s.cfg.Log.Error("cannot open a delivery file", "path", name, "error", err.Error())
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || st.IsDir() {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	ct, ok := contentTypes[path.Ext(name)]
	if !ok {
		ct = mime.TypeByExtension(path.Ext(name))
	}
	if ct == "" {
		ct = "application/octet-stream"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Cache-Control", "private, max-age=60")
	// ServeContent answers Range (206 with Content-Range), If-Range and conditional requests.
	http.ServeContent(w, r, "", st.ModTime(), f)
}

func (s *Server) cors(w http.ResponseWriter, r *http.Request) {
	origin := r.Header.Get("Origin")
	w.Header().Add("Vary", "Origin")
	if origin == "" || !slices.Contains(s.cfg.AllowedOrigins, origin) {
		return
	}
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", origin)
	h.Set("Access-Control-Allow-Credentials", "true")
	h.Set("Access-Control-Expose-Headers", "Content-Length, Content-Range, Accept-Ranges")
}

// refuse answers 403 with CloudFront's error document.
func (s *Server) refuse(w http.ResponseWriter, r *http.Request, d *Denial) {
	s.cfg.Log.Warn("media request refused", "path", r.URL.Path, "code", d.Code, "reason", d.Reason)
	type errorDoc struct {
		XMLName xml.Name `xml:"Error"`
		Code    string   `xml:"Code"`
		Message string   `xml:"Message"`
	}
	msg := map[string]string{
		"MissingKey": "Missing Key-Pair-Id query parameter or cookie value",
		"InvalidKey": "Unknown Key",
	}[d.Code]
	if msg == "" {
		msg = "Access denied"
	}
	b, _ := xml.Marshal(errorDoc{Code: d.Code, Message: msg})
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(http.StatusForbidden)
	_, _ = w.Write(append([]byte(xml.Header), b...))
}
