package gcplog

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ottkit/ottkit/functions/stages/stagelog"
)

func lines(t *testing.T, buf *bytes.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("line %q is not JSON: %v", l, err)
		}
		out = append(out, m)
	}
	return out
}

func TestStructuredLines(t *testing.T) {
	var buf bytes.Buffer
	log := New(&buf, "ottkit-dev", slog.LevelInfo)
	h := Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		log.InfoContext(r.Context(), "before the asset is known")
		ctx := stagelog.WithAssetID(r.Context(), "a1")
		log.WarnContext(ctx, "slow", "ms", 1200)
		log.ErrorContext(r.Context(), "failed", "error", "boom")
		log.DebugContext(ctx, "hidden")
	}))
	req := httptest.NewRequest(http.MethodPost, "/", nil)
	req.Header.Set("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
	h.ServeHTTP(httptest.NewRecorder(), req)

	got := lines(t, &buf)
	if len(got) != 3 {
		t.Fatalf("%d lines, want 3 (debug filtered)", len(got))
	}
	for i, want := range []struct{ severity, message, asset string }{
		{"INFO", "before the asset is known", ""},
		{"WARNING", "slow", "a1"},
		{"ERROR", "failed", "a1"}, // the tracked slot carries the id once a handler set it
	} {
		l := got[i]
		if l[SeverityKey] != want.severity || l[MessageKey] != want.message || l[AssetIDKey] != want.asset {
			t.Errorf("line %d: %v, want %+v", i, l, want)
		}
		if l[TraceKey] != "projects/ottkit-dev/traces/4bf92f3577b34da6a3ce929d0e0e4736" || l[SpanKey] != "00f067aa0ba902b7" || l[TraceSampledKey] != true {
			t.Errorf("line %d trace fields: %v", i, l)
		}
		if _, ok := l["level"]; ok {
			t.Errorf("line %d keeps slog's level key", i)
		}
	}
}

func TestParseTraceparent(t *testing.T) {
	if tr, ok := ParseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00"); !ok || tr.Sampled {
		t.Errorf("unsampled: %+v %v", tr, ok)
	}
	for _, bad := range []string{"", "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
		"00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01"} {
		if _, ok := ParseTraceparent(bad); ok {
			t.Errorf("accepted %q", bad)
		}
	}
	var buf bytes.Buffer
	New(&buf, "p", slog.LevelInfo).Info("no request")
	if l := lines(t, &buf)[0]; l[TraceKey] != nil || l[AssetIDKey] != "" {
		t.Errorf("line outside a request: %v", l)
	}
}
