package probe

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"strings"
	"time"

	"github.com/gabriel-vasile/mimetype"
)

// Container names the container format of an object, identified by its first bytes.
type Container string

// The containers Probe identifies.
const (
	MP4      Container = "mp4"
	MOV      Container = "mov"
	Matroska Container = "matroska"
	WebM     Container = "webm"
	MPEGTS   Container = "mpegts"
	MXF      Container = "mxf"
)

// Info is what Probe learned about an object.
type Info struct {
	// Container is the identified container; empty when the content is not one.
	Container Container
	// MIME is the media type: the container's (video/mp4, video/quicktime, video/webm, or
	// audio/mp4 and the like without video), or for anything else what sniffing the first
	// bytes finds, e.g. image/png for a PNG renamed .mp4.
	MIME string
	// Duration is the presentation length the container states (mvhd, Segment Info, MXF
	// track durations). Where none is stated it is worked out from the tail: the end of the
	// last fragment (fragmented MP4), the last cluster's blocks (live-recorded Matroska), the
	// span of presentation timestamps (MPEG-TS). 0 when it cannot be known cheaply.
	Duration time.Duration
	// Video is the first enabled video track (the one players show); nil when there is no
	// video track.
	Video *VideoTrack
	// DurationFrom says where Duration came from: "samples" (the sample tables), "header"
	// (a stated duration), "fragment-index" (sidx), "fragments" (the last movie fragment),
	// "clusters" (Matroska block timestamps), "cues", "timestamps" (MPEG-TS PTS) or
	// "descriptor" (MXF); empty when Duration is 0, unknown.
	DurationFrom string
	// AudioTracks counts the audio tracks (MPEG-TS: audio streams of the first program).
	AudioTracks int
	// Audio describes the audio tracks in file order; len(Audio) == AudioTracks.
	Audio []AudioTrack
	// Captions lists the subtitle and closed-caption tracks; chapter lists are not captions.
	Captions []CaptionTrack
	// BytesRead is how many bytes the probe read from the Source, read-ahead included.
	BytesRead int64
}

// VideoTrack describes a video track.
type VideoTrack struct {
	// Codec is a short lowercase name: h264, hevc, av1, vp9, vp8, prores, mpeg2, mpeg4, ...
	Codec string
	// Width and Height are the picture size as stored, cropping applied and Rotation not.
	Width, Height int
	// Rotation is the clockwise rotation, 0, 90, 180 or 270 degrees, a player applies
	// for display. A phone held upright records a landscape picture with Rotation 90.
	Rotation int
	// Transform is non-empty when the display matrix or projection asks for more than a
	// right-angle rotation (another angle, a shear, a mirror), e.g. "rotation by 30.0°";
	// Rotation is then 0. The transcoder applies right angles only.
	Transform string
	// FrameRate is the average frame rate in frames per second; 0 when unknown.
	FrameRate float64
	// CodedWidth and CodedHeight are the size the container stores (MXF StoredWidth and
	// StoredHeight, the sample entry's width and height), which may include padding rows a
	// codec adds: 1920x1088 for 1080-line MPEG-2. Width and Height are the picture without it.
	CodedWidth, CodedHeight int
	// HeaderWidth and HeaderHeight are the picture size the codec's own header states (H.264
	// or HEVC SPS, MPEG-2 sequence header), 0 when the probe did not read one. A container
	// size this contradicts is a lie.
	HeaderWidth, HeaderHeight int
	// PixelAspect is the pixel aspect ratio, width over height of one pixel, as the codec
	// header or the container states it (pasp, Matroska DisplayWidth/DisplayHeight, MXF
	// AspectRatio, MPEG-2 display aspect); {1, 1} when square or unknown.
	PixelAspect [2]int
	// BitDepth is the luma bit depth when the codec header states it (8, 10, 12); 0 unknown.
	BitDepth int
	// HDR is "hdr10" (PQ transfer), "hlg" (HLG transfer) or "" (SDR or unknown), from the
	// codec header's VUI or the container's colour description.
	HDR string
	// Primaries, Transfer and Matrix are the colour description codes of ITU-T H.273 (9, 16
	// and 9 for BT.2020 PQ), 0 when not stated.
	Primaries, Transfer, Matrix int
	// Interlaced reports a source coded as fields, which the transcoder must deinterlace: the
	// codec header says so (H.264 frame_mbs_only_flag 0, HEVC interlaced source, MPEG-2
	// progressive_sequence 0) or the container does (MXF separate or mixed fields, Matroska
	// FlagInterlaced, QuickTime fiel).
	Interlaced bool
}

