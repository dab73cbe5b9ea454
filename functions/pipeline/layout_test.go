package pipeline

import (
	"testing"
	"time"
)

func TestLayoutFor(t *testing.T) {
	l := LayoutFor("abc")
	want := Layout{
		Prefix: "assets/abc/", Base: "assets/abc/index", HLS: "assets/abc/index.m3u8", DASH: "assets/abc/index.mpd",
		PosterBase: "assets/abc/poster", ThumbnailBase: "assets/abc/thumbs/thumb", Naming: MediaConvertFrames,
	}
	if l != want {
		t.Errorf("LayoutFor = %+v, want %+v", l, want)
	}
	if got, want := l.ThumbnailKey(12), "assets/abc/thumbs/thumb.0000012.jpg"; got != want {
		t.Errorf("ThumbnailKey(12) = %q, want %q", got, want)
	}
}

func TestPoster(t *testing.T) {
	tests := []struct {
		d          time.Duration
		wantSecond int
		wantKey    string
	}{
		{0, 0, "assets/x/poster.0000000.jpg"},
		{1900 * time.Millisecond, 0, "assets/x/poster.0000000.jpg"},
		{2 * time.Second, 1, "assets/x/poster.0000001.jpg"},
		{45 * time.Second, 4, "assets/x/poster.0000001.jpg"},
		{2 * time.Hour, 10, "assets/x/poster.0000001.jpg"},
	}
	for _, tt := range tests {
		t.Run(tt.d.String(), func(t *testing.T) {
			if got := PosterSecond(tt.d); got != tt.wantSecond {
				t.Errorf("PosterSecond(%v) = %d, want %d", tt.d, got, tt.wantSecond)
			}
			if got := LayoutFor("x").PosterKey(tt.d); got != tt.wantKey {
				t.Errorf("PosterKey(%v) = %q, want %q", tt.d, got, tt.wantKey)
			}
		})
	}
}

func TestThumbnailIndex(t *testing.T) {
	l := LayoutFor("a1")
	for key, want := range map[string]int{l.ThumbnailKey(0): 0, l.ThumbnailKey(42): 42, l.ThumbnailKey(1234567): 1234567} {
		if n, ok := l.ThumbnailIndex(key); !ok || n != want {
			t.Errorf("ThumbnailIndex(%s) = %d, %v; want %d", key, n, ok, want)
		}
	}
	for _, key := range []string{l.PosterKey(0), l.HLS, l.ThumbnailBase + ".12.jpg", l.ThumbnailBase + ".00000x1.jpg", "assets/a2/thumbs/thumb.0000000.jpg", l.ThumbnailKey(1) + ".png"} {
		if n, ok := l.ThumbnailIndex(key); ok {
			t.Errorf("ThumbnailIndex(%s) = %d, true; want not a thumbnail", key, n)
		}
	}
}

func TestTranscoderSpritesNaming(t *testing.T) {
	l := LayoutWith("a1", TranscoderSprites)
	if got := l.ThumbnailKey(3); got != "assets/a1/thumbs/thumb0000000003.jpeg" {
		t.Errorf("ThumbnailKey(3) = %s", got)
	}
	if n, ok := l.ThumbnailIndex("assets/a1/thumbs/thumb0000000042.jpeg"); !ok || n != 42 {
		t.Errorf("ThumbnailIndex = %d, %v; want 42", n, ok)
	}
	if _, ok := l.ThumbnailIndex(LayoutFor("a1").ThumbnailKey(1)); ok {
		t.Error("a MediaConvert thumbnail key parsed as a Transcoder sprite")
	}
	if got := l.PosterKey(0); got != "assets/a1/poster0000000000.jpeg" {
		t.Errorf("PosterKey(0) = %s", got)
	}
}
