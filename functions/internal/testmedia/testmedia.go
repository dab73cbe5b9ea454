// Package testmedia makes small, real media files for tests: clips encoded by ffmpeg with the
// properties ingest cares about (resolution, rotation, container, captions, audio) and broken
// files an uploader can send (empty, truncated, an image renamed .mp4).
//
// Files are generated once and cached on disk, keyed by kind, recipe and ffmpeg version, so
// a second test process reuses them. Every file is checked with ffprobe, once per process,
// before a test gets its path, so a test never runs against a clip that lacks the property it
// is named for.
package testmedia

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// Kind names a media file with one property under test.
type Kind string

// The kinds of media Path makes.
const (
	// Landscape1080p is 1920x1080 H.264 + AAC in MP4, moov first, 1 s at 5 fps.
	Landscape1080p Kind = "landscape-1080p"
	// Portrait1080x1920 is 1080x1920 H.264 + AAC in MP4, coded upright (no rotation), 1 s at 5 fps.
	Portrait1080x1920 Kind = "portrait-1080x1920"
	// Square is 720x720 H.264 + AAC in MP4, 2 s at 10 fps.
	Square Kind = "square"
	// UHD4K is 3840x2160 H.264 + AAC in MP4, 1 s at 2 fps.
	UHD4K Kind = "uhd-4k"
	// NoAudio is 640x360 H.264 in MP4 without an audio track, 2 s at 10 fps.
	NoAudio Kind = "no-audio"
	// Rotated90 is a phone-style clip: 640x360 coded H.264 + AAC in MP4 whose tkhd display
	// matrix turns it 90 degrees clockwise, so players show it 360x640. 2 s at 10 fps.
	Rotated90 Kind = "rotated-90"
	// MKV is 640x360 H.264 + AAC in Matroska with a SubRip subtitle track in French (fre),
	// 2 s at 10 fps.
	MKV Kind = "mkv"
	// WebM is 320x240 VP9 + Opus in WebM with a WebVTT subtitle track in German (ger),
	// 2 s at 10 fps.
	WebM Kind = "webm"
	// MPEGTS is 640x360 H.264 + AAC in an MPEG transport stream, 2 s at 10 fps.
	MPEGTS Kind = "mpegts"
	// MoovAtEnd is 640x360 H.264 + AAC in MP4 with moov after mdat (ffmpeg's default, no
	// faststart), 2 s at 10 fps.
	MoovAtEnd Kind = "moov-at-end"
	// Truncated is a MoovAtEnd-style MP4 cut to half its size: mdat runs past the end and
	// moov is gone, as after an interrupted upload.
	Truncated Kind = "truncated"
	// Empty is a zero-byte file named .mp4.
	Empty Kind = "empty"
	// PNGAsMP4 is a 64x64 PNG image named .mp4.
	PNGAsMP4 Kind = "png-as-mp4"
	// AudioOnly is AAC in MP4 without a video track, 2 s.
	AudioOnly Kind = "audio-only"
	// WithCaptions is 640x360 H.264 + AAC in MP4 with an English (eng) mov_text (tx3g)
	// subtitle track, 2 s at 10 fps.
	WithCaptions Kind = "with-captions"
	// MXF is 320x240 MPEG-2 video + PCM audio in MXF OP1a, 1 s at 25 fps.
	MXF Kind = "mxf"
	// HEVC is 320x240 H.265 (hvc1) + AAC in MP4, 1 s at 5 fps.
	HEVC Kind = "hevc"
	// ProResMOV is 320x240 ProRes 422 + PCM audio in a QuickTime .mov ("qt  " brand), 1 s at
	// 5 fps.
	ProResMOV Kind = "prores-mov"
	// AVI is 320x240 MPEG-4 Part 2 video in AVI: a video container the probe does not read.
	AVI Kind = "avi"
	// FragmentedMP4 is 320x240 H.264 + AAC in fragmented MP4 with an empty moov (no duration
	// in it), one fragment per second, as browsers' MediaRecorder and live packagers write;
	// 2 s at 10 fps.
	FragmentedMP4 Kind = "fragmented-mp4"
	// MPEGTSHEVC is 1280x720 H.265 + AAC in an MPEG transport stream, 1 s at 5 fps.
	MPEGTSHEVC Kind = "mpegts-hevc"
	// LiveWebM is 320x240 VP9 + Opus in WebM written as a live stream: unknown element sizes
	// and no Duration, like Chrome's MediaRecorder output; 2 s at 10 fps.
	LiveWebM Kind = "live-webm"
	// FragmentedStock is 320x240 H.264 + AAC fragmented by ffmpeg's stock
	// "-movflags frag_keyframe+empty_moov": one fragment per 10-second GOP, so the single
	// fragment is larger than any fixed tail read, and an mfra index at the end; 4 s at 25 fps.
	FragmentedStock Kind = "fragmented-stock"
	// FragmentedDASH is 320x240 H.264 + AAC fragmented with "-movflags +dash": segment
	// indexes (sidx) after moov; 4 s at 25 fps.
	FragmentedDASH Kind = "fragmented-dash"
	// FiveHourFragmented, FiveHourLiveMKV, FiveHourTS and FiveHourMP4 are 160x90 grey H.264,
	// 5 hours at 1 fps with a keyframe a minute: fragmented MP4 (frag_keyframe+empty_moov),
	// live-mode Matroska (no Duration, no Cues), an MPEG transport stream and a fast-start MP4.
	FiveHourFragmented Kind = "five-hour-fragmented"
	FiveHourLiveMKV    Kind = "five-hour-live-mkv"
	FiveHourTS         Kind = "five-hour-ts"
	FiveHourMP4        Kind = "five-hour-mp4"
	// TSRestart is two 3.5-second 320x240 H.264 + AAC transport streams joined byte for byte,
	// so timestamps restart halfway, as in a DVR recording or two files concatenated.
	TSRestart Kind = "ts-restart"
	// PAL169 is 720x576 MPEG-2 in an MPEG transport stream whose sequence header says 16:9
	// (anamorphic PAL widescreen), 1 s at 25 fps.
	PAL169 Kind = "pal-16x9"
	// HDV is 1440x1080 MPEG-2 16:9 in MXF (pixel aspect 4:3, stored 1088 high), 1 s at 25 fps.
	HDV Kind = "hdv-mxf"
	// MPEG2HD is 1920x1080 MPEG-2 in MXF, which stores it 1920x1088; 1 s at 25 fps.
	MPEG2HD Kind = "mpeg2-hd-mxf"
	// AnamorphicMP4 and AnamorphicMKV are 720x576 H.264 with a 64:45 sample aspect ratio
	// (16:9 PAL) in the SPS and the container (pasp, DisplayWidth), 1 s at 25 fps.
	AnamorphicMP4 Kind = "anamorphic-mp4"
	AnamorphicMKV Kind = "anamorphic-mkv"
	// HDR10 is 320x240 10-bit HEVC in MP4 with BT.2020 primaries and the PQ transfer; HLG is
	// the same in an MPEG transport stream with the HLG transfer. 1 s at 25 fps.
	HDR10 Kind = "hdr10"
	HLG   Kind = "hlg-ts"
	// Surround is 320x240 H.264 with two AAC tracks: 5.1 (6 channels) and a Spanish (spa)
	// mono one; 1 s at 25 fps.
	Surround Kind = "surround"
	// SurroundTS is 320x240 H.264 in an MPEG transport stream with three audio streams, none
	// of which the container gives a channel count for: 5.1 AAC (ADTS), 5.1 AC-3 and mono
	// MPEG-1 Layer II; 1 s at 25 fps.
	SurroundTS Kind = "surround-ts"
	// SurroundDolbyMP4 is 320x240 H.264 in MP4 with 5.1 AC-3 and 5.1 E-AC-3 tracks, whose
	// sample entries say 2 channels (the count is in dac3 and dec3); 1 s at 25 fps.
	SurroundDolbyMP4 Kind = "surround-dolby-mp4"
	// SurroundMXF is 320x240 MPEG-2 in MXF OP1a with one 6-channel PCM track; 1 s at 25 fps.
	SurroundMXF Kind = "surround-mxf"
	// InterlacedTS, InterlacedMXF, InterlacedMOV, InterlacedMKV and InterlacedHEVC are 576i25
	// (720x576, 25 frames of two fields a second, woven from 50 fps) sources as broadcast
	// masters carry them, 1 s: field-coded H.264 (MBAFF) in MPEG-TS, MPEG-2 with
	// progressive_sequence 0 in MXF, ProRes with a two-field fiel box in QuickTime, H.264 in
	// Matroska with FlagInterlaced, and field-coded HEVC (interlaced source flag) in MP4.
	InterlacedTS   Kind = "interlaced-ts"
	InterlacedMXF  Kind = "interlaced-mxf"
	InterlacedMOV  Kind = "interlaced-mov"
	InterlacedMKV  Kind = "interlaced-mkv"
	InterlacedHEVC Kind = "interlaced-hevc"
	// DNxHR is 320x240 DNxHR LB in QuickTime; DV is 720x576 DV (PAL) in QuickTime; 1 s at 25 fps.
	DNxHR Kind = "dnxhr"
	DV    Kind = "dv"
	// Tiny is 16x16 H.264 in MP4, 1 s at 10 fps: a size no ladder can use.
	Tiny Kind = "tiny"
	// Landscape1080p10s is 1920x1080 H.264 + AAC in MP4, moov first, 10 s at 24 fps: a short
	// title of real length, for end-to-end playback.
	Landscape1080p10s Kind = "landscape-1080p-10s"
	// PortraitNoAudio is 540x960 H.264 in MP4 without an audio track, coded upright, 4 s at
	// 24 fps.
	PortraitNoAudio Kind = "portrait-no-audio"
	// Detailed480p is 854x480 H.264 + AAC in MP4, 4 s at 24 fps, with moving grain in every
	// frame, so an encoder needs its whole target bitrate: for measuring encoded bitrates.
	Detailed480p Kind = "detailed-480p"
)

