package browser

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ottkit/ottkit/functions/local/home"
	"github.com/ottkit/ottkit/functions/local/player"
	"github.com/ottkit/ottkit/functions/pipeline"
)

// settings are the dev-aws stack's: its default ladder, thumbnails, limits and retries.
var settings = home.Settings{
	Ladder: pipeline.LadderConfig{Codec: pipeline.CodecH264, MaxHeight: 1080, Rungs: []pipeline.Rung{
		{Height: 1080, MaxBitrate: 6_000_000}, {Height: 720, MaxBitrate: 3_500_000},
		{Height: 480, MaxBitrate: 1_500_000}, {Height: 360, MaxBitrate: 800_000},
	}},
	ThumbnailInterval: 10,
	MaxUploadBytes:    5 << 30,
	MaxDuration:       4 * time.Hour,
	UploadTTL:         15 * time.Minute,
	PlaybackTTL:       10 * time.Minute,
	MaxRetries:        2,
	ArchiveClass:      "GLACIER_IR",
}

// platform is `ottkit dev`'s platform (functions/local/home) with the four stages, serving the
// page, the API, the upload endpoint and the media server on one loopback address.
type platform struct {
	*home.Platform
	dir string
}

func startPlatform(t testing.TB) *platform {
	t.Helper()
	modules, err := player.FindModules(".")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	p, err := home.Start(home.Config{
		DataDir: dir, Addr: "127.0.0.1:0", Settings: settings, Modules: modules,
		Log: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})), NewStages: home.DefaultStages,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return &platform{Platform: p, dir: dir}
}

// token is a dev token for tenant acme that may upload and play.
func (p *platform) token(t testing.TB) string {
	t.Helper()
	tok, err := p.Token("acme", []string{"uploader", "viewer"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// ffmpegWorkDir is where the platform's transcoder keeps its job records.
func (p *platform) ffmpegWorkDir() string { return filepath.Join(p.dir, ".ffmpeg") }

// asset reads an asset from the platform's catalog.
func (p *platform) asset(t testing.TB, id string) *pipeline.Asset {
	t.Helper()
	a, err := p.Catalog().Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return a
}
