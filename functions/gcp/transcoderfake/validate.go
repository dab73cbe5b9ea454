package transcoderfake

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"cloud.google.com/go/video/transcoder/apiv1/transcoderpb"
	"google.golang.org/protobuf/types/known/durationpb"
)

// The value sets the API documents for its string enums.
var (
	containers   = []string{"ts", "fmp4", "mp4", "mp3", "ogg", "vtt"}
	audioCodecs  = []string{"aac", "aac-he", "aac-he-v2", "mp3", "ac3", "eac3", "vorbis"}
	textCodecs   = []string{"srt", "ttml", "cea608", "cea708", "webvtt"}
	pixelFormats = []string{"yuv420p", "yuv422p", "yuv444p", "yuv420p10", "yuv422p10", "yuv444p10", "yuv420p12", "yuv422p12", "yuv444p12"}
	rateModes    = []string{"vbr", "crf"}
	h264Profiles = []string{"baseline", "main", "high", "high10", "high422", "high444"}
	h265Profiles = []string{"main", "main10", "main12", "main422-10", "main422-10-intra", "main422-12", "main444", "main444-10", "main444-12"}
	presets      = []string{"ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow", "placebo"}
	channelNames = []string{"fl", "fr", "sl", "sr", "fc", "lfe"}
	deintModes   = []string{"send_frame", "send_field"}
	deintParity  = []string{"auto", "tff", "bff"}
	labelKey     = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,62}$`)
	labelValue   = regexp.MustCompile(`^[a-z0-9_-]{0,63}$`)
	topicRE      = regexp.MustCompile(`^projects/[^/]+/topics/[^/]+$`)
	gsURI        = regexp.MustCompile(`^gs://[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]/.+`)
)

// validateDeinterlace checks an input's deinterlacing filter: yadif or bwdif, with the mode
// and parity values the API documents (empty takes the default).
func validateDeinterlace(d *transcoderpb.PreprocessingConfig_Deinterlace, i int) error {
	if d == nil {
		return nil
	}
	p := func(filter string) string {
		return "job.config.inputs[" + strconv.Itoa(i) + "].preprocessing_config.deinterlace." + filter
	}
	var filter, mode, parity string
	switch f := d.DeinterlacingFilter.(type) {
	case *transcoderpb.PreprocessingConfig_Deinterlace_Yadif:
		filter, mode, parity = "yadif", f.Yadif.GetMode(), f.Yadif.GetParity()
	case *transcoderpb.PreprocessingConfig_Deinterlace_Bwdif:
		filter, mode, parity = "bwdif", f.Bwdif.GetMode(), f.Bwdif.GetParity()
	default:
		return invalid("%s: one of yadif or bwdif is required", p("deinterlacing_filter"))
	}
	if mode != "" && !slices.Contains(deintModes, mode) {
		return invalid("%s.mode %q is not one of %v", p(filter), mode, deintModes)
	}
	if parity != "" && !slices.Contains(deintParity, parity) {
		return invalid("%s.parity %q is not one of %v", p(filter), parity, deintParity)
	}
	return nil
}

func validateJob(job *transcoderpb.Job) error {
	for k, v := range job.Labels {
		if !labelKey.MatchString(k) {
			return invalid("job.labels key %q is invalid", k)
		}
		if !labelValue.MatchString(v) {
			return invalid("job.labels[%q] value %q is invalid", k, v)
		}
	}
	if len(job.Labels) > 64 {
		return invalid("job.labels has %d entries, at most 64", len(job.Labels))
	}
	if d := job.TtlAfterCompletionDays; d != 0 && (d < 1 || d > 90) {
		return invalid("job.ttl_after_completion_days %d is outside 1..90", d)
	}
	if job.BatchModePriority != 0 && job.Mode != transcoderpb.Job_PROCESSING_MODE_BATCH {
		return invalid("job.batch_mode_priority is only for batch mode jobs")
	}
	switch jc := job.JobConfig.(type) {
	case *transcoderpb.Job_TemplateId:
		if jc.TemplateId != "preset/web-hd" {
			return invalid("job.template_id %q: no such job template", jc.TemplateId)
		}
		return nil
	case *transcoderpb.Job_Config:
		return validateConfig(job, jc.Config)
	}
	return invalid("job.config or job.template_id is required")
}

