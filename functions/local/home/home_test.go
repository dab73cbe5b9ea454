package home_test

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ottkit/ottkit/functions/local/boltfile"
	"github.com/ottkit/ottkit/functions/local/home"
)

func TestStartRefusesBadInput(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	file := filepath.Join(t.TempDir(), "a-file")
	os.WriteFile(file, []byte("x"), 0o600)
	corrupt := t.TempDir()
	garbage := bytes.Repeat([]byte("this is not a bbolt file\n"), 1000)
	os.WriteFile(filepath.Join(corrupt, "ottkit.db"), garbage, 0o600)

	for _, tt := range []struct {
		name string
		cfg  home.Config
		want []string
	}{
		{"port in use", home.Config{Addr: busy.Addr().String(), DataDir: t.TempDir()}, []string{busy.Addr().String(), "already in use", "--addr"}},
		{"unwritable data directory", home.Config{Addr: "127.0.0.1:0", DataDir: filepath.Join(file, "data")}, []string{file}},
		{"corrupt catalog", home.Config{Addr: "127.0.0.1:0", DataDir: corrupt}, []string{filepath.Join(corrupt, "ottkit.db"), "corrupt", "left untouched"}},
		{"ffmpeg missing", home.Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), FFmpeg: "/nonexistent/ffmpeg"}, []string{"ffmpeg is not installed", "apt-get install ffmpeg"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.Settings, tt.cfg.NewStages = small, jobStages(t)
			p, err := home.Start(tt.cfg)
			if err == nil {
				p.Close()
				t.Fatal("Start succeeded")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
	if b, _ := os.ReadFile(filepath.Join(corrupt, "ottkit.db")); !bytes.Equal(b, garbage) {
		t.Error("Start changed the corrupt catalog file")
	}
	// The port of a failed start is free again: nothing half-started lingers.
	if ln, err := net.Listen("tcp", "127.0.0.1:0"); err == nil {
		ln.Close()
	}
}

func TestSecondPlatformOnOneDataDirectory(t *testing.T) {
	dir := t.TempDir()
	start(t, dir, jobStages(t))
	_, err := home.Start(home.Config{Addr: "127.0.0.1:0", DataDir: dir, Settings: small, NewStages: jobStages(t)})
	if !errors.Is(err, boltfile.ErrLocked) || !strings.Contains(err.Error(), "another ottkit dev") {
		t.Fatalf("second Start = %v, want ErrLocked", err)
	}
}

// TestRestartKeepsCatalog: a restart on the same data directory finds the assets.
func TestRestartKeepsCatalog(t *testing.T) {
	dir := t.TempDir()
	p := start(t, dir, jobStages(t))
	a := queuedAsset(t, dir, p)
	p.Close()
	p = start(t, dir, jobStages(t))
	if _, err := p.Catalog().Get(t.Context(), a.ID); err != nil {
		t.Errorf("after a restart: %v", err)
	}
}

// BenchmarkWarmStart is `ottkit dev`'s start and stop on a data directory that exists: keys,
// database, queues, transcoder, stages, listener.
func BenchmarkWarmStart(b *testing.B) {
	dir := b.TempDir()
	cfg := home.Config{DataDir: dir, Addr: "127.0.0.1:0", Settings: small, NewStages: home.DefaultStages,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	p, err := home.Start(cfg)
	if err != nil {
		b.Fatal(err)
	}
	p.Close()
	b.ReportAllocs()
	for b.Loop() {
		p, err := home.Start(cfg)
		if err != nil {
			b.Fatal(err)
		}
		p.Close()
	}
}
