package testmedia

import (
	"os"
	"strings"
	"testing"
)

// TestPath generates every kind; Path itself fails the test when ffprobe does not confirm
// the kind's property, so this proves each recipe makes what its doc comment promises.
func TestPath(t *testing.T) {
	for _, k := range Kinds() {
		t.Run(string(k), func(t *testing.T) {
			p := Path(t, k)
			st, err := os.Stat(p)
			if err != nil {
				t.Fatalf("stat %s: %v", p, err)
			}
			if k != Empty && st.Size() == 0 {
				t.Errorf("%s is empty, want content", p)
			}
			if again := Path(t, k); again != p {
				t.Errorf("second Path = %s, want the cached %s", again, p)
			}
		})
	}
}

func TestKindsHaveRecipes(t *testing.T) {
	if got, want := len(Kinds()), len(recipes); got != want {
		t.Errorf("Kinds() lists %d kinds, recipes has %d", got, want)
	}
	for _, k := range Kinds() {
		if _, ok := recipes[k]; !ok {
			t.Errorf("kind %q has no recipe", k)
		}
	}
}

// TestChecksReject makes sure the property checks can fail: a clip checked against another
// kind's property must be refused.
func TestChecksReject(t *testing.T) {
	tests := []struct {
		name  string
		kind  Kind
		check check
	}{
		{"landscape is not rotated", Landscape1080p, videoSize(1920, 1080, 90)},
		{"landscape is not portrait", Landscape1080p, videoSize(1080, 1920, 0)},
		{"moov at end is not fast start", MoovAtEnd, moovFirst(true)},
		{"fast start is not moov at end", Landscape1080p, moovFirst(false)},
		{"no audio has no audio", NoAudio, audioCount(1)},
		{"mp4 is not matroska", Square, formatName("matroska")},
		{"captions are not french", WithCaptions, subtitle("mov_text", "fre")},
		{"a whole file probes", Square, probeFails},
		{"audio only has no video", AudioOnly, videoCodec("h264")},
		{"webm states its duration", WebM, noDuration},
		{"a plain mp4 has no fragments", Square, hasTopBox("moof")},
		{"a 1 s clip is not 10 s long", Landscape1080p, durationAbout(10)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := Path(t, tt.kind)
			p, err := ffprobe(path)
			if err != nil {
				p.err = err
			}
			if err := tt.check(p, path); err == nil {
				t.Errorf("check passed on %s, want it to fail", tt.kind)
			}
		})
	}
}

// TestPathRegeneratesDamagedCache damages a cached clip on disk; a fresh lookup must notice
// and make it again rather than hand out a file without its property.
func TestPathRegeneratesDamagedCache(t *testing.T) {
	t.Setenv("OTTKIT_TESTMEDIA_DIR", t.TempDir())
	r := recipes[NoAudio]
	path, err := generate(NoAudio, r)
	if err != nil {
		t.Fatalf("generate: %v", err)
	}
	if err := os.WriteFile(path, []byte("not a video"), 0o644); err != nil {
		t.Fatal(err)
	}
	again, err := generate(NoAudio, r)
	if err != nil {
		t.Fatalf("generate after damage: %v", err)
	}
	if again != path {
		t.Errorf("regenerated at %s, want %s", again, path)
	}
	if err := verify(r, again); err != nil {
		t.Errorf("regenerated file fails its checks: %v", err)
	}
}

func TestFindToolsExplainsMissingFFmpeg(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	err := findTools()
	if err == nil || !strings.Contains(err.Error(), "ffmpeg is not on PATH") || !strings.Contains(err.Error(), "apt-get install") {
		t.Errorf("findTools() = %v, want an error naming ffmpeg and how to install it", err)
	}
}
