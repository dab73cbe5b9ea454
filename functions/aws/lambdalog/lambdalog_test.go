package lambdalog

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/lambdacontext"
)

func TestEveryLineCarriesIDs(t *testing.T) {
	tests := []struct {
		name          string
		ctx           func() context.Context
		wantRequestID string
		wantAssetID   string
	}{
		{"lambda context and asset", func() context.Context {
			ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "req-1"})
			return WithAssetID(ctx, "asset-1")
		}, "req-1", "asset-1"},
		{"before the asset is known", func() context.Context {
			return lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "req-2"})
		}, "req-2", ""},
		{"outside lambda", context.Background, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			log := New(&buf, slog.LevelInfo).With("fn", "ingest")
			log.InfoContext(tt.ctx(), "hello", "n", 1)
			log.WithGroup("g").WarnContext(tt.ctx(), "again")
			lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
			if len(lines) != 2 {
				t.Fatalf("got %d lines, want 2: %s", len(lines), buf.String())
			}
			for _, line := range lines {
				var m map[string]any
				if err := json.Unmarshal([]byte(line), &m); err != nil {
					t.Fatalf("line %q is not JSON: %v", line, err)
				}
				// Attributes added after WithGroup land in the group; both IDs must be somewhere.
				flat := m
				if g, ok := m["g"].(map[string]any); ok {
					flat = g
				}
				if flat[RequestIDKey] != tt.wantRequestID || flat[AssetIDKey] != tt.wantAssetID {
					t.Errorf("line %s: requestId %v assetId %v, want %q %q", line, flat[RequestIDKey], flat[AssetIDKey], tt.wantRequestID, tt.wantAssetID)
				}
				if m["fn"] != "ingest" {
					t.Errorf("line %s lost the logger's attributes", line)
				}
			}
		})
	}
}

func TestTrackSeesTheAssetIDSetBelow(t *testing.T) {
	var buf bytes.Buffer
	log := New(&buf, slog.LevelInfo)
	outer := Track(context.Background())
	inner := WithAssetID(outer, "asset-9")
	if got := AssetID(inner); got != "asset-9" {
		t.Errorf("AssetID(inner) = %q", got)
	}
	log.ErrorContext(outer, "record failed")
	if !strings.Contains(buf.String(), `"assetId":"asset-9"`) {
		t.Errorf("outer log line lacks the asset id set below it: %s", buf.String())
	}
	if got := AssetID(Track(context.Background())); got != "" {
		t.Errorf("fresh tracker = %q, want empty", got)
	}
}
