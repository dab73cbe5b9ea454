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
)

// Rules are the stack's limits on uploads. Zero values mean no limit.
type Rules struct {
	// MaxDuration is the longest accepted video.
	MaxDuration time.Duration
	// MaxBytes is the largest accepted upload.
	MaxBytes int64
	// Codecs are the accepted video codecs as the probe names them (h264, hevc, ...),
	// compared without regard to case; empty accepts any codec.
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
// video track, duration and codec. Any probe error rejects the upload; pass only errors for
// which IsContentError is true (a read failure Judge reports as corrupt).
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
	if rules.MaxDuration > 0 && info.Duration > rules.MaxDuration {
		return reject(ReasonTooLong, fmt.Sprintf("duration %v is above the limit %v", info.Duration.Round(time.Second), rules.MaxDuration))
	}
	if len(rules.Codecs) > 0 && !containsFold(rules.Codecs, info.Video.Codec) {
		return reject(ReasonUnsupportedCodec, fmt.Sprintf("video codec %q is not one of %s", info.Video.Codec, strings.Join(rules.Codecs, ", ")))
	}
	return Verdict{Accepted: true}
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
	}
	for _, c := range info.Captions {
		s.Captions = append(s.Captions, Caption{Codec: c.Codec, Language: c.Language})
	}
	return s
}

// SourceOf is what PlanLadder needs from a summary: the coded size, rotation, frame rate and
// whether there is audio.
func SourceOf(s ProbeSummary) Source {
	return Source{Width: s.Width, Height: s.Height, Rotation: s.Rotation, FrameRate: s.FrameRate, Audio: s.AudioTracks > 0}
}
