// Package lambdalog gives ottkit's functions JSON logs, via log/slog, in which every line
// carries the Lambda request id and the asset id being worked on, so one asset's path through
// the pipeline is one CloudWatch Logs Insights query.
package lambdalog

import (
	"context"
	"io"
	"log/slog"
	"sync"

	"github.com/aws/aws-lambda-go/lambdacontext"
)

// Attribute keys every line carries.
const (
	RequestIDKey = "requestId"
	AssetIDKey   = "assetId"
)

type assetKey struct{}

type trackerKey struct{}

// tracker lets code that created a context learn the asset id set on contexts derived from it.
type tracker struct {
	mu sync.Mutex
	id string
}

// Track returns ctx with a slot that WithAssetID on any context derived from it also fills, so
// the caller's own log lines (a batch loop reporting a failed record, say) carry the asset id
// the record's handler found.
func Track(ctx context.Context) context.Context {
	return context.WithValue(ctx, trackerKey{}, &tracker{})
}

// WithAssetID returns ctx carrying the asset id for the log lines written with it.
func WithAssetID(ctx context.Context, id string) context.Context {
	if t, ok := ctx.Value(trackerKey{}).(*tracker); ok {
		t.mu.Lock()
		t.id = id
		t.mu.Unlock()
	}
	return context.WithValue(ctx, assetKey{}, id)
}

// AssetID returns the asset id ctx carries, or the one tracked for it, or "".
func AssetID(ctx context.Context) string {
	if id, ok := ctx.Value(assetKey{}).(string); ok {
		return id
	}
	if t, ok := ctx.Value(trackerKey{}).(*tracker); ok {
		t.mu.Lock()
		defer t.mu.Unlock()
		return t.id
	}
	return ""
}

// New returns a logger writing JSON lines to w. Log with the *Context methods: the request id
// comes from the Lambda context and the asset id from WithAssetID; both keys are on every line,
// empty when not known yet.
func New(w io.Writer, level slog.Leveler) *slog.Logger {
	return slog.New(handler{slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level})})
}

type handler struct{ slog.Handler }

// Handle adds the request and asset ids to every record.
func (h handler) Handle(ctx context.Context, r slog.Record) error {
	requestID := ""
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		requestID = lc.AwsRequestID
	}
	r.AddAttrs(slog.String(RequestIDKey, requestID), slog.String(AssetIDKey, AssetID(ctx)))
	return h.Handler.Handle(ctx, r)
}

// WithAttrs keeps the id-adding wrapper around the derived handler.
func (h handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return handler{h.Handler.WithAttrs(attrs)}
}

// WithGroup keeps the id-adding wrapper around the derived handler.
func (h handler) WithGroup(name string) slog.Handler {
	return handler{h.Handler.WithGroup(name)}
}
