package pipeline

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
)

// Bounds of a ladder rung, shared by ParseLadder and the platform's configuration checks.
const (
	// MinRungHeight is the smallest short side a configured rung may have.
	MinRungHeight = 144
	// MaxRungHeight is the largest (8K's short side).
	MaxRungHeight = 4320
	// MinRungBitrate is the lowest configured max bitrate, in bits per second.
	MinRungBitrate = 50_000
	// MaxRungBitrate is the highest, MediaConvert's H.264 ceiling, in bits per second.
	MaxRungBitrate = 1_152_000_000
)

// Codecs the ladder can be encoded with.
const (
	CodecH264 = "h264"
	CodecHEVC = "hevc"
)

// Rung is one configured step of the ladder.
type Rung struct {
	// Height names the rung's box: a 16:9 frame whose SHORTER side is Height, 1280x720 for a
	// 720 rung, turned upright (720x1280) for a portrait source. Each rendition is the source
	// picture fitted inside its rung's box.
	Height int `json:"height"`
	// MaxBitrate is the peak bitrate in bits per second for an output filling the box; other
	// shapes are scaled by pixel count (see PlanLadder).
	MaxBitrate int `json:"maxBitrate"`
}

// LadderConfig is the stack's ladder: its rungs in any order, a ceiling and a codec.
type LadderConfig struct {
	Rungs []Rung
	// MaxHeight caps every rendition's shorter side; 0 means no cap beyond the rungs.
	MaxHeight int
	// Codec is CodecH264 or CodecHEVC.
	Codec string
}

// Source is what PlanLadder needs to know about a source video.
type Source struct {
	// Width and Height are the video track's DISPLAY size before rotation: the picture with
	// its pixel aspect ratio applied (SourceOf does this), so anamorphic sources keep their shape.
	Width, Height int
	// Rotation is the display rotation in degrees (0, 90, 180, 270); at 90 and 270 the
	// displayed picture is Height wide and Width tall.
	Rotation int
	// FrameRate is the source's frame rate (0 when unknown); renditions keep it up to 60.
	FrameRate float64
	// Audio reports whether the source has at least one audio track.
	Audio bool
	// AudioTracks describes the audio tracks, when known; each becomes a rendition.
	AudioTracks []AudioTrack
	// HDR is "hdr10", "hlg" or "" (SDR), as the probe found it.
	HDR string
	// Container is the probe's container name; the job rotates explicitly where the
	// transcoder's automatic rotation does not apply.
	Container string
	// Interlaced reports a source coded as fields (1080i, 576i, 480i masters).
	Interlaced bool
}

// DisplaySize is the source's size as shown, after rotation.
func (s Source) DisplaySize() (width, height int) {
	if s.Rotation == 90 || s.Rotation == 270 {
		return s.Height, s.Width
	}
	return s.Width, s.Height
}

// Plan is the per-title ladder for one source.
type Plan struct {
	// Codec is CodecH264 or CodecHEVC.
	Codec string `json:"codec"`
	// Renditions are the video outputs, largest first, all with the source's aspect ratio.
	Renditions []Rendition `json:"renditions"`
	// Audio reports whether the outputs carry an audio rendition; false gives video-only outputs.
	Audio bool `json:"audio"`
	// FrameRate is the source's frame rate, kept by every rendition (0 when unknown).
	FrameRate float64 `json:"frameRate,omitempty"`
	// OutputFrameRate is the rate the renditions are encoded at when it is not the source's
	// (a source above MaxFrameRate), 0 when they keep the source's.
	OutputFrameRate float64 `json:"outputFrameRate,omitempty"`
	// SourceWidth and SourceHeight are the source's display size.
	SourceWidth  int `json:"sourceWidth"`
	SourceHeight int `json:"sourceHeight"`
	// Rotation and Container are the source's, for the job's input rotation.
	Rotation  int    `json:"rotation,omitempty"`
	Container string `json:"container,omitempty"`
	// HDR is the dynamic range the outputs keep: "hdr10" or "hlg" for an HDR source encoded
	// with HEVC (Main10 with its colour metadata), "" otherwise. SourceHDR is the source's;
	// an HDR source planned for H.264 is tone-mapped to SDR.
	HDR       string `json:"hdr,omitempty"`
	SourceHDR string `json:"sourceHdr,omitempty"`
	// AudioTracks are the audio renditions, the source's tracks in order (the first is the
	// default), at most MaxAudioRenditions.
	AudioTracks []AudioRendition `json:"audioTracks,omitempty"`
	// Deinterlace reports an interlaced source: every video output and frame capture turns
	// its fields into progressive frames (adaptive streaming players show progressive
	// pictures only; scaled fields unconverted show as combing on every moving edge).
	Deinterlace bool `json:"deinterlace,omitempty"`
}

