// Package gcplog writes ottkit's GCP function logs as Cloud Logging structured JSON lines:
// "severity" and "message" as Cloud Logging reads them, the trace and span of the request
// from its W3C traceparent header (logging.googleapis.com/trace, …/spanId, …/trace_sampled),
// so a function's lines group under the request in Cloud Trace, and the asset id on every
// line, so one asset's path through the pipeline is one Logs Explorer query.
package gcplog

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"regexp"

	"github.com/ottkit/ottkit/functions/stages/stagelog"
)

// Keys Cloud Logging reads from a JSON line (cloud.google.com/logging/docs/structured-logging).
const (
	SeverityKey     = "severity"
	MessageKey      = "message"
	TraceKey        = "logging.googleapis.com/trace"
	SpanKey         = "logging.googleapis.com/spanId"
	TraceSampledKey = "logging.googleapis.com/trace_sampled"
	AssetIDKey      = stagelog.AssetIDKey
)

// Trace is one request's W3C trace context.
type Trace struct {
	TraceID, SpanID string
	Sampled         bool
}

// traceparent is version 00: 00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>.
var traceparent = regexp.MustCompile(`^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$`)

// ParseTraceparent reads a traceparent header; ok is false when it is absent or malformed, or
// its ids are all zeros (invalid per the W3C spec).
func ParseTraceparent(h string) (Trace, bool) {
	m := traceparent.FindStringSubmatch(h)
	if m == nil || m[1] == "00000000000000000000000000000000" || m[2] == "0000000000000000" {
		return Trace{}, false
	}
	var flags byte
	for _, c := range []byte(m[3]) {
		flags <<= 4
		if c >= 'a' {
			flags |= c - 'a' + 10
		} else {
			flags |= c - '0'
		}
	}
	return Trace{TraceID: m[1], SpanID: m[2], Sampled: flags&1 == 1}, true
}

type traceKey struct{}

// WithTrace returns ctx carrying t for the log lines written with it.
func WithTrace(ctx context.Context, t Trace) context.Context {
	return context.WithValue(ctx, traceKey{}, t)
}

// Middleware puts each request's trace (from traceparent) and an asset-id slot
// (stagelog.Track) into its context before next serves it.
func Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := stagelog.Track(r.Context())
		if t, ok := ParseTraceparent(r.Header.Get("traceparent")); ok {
			ctx = WithTrace(ctx, t)
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// New returns a logger writing Cloud Logging JSON lines to w for project (the trace field is
// projects/<project>/traces/<id>). Log with the *Context methods.
func New(w io.Writer, project string, level slog.Leveler) *slog.Logger {
	return slog.New(handler{project: project, Handler: slog.NewJSONHandler(w, &slog.HandlerOptions{
		Level: level,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) > 0 {
				return a
			}
			switch a.Key {
			case slog.LevelKey:
				return slog.String(SeverityKey, severity(a.Value.Any().(slog.Level)))
			case slog.MessageKey:
				return slog.String(MessageKey, a.Value.String())
			}
			return a
		},
	})})
}

// severity maps slog levels onto Cloud Logging's LogSeverity names.
func severity(l slog.Level) string {
	switch {
	case l >= slog.LevelError:
		return "ERROR"
	case l >= slog.LevelWarn:
		return "WARNING"
	case l >= slog.LevelInfo:
		return "INFO"
	}
	return "DEBUG"
}

type handler struct {
	slog.Handler
	project string
}

// Handle adds the asset id and, when the request had one, its trace.
func (h handler) Handle(ctx context.Context, r slog.Record) error {
	r.AddAttrs(slog.String(AssetIDKey, stagelog.AssetID(ctx)))
	if t, ok := ctx.Value(traceKey{}).(Trace); ok {
		r.AddAttrs(
			slog.String(TraceKey, "projects/"+h.project+"/traces/"+t.TraceID),
			slog.String(SpanKey, t.SpanID),
			slog.Bool(TraceSampledKey, t.Sampled),
		)
	}
	return h.Handler.Handle(ctx, r)
}

// WithAttrs keeps the wrapper around the derived handler.
func (h handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return handler{Handler: h.Handler.WithAttrs(attrs), project: h.project}
}

// WithGroup keeps the wrapper around the derived handler.
func (h handler) WithGroup(name string) slog.Handler {
	return handler{Handler: h.Handler.WithGroup(name), project: h.project}
}
