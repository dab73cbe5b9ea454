package mediaconvertfake

import (
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/mediaconvert"
	"github.com/aws/aws-sdk-go-v2/service/mediaconvert/types"
)

// validate returns the message of the first problem in req, or "".
func validate(req *mediaconvert.CreateJobInput) string {
	if req.Role == nil || *req.Role == "" {
		return "/role: required property is missing"
	}
	if req.Settings == nil {
		return "/settings: required property is missing"
	}
	if len(req.Settings.Inputs) == 0 {
		return "/settings/inputs: should have at least 1 item"
	}
	if len(req.Settings.OutputGroups) == 0 {
		return "/settings/outputGroups: should have at least 1 item"
	}
	if msg := checkEnums(reflect.ValueOf(req).Elem(), ""); msg != "" {
		return msg
	}
	for i, in := range req.Settings.Inputs {
		if msg := checkInput(in, fmt.Sprintf("/settings/inputs/%d", i)); msg != "" {
			return msg
		}
	}
	for i, g := range req.Settings.OutputGroups {
		if msg := checkGroup(g, fmt.Sprintf("/settings/outputGroups/%d", i)); msg != "" {
			return msg
		}
	}
	return ""
}

// groupBlocks maps an output group type to the settings block it needs.
var groupBlocks = map[types.OutputGroupType]string{
	types.OutputGroupTypeCmafGroupSettings:     "CmafGroupSettings",
	types.OutputGroupTypeDashIsoGroupSettings:  "DashIsoGroupSettings",
	types.OutputGroupTypeFileGroupSettings:     "FileGroupSettings",
	types.OutputGroupTypeHlsGroupSettings:      "HlsGroupSettings",
	types.OutputGroupTypeMsSmoothGroupSettings: "MsSmoothGroupSettings",
}

func checkGroup(g types.OutputGroup, path string) string {
	s := g.OutputGroupSettings
	if s == nil {
		return path + "/outputGroupSettings: required property is missing"
	}
	if s.Type == "" {
		return path + "/outputGroupSettings/type: required property is missing"
	}
	blockName := groupBlocks[s.Type]
	block := reflect.ValueOf(s).Elem().FieldByName(blockName)
	if block.IsNil() {
		return fmt.Sprintf("%s/outputGroupSettings/%s: required when type is %s", path, wireName(blockName), s.Type)
	}
	if dest := block.Elem().FieldByName("Destination"); dest.IsNil() || dest.Elem().String() == "" {
		return fmt.Sprintf("%s/outputGroupSettings/%s/destination: required property is missing", path, wireName(blockName))
	}
	if len(g.Outputs) == 0 {
		return path + "/outputs: should have at least 1 item"
	}
	for i, o := range g.Outputs {
		if msg := checkOutput(o, fmt.Sprintf("%s/outputs/%d", path, i)); msg != "" {
			return msg
		}
	}
	return ""
}

// videoBlocks and audioBlocks map a codec to its settings block; codecs without one (audio
// PASSTHROUGH) are absent, and video PASSTHROUGH's block is optional.
var (
	videoBlocks = map[types.VideoCodec]string{
		types.VideoCodecAv1:          "Av1Settings",
		types.VideoCodecAvcIntra:     "AvcIntraSettings",
		types.VideoCodecFrameCapture: "FrameCaptureSettings",
		types.VideoCodecGif:          "GifSettings",
		types.VideoCodecH264:         "H264Settings",
		types.VideoCodecH265:         "H265Settings",
		types.VideoCodecMpeg2:        "Mpeg2Settings",
		types.VideoCodecProres:       "ProresSettings",
		types.VideoCodecUncompressed: "UncompressedSettings",
		types.VideoCodecVc3:          "Vc3Settings",
		types.VideoCodecVp8:          "Vp8Settings",
		types.VideoCodecVp9:          "Vp9Settings",
		types.VideoCodecXavc:         "XavcSettings",
	}
	audioBlocks = map[types.AudioCodec]string{
		types.AudioCodecAac:       "AacSettings",
		types.AudioCodecAc3:       "Ac3Settings",
		types.AudioCodecAc4:       "Ac4Settings",
		types.AudioCodecAiff:      "AiffSettings",
		types.AudioCodecEac3:      "Eac3Settings",
		types.AudioCodecEac3Atmos: "Eac3AtmosSettings",
		types.AudioCodecFlac:      "FlacSettings",
		types.AudioCodecMp2:       "Mp2Settings",
		types.AudioCodecMp3:       "Mp3Settings",
		types.AudioCodecOpus:      "OpusSettings",
		types.AudioCodecVorbis:    "VorbisSettings",
		types.AudioCodecWav:       "WavSettings",
	}
)