// AudioRendition is one audio output: a source track encoded as stereo AAC.
type AudioRendition struct {
	// Track is the 1-based track number in the source.
	Track int `json:"track"`
	// Language is the source track's language ("und" when unknown).
	Language string `json:"language"`
	// Channels is the source track's channel count, 0 when unknown; Downmix reports that the
	// job folds it to stereo with an explicit matrix (5.1 and 7.1).
	Channels int  `json:"channels,omitempty"`
	Downmix  bool `json:"downmix,omitempty"`
}

// MaxAudioRenditions caps the audio renditions of one title.
const MaxAudioRenditions = 8

// MaxFrameRate is the highest output frame rate: both codec levels' limits hold up to 60 fps,
// so faster sources are encoded at half their rate (120 → 60, 100 → 50).
const MaxFrameRate = 60

// codecLimit is the largest frame the codec level players support holds: H.264 High 4.2
// (MaxFS 8,704 macroblocks; Apple's HLS authoring specification tops H.264 at 1920x1080) and
// HEVC Main/Main10 5.1 (MaxLumaPs 8,912,896; 3840x2160). The box is turned for portrait.
var codecLimit = map[string]struct{ long, short, pixels int }{
	CodecH264: {1920, 1080, 8704 * 256},
	CodecHEVC: {3840, 2160, 8912896},
}

// Validate checks the configuration, naming the offending field.
func (c LadderConfig) Validate() error {
	if c.Codec != CodecH264 && c.Codec != CodecHEVC {
		return fmt.Errorf("ladder codec %q is not %q or %q", c.Codec, CodecH264, CodecHEVC)
	}
	if c.MaxHeight != 0 && c.MaxHeight < MinRungHeight {
		return fmt.Errorf("ladder max height %d is below the minimum %d", c.MaxHeight, MinRungHeight)
	}
	return ValidateRungs(c.Rungs)
}

// ValidateRungs checks a ladder's rungs, naming the index and field of the first bad one:
// "ladder[2].height: 100 is below the minimum 144".
func ValidateRungs(rungs []Rung) error {
	if len(rungs) == 0 {
		return errors.New("ladder: no rungs")
	}
	seen := make(map[int]int, len(rungs))
	for i, r := range rungs {
		switch {
		case r.Height < MinRungHeight:
			return fmt.Errorf("ladder[%d].height: %d is below the minimum %d", i, r.Height, MinRungHeight)
		case r.Height > MaxRungHeight:
			return fmt.Errorf("ladder[%d].height: %d is above the maximum %d", i, r.Height, MaxRungHeight)
		case r.Height%2 != 0:
			return fmt.Errorf("ladder[%d].height: %d is odd; encoders need even dimensions", i, r.Height)
		case r.MaxBitrate < MinRungBitrate:
			return fmt.Errorf("ladder[%d].maxBitrate: %d is below the minimum %d", i, r.MaxBitrate, MinRungBitrate)
		case r.MaxBitrate > MaxRungBitrate:
			return fmt.Errorf("ladder[%d].maxBitrate: %d is above the maximum %d", i, r.MaxBitrate, MaxRungBitrate)
		}
		if j, dup := seen[r.Height]; dup {
			return fmt.Errorf("ladder[%d].height: %d repeats ladder[%d]", i, r.Height, j)
		}
		seen[r.Height] = i
	}
	return nil
}

