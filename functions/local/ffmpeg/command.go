package ffmpeg

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/ottkit/ottkit/functions/pipeline"
)

// Encoding constants, the same as the MediaConvert job's (mcjob), so a title plays the same
// way from either home.
const (
	// GOPSeconds is the closed GOP length; SegmentSeconds is a multiple of it, so every
	// rendition's segments start on the same keyframes and players switch cleanly.
	GOPSeconds = 2
	// SegmentSeconds is the CMAF segment length.
	SegmentSeconds = 6
	// AudioBitrate is the AAC stereo bitrate in bits per second.
	AudioBitrate = 128_000
	// MaxCaptures bounds the thumbnails of one title, as MediaConvert's frame capture does.
	MaxCaptures = 10000
)

// Names of the files inside the asset prefix, beside pipeline.Layout's manifests. The HLS
// media playlists are named by ffmpeg's dash muxer: media_<n>.m3u8, n being the stream's
// index in the output.
const (
	initSegmentName  = "index_$RepresentationID$_init.mp4"
	mediaSegmentName = "index_$RepresentationID$_$Number%05d$.m4s"
)

// spec is one encode: the plan, what the source holds and where the files go.
type spec struct {
	// Source is the master's path.
	Source string
	// Dir is the directory that stands for the asset prefix: outputs are written under it
	// with the names pipeline.Layout gives relative to its Prefix.
	Dir    string
	Layout pipeline.Layout
	Plan   pipeline.Plan
	Src    source
	// ThumbnailInterval is the number of seconds between thumbnails.
	ThumbnailInterval int
	// Preset is the x264/x265 preset.
	Preset string
	// Threads caps ffmpeg's threads; 0 lets ffmpeg decide.
	Threads int
}

// rel is a layout key relative to the asset prefix.
func (s spec) rel(key string) string { return strings.TrimPrefix(key, s.Layout.Prefix) }

func (s spec) path(key string) string { return s.Dir + "/" + s.rel(key) }

// args is ffmpeg's command line for the spec: one decode of the source, split into every
// rendition and the thumbnails; the renditions and the audio go to ffmpeg's dash
// muxer, which writes one set of fMP4 (CMAF) segments with a DASH manifest and HLS playlists
// over the same files.
func (s spec) args() []string {
	p := s.Plan
	a := []string{"-hide_banner", "-nostdin", "-y", "-loglevel", "error", "-nostats", "-progress", "pipe:1"}
	if s.Threads > 0 {
		a = append(a, "-threads", strconv.Itoa(s.Threads))
	}
	a = append(a, "-i", s.Source)
	if s.Threads > 0 {
		a = append(a, "-filter_complex_threads", strconv.Itoa(s.Threads))
	}
	a = append(a, "-filter_complex", s.filterGraph())

	// Renditions and audio: one dash output.
	for i := range p.Renditions {
		a = append(a, "-map", fmt.Sprintf("[v%d]", i))
	}
	if p.Audio {
		a = append(a, "-map", "0:a:0")
	}
	a = append(a, s.videoCodecArgs()...)
	for i, r := range p.Renditions {
		n := strconv.Itoa(i)
		a = append(a,
			"-b:v:"+n, strconv.Itoa(r.MaxBitrate),
			"-maxrate:v:"+n, strconv.Itoa(r.MaxBitrate),
			"-bufsize:v:"+n, strconv.Itoa(2*r.MaxBitrate))
	}
	sets := "id=0,streams=v"
	if p.Audio {
		a = append(a, "-c:a", "aac", "-b:a", strconv.Itoa(AudioBitrate), "-ac", "2", "-ar", "48000")
		sets += " id=1,streams=a"
	}
	a = append(a,
		"-f", "dash", "-dash_segment_type", "mp4",
		// The mp4 muxer's CMAF mode: cmfc brand and CMAF's constraints on every segment.
		"-format_options", "movflags=+cmaf",
		"-seg_duration", strconv.Itoa(SegmentSeconds),
		"-use_template", "1", "-use_timeline", "1",
		"-adaptation_sets", sets,
		"-init_seg_name", initSegmentName, "-media_seg_name", mediaSegmentName,
		"-hls_playlist", "1", "-hls_master_name", s.rel(s.Layout.HLS),
		s.path(s.Layout.DASH))

	// Thumbnails: the first frame of every pipeline.CaptureInterval seconds; the poster is one
	// of them (pipeline.Layout.PosterKey), as in the MediaConvert job, so nothing is encoded
	// for it alone.
	a = append(a, "-map", "[thumbs]", "-fps_mode", "vfr", "-frames:v", strconv.Itoa(MaxCaptures),
		"-c:v", "mjpeg", "-q:v", "4", "-start_number", "0", "-f", "image2", s.path(s.Layout.ThumbnailBase+".%07d.jpg"))
	return append(a, s.captionArgs()...)
}