// Kinds returns every kind Path makes, in a stable order.
func Kinds() []Kind {
	return []Kind{Landscape1080p, Portrait1080x1920, Square, UHD4K, NoAudio, Rotated90, MKV, WebM,
		MPEGTS, MoovAtEnd, Truncated, Empty, PNGAsMP4, AudioOnly, WithCaptions, MXF, HEVC, ProResMOV, AVI,
		FragmentedMP4, LiveWebM, MPEGTSHEVC, FragmentedStock, FragmentedDASH, FiveHourFragmented, FiveHourLiveMKV,
		FiveHourTS, FiveHourMP4, TSRestart, PAL169, HDV, MPEG2HD, AnamorphicMP4, AnamorphicMKV, HDR10, HLG, Surround,
		DNxHR, DV, Tiny, SurroundTS, SurroundDolbyMP4, SurroundMXF,
		InterlacedTS, InterlacedMXF, InterlacedMOV, InterlacedMKV, InterlacedHEVC,
		Landscape1080p10s, PortraitNoAudio, Detailed480p}
}

// recipe says how to make a kind and what ffprobe must then report.
type recipe struct {
	ext   string
	make  func(g *generator, out string) error
	check func(p probeResult, path string) error
}

// subtitles is the SubRip source muxed into the caption kinds.
const subtitles = "1\n00:00:00,000 --> 00:00:01,000\nhello\n\n2\n00:00:01,000 --> 00:00:01,900\nworld\n"

// clip describes an encode from lavfi test sources.
type clip struct {
	w, h, fps int
	secs      string
	audio     bool
	faststart bool
	format    string
	// grain adds moving noise of this strength (ffmpeg's noise filter, 0 for none).
	grain int
}

