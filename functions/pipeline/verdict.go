package pipeline

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ottkit/ottkit/functions/pipeline/probe"
)

// Reason says, in a machine-readable word, why an upload was rejected. It is stored as the
// asset's FailureCode and sent in notifications, so its values never change.
type Reason string

// The reasons Judge gives.
const (
	ReasonNotVideo             Reason = "not-video"
	ReasonEmpty                Reason = "empty"
	ReasonTruncated            Reason = "truncated"
	ReasonCorrupt              Reason = "corrupt"
	ReasonNoVideoTrack         Reason = "no-video-track"
	ReasonTooLong              Reason = "too-long"
	ReasonTooLarge             Reason = "too-large"
	ReasonUnsupportedCodec     Reason = "unsupported-codec"
	ReasonUnsupportedContainer Reason = "unsupported-container"
	// ReasonDurationUnknown: no header, index, fragment or timestamp within the probe's read
	// budget gives the duration. Such an upload is rejected rather than transcoded: without a
	// duration neither the maximum nor the cost can be checked before MediaConvert bills it.
	ReasonDurationUnknown Reason = "duration-unknown"
	// ReasonUnsupportedSize: the picture is too small, too large or too elongated to encode.
	ReasonUnsupportedSize Reason = "unsupported-size"
	// ReasonSizeMismatch: the container states a picture size the codec's own header
	// contradicts.
	ReasonSizeMismatch Reason = "size-mismatch"
	// ReasonUnsupportedTransform: the display matrix asks for a rotation by other than a
	// right angle, a shear or a mirror. MediaConvert applies right angles only; the output
	// would show a picture its author never saw, so the upload is rejected, not guessed at.
	ReasonUnsupportedTransform Reason = "unsupported-transform"
)

// Rules are the stack's limits on uploads. Zero values mean no limit.
type Rules struct {
	// MaxDuration is the longest accepted video.
	MaxDuration time.Duration
	// MaxBytes is the largest accepted upload.
	MaxBytes int64
	// Codecs are the accepted video codecs as the probe names them (h264, hevc, ...),
	// compared without regard to case; empty accepts any codec the transcoder decodes. A
	// codec must in any case be one TranscoderInputs lists for its container.
	Codecs []string
}

// Verdict is Judge's decision on one upload.
type Verdict struct {
	Accepted bool
	// Reason is empty when Accepted.
	Reason Reason
	// Detail explains Reason to a person: "duration 2h0m0s is above the limit 1h0m0s".
	Detail string
}

// probeReasons maps the probe's verdicts on content to reasons, in the order they are tested.
var probeReasons = []struct {
	err    error
	reason Reason
}{
	{probe.ErrEmpty, ReasonEmpty},
	{probe.ErrNotVideo, ReasonNotVideo},
	{probe.ErrTruncated, ReasonTruncated},
	{probe.ErrNoVideoTrack, ReasonNoVideoTrack},
	{probe.ErrUnsupportedContainer, ReasonUnsupportedContainer},
	{probe.ErrCorrupt, ReasonCorrupt},
	// Metadata too large or too fragmented to read within the probe's bounds is treated as
	// corrupt: no camera or encoder writes it, and reading further is what an attack wants.
	{probe.ErrLimitExceeded, ReasonCorrupt},
}

// IsContentError reports whether probeErr is the probe's verdict on the object's content
// (empty, not video, truncated, corrupt, ...), as opposed to a failure to read it (a network
// error, a cancelled context). Call Judge for the first; retry the second, because rejecting
// a good upload for a transient read error would quarantine it for good.
func IsContentError(probeErr error) bool {
	for _, pr := range probeReasons {
		if errors.Is(probeErr, pr.err) {
			return true
		}
	}
	return false
}

// Judge decides whether an upload of size bytes, which the probe described as info (or
// failed on with probeErr), is a video the pipeline accepts under rules.
//
// The checks run from cheapest to most specific: size, then the probe's error, then the
// video track, duration, codec, picture size and display transform. Any probe error rejects
// the upload; pass only errors for which IsContentError is true (a read failure Judge reports
// as corrupt). An unknown duration (0) is always rejected: MaxDuration is a limit on what is
// billed, and the transcode job is clipped to the duration judged here (see ClipDuration).
func Judge(info *probe.Info, probeErr error, size int64, rules Rules) Verdict {
	if size == 0 {
		return reject(ReasonEmpty, "the upload is empty")
	}
	if rules.MaxBytes > 0 && size > rules.MaxBytes {
		return reject(ReasonTooLarge, fmt.Sprintf("size %d bytes is above the limit %d bytes", size, rules.MaxBytes))
	}
	if probeErr != nil {
		reason := ReasonCorrupt
		for _, pr := range probeReasons {
			if errors.Is(probeErr, pr.err) {
				reason = pr.reason
				break
			}
		}
		detail := probeErr.Error()
		if info != nil && info.MIME != "" && (reason == ReasonNotVideo || reason == ReasonUnsupportedContainer) {
			detail = fmt.Sprintf("%s (detected %s)", detail, info.MIME)
		}
		return reject(reason, detail)
	}
	if info == nil {
		return reject(ReasonCorrupt, "the probe returned no information")
	}
	if info.Video == nil {
		return reject(ReasonNoVideoTrack, fmt.Sprintf("the %s container has no video track", info.Container))
	}
	if info.Duration <= 0 {
		return reject(ReasonDurationUnknown, fmt.Sprintf("the %s file states no duration and none could be worked out from its indexes, fragments or timestamps within the probe's read budget; remux it with its index first (ffmpeg -i in -c copy -movflags +faststart out.mp4)", info.Container))
	}
	if rules.MaxDuration > 0 && info.Duration > rules.MaxDuration {
		return reject(ReasonTooLong, fmt.Sprintf("duration %v is above the limit %v", info.Duration.Round(time.Second), rules.MaxDuration))
	}
	v := info.Video
	if len(rules.Codecs) > 0 && !containsFold(rules.Codecs, v.Codec) {
		return reject(ReasonUnsupportedCodec, fmt.Sprintf("video codec %q is not one of %s", v.Codec, strings.Join(rules.Codecs, ", ")))
	}
	if inputs, ok := TranscoderInputs[info.Container]; ok && !containsFold(inputs, v.Codec) {
		return reject(ReasonUnsupportedCodec, fmt.Sprintf("video codec %q in %s is not one the transcoder decodes there (%s)", v.Codec, info.Container, strings.Join(inputs, ", ")))
	}
	if verdict, ok := judgeSize(v); !ok {
		return verdict
	}
	if v.Transform != "" {
		return reject(ReasonUnsupportedTransform, fmt.Sprintf("the video asks players to apply %s; only rotations by 90, 180 and 270 degrees can be transcoded", v.Transform))
	}
	return Verdict{Accepted: true}
}

