package ffmpeg

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// source is what ffprobe reports of a master that the job needs: whether it decodes at all,
// its duration (poster position, thumbnails, progress) and its text subtitle tracks.
type source struct {
	Duration time.Duration
	Audio    bool
	// Subtitles are the text subtitle streams ffmpeg can convert to WebVTT, in stream order.
	Subtitles []subtitle
}

// subtitle is one text subtitle stream of the source.
type subtitle struct {
	// Index is the stream's index in the source, for -map 0:<Index>.
	Index int
	Codec string
	// Language is the ISO 639-2 tag, "" when absent or "und".
	Language string
}

// textSubtitleCodecs are ffmpeg's decoders of text subtitles that its webvtt encoder accepts.
// Bitmap subtitles (PGS, VobSub, DVB) would need OCR, and closed captions carried in the video
// (608/708) have no stream of their own, so neither is converted.
var textSubtitleCodecs = map[string]bool{
	"mov_text": true, "subrip": true, "srt": true, "webvtt": true, "ass": true, "ssa": true, "text": true,
}

type ffprobeOutput struct {
	Streams []struct {
		Index     int               `json:"index"`
		CodecType string            `json:"codec_type"`
		CodecName string            `json:"codec_name"`
		Tags      map[string]string `json:"tags"`
	} `json:"streams"`
	Format struct {
		Duration string `json:"duration"`
	} `json:"format"`
}

// inspect runs ffprobe on path. Its error carries ffprobe's own reason, and is a decodeError
// when the file is not media ffmpeg can read.
func inspect(ctx context.Context, ffprobe, path string) (source, error) {
	cmd := exec.CommandContext(ctx, ffprobe, "-v", "error", "-show_entries",
		"stream=index,codec_type,codec_name:stream_tags=language:format=duration", "-of", "json", path)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return source{}, ctx.Err()
		}
		return source{}, &decodeError{Tool: "ffprobe", Reason: reason(stderr.String(), err)}
	}
	var out ffprobeOutput
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		return source{}, fmt.Errorf("ffmpeg: ffprobe %s: decode its json: %w", path, err)
	}
	var src source
	video := false
	for _, s := range out.Streams {
		switch s.CodecType {
		case "video":
			// Cover art is a one-frame "video" stream too; a real track has a codec that is
			// not an image format.
			if s.CodecName != "mjpeg" && s.CodecName != "png" {
				video = true
			}
		case "audio":
			src.Audio = true
		case "subtitle":
			if textSubtitleCodecs[s.CodecName] {
				lang := strings.ToLower(s.Tags["language"])
				if lang == "und" {
					lang = ""
				}
				src.Subtitles = append(src.Subtitles, subtitle{Index: s.Index, Codec: s.CodecName, Language: lang})
			}
		}
	}
	if !video {
		return source{}, &decodeError{Tool: "ffprobe", Reason: "the file has no video stream"}
	}
	if secs, err := strconv.ParseFloat(out.Format.Duration, 64); err == nil && secs > 0 {
		src.Duration = time.Duration(secs * float64(time.Second))
	}
	return src, nil
}

// decodeError is a source ffmpeg cannot read: resubmitting the same file fails the same way.
type decodeError struct {
	Tool, Reason string
}

func (e *decodeError) Error() string { return e.Tool + ": " + e.Reason }

// reason is the gist of a tool's stderr: its last few non-empty lines, or the exit status
// when it printed nothing.
func reason(stderr string, err error) string {
	var lines []string
	for _, l := range strings.Split(stderr, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) == 0 {
		return err.Error()
	}
	lines = lines[max(0, len(lines)-3):]
	r := strings.Join(lines, "; ")
	if len(r) > 600 {
		r = r[len(r)-600:]
	}
	return r
}