// ParseLadder parses the LADDER environment variable (manifest.Ladder): a JSON array of
// {"height": <short side>, "maxBitrate": <bits/s>} objects, in any order. Unknown and missing
// fields are errors, and every error names the rung and field.
func ParseLadder(jsonText string) ([]Rung, error) {
	var raw []json.RawMessage
	if err := json.Unmarshal([]byte(jsonText), &raw); err != nil {
		return nil, fmt.Errorf("ladder: not a JSON array of rungs: %w", err)
	}
	rungs := make([]Rung, len(raw))
	for i, msg := range raw {
		var r struct {
			Height     *int `json:"height"`
			MaxBitrate *int `json:"maxBitrate"`
		}
		dec := json.NewDecoder(bytes.NewReader(msg))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&r); err != nil {
			return nil, fmt.Errorf("ladder[%d]: %w", i, err)
		}
		if r.Height == nil {
			return nil, fmt.Errorf("ladder[%d].height: missing", i)
		}
		if r.MaxBitrate == nil {
			return nil, fmt.Errorf("ladder[%d].maxBitrate: missing", i)
		}
		rungs[i] = Rung{Height: *r.Height, MaxBitrate: *r.MaxBitrate}
	}
	if err := ValidateRungs(rungs); err != nil {
		return nil, err
	}
	return rungs, nil
}

// PlanLadder plans the renditions for one source:
//
//   - the source's display size (after rotation) sets the orientation and aspect ratio, which
//     every rendition keeps: portrait sources get portrait renditions, square ones square, and
//     nothing is letterboxed or padded;
//   - each rung is a 16:9 box (turned upright for portrait sources) whose shorter side is the
//     rung's Height; the rendition is the source fitted inside the box, both sides rounded to
//     even numbers, never larger than the source (no upscaling) nor than the codec level's
//     frame (see codecLimit): a 1.85:1 1920x1038 film is 1920x1038 in the 1080 box and
//     1280x692 in the 720 one;
//   - rungs above cfg.MaxHeight are left out; rungs that come out the same size (a small
//     source fits several boxes whole) give one rendition, with the smallest such rung's
//     bitrate; if no rung is left, one rendition fits the MaxHeight box, with the lowest rung's
//     bitrate;
//   - a rung's MaxBitrate is meant for an output filling its box, so it is scaled by the
//     rendition's pixel count over the box's and rounded to the nearest 1000 bit/s: a square
//     720 rendition gets 9/16 of the 1280x720 figure;
//   - HDR (HDR10, HLG) is kept when the codec is HEVC; every audio track becomes a rendition
//     (5.1 and 7.1 folded to stereo explicitly); a source without audio gives video-only outputs.
func PlanLadder(src Source, cfg LadderConfig) (Plan, error) {
	if err := cfg.Validate(); err != nil {
		return Plan{}, err
	}
	switch src.Rotation {
	case 0, 90, 180, 270:
	default:
		return Plan{}, fmt.Errorf("source rotation %d is not 0, 90, 180 or 270", src.Rotation)
	}
	if src.Width < 2 || src.Height < 2 {
		return Plan{}, fmt.Errorf("source size %dx%d is too small to encode", src.Width, src.Height)
	}
	dw, dh := src.DisplaySize()
	landscape := dw >= dh

	rungs := slices.Clone(cfg.Rungs)
	slices.SortFunc(rungs, func(a, b Rung) int { return b.Height - a.Height })
	plan := Plan{Codec: cfg.Codec, Audio: src.Audio, FrameRate: src.FrameRate, SourceWidth: dw, SourceHeight: dh,
		Rotation: src.Rotation, Container: src.Container, SourceHDR: src.HDR, Deinterlace: src.Interlaced}
	if src.FrameRate > MaxFrameRate {
		plan.OutputFrameRate = outputFrameRate(src.FrameRate)
	}
	if cfg.Codec == CodecHEVC {
		plan.HDR = src.HDR
	}
	limit := codecLimit[cfg.Codec]
	var claims []Rung // the rung each rendition's bitrate comes from
	add := func(boxShort int, r Rung) {
		w, h := fit(dw, dh, boxShort, landscape, limit)
		if n := len(plan.Renditions); n > 0 && plan.Renditions[n-1].Width == w && plan.Renditions[n-1].Height == h {
			claims[n-1] = r // the smaller box claims the size, and sets its bitrate
			return
		}
		plan.Renditions = append(plan.Renditions, Rendition{Width: w, Height: h})
		claims = append(claims, r)
	}
	for _, r := range rungs {
		if cfg.MaxHeight == 0 || r.Height <= cfg.MaxHeight {
			add(r.Height, r)
		}
	}
	if len(plan.Renditions) == 0 {
		add(floorEven(cfg.MaxHeight), rungs[len(rungs)-1])
	}
	for i, r := range claims {
		boxW, boxH := boxSize(r.Height)
		rd := &plan.Renditions[i]
		scaled := float64(r.MaxBitrate) * float64(rd.Width) * float64(rd.Height) / (float64(boxW) * float64(boxH))
		rd.MaxBitrate = max(int(scaled/1000+0.5)*1000, 1000)
	}
	plan.AudioTracks = audioRenditions(src)
	return plan, nil
}