func validateConfig(job *transcoderpb.Job, c *transcoderpb.JobConfig) error {
	if c == nil {
		return invalid("job.config is required")
	}
	inputs := map[string]bool{}
	for i, in := range c.Inputs {
		if in.Key == "" {
			return invalid("job.config.inputs[%d].key is required", i)
		}
		if inputs[in.Key] {
			return invalid("job.config.inputs[%d].key %q is not unique", i, in.Key)
		}
		inputs[in.Key] = true
		uri := in.Uri
		if uri == "" {
			uri = job.InputUri
		}
		if !gsURI.MatchString(uri) {
			return invalid("job.config.inputs[%d].uri %q is not a gs://bucket/object URI", i, uri)
		}
		if err := validateDeinterlace(in.GetPreprocessingConfig().GetDeinterlace(), i); err != nil {
			return err
		}
	}
	if len(c.Inputs) == 0 {
		return invalid("job.config.inputs is required")
	}
	atoms := map[string]bool{}
	for i, a := range c.EditList {
		if a.Key == "" || atoms[a.Key] {
			return invalid("job.config.edit_list[%d].key %q is missing or not unique", i, a.Key)
		}
		atoms[a.Key] = true
		if len(a.Inputs) == 0 {
			return invalid("job.config.edit_list[%d].inputs is required", i)
		}
		for _, k := range a.Inputs {
			if !inputs[k] {
				return invalid("job.config.edit_list[%d].inputs names unknown input %q", i, k)
			}
		}
	}
	out := ""
	if c.Output != nil {
		out = c.Output.Uri
	}
	if out == "" {
		out = job.OutputUri
	}
	if !gsURI.MatchString(out) || !strings.HasSuffix(out, "/") {
		return invalid("job.config.output.uri %q must be a gs://bucket/directory/ URI ending in /", out)
	}
	if p := c.PubsubDestination; p != nil && !topicRE.MatchString(p.Topic) {
		return invalid("job.config.pubsub_destination.topic %q is not projects/{project}/topics/{topic}", p.Topic)
	}

	streams := map[string]esInfo{}
	for i, es := range c.ElementaryStreams {
		field := func(f string) string { return "job.config.elementary_streams[" + itoa(i) + "]" + f }
		if es.Key == "" || streams[es.Key].kind != "" {
			return invalid("%s %q is missing or not unique", field(".key"), es.Key)
		}
		info := esInfo{}
		switch s := es.ElementaryStream.(type) {
		case *transcoderpb.ElementaryStream_VideoStream:
			gop, err := validateVideo(field(".video_stream"), s.VideoStream)
			if err != nil {
				return err
			}
			info = esInfo{kind: "video", gop: gop}
		case *transcoderpb.ElementaryStream_AudioStream:
			if err := validateAudio(field(".audio_stream"), s.AudioStream, atoms, inputs); err != nil {
				return err
			}
			info.kind = "audio"
		case *transcoderpb.ElementaryStream_TextStream:
			ts := s.TextStream
			if ts.Codec != "" && !slices.Contains(textCodecs, ts.Codec) {
				return invalid("%s %q is not one of %v", field(".text_stream.codec"), ts.Codec, textCodecs)
			}
			for j, m := range ts.Mapping {
				if !atoms[m.AtomKey] || !inputs[m.InputKey] || m.InputTrack < 0 {
					return invalid("%s.mapping[%d] names unknown atom %q or input %q", field(".text_stream"), j, m.AtomKey, m.InputKey)
				}
			}
			info.kind = "text"
		default:
			return invalid("%s: one of video_stream, audio_stream or text_stream is required", field(""))
		}
		streams[es.Key] = info
	}
	if len(streams) == 0 {
		return invalid("job.config.elementary_streams is required")
	}

	muxes := map[string]string{}
	for i, m := range c.MuxStreams {
		field := "job.config.mux_streams[" + itoa(i) + "]"
		if m.Key == "" || muxes[m.Key] != "" {
			return invalid("%s.key %q is missing or not unique", field, m.Key)
		}
		container := m.Container
		if container == "" {
			container = "mp4"
		}
		if !slices.Contains(containers, container) {
			return invalid("%s.container %q is not one of %v", field, m.Container, containers)
		}
		if len(m.ElementaryStreams) == 0 {
			return invalid("%s.elementary_streams is required", field)
		}
		var gop time.Duration
		for _, k := range m.ElementaryStreams {
			info, ok := streams[k]
			if !ok {
				return invalid("%s.elementary_streams names unknown stream %q", field, k)
			}
			gop = max(gop, info.gop)
			if container == "vtt" && info.kind != "text" {
				return invalid("%s: a vtt mux stream carries text streams only, %q is %s", field, k, info.kind)
			}
		}
		if container == "fmp4" && len(m.ElementaryStreams) != 1 {
			return invalid("%s: an fmp4 mux stream carries exactly one elementary stream, got %d", field, len(m.ElementaryStreams))
		}
		if ss := m.SegmentSettings; ss != nil && ss.SegmentDuration != nil {
			seg := ss.SegmentDuration.AsDuration()
			if seg <= 0 {
				return invalid("%s.segment_settings.segment_duration %v is not positive", field, seg)
			}
			if gop > 0 && (seg < gop || seg%gop != 0) {
				return invalid("%s.segment_settings.segment_duration %v must be a multiple of the gop_duration %v", field, seg, gop)
			}
		}
		if f := m.GetFmp4(); f != nil && f.CodecTag != "" && f.CodecTag != "hvc1" && f.CodecTag != "hev1" {
			return invalid("%s.fmp4.codec_tag %q is not hvc1 or hev1", field, f.CodecTag)
		}
		muxes[m.Key] = container
	}
	files := map[string]bool{}
	for i, m := range c.Manifests {
		field := "job.config.manifests[" + itoa(i) + "]"
		if m.Type == transcoderpb.Manifest_MANIFEST_TYPE_UNSPECIFIED {
			return invalid("%s.type is required", field)
		}
		if len(m.MuxStreams) == 0 {
			return invalid("%s.mux_streams is required", field)
		}
		for _, k := range m.MuxStreams {
			container, ok := muxes[k]
			if !ok {
				return invalid("%s.mux_streams names unknown mux stream %q", field, k)
			}
			if m.Type == transcoderpb.Manifest_DASH && container != "fmp4" {
				return invalid("%s: DASH manifests take fmp4 mux streams, %q is %s", field, k, container)
			}
			if m.Type == transcoderpb.Manifest_HLS && container != "fmp4" && container != "ts" && container != "vtt" {
				return invalid("%s: HLS manifests take ts, fmp4 or vtt mux streams, %q is %s", field, k, container)
			}
		}
		name := m.FileName
		if name == "" {
			name = "manifest." + map[transcoderpb.Manifest_ManifestType]string{transcoderpb.Manifest_HLS: "m3u8", transcoderpb.Manifest_DASH: "mpd"}[m.Type]
		}
		if files[name] {
			return invalid("%s.file_name %q is not unique", field, name)
		}
		files[name] = true
	}
	prefixes := map[string]bool{}
	for i, sp := range c.SpriteSheets {
		field := "job.config.sprite_sheets[" + itoa(i) + "]"
		if !hasVideo(streams) {
			return invalid("%s: sprite sheets require at least one video stream", field)
		}
		if sp.FilePrefix == "" || prefixes[sp.FilePrefix] {
			return invalid("%s.file_prefix %q is missing or not unique", field, sp.FilePrefix)
		}
		prefixes[sp.FilePrefix] = true
		if sp.Format != "" && sp.Format != "jpeg" {
			return invalid("%s.format %q is not jpeg", field, sp.Format)
		}
		if sp.SpriteWidthPixels <= 0 && sp.SpriteHeightPixels <= 0 || sp.SpriteWidthPixels%2 != 0 || sp.SpriteHeightPixels%2 != 0 || sp.SpriteWidthPixels < 0 || sp.SpriteHeightPixels < 0 {
			return invalid("%s sprite size %dx%d must be even and positive", field, sp.SpriteWidthPixels, sp.SpriteHeightPixels)
		}
		if sp.Quality != 0 && (sp.Quality < 1 || sp.Quality > 100) {
			return invalid("%s.quality %d is outside 1..100", field, sp.Quality)
		}
		if sp.ColumnCount < 0 || sp.RowCount < 0 {
			return invalid("%s column and row counts must not be negative", field)
		}
		start, end := dur(sp.StartTimeOffset), dur(sp.EndTimeOffset)
		if start < 0 || (sp.EndTimeOffset != nil && end <= start) {
			return invalid("%s start_time_offset %v and end_time_offset %v are not an interval", field, start, end)
		}
		switch x := sp.ExtractionStrategy.(type) {
		case *transcoderpb.SpriteSheet_TotalCount:
			if x.TotalCount <= 0 {
				return invalid("%s.total_count %d is not positive", field, x.TotalCount)
			}
		case *transcoderpb.SpriteSheet_Interval:
			if dur(x.Interval) <= 0 {
				return invalid("%s.interval %v is not positive", field, dur(x.Interval))
			}
		default:
			return invalid("%s: total_count or interval is required", field)
		}
	}
	return nil
}