// DisplaySize is the picture size as shown before rotation: Width and Height with the pixel
// aspect applied to the width: anamorphic PAL 16:9 720x576 shows as 1024x576.
func (v *VideoTrack) DisplaySize() (width, height int) {
	w, h := v.Width, v.Height
	n, d := v.PixelAspect[0], v.PixelAspect[1]
	if n > 0 && d > 0 && n != d {
		w = int((int64(w)*int64(n) + int64(d)/2) / int64(d))
	}
	return w, h
}

// AudioTrack describes an audio track.
type AudioTrack struct {
	// Codec is a short lowercase name: aac, ac3, eac3, opus, pcm, mp3, ...; "" when unknown.
	Codec string
	// Channels is the channel count, 6 for 5.1; 0 when unknown.
	Channels int
	// Language is an ISO 639-2 code or BCP 47 tag; "und" when the file does not say.
	Language string
}

// CaptionTrack describes a subtitle or closed-caption track.
type CaptionTrack struct {
	// Codec names the caption format: tx3g, wvtt, stpp, c608, c708 (MP4); subrip, webvtt, ass,
	// ssa, pgs, vobsub, dvbsub (Matroska); dvbsub, teletext (MPEG-TS).
	Codec string
	// Language is an ISO 639-2 code or BCP 47 tag; "und" when the file does not say.
	Language string
	// Track is the zero-based index of the track among all the file's tracks, in file order,
	// as ffprobe numbers streams and the Google Transcoder API's text mapping addresses them:
	// the trak order (MP4), the TrackEntry order (Matroska), the elementary-stream order of
	// the program map (MPEG-TS; the languages of one DVB subtitle or teletext stream share it).
	Track int
}

// Errors Probe returns, wrapped with the container, the box or element and the offset they
// concern, e.g. "probe: mp4: truncated: box "mdat" at offset 40 claims 223361 bytes, the
// object ends 112729 bytes later". Test for them with errors.Is.
var (
	// ErrEmpty is returned for a zero-byte object.
	ErrEmpty = errors.New("empty object")
	// ErrNotVideo is returned when the object is not a video container at all, e.g. an image,
	// a document or a bare audio stream. Info.MIME names what it is.
	ErrNotVideo = errors.New("not a video container")
	// ErrTruncated is returned when a box or element claims to extend past the end of the
	// object, as in an interrupted upload.
	ErrTruncated = errors.New("truncated")
	// ErrCorrupt is returned for structurally invalid content.
	ErrCorrupt = errors.New("corrupt")
	// ErrNoVideoTrack is returned for a valid container that holds no video, e.g. audio only.
	ErrNoVideoTrack = errors.New("no video track")
	// ErrUnsupportedContainer is returned for video containers Probe does not read, e.g. AVI
	// or FLV. Info.MIME names the format.
	ErrUnsupportedContainer = errors.New("unsupported container")
	// ErrLimitExceeded is returned when probing would read more than Limits.MaxBytes or visit
	// more than Limits.MaxBoxes boxes.
	ErrLimitExceeded = errors.New("limit exceeded")
)

// Limits bounds the work of one probe. The zero value means the defaults.
type Limits struct {
	// MaxBytes is the most the probe reads from the Source, read-ahead included; default 4 MiB.
	MaxBytes int64
	// MaxBoxes is the most boxes (MP4), elements (Matroska) or sets (MXF) the probe visits;
	// default 10000.
	MaxBoxes int
}

// Default limits.
const (
	DefaultMaxBytes = 4 << 20
	DefaultMaxBoxes = 10000
)

// headSize is the first read of every probe: enough to identify any container and, for most
// Matroska, MPEG-TS and fast-start MP4 files, to hold everything the probe needs.
const headSize = 64 << 10