// boxSize is the landscape 16:9 box whose shorter side is short: 854x480 for 480.
func boxSize(short int) (w, h int) { return roundEven(float64(short) * 16 / 9), short }

// fit scales the display size dw x dh to fit in the box of short side boxShort (turned
// upright when the source is portrait) and in the codec limit, never up, both sides even and
// at least 2.
func fit(dw, dh, boxShort int, landscape bool, limit struct{ long, short, pixels int }) (w, h int) {
	bw, bh := boxSize(boxShort)
	lw, lh := limit.long, limit.short
	if !landscape {
		bw, bh = bh, bw
		lw, lh = lh, lw
	}
	scale := min(1, float64(bw)/float64(dw), float64(bh)/float64(dh))
	if lw > 0 {
		scale = min(scale, float64(lw)/float64(dw), float64(lh)/float64(dh), math.Sqrt(float64(limit.pixels)/(float64(dw)*float64(dh))))
	}
	w = min(roundEven(float64(dw)*scale), floorEven(dw), floorEven(bw))
	h = min(roundEven(float64(dh)*scale), floorEven(dh), floorEven(bh))
	if lw > 0 {
		w, h = min(w, floorEven(lw)), min(h, floorEven(lh))
	}
	return max(w, 2), max(h, 2)
}

// outputFrameRate halves a rate above MaxFrameRate until it fits.
func outputFrameRate(fps float64) float64 {
	for fps > MaxFrameRate {
		fps /= 2
	}
	return fps
}

// audioRenditions turns the source's audio tracks into renditions: one per track, at most
// MaxAudioRenditions; a source whose tracks are not described gets one rendition of its
// first track.
func audioRenditions(src Source) []AudioRendition {
	if !src.Audio {
		return nil
	}
	if len(src.AudioTracks) == 0 {
		return []AudioRendition{{Track: 1, Language: "und"}}
	}
	var out []AudioRendition
	for i, a := range src.AudioTracks {
		if i == MaxAudioRenditions {
			break
		}
		lang := a.Language
		if lang == "" {
			lang = "und"
		}
		out = append(out, AudioRendition{Track: i + 1, Language: lang, Channels: a.Channels, Downmix: a.Channels == 6 || a.Channels == 8})
	}
	return out
}

func roundEven(x float64) int { return 2 * int(x/2+0.5) }

func floorEven(n int) int { return n &^ 1 }

// String renders the plan compactly for logs: "h264 1920x1080@6000k,1280x720@3500k +audio".
func (p Plan) String() string {
	var b strings.Builder
	b.WriteString(p.Codec)
	for i, r := range p.Renditions {
		if i == 0 {
			b.WriteByte(' ')
		} else {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%dx%d@%dk", r.Width, r.Height, r.MaxBitrate/1000)
	}
	if p.Audio {
		b.WriteString(" +audio")
	}
	return b.String()
}
