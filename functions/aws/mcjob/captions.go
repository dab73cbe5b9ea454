package mcjob

import (
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/mediaconvert/types"

	"github.com/ottkit/ottkit/functions/pipeline"
)

// SupportedCaption reports which MediaConvert caption source reads a caption track found
// inside the source file, when MediaConvert can turn it into WebVTT in a CMAF output:
//
//   - c608 and c708 tracks of MP4 and QuickTime files are a QuickTime captions track, which
//     MediaConvert reads as ANCILLARY data (608 channel 1);
//   - teletext in MPEG-TS is read as TELETEXT.
//
// Text tracks MediaConvert does not read from inside a file (tx3g, wvtt, stpp, SubRip, ASS,
// and the bitmap formats PGS, VobSub and DVB-Sub) are not supported.
func SupportedCaption(c pipeline.Caption) (types.CaptionSourceType, bool) {
	switch strings.ToLower(c.Codec) {
	case "c608", "c708":
		return types.CaptionSourceTypeAncillary, true
	case "teletext":
		return types.CaptionSourceTypeTeletext, true
	}
	return "", false
}

// captions turns the source's caption tracks into caption selectors and one WebVTT output
// per selector. MediaConvert reads one ancillary channel and the teletext stream each as a
// whole, so repeated tracks of one kind give one selector, labelled with the first track's
// language.
func captions(tracks []pipeline.Caption) (map[string]types.CaptionSelector, []types.Output) {
	var (
		selectors map[string]types.CaptionSelector
		outputs   []types.Output
		seen      []types.CaptionSourceType
	)
	for _, c := range tracks {
		kind, ok := SupportedCaption(c)
		if !ok || slices.Contains(seen, kind) {
			continue
		}
		seen = append(seen, kind)
		source := &types.CaptionSourceSettings{SourceType: kind}
		switch kind {
		case types.CaptionSourceTypeAncillary:
			source.AncillarySourceSettings = &types.AncillarySourceSettings{
				SourceAncillaryChannelNumber: aws.Int32(1),
				Convert608To708:              types.AncillaryConvert608To708Disabled,
				TerminateCaptions:            types.AncillaryTerminateCaptionsEndOfInput,
			}
		case types.CaptionSourceTypeTeletext:
			source.TeletextSourceSettings = &types.TeletextSourceSettings{}
		}
		// 608 tracks are closed captions, written for viewers who cannot hear the audio;
		// teletext is usually translation subtitles.
		access := types.WebvttAccessibilitySubsDisabled
		if kind == types.CaptionSourceTypeAncillary {
			access = types.WebvttAccessibilitySubsEnabled
		}
		name := fmt.Sprintf(captionSelector, len(seen))
		if selectors == nil {
			selectors = map[string]types.CaptionSelector{}
		}
		lang := languageCode(c.Language)
		selectors[name] = types.CaptionSelector{LanguageCode: lang, SourceSettings: source}
		outputs = append(outputs, types.Output{
			NameModifier:      aws.String(fmt.Sprintf("_captions%d", len(seen))),
			ContainerSettings: &types.ContainerSettings{Container: types.ContainerTypeCmfc, CmfcSettings: &types.CmfcSettings{}},
			CaptionDescriptions: []types.CaptionDescription{{
				CaptionSelectorName: aws.String(name),
				LanguageCode:        lang,
				DestinationSettings: &types.CaptionDestinationSettings{
					DestinationType: types.CaptionDestinationTypeWebvtt,
					WebvttDestinationSettings: &types.WebvttDestinationSettings{
						StylePassthrough: types.WebvttStylePassthroughDisabled,
						Accessibility:    access,
					},
				},
			}},
		})
	}
	return selectors, outputs
}

// languageCode maps an ISO 639-2 code ("eng") to MediaConvert's enum ("ENG"); anything else,
// "und" included, gives no language rather than a wrong one.
func languageCode(lang string) types.LanguageCode {
	code := types.LanguageCode(strings.ToUpper(lang))
	if len(lang) == 3 && code != "UND" && slices.Contains(code.Values(), code) {
		return code
	}
	return ""
}
