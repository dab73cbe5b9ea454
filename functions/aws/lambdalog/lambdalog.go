// Package lambdalog gives ottkit's functions JSON logs, via log/slog, in which every line
// carries the Lambda request id and the asset id being worked on, so one asset's path through
// the pipeline is one CloudWatch Logs Insights query.
package lambdalog

import (
	"context"
	"io"
	"log/slog"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/ottkit/ottkit/functions/stages/stagelog"
)

// Attribute keys every line carries.
const (
	RequestIDKey = "requestId"
	AssetIDKey   = stagelog.AssetIDKey
)

// Track is stagelog.Track: a slot derived contexts' WithAssetID fills, so a batch loop's own
// lines carry the asset id its record's handler found.
func Track(ctx context.Context) context.Context { return stagelog.Track(ctx) }

// WithAssetID is stagelog.WithAssetID: ctx carrying the asset id for the log lines written
// with it.
func WithAssetID(ctx context.Context, id string) context.Context {
	return stagelog.WithAssetID(ctx, id)
}

// AssetID is stagelog.AssetID.
func AssetID(ctx context.Context) string { return stagelog.AssetID(ctx) }

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