func validateVideo(field string, v *transcoderpb.VideoStream) (time.Duration, error) {
	type common struct {
		w, h               int32
		rate               float64
		bitrate            int32
		pix, mode, profile string
		preset             string
		twoPass            bool
		crf                int32
		gop                *durationpb.Duration
		gopFrames          int32
		profiles           []string
		codec              string
	}
	var c common
	switch s := v.GetCodecSettings().(type) {
	case *transcoderpb.VideoStream_H264:
		h := s.H264
		c = common{h.WidthPixels, h.HeightPixels, h.FrameRate, h.BitrateBps, h.PixelFormat, h.RateControlMode, h.Profile, h.Preset, h.EnableTwoPass, h.CrfLevel, h.GetGopDuration(), h.GetGopFrameCount(), h264Profiles, "h264"}
		if h.EntropyCoder != "" && h.EntropyCoder != "cabac" && h.EntropyCoder != "cavlc" {
			return 0, invalid("%s.h264.entropy_coder %q is not cabac or cavlc", field, h.EntropyCoder)
		}
	case *transcoderpb.VideoStream_H265:
		h := s.H265
		c = common{h.WidthPixels, h.HeightPixels, h.FrameRate, h.BitrateBps, h.PixelFormat, h.RateControlMode, h.Profile, h.Preset, h.EnableTwoPass, h.CrfLevel, h.GetGopDuration(), h.GetGopFrameCount(), h265Profiles, "h265"}
	case *transcoderpb.VideoStream_Vp9:
		h := s.Vp9
		c = common{w: h.WidthPixels, h: h.HeightPixels, rate: h.FrameRate, bitrate: h.BitrateBps, pix: h.PixelFormat, mode: h.RateControlMode, gop: h.GetGopDuration(), gopFrames: h.GetGopFrameCount(), codec: "vp9"}
	default:
		return 0, invalid("%s: h264, h265 or vp9 codec settings are required", field)
	}
	f := field + "." + c.codec
	switch {
	case c.rate <= 0 || c.rate > 120:
		return 0, invalid("%s.frame_rate %g must be above 0 and at most 120", f, c.rate)
	case c.bitrate < 1000 || c.bitrate > 800_000_000:
		return 0, invalid("%s.bitrate_bps %d is outside 1000..800000000", f, c.bitrate)
	case c.w < 0 || c.h < 0 || c.w%2 != 0 || c.h%2 != 0:
		return 0, invalid("%s size %dx%d: width_pixels and height_pixels must be even", f, c.w, c.h)
	case c.pix != "" && !slices.Contains(pixelFormats, c.pix):
		return 0, invalid("%s.pixel_format %q is not supported", f, c.pix)
	case c.mode != "" && !slices.Contains(rateModes, c.mode):
		return 0, invalid("%s.rate_control_mode %q is not vbr or crf", f, c.mode)
	case c.twoPass && c.mode == "crf":
		return 0, invalid("%s.enable_two_pass requires rate_control_mode vbr", f)
	case c.crf != 0 && (c.crf < 10 || c.crf > 36):
		return 0, invalid("%s.crf_level %d is outside 10..36", f, c.crf)
	case c.profile != "" && c.profiles != nil && !slices.Contains(c.profiles, c.profile):
		return 0, invalid("%s.profile %q is not one of %v", f, c.profile, c.profiles)
	case c.preset != "" && !slices.Contains(presets, c.preset):
		return 0, invalid("%s.preset %q is not an FFmpeg preset", f, c.preset)
	case c.gopFrames < 0:
		return 0, invalid("%s.gop_frame_count %d is negative", f, c.gopFrames)
	}
	gop := 3 * time.Second // the API's default GOP duration
	if c.gop != nil {
		gop = c.gop.AsDuration()
		if gop <= 0 || gop > 300*time.Second {
			return 0, invalid("%s.gop_duration %v is outside (0, 300s]", f, gop)
		}
	} else if c.gopFrames > 0 {
		gop = time.Duration(float64(c.gopFrames) / c.rate * float64(time.Second))
	}
	return gop, nil
}