// judgeSize checks the picture: a size at all, within the transcoder's bounds and a sane
// shape, and one the codec's own header agrees with.
func judgeSize(v *probe.VideoTrack) (Verdict, bool) {
	w, h := v.Width, v.Height
	if w <= 0 || h <= 0 {
		return reject(ReasonUnsupportedSize, fmt.Sprintf("the video track states no picture size (%dx%d)", w, h)), false
	}
	if hw, hh := v.HeaderWidth, v.HeaderHeight; hw > 0 && hh > 0 {
		cw, ch := max(v.CodedWidth, w), max(v.CodedHeight, h)
		if cw < hw || ch < hh || cw-hw > sizeSlack || ch-hh > sizeSlack || w < hw-sizeSlack || h < hh-sizeSlack {
			return reject(ReasonSizeMismatch, fmt.Sprintf("the container states %dx%d but the %s stream's own header says %dx%d", cw, ch, v.Codec, hw, hh)), false
		}
	}
	if w < MinSourceSide || h < MinSourceSide {
		return reject(ReasonUnsupportedSize, fmt.Sprintf("picture %dx%d is smaller than %dx%d", w, h, MinSourceSide, MinSourceSide)), false
	}
	if max(w, h) > MaxSourceWidth || min(w, h) > MaxSourceHeight {
		return reject(ReasonUnsupportedSize, fmt.Sprintf("picture %dx%d is larger than the transcoder's %dx%d", w, h, MaxSourceWidth, MaxSourceHeight)), false
	}
	dw, dh := v.DisplaySize()
	if aspect := float64(max(dw, dh)) / float64(max(min(dw, dh), 1)); aspect > MaxSourceAspect {
		return reject(ReasonUnsupportedSize, fmt.Sprintf("display size %dx%d has an aspect ratio of %.2f:1, beyond %.0f:1", dw, dh, aspect, MaxSourceAspect)), false
	}
	return Verdict{}, true
}

func reject(r Reason, detail string) Verdict { return Verdict{Reason: r, Detail: detail} }

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

// Summarize keeps what the catalog shows of a probe.
func Summarize(info *probe.Info) ProbeSummary {
	s := ProbeSummary{
		Container:       string(info.Container),
		Duration:        info.Duration,
		DurationSeconds: info.Duration.Seconds(),
		AudioTracks:     info.AudioTracks,
	}
	if v := info.Video; v != nil {
		s.Width, s.Height, s.Rotation, s.Codec, s.FrameRate = v.Width, v.Height, v.Rotation, v.Codec, v.FrameRate
		s.DisplayWidth, s.DisplayHeight = v.DisplaySize()
		if s.DisplayWidth == s.Width && s.DisplayHeight == s.Height {
			s.DisplayWidth, s.DisplayHeight = 0, 0 // square pixels: the same as the picture
		}
		s.HDR, s.BitDepth, s.Interlaced = v.HDR, v.BitDepth, v.Interlaced
	}
	for _, a := range info.Audio {
		s.Audio = append(s.Audio, AudioTrack{Codec: a.Codec, Channels: a.Channels, Language: a.Language})
	}
	for _, c := range info.Captions {
		s.Captions = append(s.Captions, Caption{Codec: c.Codec, Language: c.Language, Track: c.Track})
	}
	return s
}

// SourceOf is what PlanLadder needs from a summary: the display size, rotation, frame rate,
// HDR and the audio tracks.
func SourceOf(s ProbeSummary) Source {
	src := Source{Width: s.Width, Height: s.Height, Rotation: s.Rotation, FrameRate: s.FrameRate, Audio: s.AudioTracks > 0,
		HDR: s.HDR, Container: s.Container, Interlaced: s.Interlaced}
	if s.DisplayWidth > 0 && s.DisplayHeight > 0 {
		src.Width, src.Height = s.DisplayWidth, s.DisplayHeight
	}
	for _, a := range s.Audio {
		src.AudioTracks = append(src.AudioTracks, a)
	}
	return src
}