// filterGraph splits the decoded video into every rendition and the thumbnails.
// Sizes come from the plan (already in display orientation: ffmpeg applies the source's
// rotation before the graph) and are scaled to exactly, as the MediaConvert job does. An
// interlaced source is deinterlaced first, as the MediaConvert and Transcoder jobs do: bwdif,
// a frame per frame, only frames the decoder flags interlaced.
func (s spec) filterGraph() string {
	p := s.Plan
	n := len(p.Renditions)
	var g strings.Builder
	g.WriteString("[0:v:0]")
	if p.Deinterlace {
		g.WriteString("bwdif=mode=send_frame:parity=auto:deint=interlaced,")
	}
	fmt.Fprintf(&g, "split=%d", n+1)
	for i := 0; i < n; i++ {
		fmt.Fprintf(&g, "[s%d]", i)
	}
	g.WriteString("[st]")
	for i, r := range p.Renditions {
		num, den := sampleAspect(p, r)
		fmt.Fprintf(&g, ";[s%d]scale=%d:%d,setsar=r=%d/%d:max=1000000,format=yuv420p[v%d]", i, r.Width, r.Height, num, den, i)
	}
	tw, th := pipeline.ThumbnailSize(p.SourceWidth, p.SourceHeight)
	iv := pipeline.CaptureInterval(s.ThumbnailInterval, s.Src.Duration)
	fmt.Fprintf(&g, ";[st]select='isnan(prev_selected_t)+gte(floor(t/%d)-floor(prev_selected_t/%d),1)',scale=%d:%d,setsar=1,format=yuvj420p[thumbs]", iv, iv, tw, th)
	return g.String()
}

// videoCodecArgs are the encoder options every rendition shares: the plan's codec, closed
// GOPs of GOPSeconds with no scene-cut keyframes, so segments of every rendition align.
func (s spec) videoCodecArgs() []string {
	gop := ""
	if fps := s.Plan.FrameRate; fps > 0 {
		gop = strconv.Itoa(int(math.Round(fps * GOPSeconds)))
	}
	keyframes := fmt.Sprintf("expr:gte(t,n_forced*%d)", GOPSeconds)
	if s.Plan.Codec == pipeline.CodecHEVC {
		params := "log-level=error:scenecut=0:open-gop=0"
		if gop != "" {
			params += ":keyint=" + gop + ":min-keyint=" + gop
		}
		// hvc1 is the sample entry Apple players require, as in the MediaConvert job.
		return []string{"-c:v", "libx265", "-preset", s.Preset, "-tag:v", "hvc1", "-x265-params", params, "-force_key_frames", keyframes}
	}
	a := []string{"-c:v", "libx264", "-preset", s.Preset, "-profile:v", "high", "-sc_threshold", "0", "-force_key_frames", keyframes}
	if gop != "" {
		a = append(a, "-g", gop, "-keyint_min", gop)
	}
	return a
}

// sampleAspect is the pixel aspect ratio that shows rendition r at the source's display aspect
// ratio. Planned sizes keep that ratio only up to even rounding (854x480 becomes 428x240), and
// a DASH adaptation set, across which players switch, must have one picture aspect ratio, so
// each rendition signals the sub-percent correction instead of a square pixel.
func sampleAspect(p pipeline.Plan, r pipeline.Rendition) (num, den int) {
	num, den = p.SourceWidth*r.Height, p.SourceHeight*r.Width
	g := gcd(num, den)
	return num / g, den / g
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}
