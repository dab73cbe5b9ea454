package pipeline

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
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
	// Height is the output's SHORTER side in pixels, whatever its orientation: a 720 rung is
	// 1280x720 for a landscape source and 720x1280 for a portrait one.
	Height int `json:"height"`
	// MaxBitrate is the peak bitrate in bits per second for a 16:9 output of this height; other
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
	// Width and Height are the video track's CODED size, as the probe reports it.
	Width, Height int
	// Rotation is the display rotation in degrees (0, 90, 180, 270); at 90 and 270 the
	// displayed picture is Height wide and Width tall.
	Rotation int
	// FrameRate is the source's frame rate (0 when unknown); renditions keep it.
	FrameRate float64
	// Audio reports whether the source has at least one audio track.
	Audio bool
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
	// SourceWidth and SourceHeight are the source's display size.
	SourceWidth  int `json:"sourceWidth"`
	SourceHeight int `json:"sourceHeight"`
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
//     nothing is letterboxed;
//   - a rung's Height is the rendition's shorter side; the longer side follows from the aspect
//     ratio, and both are rounded to even numbers without exceeding the source;
//   - rungs taller than the source's shorter side or than cfg.MaxHeight are dropped (no
//     upscaling); if that drops them all, one rendition at the source's own size (capped by
//     MaxHeight) remains, with the lowest rung's bitrate;
//   - a rung's MaxBitrate is meant for 16:9 at that height, so it is scaled by the rendition's
//     pixel count over the 16:9 pixel count (height × height·16/9, rounded to even) and
//     rounded to the nearest 1000 bit/s: a square 720 rung gets 9/16 of the 1280x720 figure,
//     a 2.39:1 one about 4/3 of it, a 9:16 portrait one the same;
//   - a source without audio gives video-only outputs (Plan.Audio false).
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
	short, long := min(dw, dh), max(dw, dh)
	ceiling := short
	if cfg.MaxHeight > 0 {
		ceiling = min(ceiling, cfg.MaxHeight)
	}

	rungs := slices.Clone(cfg.Rungs)
	slices.SortFunc(rungs, func(a, b Rung) int { return b.Height - a.Height })
	plan := Plan{Codec: cfg.Codec, Audio: src.Audio, FrameRate: src.FrameRate, SourceWidth: dw, SourceHeight: dh}
	for _, r := range rungs {
		if r.Height <= ceiling {
			plan.Renditions = append(plan.Renditions, rendition(r.Height, r.MaxBitrate, r.Height, short, long, dw >= dh))
		}
	}
	if len(plan.Renditions) == 0 {
		lowest := rungs[len(rungs)-1]
		plan.Renditions = append(plan.Renditions, rendition(floorEven(ceiling), lowest.MaxBitrate, lowest.Height, short, long, dw >= dh))
	}
	return plan, nil
}

// rendition sizes one output whose shorter side is outShort, for a source of the given sides,
// and scales bitrate (meant for a 16:9 output with shorter side refShort) by pixel count.
func rendition(outShort, bitrate, refShort, short, long int, landscape bool) Rendition {
	outLong := roundEven(float64(outShort) * float64(long) / float64(short))
	// Rounding may push the long side past the source's by one pixel; never upscale.
	outLong = min(outLong, floorEven(long))
	outLong = max(outLong, 2)
	outShort = max(outShort, 2)
	refPixels := float64(refShort) * float64(roundEven(float64(refShort)*16/9))
	scaled := float64(bitrate) * float64(outShort) * float64(outLong) / refPixels
	maxBitrate := int(scaled/1000+0.5) * 1000
	maxBitrate = max(maxBitrate, 1000)
	if landscape {
		return Rendition{Width: outLong, Height: outShort, MaxBitrate: maxBitrate}
	}
	return Rendition{Width: outShort, Height: outLong, MaxBitrate: maxBitrate}
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