// args returns ffmpeg's input options and its output options, apart so a caller can add an
// input.
func (c clip) args() (in, out []string) {
	video := fmt.Sprintf("testsrc2=s=%dx%d:r=%d:d=%s", c.w, c.h, c.fps, c.secs)
	if c.grain > 0 {
		video += fmt.Sprintf(",noise=alls=%d:allf=t", c.grain)
	}
	in = []string{"-f", "lavfi", "-i", video}
	if c.audio {
		in = append(in, "-f", "lavfi", "-i", "sine=f=440:r=48000:d="+c.secs)
	}
	a := []string{"-map", "0:v"}
	if c.audio {
		a = append(a, "-map", "1:a", "-c:a", "aac", "-b:a", "32k", "-ac", "1")
	}
	a = append(a, "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-g", strconv.Itoa(c.fps))
	if c.faststart {
		a = append(a, "-movflags", "+faststart")
	}
	if c.format != "" {
		a = append(a, "-f", c.format)
	}
	return in, a
}

func encode(c clip) func(g *generator, out string) error {
	return func(g *generator, out string) error {
		in, opts := c.args()
		return g.ffmpeg(append(append(in, opts...), out)...)
	}
}

var recipes = map[Kind]recipe{
	Landscape1080p: {ext: ".mp4", make: encode(clip{w: 1920, h: 1080, fps: 5, secs: "1", audio: true, faststart: true}),
		check: all(videoSize(1920, 1080, 0), audioCount(1), moovFirst(true))},
	Landscape1080p10s: {ext: ".mp4", make: encode(clip{w: 1920, h: 1080, fps: 24, secs: "10", audio: true, faststart: true}),
		check: all(videoSize(1920, 1080, 0), audioCount(1), moovFirst(true), durationAbout(10))},
	PortraitNoAudio: {ext: ".mp4", make: encode(clip{w: 540, h: 960, fps: 24, secs: "4", faststart: true}),
		check: all(videoSize(540, 960, 0), audioCount(0), durationAbout(4))},
	Detailed480p: {ext: ".mp4", make: encode(clip{w: 854, h: 480, fps: 24, secs: "4", audio: true, faststart: true, grain: 12}),
		check: all(videoSize(854, 480, 0), audioCount(1), durationAbout(4))},
	Portrait1080x1920: {ext: ".mp4", make: encode(clip{w: 1080, h: 1920, fps: 5, secs: "1", audio: true, faststart: true}),
		check: all(videoSize(1080, 1920, 0), audioCount(1))},
	Square: {ext: ".mp4", make: encode(clip{w: 720, h: 720, fps: 10, secs: "2", audio: true, faststart: true}),
		check: all(videoSize(720, 720, 0), audioCount(1))},
	UHD4K: {ext: ".mp4", make: encode(clip{w: 3840, h: 2160, fps: 2, secs: "1", audio: true, faststart: true}),
		check: all(videoSize(3840, 2160, 0), audioCount(1))},
	NoAudio: {ext: ".mp4", make: encode(clip{w: 640, h: 360, fps: 10, secs: "2", faststart: true}),
		check: all(videoSize(640, 360, 0), audioCount(0))},
	Rotated90: {ext: ".mp4", make: makeRotated,
		check: all(videoSize(640, 360, 90), audioCount(1))},
	MKV: {ext: ".mkv", make: makeWithSubtitles(clip{w: 640, h: 360, fps: 10, secs: "2", audio: true}, "srt", "fre"),
		check: all(videoSize(640, 360, 0), audioCount(1), formatName("matroska"), subtitle("subrip", "fre"))},
	WebM: {ext: ".webm", make: makeWebM,
		check: all(videoSize(320, 240, 0), audioCount(1), formatName("webm"), subtitle("webvtt", "ger"))},
	MPEGTS: {ext: ".ts", make: encode(clip{w: 640, h: 360, fps: 10, secs: "2", audio: true, format: "mpegts"}),
		check: all(videoSize(640, 360, 0), audioCount(1), formatName("mpegts"))},
	MoovAtEnd: {ext: ".mp4", make: encode(clip{w: 640, h: 360, fps: 10, secs: "2", audio: true}),
		check: all(videoSize(640, 360, 0), audioCount(1), moovFirst(false))},
	Truncated:    {ext: ".mp4", make: makeTruncated, check: probeFails},
	Empty:        {ext: ".mp4", make: makeEmpty, check: sizeIs(0)},
	PNGAsMP4:     {ext: ".mp4", make: makePNG, check: all(videoCodec("png"), formatName("png_pipe"))},
	AudioOnly:    {ext: ".mp4", make: makeAudioOnly, check: all(audioCount(1), noVideo)},
	WithCaptions: {ext: ".mp4", make: makeWithSubtitles(clip{w: 640, h: 360, fps: 10, secs: "2", audio: true, faststart: true}, "mov_text", "eng"), check: all(videoSize(640, 360, 0), audioCount(1), subtitle("mov_text", "eng"))},
	MXF: {ext: ".mxf", make: makeMXF,
		check: all(videoSize(320, 240, 0), videoCodec("mpeg2video"), audioCount(1), formatName("mxf"))},
	HEVC: {ext: ".mp4", make: func(g *generator, out string) error {
		return g.ffmpeg("-f", "lavfi", "-i", "testsrc2=s=320x240:r=5:d=1", "-f", "lavfi", "-i", "sine=f=440:r=48000:d=1",
			"-map", "0:v", "-map", "1:a", "-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "log-level=error",
			"-tag:v", "hvc1", "-c:a", "aac", "-b:a", "32k", "-ac", "1", "-movflags", "+faststart", out)
	}, check: all(videoSize(320, 240, 0), videoCodec("hevc"), audioCount(1))},
	ProResMOV: {ext: ".mov", make: func(g *generator, out string) error {
		return g.ffmpeg("-f", "lavfi", "-i", "testsrc2=s=320x240:r=5:d=1", "-f", "lavfi", "-i", "sine=f=440:r=48000:d=1",
			"-map", "0:v", "-map", "1:a", "-c:v", "prores_ks", "-profile:v", "2", "-c:a", "pcm_s16le", out)
	}, check: all(videoSize(320, 240, 0), videoCodec("prores"), audioCount(1), majorBrand("qt  "))},
	AVI: {ext: ".avi", make: func(g *generator, out string) error {
		return g.ffmpeg("-f", "lavfi", "-i", "testsrc2=s=320x240:r=5:d=1", "-c:v", "mpeg4", out)
	}, check: all(videoSize(320, 240, 0), formatName("avi"))},
	FragmentedMP4: {ext: ".mp4", make: func(g *generator, out string) error {
		return g.ffmpeg("-f", "lavfi", "-i", "testsrc2=s=320x240:r=10:d=2", "-f", "lavfi", "-i", "sine=f=440:r=48000:d=2",
			"-map", "0:v", "-map", "1:a", "-c:v", "libx264", "-preset", "ultrafast", "-g", "10", "-c:a", "aac", "-b:a", "32k", "-ac", "1",
			"-movflags", "frag_keyframe+empty_moov+default_base_moof", out)
	}, check: all(videoSize(320, 240, 0), audioCount(1), moovFirst(true), hasTopBox("moof"))},
	MPEGTSHEVC: {ext: ".ts", make: func(g *generator, out string) error {
		return g.ffmpeg("-f", "lavfi", "-i", "testsrc2=s=1280x720:r=5:d=1", "-f", "lavfi", "-i", "sine=f=440:r=48000:d=1",
			"-map", "0:v", "-map", "1:a", "-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "log-level=error",
			"-c:a", "aac", "-b:a", "32k", "-ac", "1", "-f", "mpegts", out)
	}, check: all(videoSize(1280, 720, 0), videoCodec("hevc"), audioCount(1), formatName("mpegts"))},
	LiveWebM: {ext: ".webm", make: func(g *generator, out string) error {
		return g.ffmpeg("-f", "lavfi", "-i", "testsrc2=s=320x240:r=10:d=2", "-f", "lavfi", "-i", "sine=f=440:r=48000:d=2",
			"-map", "0:v", "-map", "1:a", "-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "200k",
			"-c:a", "libopus", "-b:a", "32k", "-live", "1", "-f", "webm", out)
	}, check: all(videoSize(320, 240, 0), audioCount(1), formatName("webm"), noDuration)},
	FragmentedStock: {ext: ".mp4", make: func(g *generator, out string) error {
		return g.ffmpeg(append(lavfi("320x240", 25, "4", true), "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-b:a", "32k",
			"-movflags", "frag_keyframe+empty_moov", out)...)
	}, check: all(videoSize(320, 240, 0), audioCount(1), hasTopBox("moof"), hasTopBox("mfra"))},
	FragmentedDASH: {ext: ".mp4", make: func(g *generator, out string) error {
		return g.ffmpeg(append(lavfi("320x240", 25, "4", true), "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-b:a", "32k",
			"-movflags", "+dash", out)...)
	}, check: all(videoSize(320, 240, 0), audioCount(1), hasTopBox("sidx"))},
	FiveHourFragmented: {ext: ".mp4", make: fiveHours("-movflags", "frag_keyframe+empty_moov"),
		check: all(videoSize(160, 90, 0), hasTopBox("moof"))},
	FiveHourLiveMKV: {ext: ".mkv", make: fiveHours("-live", "1", "-f", "matroska"),
		check: all(videoSize(160, 90, 0), formatName("matroska"), noDuration)},
	FiveHourTS:  {ext: ".ts", make: fiveHours("-f", "mpegts"), check: all(videoSize(160, 90, 0), formatName("mpegts"), durationAbout(18000))},
	FiveHourMP4: {ext: ".mp4", make: fiveHours("-movflags", "+faststart"), check: all(videoSize(160, 90, 0), moovFirst(true), durationAbout(18000))},
	TSRestart: {ext: ".ts", make: func(g *generator, out string) error {
		part := filepath.Join(g.dir, "part.ts")
		if err := g.ffmpeg(append(lavfi("320x240", 10, "3.5", true), "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-b:a", "32k", "-f", "mpegts", part)...); err != nil {
			return err
		}
		b, err := os.ReadFile(part)
		if err != nil {
			return err
		}
		return os.WriteFile(out, append(b, b...), 0o644)
	}, check: all(videoSize(320, 240, 0), formatName("mpegts"))},
	PAL169: {ext: ".ts", make: func(g *generator, out string) error {
		return g.ffmpeg(append(lavfi("720x576", 25, "1", false), "-c:v", "mpeg2video", "-aspect", "16:9", "-f", "mpegts", out)...)
	}, check: all(videoSize(720, 576, 0), videoCodec("mpeg2video"), displayAspect("16:9"))},
	HDV: {ext: ".mxf", make: func(g *generator, out string) error {
		return g.ffmpeg(append(lavfi("1440x1080", 25, "1", false), "-c:v", "mpeg2video", "-b:v", "8M", "-aspect", "16:9", out)...)
	}, check: all(videoSize(1440, 1080, 0), formatName("mxf"), displayAspect("16:9"))},
	MPEG2HD: {ext: ".mxf", make: func(g *generator, out string) error {
		return g.ffmpeg(append(lavfi("1920x1080", 25, "1", false), "-c:v", "mpeg2video", "-b:v", "8M", out)...)
	}, check: all(videoSize(1920, 1080, 0), formatName("mxf"))},
	AnamorphicMP4: {ext: ".mp4", make: func(g *generator, out string) error {
		return g.ffmpeg(append(lavfi("720x576", 25, "1", false), "-vf", "setsar=64/45", "-c:v", "libx264", "-preset", "ultrafast", out)...)
	}, check: all(videoSize(720, 576, 0), displayAspect("16:9"))},
	AnamorphicMKV: {ext: ".mkv", make: func(g *generator, out string) error {
		return g.ffmpeg(append(lavfi("720x576", 25, "1", false), "-vf", "setsar=64/45", "-c:v", "libx264", "-preset", "ultrafast", out)...)
	}, check: all(videoSize(720, 576, 0), formatName("matroska"), displayAspect("16:9"))},
	HDR10: {ext: ".mp4", make: func(g *generator, out string) error {
		return g.ffmpeg(append(lavfi("320x240", 25, "1", false), "-c:v", "libx265", "-preset", "ultrafast", "-pix_fmt", "yuv420p10le",
			"-x265-params", "log-level=error:colorprim=bt2020:transfer=smpte2084:colormatrix=bt2020nc", "-tag:v", "hvc1", out)...)
	}, check: all(videoSize(320, 240, 0), videoCodec("hevc"), colorTransfer("smpte2084"))},
	HLG: {ext: ".ts", make: func(g *generator, out string) error {
		return g.ffmpeg(append(lavfi("320x240", 25, "1", false), "-c:v", "libx265", "-preset", "ultrafast", "-pix_fmt", "yuv420p10le",
			"-x265-params", "log-level=error:colorprim=bt2020:transfer=arib-std-b67:colormatrix=bt2020nc", "-f", "mpegts", out)...)
	}, check: all(videoSize(320, 240, 0), videoCodec("hevc"), colorTransfer("arib-std-b67"))},
	InterlacedTS: {ext: ".ts", make: interlaced("-c:v", "libx264", "-preset", "ultrafast", "-flags", "+ildct+ilme", "-f", "mpegts"),
		check: all(videoSize(720, 576, 0), videoCodec("h264"), interlacedVideo)},
	InterlacedMXF: {ext: ".mxf", make: interlaced("-c:v", "mpeg2video", "-flags", "+ildct+ilme"),
		check: all(videoSize(720, 576, 0), videoCodec("mpeg2video"), interlacedVideo, formatName("mxf"))},
	InterlacedMOV: {ext: ".mov", make: interlaced("-c:v", "prores_ks", "-profile:v", "0", "-flags", "+ildct"),
		check: all(videoSize(720, 576, 0), videoCodec("prores"), interlacedVideo)},
	InterlacedMKV: {ext: ".mkv", make: interlaced("-c:v", "libx264", "-preset", "ultrafast", "-flags", "+ildct+ilme"),
		check: all(videoSize(720, 576, 0), videoCodec("h264"), interlacedVideo, formatName("matroska"))},
	InterlacedHEVC: {ext: ".mp4", make: interlaced("-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "log-level=error:interlace=tff", "-tag:v", "hvc1"),
		check: all(videoSize(720, 576, 0), videoCodec("hevc"), interlacedVideo)},
	SurroundTS: {ext: ".ts", make: func(g *generator, out string) error {
		return g.ffmpeg(append(lavfi("320x240", 25, "1", true), "-filter_complex", "[1:a]pan=5.1|c0=c0|c1=c0|c2=c0|c3=c0|c4=c0|c5=c0,asplit[s][t]",
			"-map", "0:v", "-map", "[s]", "-map", "[t]", "-map", "1:a", "-c:v", "libx264", "-preset", "ultrafast",
			"-c:a:0", "aac", "-b:a:0", "64k", "-c:a:1", "ac3", "-b:a:1", "192k", "-c:a:2", "mp2", "-ac:a:2", "1", "-f", "mpegts", out)...)
	}, check: all(videoSize(320, 240, 0), audioChannels(6, 6, 1), formatName("mpegts"))},
	SurroundDolbyMP4: {ext: ".mp4", make: func(g *generator, out string) error {
		return g.ffmpeg(append(lavfi("320x240", 25, "1", true), "-filter_complex", "[1:a]pan=5.1|c0=c0|c1=c0|c2=c0|c3=c0|c4=c0|c5=c0,asplit[s][t]",
			"-map", "0:v", "-map", "[s]", "-map", "[t]", "-c:v", "libx264", "-preset", "ultrafast",
			"-c:a:0", "ac3", "-b:a:0", "192k", "-c:a:1", "eac3", "-b:a:1", "192k", "-movflags", "+faststart", out)...)
	}, check: all(videoSize(320, 240, 0), audioChannels(6, 6))},
	SurroundMXF: {ext: ".mxf", make: func(g *generator, out string) error {
		return g.ffmpeg(append(lavfi("320x240", 25, "1", true), "-filter_complex", "[1:a]pan=5.1|c0=c0|c1=c0|c2=c0|c3=c0|c4=c0|c5=c0[s]",
			"-map", "0:v", "-map", "[s]", "-c:v", "mpeg2video", "-c:a", "pcm_s16le", "-ar", "48000", out)...)
	}, check: all(videoSize(320, 240, 0), videoCodec("mpeg2video"), audioChannels(6), formatName("mxf"))},
	Surround: {ext: ".mp4", make: func(g *generator, out string) error {
		return g.ffmpeg(append(lavfi("320x240", 25, "1", true), "-filter_complex", "[1:a]pan=5.1|c0=c0|c1=c0|c2=c0|c3=c0|c4=c0|c5=c0[s]",
			"-map", "0:v", "-map", "[s]", "-map", "1:a", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-b:a", "64k",
			"-metadata:s:a:1", "language=spa", "-movflags", "+faststart", out)...)
	}, check: all(videoSize(320, 240, 0), audioCount(2))},
	DNxHR: {ext: ".mov", make: func(g *generator, out string) error {
		return g.ffmpeg(append(lavfi("320x240", 25, "1", false), "-c:v", "dnxhd", "-profile:v", "dnxhr_lb", "-pix_fmt", "yuv422p", out)...)
	}, check: all(videoSize(320, 240, 0), videoCodec("dnxhd"))},
	DV: {ext: ".mov", make: func(g *generator, out string) error {
		return g.ffmpeg(append(lavfi("720x576", 25, "1", false), "-c:v", "dvvideo", "-pix_fmt", "yuv420p", out)...)
	}, check: all(videoSize(720, 576, 0), videoCodec("dvvideo"))},
	Tiny: {ext: ".mp4", make: func(g *generator, out string) error {
		return g.ffmpeg(append(lavfi("16x16", 10, "1", false), "-c:v", "libx264", "-preset", "ultrafast", out)...)
	}, check: all(videoSize(16, 16, 0))},
}

// lavfi returns the input options of a test pattern of the given size, rate and length,
// with a sine tone as the second input when audio is set.
func lavfi(size string, fps int, secs string, audio bool) []string {
	in := []string{"-f", "lavfi", "-i", fmt.Sprintf("testsrc2=s=%s:r=%d:d=%s", size, fps, secs)}
	if audio {
		in = append(in, "-f", "lavfi", "-i", "sine=f=440:r=48000:d="+secs)
	}
	return in
}

// fiveHours encodes 5 hours of 160x90 grey at 1 fps, a keyframe a minute, with the output
// options given: a second of CPU, some hundred kilobytes.
func fiveHours(opts ...string) func(g *generator, out string) error {
	return func(g *generator, out string) error {
		args := []string{"-f", "lavfi", "-i", "color=c=gray:s=160x90:r=1:d=18000", "-c:v", "libx264", "-preset", "ultrafast", "-g", "60"}
		return g.ffmpeg(append(append(args, opts...), out)...)
	}
}

// recipeVersion changes whenever a recipe changes, so stale cached files are not reused.
const recipeVersion = "1"

type entry struct {
	once sync.Once
	path string
	err  error
}

var (
	mu      sync.Mutex
	entries = map[Kind]*entry{}
	tools   struct {
		once    sync.Once
		version string
		major   int
		err     error
	}
)

// Path returns the path of a media file of kind k, generating it on first use. It fails the
// test when ffmpeg or ffprobe is missing, when k is unknown, or when the file ffmpeg made
// lacks the property k names.
func Path(t testing.TB, k Kind) string {
	t.Helper()
	r, ok := recipes[k]
	if !ok {
		t.Fatalf("testmedia: unknown kind %q", k)
	}
	mu.Lock()
	e := entries[k]
	if e == nil {
		e = &entry{}
		entries[k] = e
	}
	mu.Unlock()
	e.once.Do(func() { e.path, e.err = generate(k, r) })
	if e.err != nil {
		t.Fatalf("testmedia: %s: %v", k, e.err)
	}
	return e.path
}

func ffmpegVersion() (string, int, error) {
	tools.once.Do(func() {
		if tools.err = findTools(); tools.err != nil {
			return
		}
		out, err := exec.Command("ffmpeg", "-hide_banner", "-version").Output()
		if err != nil {
			tools.err = fmt.Errorf("ffmpeg -version: %w", err)
			return
		}
		line, _, _ := strings.Cut(string(out), "\n")
		tools.version = line
		if m := regexp.MustCompile(`ffmpeg version n?(\d+)\.`).FindStringSubmatch(line); m != nil {
			tools.major, _ = strconv.Atoi(m[1])
		}
	})
	return tools.version, tools.major, tools.err
}

// findTools fails with install instructions when ffmpeg or ffprobe is missing.
func findTools() error {
	for _, tool := range []string{"ffmpeg", "ffprobe"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("%s is not on PATH; install it (apt-get install -y ffmpeg): %w", tool, err)
		}
	}
	return nil
}