// Probe identifies the container of src by its first bytes and reads the metadata of its
// tracks with few, bounded reads: it seeks over media data and never reads it.
//
// On ErrNotVideo, ErrUnsupportedContainer and ErrNoVideoTrack Probe also returns a non-nil
// Info saying what it found (MIME, and for ErrNoVideoTrack the container, duration and
// audio tracks), so a caller can give a precise reason for rejecting the object. An error
// from the Source is returned wrapped but matches none of the sentinels: it says nothing
// about the content, and a caller may retry it.
func Probe(ctx context.Context, src Source, lim Limits) (*Info, error) {
	if src == nil {
		return nil, errors.New("probe: nil source")
	}
	if ctx == nil {
		ctx = context.Background()
	}
	if lim.MaxBytes <= 0 {
		lim.MaxBytes = DefaultMaxBytes
	}
	if lim.MaxBoxes <= 0 {
		lim.MaxBoxes = DefaultMaxBoxes
	}
	size := src.Size()
	if size == 0 {
		return nil, fmt.Errorf("probe: %w", ErrEmpty)
	}
	if size < 0 {
		return nil, fmt.Errorf("probe: %w: source size %d is negative", ErrCorrupt, size)
	}
	r := &reader{ctx: ctx, src: src, size: size, budget: lim.MaxBytes, maxBox: lim.MaxBoxes}
	info, err := probe(r)
	if info != nil {
		info.BytesRead = r.read
	}
	if err != nil {
		return info, fmt.Errorf("probe: %w", err)
	}
	return info, nil
}

func probe(r *reader) (*Info, error) {
	head, err := r.upTo(0, headSize)
	if err != nil {
		return nil, err
	}
	info := &Info{}
	switch {
	case isISOBMFF(head):
		err = probeMP4(r, head, info)
	case isEBML(head):
		err = probeMatroska(r, info)
	case mxfHeaderOffset(head) >= 0:
		err = probeMXF(r, head, info)
	case tsPacketSize(head) > 0:
		err = probeTS(r, head, info)
	default:
		mime := mimetype.Detect(head)
		info.MIME = baseMIME(mime.String())
		if strings.HasPrefix(info.MIME, "video/") {
			return info, fmt.Errorf("%w: %s", ErrUnsupportedContainer, info.MIME)
		}
		return info, fmt.Errorf("%w: content is %s", ErrNotVideo, info.MIME)
	}
	if err != nil {
		if errors.Is(err, ErrNoVideoTrack) || errors.Is(err, ErrNotVideo) || errors.Is(err, ErrUnsupportedContainer) {
			return info, err
		}
		return nil, err
	}
	return info, nil
}

// baseMIME drops parameters such as "; charset=utf-8".
func baseMIME(m string) string {
	if i := strings.IndexByte(m, ';'); i >= 0 {
		m = m[:i]
	}
	return strings.TrimSpace(m)
}

// isEBML reports whether b starts with the EBML magic every Matroska and WebM file starts with.
func isEBML(b []byte) bool {
	return bytes.HasPrefix(b, []byte{0x1A, 0x45, 0xDF, 0xA3})
}

// scaleDuration converts units of 1/timescale seconds to a Duration without overflowing.
func scaleDuration(units uint64, timescale uint64) (time.Duration, bool) {
	if timescale == 0 {
		return 0, false
	}
	secs := units / timescale
	rem := units % timescale
	const maxSecs = uint64(1<<63-1) / uint64(time.Second)
	if secs >= maxSecs {
		return 0, false
	}
	// rem·1e9 needs 128 bits; its high half is below timescale because rem is, so the
	// division cannot overflow.
	hi, lo := bits.Mul64(rem, uint64(time.Second))
	frac, _ := bits.Div64(hi, lo, timescale)
	return time.Duration(secs)*time.Second + time.Duration(frac), true
}

// nanosToDuration converts a count of nanoseconds computed in floating point, returning 0 for
// values no real media has (negative, NaN, or past what a Duration holds).
func nanosToDuration(ns float64) time.Duration {
	if !(ns > 0) || ns >= math.MaxInt64 {
		return 0
	}
	return time.Duration(ns)
}

// printable returns s when it is short printable ASCII, and "unknown" otherwise, so hostile
// bytes never end up in logs or catalog entries.
func printable(s string) string {
	s = strings.TrimRight(s, " \x00")
	if s == "" || len(s) > 64 {
		return "unknown"
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return "unknown"
		}
	}
	return s
}