func checkOutput(o types.Output, path string) string {
	if o.ContainerSettings == nil {
		return path + "/containerSettings: required property is missing"
	}
	if o.ContainerSettings.Container == "" {
		return path + "/containerSettings/container: required property is missing"
	}
	if o.VideoDescription == nil && len(o.AudioDescriptions) == 0 && len(o.CaptionDescriptions) == 0 {
		return path + ": an output needs a videoDescription, audioDescriptions or captionDescriptions"
	}
	if vd := o.VideoDescription; vd != nil {
		p := path + "/videoDescription/codecSettings"
		cs := vd.CodecSettings
		if cs == nil {
			return p + ": required property is missing"
		}
		if cs.Codec == "" {
			return p + "/codec: required property is missing"
		}
		if name, ok := videoBlocks[cs.Codec]; ok && reflect.ValueOf(cs).Elem().FieldByName(name).IsNil() {
			return fmt.Sprintf("%s/%s: required when codec is %s", p, wireName(name), cs.Codec)
		}
		if msg := checkQVBR(cs, p); msg != "" {
			return msg
		}
	}
	for i, ad := range o.AudioDescriptions {
		p := fmt.Sprintf("%s/audioDescriptions/%d/codecSettings", path, i)
		cs := ad.CodecSettings
		if cs == nil {
			return p + ": required property is missing"
		}
		if cs.Codec == "" {
			return p + "/codec: required property is missing"
		}
		if name, ok := audioBlocks[cs.Codec]; ok && reflect.ValueOf(cs).Elem().FieldByName(name).IsNil() {
			return fmt.Sprintf("%s/%s: required when codec is %s", p, wireName(name), cs.Codec)
		}
		if msg := checkRemix(ad.RemixSettings, fmt.Sprintf("%s/audioDescriptions/%d/remixSettings", path, i)); msg != "" {
			return msg
		}
	}
	for i, cd := range o.CaptionDescriptions {
		p := fmt.Sprintf("%s/captionDescriptions/%d", path, i)
		if cd.CaptionSelectorName == nil || *cd.CaptionSelectorName == "" {
			return p + "/captionSelectorName: required property is missing"
		}
		if cd.DestinationSettings == nil || cd.DestinationSettings.DestinationType == "" {
			return p + "/destinationSettings/destinationType: required property is missing"
		}
	}
	return ""
}

func checkQVBR(cs *types.VideoCodecSettings, path string) string {
	switch {
	case cs.H264Settings != nil && cs.H264Settings.RateControlMode == types.H264RateControlModeQvbr:
		h := cs.H264Settings
		if h.QvbrSettings == nil {
			return path + "/h264Settings/qvbrSettings: required when rateControlMode is QVBR"
		}
		if h.MaxBitrate == nil {
			return path + "/h264Settings/maxBitrate: required when rateControlMode is QVBR"
		}
	case cs.H265Settings != nil && cs.H265Settings.RateControlMode == types.H265RateControlModeQvbr:
		h := cs.H265Settings
		if h.QvbrSettings == nil {
			return path + "/h265Settings/qvbrSettings: required when rateControlMode is QVBR"
		}
		if h.MaxBitrate == nil {
			return path + "/h265Settings/maxBitrate: required when rateControlMode is QVBR"
		}
	}
	return ""
}

