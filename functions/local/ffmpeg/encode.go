package ffmpeg

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/ottkit/ottkit/functions/pipeline"
)

// encode runs the spec's ffmpeg command and finishes the manifests, calling progress with the
// fraction of the source encoded so far; it returns the CPU time ffmpeg used. A source ffmpeg
// cannot decode gives a decodeError.
func encode(ctx context.Context, ffmpeg string, s spec, progress func(done float64)) (cpu time.Duration, err error) {
	for _, dir := range []string{s.Dir, filepath.Dir(s.path(s.Layout.ThumbnailBase)), filepath.Dir(s.path(s.Layout.PosterBase))} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return 0, fmt.Errorf("ffmpeg: output directory: %w", err)
		}
	}
	cmd := exec.CommandContext(ctx, ffmpeg, s.args()...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return 0, fmt.Errorf("ffmpeg: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return 0, fmt.Errorf("ffmpeg: start %s: %w", ffmpeg, err)
	}
	readProgress(stdout, s.Src.Duration, progress)
	err = cmd.Wait()
	if cmd.ProcessState != nil {
		cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	}
	if err != nil {
		if ctx.Err() != nil {
			return cpu, ctx.Err()
		}
		r := reason(stderr.String(), err)
		if strings.Contains(r, "No space left on device") {
			// The source is fine; the disk is not. Another attempt may succeed.
			return cpu, fmt.Errorf("ffmpeg: writing outputs: %s", r)
		}
		return cpu, &decodeError{Tool: "ffmpeg", Reason: r}
	}
	return cpu, s.addCaptions()
}

// readProgress reads ffmpeg's -progress key=value lines until ffmpeg closes its stdout.
func readProgress(r io.Reader, duration time.Duration, progress func(float64)) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
		if !ok || k != "out_time_us" || duration <= 0 || progress == nil {
			continue
		}
		us, err := strconv.ParseInt(v, 10, 64)
		if err != nil || us < 0 {
			continue
		}
		progress(min(float64(us)*float64(time.Microsecond)/float64(duration), 1))
	}
	_, _ = io.Copy(io.Discard, r)
}

// renditionSizes reads the width and height of every video rendition ffmpeg wrote, from its
// initialisation segment, in the plan's order: what the job reports as its videos.
func renditionSizes(ctx context.Context, ffprobe string, s spec) ([]pipeline.Rendition, error) {
	out := make([]pipeline.Rendition, len(s.Plan.Renditions))
	for i, r := range s.Plan.Renditions {
		init := filepath.Join(s.Dir, strings.ReplaceAll(initSegmentName, "$RepresentationID$", strconv.Itoa(i)))
		cmd := exec.CommandContext(ctx, ffprobe, "-v", "error", "-select_streams", "v:0",
			"-show_entries", "stream=width,height", "-of", "json", init)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		b, err := cmd.Output()
		if err != nil {
			return nil, fmt.Errorf("ffmpeg: rendition %dx%d: ffprobe %s: %s", r.Width, r.Height, filepath.Base(init), reason(stderr.String(), err))
		}
		var p struct {
			Streams []struct{ Width, Height int } `json:"streams"`
		}
		if err := json.Unmarshal(b, &p); err != nil || len(p.Streams) != 1 {
			return nil, fmt.Errorf("ffmpeg: rendition %dx%d: %s has no video stream", r.Width, r.Height, filepath.Base(init))
		}
		out[i] = pipeline.Rendition{Width: p.Streams[0].Width, Height: p.Streams[0].Height, MaxBitrate: r.MaxBitrate}
	}
	return out, nil
}
