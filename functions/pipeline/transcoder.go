package pipeline

import (
	"slices"

	"github.com/ottkit/ottkit/functions/pipeline/probe"
)

// TranscoderInputs are the video codecs, as the probe names them, that AWS Elemental
// MediaConvert decodes in each container the probe reads, from its "Supported input formats"
// table (docs.aws.amazon.com/mediaconvert/latest/ug/reference-codecs-containers-input.html,
// read 2026-12-01). VC-3 is DNxHD/DNxHR; DV covers DV25, DV50, DVCPRO and DVCPRO HD; XDCAM,
// IMX and HDV are MPEG-2; XAVC and AVC-Intra are H.264.
var TranscoderInputs = map[probe.Container][]string{
	probe.MP4:      {"h264", "hevc", "av1", "mpeg2", "mpeg4", "mjpeg", "jpeg2000", "mjp2"},
	probe.MOV:      {"h264", "hevc", "prores", "dnxhd", "dv", "mpeg2", "mpeg4", "mjpeg", "jpeg2000", "mjp2", "rle", "raw", "v210", "yuv2", "2vuy"},
	probe.Matroska: {"h264", "hevc", "av1", "vp8", "vp9", "mpeg2", "mpeg4", "vc1"},
	probe.WebM:     {"vp8", "vp9", "av1"},
	probe.MPEGTS:   {"h264", "hevc", "mpeg2", "vc1"},
	probe.MXF:      {"h264", "mpeg2", "prores", "dnxhd", "dv", "jpeg2000", "rawvideo", "mpeg4"},
}

// AcceptedCodecs returns every video codec the transcoder decodes in at least one container,
// sorted: the widest Rules.Codecs a stack can usefully set.
func AcceptedCodecs() []string {
	var out []string
	for _, codecs := range TranscoderInputs {
		for _, c := range codecs {
			if !slices.Contains(out, c) {
				out = append(out, c)
			}
		}
	}
	slices.Sort(out)
	return out
}

// Bounds on a source picture the transcoder can take and a ladder can use.
const (
	// MinSourceSide is the smallest width or height accepted: below it there is nothing a
	// viewer can see, and the smallest rung would upscale.
	MinSourceSide = 64
	// MaxSourceWidth and MaxSourceHeight are MediaConvert's largest input frame, 8K.
	MaxSourceWidth  = 8192
	MaxSourceHeight = 4320
	// MaxSourceAspect is the widest display aspect ratio accepted, long side over short:
	// 4:1 is past every cinema format (2.76:1 Ultra Panavision) and every phone.
	MaxSourceAspect = 4.0
	// sizeSlack is how far the container's picture size may exceed the codec header's: a
	// container may store the coded size, padded to whole macroblocks or coding blocks.
	sizeSlack = 64
)
