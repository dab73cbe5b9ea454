package probe

import (
	"context"
	"errors"
	"math"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/ottkit/ottkit/functions/internal/testmedia"
)

// countingSource records every ReadAt, as an S3 adapter would pay a round trip for each.
type countingSource struct {
	Source
	mu    sync.Mutex
	reads int
	bytes int64
}

func (c *countingSource) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.Source.ReadAt(p, off)
	c.mu.Lock()
	c.reads++
	c.bytes += int64(n)
	c.mu.Unlock()
	return n, err
}

func openSource(t testing.TB, path string) Source {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	t.Cleanup(func() { f.Close() })
	src, err := FileSource(f)
	if err != nil {
		t.Fatalf("FileSource(%s): %v", path, err)
	}
	return src
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	return b
}

// want is the expected probe result of one media kind; ffprobe confirmed each generated file
// has these properties (see testmedia).
type want struct {
	err       error
	container Container
	mime      string
	codec     string
	w, h      int
	rotation  int
	fps       float64
	duration  time.Duration
	audio     int
	captions  []CaptionTrack
	maxReads  int
}

func TestProbeMedia(t *testing.T) {
	tests := []struct {
		kind testmedia.Kind
		want want
	}{
		{testmedia.Landscape1080p, want{container: MP4, mime: "video/mp4", codec: "h264", w: 1920, h: 1080, fps: 5, duration: time.Second, audio: 1, maxReads: 1}},
		{testmedia.Portrait1080x1920, want{container: MP4, mime: "video/mp4", codec: "h264", w: 1080, h: 1920, fps: 5, duration: time.Second, audio: 1, maxReads: 1}},
		{testmedia.Square, want{container: MP4, mime: "video/mp4", codec: "h264", w: 720, h: 720, fps: 10, duration: 2 * time.Second, audio: 1, maxReads: 1}},
		{testmedia.UHD4K, want{container: MP4, mime: "video/mp4", codec: "h264", w: 3840, h: 2160, fps: 2, duration: time.Second, audio: 1, maxReads: 1}},
		{testmedia.NoAudio, want{container: MP4, mime: "video/mp4", codec: "h264", w: 640, h: 360, fps: 10, duration: 2 * time.Second, audio: 0, maxReads: 1}},
		{testmedia.Rotated90, want{container: MP4, mime: "video/mp4", codec: "h264", w: 640, h: 360, rotation: 90, fps: 10, duration: 2 * time.Second, audio: 1, maxReads: 1}},
		{testmedia.MKV, want{container: Matroska, mime: "video/x-matroska", codec: "h264", w: 640, h: 360, fps: 10, duration: 2 * time.Second, audio: 1,
			captions: []CaptionTrack{{Codec: "subrip", Language: "fre", Track: 2}}, maxReads: 1}},
		{testmedia.WebM, want{container: WebM, mime: "video/webm", codec: "vp9", w: 320, h: 240, fps: 10, duration: 2 * time.Second, audio: 1,
			captions: []CaptionTrack{{Codec: "webvtt", Language: "ger", Track: 2}}, maxReads: 1}},
		{testmedia.MPEGTS, want{container: MPEGTS, mime: "video/mp2t", codec: "h264", w: 640, h: 360, fps: 10, duration: 2 * time.Second, audio: 1, maxReads: 3}},
		{testmedia.MPEGTSHEVC, want{container: MPEGTS, mime: "video/mp2t", codec: "hevc", w: 1280, h: 720, fps: 5, duration: time.Second, audio: 1, maxReads: 3}},
		{testmedia.MoovAtEnd, want{container: MP4, mime: "video/mp4", codec: "h264", w: 640, h: 360, fps: 10, duration: 2 * time.Second, audio: 1, maxReads: 2}},
		{testmedia.WithCaptions, want{container: MP4, mime: "video/mp4", codec: "h264", w: 640, h: 360, fps: 10, duration: 2 * time.Second, audio: 1,
			captions: []CaptionTrack{{Codec: "tx3g", Language: "eng", Track: 2}}, maxReads: 1}},
		{testmedia.MXF, want{container: MXF, mime: "application/mxf", codec: "mpeg2", w: 320, h: 240, fps: 25, duration: time.Second, audio: 1, maxReads: 1}},
		{testmedia.HEVC, want{container: MP4, mime: "video/mp4", codec: "hevc", w: 320, h: 240, fps: 5, duration: time.Second, audio: 1, maxReads: 1}},
		{testmedia.ProResMOV, want{container: MOV, mime: "video/quicktime", codec: "prores", w: 320, h: 240, fps: 5, duration: time.Second, audio: 1, maxReads: 2}},
		{testmedia.FragmentedMP4, want{container: MP4, mime: "video/mp4", codec: "h264", w: 320, h: 240, fps: 10, duration: 2 * time.Second, audio: 1, maxReads: 2}},
		{testmedia.LiveWebM, want{container: WebM, mime: "video/webm", codec: "vp9", w: 320, h: 240, fps: 10, duration: 2 * time.Second, audio: 1, maxReads: 2}},
		{testmedia.AudioOnly, want{err: ErrNoVideoTrack, container: MP4, mime: "audio/mp4", duration: 2 * time.Second, audio: 1, maxReads: 1}},
		{testmedia.Truncated, want{err: ErrTruncated, maxReads: 1}},
		{testmedia.Empty, want{err: ErrEmpty}},
		{testmedia.PNGAsMP4, want{err: ErrNotVideo, mime: "image/png", maxReads: 1}},
		{testmedia.AVI, want{err: ErrUnsupportedContainer, mime: "video/x-msvideo", maxReads: 1}},
	}
	for _, tt := range tests {
		t.Run(string(tt.kind), func(t *testing.T) {
			src := &countingSource{Source: openSource(t, testmedia.Path(t, tt.kind))}
			info, err := Probe(context.Background(), src, Limits{})
			checkInfo(t, info, err, tt.want)
			if src.reads > tt.want.maxReads {
				t.Errorf("Probe issued %d reads, want at most %d", src.reads, tt.want.maxReads)
			}
			if info != nil && info.BytesRead != src.bytes {
				t.Errorf("BytesRead = %d, the source served %d", info.BytesRead, src.bytes)
			}
		})
	}
}

