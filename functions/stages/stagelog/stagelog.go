// Package stagelog carries the asset id a stage is working on in its context, so every log
// line of one asset's path through the pipeline can name it, whatever writes the lines (the
// Lambda JSON handler of functions/aws/lambdalog, the local platform's console). It imports
// nothing but the standard library.
package stagelog

import (
	"context"
	"sync"
)

// AssetIDKey is the attribute key log handlers use for the asset id.
const AssetIDKey = "assetId"

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
