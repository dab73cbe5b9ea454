package probe_test

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/ottkit/ottkit/functions/pipeline/probe"
)

// A caller with a local file probes it through FileSource; the S3 adapter passes its own
// Source, whose ReadAt issues ranged GETs.
func ExampleProbe() {
	f, err := os.Open("upload.mp4")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer f.Close()
	src, err := probe.FileSource(f)
	if err != nil {
		fmt.Println(err)
		return
	}
	info, err := probe.Probe(context.Background(), src, probe.Limits{})
	switch {
	case errors.Is(err, probe.ErrNotVideo):
		fmt.Println("rejected:", info.MIME, "is not a video")
	case err != nil:
		fmt.Println("rejected:", err)
	default:
		fmt.Printf("%s %s %dx%d rotated %d, %s, %d audio tracks\n", info.Container, info.Video.Codec,
			info.Video.Width, info.Video.Height, info.Video.Rotation, info.Duration, info.AudioTracks)
	}
}

// BytesSource probes content already in memory, here the first bytes of a PNG.
func ExampleBytesSource() {
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00")
	info, err := probe.Probe(context.Background(), probe.BytesSource(png), probe.Limits{})
	fmt.Println(errors.Is(err, probe.ErrNotVideo), info.MIME)
	// Output: true image/png
}