// cacheDir holds generated files across test processes; OTTKIT_TESTMEDIA_DIR overrides it.
func cacheDir() (string, error) {
	dir := os.Getenv("OTTKIT_TESTMEDIA_DIR")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "ottkit-testmedia")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("cache dir %s: %w", dir, err)
	}
	return dir, nil
}

type generator struct {
	dir   string
	major int
}

func generate(k Kind, r recipe) (string, error) {
	version, major, err := ffmpegVersion()
	if err != nil {
		return "", err
	}
	dir, err := cacheDir()
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256([]byte(recipeVersion + "\x00" + version + "\x00" + string(k)))
	path := filepath.Join(dir, string(k)+"-"+hex.EncodeToString(sum[:6])+r.ext)
	if _, err := os.Stat(path); err == nil {
		if verify(r, path) == nil {
			return path, nil
		}
		// A cached file another run left damaged: make it again.
		if err := os.Remove(path); err != nil {
			return "", fmt.Errorf("remove damaged %s: %w", path, err)
		}
	}
	// Make under a temporary name and rename, so a concurrent test process never sees a
	// half-written file.
	tmp, err := os.MkdirTemp(dir, "gen-")
	if err != nil {
		return "", fmt.Errorf("temp dir: %w", err)
	}
	defer os.RemoveAll(tmp)
	out := filepath.Join(tmp, string(k)+r.ext)
	if err := r.make(&generator{dir: tmp, major: major}, out); err != nil {
		return "", err
	}
	if err := os.Rename(out, path); err != nil {
		return "", fmt.Errorf("rename %s: %w", out, err)
	}
	if err := verify(r, path); err != nil {
		return "", fmt.Errorf("generated file %s does not have the expected properties: %w", path, err)
	}
	return path, nil
}