func checkInfo(t *testing.T, info *Info, err error, w want) {
	t.Helper()
	if w.err != nil {
		if !errors.Is(err, w.err) {
			t.Fatalf("Probe error = %v, want %v", err, w.err)
		}
		switch {
		case w.mime == "" && info != nil:
			t.Errorf("Probe returned info %+v with %v, want nil", info, err)
		case w.mime != "" && info == nil:
			t.Fatalf("Probe returned nil info with %v, want MIME %s", err, w.mime)
		case w.mime != "" && info.MIME != w.mime:
			t.Errorf("MIME = %q, want %q", info.MIME, w.mime)
		}
		if info == nil || w.err != ErrNoVideoTrack {
			return
		}
	} else if err != nil {
		t.Fatalf("Probe: %v", err)
	}
	if info.Container != w.container {
		t.Errorf("Container = %q, want %q", info.Container, w.container)
	}
	if info.MIME != w.mime {
		t.Errorf("MIME = %q, want %q", info.MIME, w.mime)
	}
	if d := info.Duration - w.duration; d < -100*time.Millisecond || d > 100*time.Millisecond {
		t.Errorf("Duration = %v, want %v ± 100ms", info.Duration, w.duration)
	}
	if info.AudioTracks != w.audio {
		t.Errorf("AudioTracks = %d, want %d", info.AudioTracks, w.audio)
	}
	if !slices.Equal(info.Captions, w.captions) {
		t.Errorf("Captions = %+v, want %+v", info.Captions, w.captions)
	}
	if w.codec == "" {
		if info.Video != nil {
			t.Errorf("Video = %+v, want nil", info.Video)
		}
		return
	}
	if info.Video == nil {
		t.Fatal("Video = nil, want a video track")
	}
	v := info.Video
	if v.Codec != w.codec || v.Width != w.w || v.Height != w.h || v.Rotation != w.rotation {
		t.Errorf("Video = %s %dx%d rotated %d, want %s %dx%d rotated %d", v.Codec, v.Width, v.Height, v.Rotation, w.codec, w.w, w.h, w.rotation)
	}
	if math.Abs(v.FrameRate-w.fps) > 0.01 {
		t.Errorf("FrameRate = %v, want %v", v.FrameRate, w.fps)
	}
}

// TestProbeSourcesAgree checks that a file and the same bytes in memory probe alike.
func TestProbeSourcesAgree(t *testing.T) {
	for _, k := range []testmedia.Kind{testmedia.Rotated90, testmedia.MKV, testmedia.MPEGTS, testmedia.MXF} {
		t.Run(string(k), func(t *testing.T) {
			path := testmedia.Path(t, k)
			fromFile, err := Probe(context.Background(), openSource(t, path), Limits{})
			if err != nil {
				t.Fatalf("Probe(file): %v", err)
			}
			fromBytes, err := Probe(context.Background(), BytesSource(readFile(t, path)), Limits{})
			if err != nil {
				t.Fatalf("Probe(bytes): %v", err)
			}
			if *fromFile.Video != *fromBytes.Video || fromFile.Duration != fromBytes.Duration || fromFile.BytesRead != fromBytes.BytesRead {
				t.Errorf("bytes source gave %+v %+v, file source %+v %+v", fromBytes, fromBytes.Video, fromFile, fromFile.Video)
			}
		})
	}
}