// checkEnums walks v and reports the first field of an SDK enum type whose value is not one
// of the type's Values(). Every enum of the SDK is checked, without a list to keep current.
func checkEnums(v reflect.Value, path string) string {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return ""
		}
		return checkEnums(v.Elem(), path)
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			if msg := checkEnums(v.Field(i), path+"/"+wireName(f.Name)); msg != "" {
				return msg
			}
		}
	case reflect.Slice:
		for i := range v.Len() {
			if msg := checkEnums(v.Index(i), fmt.Sprintf("%s/%d", path, i)); msg != "" {
				return msg
			}
		}
	case reflect.Map:
		keys := v.MapKeys()
		slices.SortFunc(keys, func(a, b reflect.Value) int { return strings.Compare(a.String(), b.String()) })
		for _, k := range keys {
			if msg := checkEnums(v.MapIndex(k), path+"/"+k.String()); msg != "" {
				return msg
			}
		}
	case reflect.String:
		return checkEnumValue(v, path)
	}
	return ""
}

func checkEnumValue(v reflect.Value, path string) string {
	if v.String() == "" {
		return ""
	}
	values := v.MethodByName("Values")
	if !values.IsValid() {
		return "" // a plain string, not an enum
	}
	allowed := values.Call(nil)[0]
	names := make([]string, allowed.Len())
	for i := range allowed.Len() {
		names[i] = allowed.Index(i).String()
		if names[i] == v.String() {
			return ""
		}
	}
	return fmt.Sprintf("%s: %q is not one of %s", path, v.String(), strings.Join(names, ", "))
}

// wireName is a field's name in the request JSON: the SDK field name in lower camel case.
func wireName(goName string) string {
	r, n := utf8.DecodeRuneInString(goName)
	return string(unicode.ToLower(r)) + goName[n:]
}

// timecodePattern is the HH:MM:SS:FF (or HH:MM:SS;FF, drop frame) form clipping takes.
var timecodePattern = regexp.MustCompile(`^[0-9]{2}:[0-5][0-9]:[0-5][0-9][:;][0-9]{2}$`)

// checkInput checks an input's clippings and track selectors as MediaConvert does.
func checkInput(in types.Input, path string) string {
	for i, c := range in.InputClippings {
		for _, tc := range []struct {
			name string
			v    *string
		}{{"startTimecode", c.StartTimecode}, {"endTimecode", c.EndTimecode}} {
			if tc.v != nil && !timecodePattern.MatchString(*tc.v) {
				return fmt.Sprintf("%s/inputClippings/%d/%s: %q is not HH:MM:SS:FF", path, i, tc.name, *tc.v)
			}
		}
	}
	names := make([]string, 0, len(in.AudioSelectors))
	for name := range in.AudioSelectors {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		sel := in.AudioSelectors[name]
		if sel.SelectorType == types.AudioSelectorTypeTrack && len(sel.Tracks) == 0 {
			return fmt.Sprintf("%s/audioSelectors/%s/tracks: required when selectorType is TRACK", path, name)
		}
		for j, tr := range sel.Tracks {
			if tr < 1 {
				return fmt.Sprintf("%s/audioSelectors/%s/tracks/%d: %d is below the minimum 1", path, name, j, tr)
			}
		}
	}
	return ""
}

// checkRemix checks a channel mapping: channelsOut rows of channelsIn gains in -60..6 dB.
func checkRemix(rm *types.RemixSettings, path string) string {
	if rm == nil || rm.ChannelMapping == nil {
		return ""
	}
	in, out := aws.ToInt32(rm.ChannelsIn), aws.ToInt32(rm.ChannelsOut)
	rows := rm.ChannelMapping.OutputChannels
	if in < 1 || in > 64 || out < 1 || out > 64 {
		return fmt.Sprintf("%s: channelsIn %d and channelsOut %d must be 1 to 64", path, in, out)
	}
	if len(rows) != int(out) {
		return fmt.Sprintf("%s/channelMapping/outputChannels: %d rows for channelsOut %d", path, len(rows), out)
	}
	for i, row := range rows {
		if len(row.InputChannels) != int(in) {
			return fmt.Sprintf("%s/channelMapping/outputChannels/%d/inputChannels: %d gains for channelsIn %d", path, i, len(row.InputChannels), in)
		}
		for j, g := range row.InputChannels {
			if g < -60 || g > 6 {
				return fmt.Sprintf("%s/channelMapping/outputChannels/%d/inputChannels/%d: %d dB is outside -60..6", path, i, j, g)
			}
		}
	}
	return ""
}