// verify runs ffprobe on path and the recipe's checks on what it reports.
func verify(r recipe, path string) error {
	p, err := ffprobe(path)
	if err != nil {
		p.err = err
	}
	return r.check(p, path)
}

func (g *generator) ffmpeg(args ...string) error {
	cmd := exec.Command("ffmpeg", append([]string{"-hide_banner", "-loglevel", "error", "-nostdin", "-y"}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("ffmpeg %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return nil
}

func makeRotated(g *generator, out string) error {
	src := filepath.Join(g.dir, "unrotated.mp4")
	c := clip{w: 640, h: 360, fps: 10, secs: "2", audio: true, faststart: true}
	if err := encode(c)(g, src); err != nil {
		return err
	}
	// Both options below write the matrix of a phone held upright, (0 1; -1 0): 90 degrees
	// clockwise. ffmpeg 6 and later take -display_rotation, counter-clockwise; ffmpeg 5's
	// "rotate" tag is inverted on remux, so it needs 270 for the same matrix.
	if g.major >= 6 {
		return g.ffmpeg("-display_rotation", "270", "-i", src, "-c", "copy", "-movflags", "+faststart", out)
	}
	return g.ffmpeg("-i", src, "-c", "copy", "-metadata:s:v:0", "rotate=270", "-movflags", "+faststart", out)
}

func makeWithSubtitles(c clip, codec, lang string) func(g *generator, out string) error {
	return func(g *generator, out string) error {
		srt := filepath.Join(g.dir, "subtitles.srt")
		if err := os.WriteFile(srt, []byte(subtitles), 0o644); err != nil {
			return err
		}
		in, opts := c.args()
		sub := "1" // the subtitle file is the input after the lavfi sources
		if c.audio {
			sub = "2"
		}
		args := append(append(append(in, "-i", srt), opts...), "-map", sub+":s", "-c:s", codec, "-metadata:s:s:0", "language="+lang, out)
		return g.ffmpeg(args...)
	}
}

func makeWebM(g *generator, out string) error {
	srt := filepath.Join(g.dir, "subtitles.srt")
	if err := os.WriteFile(srt, []byte(subtitles), 0o644); err != nil {
		return err
	}
	return g.ffmpeg("-f", "lavfi", "-i", "testsrc2=s=320x240:r=10:d=2", "-f", "lavfi", "-i", "sine=f=440:r=48000:d=2",
		"-i", srt, "-map", "0:v", "-map", "1:a", "-map", "2:s",
		"-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "200k",
		"-c:a", "libopus", "-b:a", "32k", "-c:s", "webvtt", "-metadata:s:s:0", "language=ger", out)
}

func makeTruncated(g *generator, out string) error {
	if err := encode(clip{w: 640, h: 360, fps: 10, secs: "2", audio: true})(g, out); err != nil {
		return err
	}
	st, err := os.Stat(out)
	if err != nil {
		return err
	}
	return os.Truncate(out, st.Size()/2)
}

func makeEmpty(_ *generator, out string) error { return os.WriteFile(out, nil, 0o644) }

func makePNG(g *generator, out string) error {
	png := filepath.Join(g.dir, "image.png")
	if err := g.ffmpeg("-f", "lavfi", "-i", "testsrc2=s=64x64", "-frames:v", "1", png); err != nil {
		return err
	}
	return os.Rename(png, out)
}

func makeAudioOnly(g *generator, out string) error {
	return g.ffmpeg("-f", "lavfi", "-i", "sine=f=440:r=48000:d=2", "-c:a", "aac", "-b:a", "32k", "-ac", "1", "-movflags", "+faststart", out)
}

func makeMXF(g *generator, out string) error {
	return g.ffmpeg("-f", "lavfi", "-i", "testsrc2=s=320x240:r=25:d=1", "-f", "lavfi", "-i", "sine=f=440:r=48000:d=1",
		"-map", "0:v", "-map", "1:a", "-c:v", "mpeg2video", "-c:a", "pcm_s16le", "-ar", "48000", out)
}

// probeResult is the part of ffprobe's JSON the checks read.
type probeResult struct {
	Streams []struct {
		CodecType          string `json:"codec_type"`
		CodecName          string `json:"codec_name"`
		Channels           int    `json:"channels"`
		FieldOrder         string `json:"field_order"`
		Width              int    `json:"width"`
		Height             int    `json:"height"`
		DisplayAspectRatio string `json:"display_aspect_ratio"`
		ColorTransfer      string `json:"color_transfer"`
		SideDataList       []struct {
			Rotation *float64 `json:"rotation"`
		} `json:"side_data_list"`
		Tags map[string]string `json:"tags"`
	} `json:"streams"`
	Format struct {
		FormatName string            `json:"format_name"`
		Duration   string            `json:"duration"`
		Size       string            `json:"size"`
		Tags       map[string]string `json:"tags"`
	} `json:"format"`
	err error
}

func ffprobe(path string) (probeResult, error) {
	var p probeResult
	cmd := exec.Command("ffprobe", "-v", "error", "-show_streams", "-show_format", "-of", "json", path)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return p, fmt.Errorf("ffprobe %s: %w: %s", path, err, strings.TrimSpace(stderr.String()))
	}
	if err := json.Unmarshal(out, &p); err != nil {
		return p, fmt.Errorf("ffprobe %s: decode json: %w", path, err)
	}
	return p, nil
}

type check func(p probeResult, path string) error

func all(cs ...check) check {
	return func(p probeResult, path string) error {
		if p.err != nil {
			return p.err
		}
		for _, c := range cs {
			if err := c(p, path); err != nil {
				return err
			}
		}
		return nil
	}
}

func count(p probeResult, typ string) int {
	n := 0
	for _, s := range p.Streams {
		if s.CodecType == typ {
			n++
		}
	}
	return n
}

// videoSize checks the coded size and the clockwise rotation. ffprobe reports the display
// matrix rotation counter-clockwise, so 90 clockwise shows as -90 (or 270).
func videoSize(w, h, clockwise int) check {
	return func(p probeResult, _ string) error {
		for _, s := range p.Streams {
			if s.CodecType != "video" {
				continue
			}
			if s.Width != w || s.Height != h {
				return fmt.Errorf("video is %dx%d, want %dx%d", s.Width, s.Height, w, h)
			}
			got := 0
			for _, sd := range s.SideDataList {
				if sd.Rotation != nil {
					got = ((-int(*sd.Rotation) % 360) + 360) % 360
				}
			}
			if got != clockwise {
				return fmt.Errorf("video rotation is %d clockwise, want %d", got, clockwise)
			}
			return nil
		}
		return errors.New("no video stream")
	}
}

func videoCodec(name string) check {
	return func(p probeResult, _ string) error {
		for _, s := range p.Streams {
			if s.CodecType == "video" {
				if s.CodecName != name {
					return fmt.Errorf("video codec is %s, want %s", s.CodecName, name)
				}
				return nil
			}
		}
		return errors.New("no video stream")
	}
}

func audioCount(n int) check {
	return func(p probeResult, _ string) error {
		if got := count(p, "audio"); got != n {
			return fmt.Errorf("%d audio streams, want %d", got, n)
		}
		return nil
	}
}

// interlaced encodes 1 s of 576i25: 50 progressive frames a second woven into 25 frames of
// two fields each, then encoded with the output options given.
func interlaced(opts ...string) func(g *generator, out string) error {
	return func(g *generator, out string) error {
		args := []string{"-f", "lavfi", "-i", "testsrc2=s=720x576:r=50:d=1", "-vf", "interlace=scan=tff"}
		return g.ffmpeg(append(append(args, opts...), out)...)
	}
}

// interlacedVideo checks that ffprobe sees the video as field coded.
func interlacedVideo(p probeResult, _ string) error {
	for _, s := range p.Streams {
		if s.CodecType == "video" {
			if s.FieldOrder == "" || s.FieldOrder == "progressive" || s.FieldOrder == "unknown" {
				return fmt.Errorf("field order is %q, want interlaced", s.FieldOrder)
			}
			return nil
		}
	}
	return errors.New("no video stream")
}

// audioChannels checks the channel count of each audio stream, in order.
func audioChannels(want ...int) check {
	return func(p probeResult, _ string) error {
		var got []int
		for _, s := range p.Streams {
			if s.CodecType == "audio" {
				got = append(got, s.Channels)
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			return fmt.Errorf("audio channels are %v, want %v", got, want)
		}
		return nil
	}
}

func noVideo(p probeResult, _ string) error {
	if got := count(p, "video"); got != 0 {
		return fmt.Errorf("%d video streams, want none", got)
	}
	return nil
}

func formatName(name string) check {
	return func(p probeResult, _ string) error {
		for _, f := range strings.Split(p.Format.FormatName, ",") {
			if f == name {
				return nil
			}
		}
		return fmt.Errorf("format is %s, want %s", p.Format.FormatName, name)
	}
}

func majorBrand(brand string) check {
	return func(p probeResult, _ string) error {
		if got := p.Format.Tags["major_brand"]; got != brand {
			return fmt.Errorf("major brand is %q, want %q", got, brand)
		}
		return nil
	}
}

func subtitle(codec, lang string) check {
	return func(p probeResult, _ string) error {
		for _, s := range p.Streams {
			if s.CodecType != "subtitle" {
				continue
			}
			if s.CodecName != codec || s.Tags["language"] != lang {
				return fmt.Errorf("subtitle is %s/%s, want %s/%s", s.CodecName, s.Tags["language"], codec, lang)
			}
			return nil
		}
		return errors.New("no subtitle stream")
	}
}

// durationAbout checks that ffprobe reports a duration within 1 % of secs.
func durationAbout(secs float64) check {
	return func(p probeResult, _ string) error {
		d, err := strconv.ParseFloat(p.Format.Duration, 64)
		if err != nil || d < secs*0.99 || d > secs*1.01 {
			return fmt.Errorf("format duration is %q, want about %v s", p.Format.Duration, secs)
		}
		return nil
	}
}

// displayAspect checks the first video stream's display aspect ratio, e.g. "16:9".
func displayAspect(dar string) check {
	return func(p probeResult, _ string) error {
		for _, s := range p.Streams {
			if s.CodecType == "video" {
				if s.DisplayAspectRatio != dar {
					return fmt.Errorf("display aspect ratio is %q, want %q", s.DisplayAspectRatio, dar)
				}
				return nil
			}
		}
		return errors.New("no video stream")
	}
}

// colorTransfer checks the first video stream's transfer characteristics.
func colorTransfer(name string) check {
	return func(p probeResult, _ string) error {
		for _, s := range p.Streams {
			if s.CodecType == "video" {
				if s.ColorTransfer != name {
					return fmt.Errorf("color transfer is %q, want %q", s.ColorTransfer, name)
				}
				return nil
			}
		}
		return errors.New("no video stream")
	}
}

// noDuration checks that the container states no duration, so a reader must work it out.
func noDuration(p probeResult, _ string) error {
	if p.Format.Duration != "" {
		return fmt.Errorf("format duration is %s, want none", p.Format.Duration)
	}
	return nil
}

// probeFails checks that ffprobe cannot read the file, as for a cut MP4 without its moov.
func probeFails(p probeResult, _ string) error {
	if p.err == nil {
		return errors.New("ffprobe read the file, want it to fail")
	}
	return nil
}

func sizeIs(n int64) check {
	return func(_ probeResult, path string) error {
		st, err := os.Stat(path)
		if err != nil {
			return err
		}
		if st.Size() != n {
			return fmt.Errorf("size is %d, want %d", st.Size(), n)
		}
		return nil
	}
}

// hasTopBox checks for a top-level box of type typ.
func hasTopBox(typ string) check {
	return func(_ probeResult, path string) error {
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for off := 0; off+8 <= len(b); {
			size := int(binary.BigEndian.Uint32(b[off:]))
			if string(b[off+4:off+8]) == typ {
				return nil
			}
			if size < 8 {
				break
			}
			off += size
		}
		return fmt.Errorf("no top-level %s box", typ)
	}
}

// moovFirst checks the order of the top-level moov and mdat boxes, which ffprobe does not
// report: a fast-start file has moov first.
func moovFirst(want bool) check {
	return func(_ probeResult, path string) error {
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		moov, mdat := -1, -1
		for off := 0; off+8 <= len(b); {
			size := int(binary.BigEndian.Uint32(b[off:]))
			typ := string(b[off+4 : off+8])
			if typ == "moov" && moov < 0 {
				moov = off
			}
			if typ == "mdat" && mdat < 0 {
				mdat = off
			}
			if size < 8 {
				break
			}
			off += size
		}
		if moov < 0 || mdat < 0 {
			return fmt.Errorf("top-level boxes: moov at %d, mdat at %d", moov, mdat)
		}
		if got := moov < mdat; got != want {
			return fmt.Errorf("moov before mdat is %t, want %t", got, want)
		}
		return nil
	}
}
