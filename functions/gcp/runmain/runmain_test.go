package runmain

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ottkit/ottkit/functions/gcp/gcplog"
	"github.com/ottkit/ottkit/functions/stages/stagelog"
)

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

func TestRunServesAndStops(t *testing.T) {
	var out syncBuffer
	log := gcplog.New(&out, "p", slog.LevelInfo)
	ctx, cancel := context.WithCancel(context.Background())
	getenv := func(k string) string { return map[string]string{"PORT": "0", "NAME": "x"}[k] }
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, func(ctx context.Context, getenv func(string) string, log *slog.Logger) (http.Handler, error) {
			name := getenv("NAME")
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				log.InfoContext(stagelog.WithAssetID(r.Context(), "a1"), "hello "+name)
				w.WriteHeader(http.StatusNoContent)
			}), nil
		}, getenv, log)
	}()
	var addr string
	for deadline := time.Now().Add(5 * time.Second); addr == "" && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		for _, l := range strings.Split(out.String(), "\n") {
			var m map[string]any
			if json.Unmarshal([]byte(l), &m) == nil && m["message"] == "ready" {
				addr, _ = m["addr"].(string)
			}
		}
	}
	if addr == "" {
		t.Fatalf("never ready: %s", out.String())
	}
	req, _ := http.NewRequest(http.MethodPost, "http://"+strings.Replace(addr, "[::]", "127.0.0.1", 1), nil)
	req.Header.Set("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("request: %v %v", resp, err)
	}
	resp.Body.Close()
	cancel()
	if err := <-done; err != nil {
		t.Errorf("run after SIGTERM: %v", err)
	}
	if !strings.Contains(out.String(), `"logging.googleapis.com/trace":"projects/p/traces/4bf92f3577b34da6a3ce929d0e0e4736"`) || !strings.Contains(out.String(), `"assetId":"a1"`) {
		t.Errorf("logs lack the trace or asset id: %s", out.String())
	}
}

func TestRunRejectsConfiguration(t *testing.T) {
	log := gcplog.New(io.Discard, "p", slog.LevelInfo)
	err := run(context.Background(), func(context.Context, func(string) string, *slog.Logger) (http.Handler, error) {
		return nil, errors.New("INGEST_BUCKET: missing")
	}, func(string) string { return "" }, log)
	if err == nil || !strings.Contains(err.Error(), "INGEST_BUCKET") {
		t.Errorf("run = %v, want the configuration error naming the variable", err)
	}
}

func TestLazyBuildsOnce(t *testing.T) {
	builds := 0
	h := Lazy(func(context.Context, func(string) string, *slog.Logger) (http.Handler, error) {
		builds++
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusAccepted) }), nil
	})
	for range 3 {
		rec := httptest.NewRecorder()
		h(rec, httptest.NewRequest(http.MethodPost, "/", nil))
		if rec.Code != http.StatusAccepted {
			t.Fatalf("status %d", rec.Code)
		}
	}
	if builds != 1 {
		t.Errorf("%d builds, want 1", builds)
	}
	bad := Lazy(func(context.Context, func(string) string, *slog.Logger) (http.Handler, error) {
		return nil, errors.New("bad")
	})
	rec := httptest.NewRecorder()
	bad(rec, httptest.NewRequest(http.MethodPost, "/", nil))
	if rec.Code != http.StatusInternalServerError {
		t.Errorf("misconfigured status %d, want 500", rec.Code)
	}
}