func validateAudio(field string, a *transcoderpb.AudioStream, atoms, inputs map[string]bool) error {
	switch {
	case a.Codec != "" && !slices.Contains(audioCodecs, a.Codec):
		return invalid("%s.codec %q is not one of %v", field, a.Codec, audioCodecs)
	case a.BitrateBps < 1 || a.BitrateBps > 10_000_000:
		return invalid("%s.bitrate_bps %d is outside 1..10000000", field, a.BitrateBps)
	case a.ChannelCount != 0 && (a.ChannelCount < 1 || a.ChannelCount > 6):
		return invalid("%s.channel_count %d is outside 1..6", field, a.ChannelCount)
	case len(a.ChannelLayout) > 0 && a.ChannelCount != 0 && int32(len(a.ChannelLayout)) != a.ChannelCount:
		return invalid("%s.channel_layout has %d names for %d channels", field, len(a.ChannelLayout), a.ChannelCount)
	}
	for _, n := range a.ChannelLayout {
		if !slices.Contains(channelNames, n) {
			return invalid("%s.channel_layout name %q is not one of %v", field, n, channelNames)
		}
	}
	for j, m := range a.Mapping {
		if !atoms[m.AtomKey] || !inputs[m.InputKey] {
			return invalid("%s.mapping[%d] names unknown atom %q or input %q", field, j, m.AtomKey, m.InputKey)
		}
	}
	return nil
}

// esInfo is what mux streams need to know of an elementary stream.
type esInfo struct {
	kind string
	gop  time.Duration
}

func hasVideo(streams map[string]esInfo) bool {
	for _, s := range streams {
		if s.kind == "video" {
			return true
		}
	}
	return false
}

func dur(d *durationpb.Duration) time.Duration {
	if d == nil {
		return 0
	}
	return d.AsDuration()
}

func itoa(i int) string { return strconv.Itoa(i) }
