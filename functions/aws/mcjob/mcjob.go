// Package mcjob builds AWS Elemental MediaConvert CreateJob requests from a pipeline.Plan.
//
// One job writes everything a title needs into the delivery bucket under
// pipeline.LayoutFor(assetID):
//
//   - one CMAF output group whose segments serve both HLS (index.m3u8) and DASH (index.mpd):
//     one video output per rendition, single-pass QVBR (multi-pass only when Input.MultiPass
//     asks) with the rendition's MaxBitrate as the peak, 2 s closed GOPs and 6 s segments so
//     every rendition switches on the same boundaries; one stereo AAC output per audio
//     rendition, each an alternate audio track of the manifests (5.1 and 7.1 folded down with
//     an explicit matrix); one WebVTT output per caption track MediaConvert can read from the
//     source file;
//   - one small frame-capture output (file group) that writes the thumbnails every
//     ThumbnailInterval seconds, the second of which is the poster (pipeline.Layout.PosterKey):
//     nothing is encoded twice, and nothing at the top rendition's size.
//
// The input is clipped to the judged duration (pipeline.ClipDuration), so a file whose
// headers understate its length never bills past what ingest accepted; its rotation is
// applied explicitly where MediaConvert's automatic rotation does not reach (it reads only
// MOV and MP4 display matrices). HDR10 and HLG sources planned for HEVC stay HDR (Main10,
// colour metadata inserted); planned for H.264 they are tone-mapped to BT.709.
//
// Every value comes from the SDK's types and enums, and the request carries the asset id and
// tenant as user metadata so the job state change event leads back to the asset.
package mcjob

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/mediaconvert"
	"github.com/aws/aws-sdk-go-v2/service/mediaconvert/types"

	"github.com/ottkit/ottkit/functions/pipeline"
)

// Encoding constants shared by every rendition; changing one changes every new title.
const (
	// GOPSeconds is the closed GOP length; SegmentSeconds is a multiple of it so segments of
	// every rendition start on the same keyframe.
	GOPSeconds = 2
	// SegmentSeconds is the CMAF segment length.
	SegmentSeconds = 6
	// AudioBitrate is the AAC stereo bitrate in bits per second.
	AudioBitrate = 128_000
	// ThumbnailShortSide is the thumbnails' shorter side in pixels (or the source's, if smaller).
	ThumbnailShortSide = pipeline.ThumbnailShortSide
	// MaxCaptures is MediaConvert's ceiling on frame captures per output.
	MaxCaptures = 10000
	// maxHRDBuffer is MediaConvert's ceiling on HrdBufferSize.
	maxHRDBuffer = 1_152_000_000
)

// Names MediaConvert uses to tie outputs to inputs.
const captionSelector = "Captions Selector %d"

// Keys of the job's user metadata.
const (
	MetadataAssetID = "assetId"
	MetadataTenant  = "tenant"
	// MetadataAttempt is the decimal attempt number. The complete function uses it to tell
	// an event of the job transcode has just submitted, and not yet recorded, from a stale one.
	MetadataAttempt = "attempt"
)

// Input is everything Build needs for one job.
type Input struct {
	// AssetID and Tenant identify the asset; both go into the job's user metadata, with Attempt.
	AssetID, Tenant string
	// Attempt is the 1-based attempt number (pipeline.Asset.Attempts+1 when submitting). With
	// AssetID it forms the client request token, so resubmitting the same attempt does not
	// start a second job.
	Attempt int
	// SourceURI is the master's S3 URI, s3://bucket/key.
	SourceURI string
	// DeliveryBucket is the bucket outputs are written to, under pipeline.AssetPrefix(AssetID).
	DeliveryBucket string
	// KMSKeyARN, when set, encrypts outputs with SSE-KMS under this key; otherwise the
	// delivery bucket's default encryption applies.
	KMSKeyARN string
	// Plan is the ladder to encode.
	Plan pipeline.Plan
	// Duration is the source's judged duration: the input is clipped to
	// pipeline.ClipDuration(Duration), and short titles space their thumbnails so the poster
	// (the second capture) exists.
	Duration time.Duration
	// MultiPass selects MULTI_PASS_HQ encoding, which MediaConvert bills at the professional
	// tier; the default is single-pass QVBR.
	MultiPass bool
	// Captions are the source's caption tracks. Those MediaConvert can read from inside the
	// source and turn into WebVTT (SupportedCaption) become WebVTT outputs; others are left out.
	Captions []pipeline.Caption
	// Queue and Role are the ARNs of the MediaConvert queue and the role the job runs as.
	Queue, Role string
	// ThumbnailInterval is the number of seconds between thumbnails, at least 1.
	ThumbnailInterval int
	// Tags are set on the job.
	Tags map[string]string
}

// Build returns the CreateJob request for in, or an error naming the first invalid field.
func Build(in Input) (*mediaconvert.CreateJobInput, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	layout := pipeline.LayoutFor(in.AssetID)
	dest := func(key string) *string { return aws.String("s3://" + in.DeliveryBucket + "/" + key) }

	input := types.Input{
		FileInput:      aws.String(in.SourceURI),
		TimecodeSource: types.InputTimecodeSourceZerobased,
		VideoSelector:  videoSelector(in.Plan),
		InputClippings: []types.InputClipping{{EndTimecode: aws.String(timecode(pipeline.ClipDuration(in.Duration)))}},
	}
	audio := in.Plan.AudioTracks
	if in.Plan.Audio && len(audio) == 0 {
		audio = []pipeline.AudioRendition{{Track: 1, Language: "und"}}
	}
	if in.Plan.Container == "mpegts" && len(audio) > 1 {
		// Transport streams number audio by PID, which the summary does not keep: the
		// default track only.
		audio = audio[:1]
	}
	if len(audio) > 0 {
		input.AudioSelectors = map[string]types.AudioSelector{}
	}
	for i, a := range audio {
		sel := types.AudioSelector{DefaultSelection: types.AudioDefaultSelectionDefault}
		if len(audio) > 1 {
			// Tracks are numbered among the source's audio tracks, from 1.
			sel.SelectorType, sel.Tracks = types.AudioSelectorTypeTrack, []int32{int32(a.Track)}
			if i > 0 {
				sel.DefaultSelection = types.AudioDefaultSelectionNotDefault
			}
		}
		input.AudioSelectors[audioSelectorName(i)] = sel
	}

	var outputs []types.Output
	for _, r := range in.Plan.Renditions {
		outputs = append(outputs, videoOutput(in.Plan, r, in.MultiPass))
	}
	for i, a := range audio {
		outputs = append(outputs, audioOutput(i, a))
	}
	selectors, captionOutputs := captions(in.Captions)
	if len(selectors) > 0 {
		input.CaptionSelectors = selectors
		outputs = append(outputs, captionOutputs...)
	}

	thumbW, thumbH := thumbnailSize(in.Plan.SourceWidth, in.Plan.SourceHeight)
	// The poster is the second capture: a title shorter than two intervals captures more
	// often, so that there is one.
	interval := pipeline.CaptureInterval(in.ThumbnailInterval, in.Duration)

	settings := &types.JobSettings{
		TimecodeConfig: &types.TimecodeConfig{Source: types.TimecodeSourceZerobased},
		Inputs:         []types.Input{input},
		OutputGroups: []types.OutputGroup{
			{
				Name: aws.String("HLS and DASH"),
				OutputGroupSettings: &types.OutputGroupSettings{
					Type: types.OutputGroupTypeCmafGroupSettings,
					CmafGroupSettings: &types.CmafGroupSettings{
						Destination:            dest(layout.Base),
						DestinationSettings:    in.destinationSettings(),
						SegmentControl:         types.CmafSegmentControlSegmentedFiles,
						SegmentLength:          aws.Int32(SegmentSeconds),
						SegmentLengthControl:   types.CmafSegmentLengthControlGopMultiple,
						FragmentLength:         aws.Int32(GOPSeconds),
						WriteHlsManifest:       types.CmafWriteHLSManifestEnabled,
						WriteDashManifest:      types.CmafWriteDASHManifestEnabled,
						MpdProfile:             types.CmafMpdProfileMainProfile,
						CodecSpecification:     types.CmafCodecSpecificationRfc6381,
						StreamInfResolution:    types.CmafStreamInfResolutionInclude,
						ManifestDurationFormat: types.CmafManifestDurationFormatFloatingPoint,
						ClientCache:            types.CmafClientCacheEnabled,
					},
				},
				Outputs: outputs,
			},
			frameCaptureGroup("Thumbnails and poster", dest(layout.ThumbnailBase), in.destinationSettings(), thumbW, thumbH, 1, int32(interval), MaxCaptures, in.Plan.Deinterlace),
		},
	}

	job := &mediaconvert.CreateJobInput{
		Role:                 aws.String(in.Role),
		Queue:                aws.String(in.Queue),
		Settings:             settings,
		ClientRequestToken:   aws.String(in.AssetID + "-" + strconv.Itoa(in.Attempt)),
		UserMetadata:         map[string]string{MetadataAssetID: in.AssetID, MetadataTenant: in.Tenant, MetadataAttempt: strconv.Itoa(in.Attempt)},
		AccelerationSettings: &types.AccelerationSettings{Mode: types.AccelerationModeDisabled},
		StatusUpdateInterval: types.StatusUpdateIntervalSeconds60,
		BillingTagsSource:    types.BillingTagsSourceJob,
	}
	if len(in.Tags) > 0 {
		job.Tags = make(map[string]string, len(in.Tags))
		for k, v := range in.Tags {
			job.Tags[k] = v
		}
	}
	return job, nil
}

func (in Input) validate() error {
	switch {
	case in.AssetID == "":
		return errors.New("mcjob: AssetID is empty")
	case in.Tenant == "":
		return errors.New("mcjob: Tenant is empty")
	case in.Attempt < 1:
		return fmt.Errorf("mcjob: Attempt %d is below 1", in.Attempt)
	case !isS3URI(in.SourceURI):
		return fmt.Errorf("mcjob: SourceURI %q is not an s3://bucket/key URI", in.SourceURI)
	case in.DeliveryBucket == "" || strings.ContainsAny(in.DeliveryBucket, "/:"):
		return fmt.Errorf("mcjob: DeliveryBucket %q is not a bucket name", in.DeliveryBucket)
	case in.KMSKeyARN != "" && !strings.HasPrefix(in.KMSKeyARN, "arn:"):
		return fmt.Errorf("mcjob: KMSKeyARN %q is not an ARN", in.KMSKeyARN)
	case !strings.HasPrefix(in.Queue, "arn:"):
		return fmt.Errorf("mcjob: Queue %q is not an ARN", in.Queue)
	case !strings.HasPrefix(in.Role, "arn:"):
		return fmt.Errorf("mcjob: Role %q is not an ARN", in.Role)
	case in.ThumbnailInterval < 1:
		return fmt.Errorf("mcjob: ThumbnailInterval %d is below 1 second", in.ThumbnailInterval)
	case in.Duration <= 0:
		return fmt.Errorf("mcjob: Duration %v is not positive: ingest rejects uploads of unknown duration", in.Duration)
	case in.Duration > 24*time.Hour:
		return fmt.Errorf("mcjob: Duration %v is above the 24-hour clip a timecode can state", in.Duration)
	case in.Plan.Codec != pipeline.CodecH264 && in.Plan.Codec != pipeline.CodecHEVC:
		return fmt.Errorf("mcjob: Plan.Codec %q is not %q or %q", in.Plan.Codec, pipeline.CodecH264, pipeline.CodecHEVC)
	case len(in.Plan.Renditions) == 0:
		return errors.New("mcjob: Plan.Renditions is empty")
	case in.Plan.SourceWidth < 2 || in.Plan.SourceHeight < 2:
		return fmt.Errorf("mcjob: Plan source size %dx%d is too small", in.Plan.SourceWidth, in.Plan.SourceHeight)
	}
	for i, r := range in.Plan.Renditions {
		switch {
		case r.Width < 2 || r.Height < 2 || r.Width%2 != 0 || r.Height%2 != 0:
			return fmt.Errorf("mcjob: Plan.Renditions[%d] size %dx%d is not even and positive", i, r.Width, r.Height)
		case r.Width > in.Plan.SourceWidth || r.Height > in.Plan.SourceHeight:
			return fmt.Errorf("mcjob: Plan.Renditions[%d] size %dx%d is larger than the %dx%d source", i, r.Width, r.Height, in.Plan.SourceWidth, in.Plan.SourceHeight)
		case r.MaxBitrate < 1000 || r.MaxBitrate > maxHRDBuffer:
			return fmt.Errorf("mcjob: Plan.Renditions[%d].MaxBitrate %d is outside 1000..%d", i, r.MaxBitrate, maxHRDBuffer)
		}
	}
	return nil
}

func isS3URI(uri string) bool {
	rest, ok := strings.CutPrefix(uri, "s3://")
	bucket, key, _ := strings.Cut(rest, "/")
	return ok && bucket != "" && key != ""
}

func (in Input) destinationSettings() *types.DestinationSettings {
	if in.KMSKeyARN == "" {
		return nil
	}
	return &types.DestinationSettings{S3Settings: &types.S3DestinationSettings{
		Encryption: &types.S3EncryptionSettings{
			EncryptionType: types.S3ServerSideEncryptionTypeServerSideEncryptionKms,
			KmsKeyArn:      aws.String(in.KMSKeyARN),
		},
	}}
}

// qvbrLevel is the QVBR quality target: AWS recommends 7 up to 720p and 8 above, where the
// extra detail is visible.
func qvbrLevel(r pipeline.Rendition) int32 {
	if min(r.Width, r.Height) > 720 {
		return 8
	}
	return 7
}

// videoSelector applies the source's rotation: AUTO where MediaConvert reads the display
// matrix itself (MOV and MP4), the planned angle everywhere else (Matroska's projection roll,
// for one), and tags HDR sources with their colour space.
func videoSelector(plan pipeline.Plan) *types.VideoSelector {
	vs := &types.VideoSelector{Rotate: types.InputRotateAuto}
	switch plan.Container {
	case "", "mp4", "mov":
	default:
		vs.Rotate = map[int]types.InputRotate{0: types.InputRotateDegree0, 90: types.InputRotateDegrees90,
			180: types.InputRotateDegrees180, 270: types.InputRotateDegrees270}[plan.Rotation]
	}
	switch plan.SourceHDR {
	case "hdr10":
		vs.ColorSpace, vs.ColorSpaceUsage = types.ColorSpaceHdr10, types.ColorSpaceUsageFallback
	case "hlg":
		vs.ColorSpace, vs.ColorSpaceUsage = types.ColorSpaceHlg2020, types.ColorSpaceUsageFallback
	}
	return vs
}

// timecode renders d as the zero-based HH:MM:SS:FF timecode input clipping takes.
func timecode(d time.Duration) string {
	s := int(d / time.Second)
	return fmt.Sprintf("%02d:%02d:%02d:00", s/3600, s/60%60, s%60)
}

func videoOutput(plan pipeline.Plan, r pipeline.Rendition, multiPass bool) types.Output {
	maxBitrate := int32(r.MaxBitrate)
	hrd := int32(min(2*r.MaxBitrate, maxHRDBuffer))
	cs := &types.VideoCodecSettings{}
	if plan.Codec == pipeline.CodecHEVC {
		tuning, profile, sei := types.H265QualityTuningLevelSinglePassHq, types.H265CodecProfileMainMain, types.H265AlternateTransferFunctionSeiDisabled
		if multiPass {
			tuning = types.H265QualityTuningLevelMultiPassHq
		}
		if plan.HDR != "" {
			profile = types.H265CodecProfileMain10Main
		}
		if plan.HDR == "hlg" {
			sei = types.H265AlternateTransferFunctionSeiEnabled // HLG's SDR-compatible signalling
		}
		cs.Codec = types.VideoCodecH265
		cs.H265Settings = &types.H265Settings{
			RateControlMode:              types.H265RateControlModeQvbr,
			QvbrSettings:                 &types.H265QvbrSettings{QvbrQualityLevel: aws.Int32(qvbrLevel(r))},
			MaxBitrate:                   aws.Int32(maxBitrate),
			HrdBufferSize:                aws.Int32(hrd),
			GopSize:                      aws.Float64(GOPSeconds),
			GopSizeUnits:                 types.H265GopSizeUnitsSeconds,
			GopClosedCadence:             aws.Int32(1),
			MinIInterval:                 aws.Int32(0),
			SceneChangeDetect:            types.H265SceneChangeDetectDisabled,
			QualityTuningLevel:           tuning,
			CodecProfile:                 profile,
			CodecLevel:                   types.H265CodecLevelAuto,
			ParControl:                   types.H265ParControlSpecified,
			ParNumerator:                 aws.Int32(1),
			ParDenominator:               aws.Int32(1),
			AdaptiveQuantization:         types.H265AdaptiveQuantizationAuto,
			WriteMp4PackagingType:        types.H265WriteMp4PackagingTypeHvc1, // hvc1 is what Apple players require
			AlternateTransferFunctionSei: sei,
		}
		cs.H265Settings.FramerateControl, cs.H265Settings.FramerateNumerator, cs.H265Settings.FramerateDenominator = h265Rate(plan.OutputFrameRate)
	} else {
		tuning := types.H264QualityTuningLevelSinglePassHq
		if multiPass {
			tuning = types.H264QualityTuningLevelMultiPassHq
		}
		cs.Codec = types.VideoCodecH264
		cs.H264Settings = &types.H264Settings{
			RateControlMode:      types.H264RateControlModeQvbr,
			QvbrSettings:         &types.H264QvbrSettings{QvbrQualityLevel: aws.Int32(qvbrLevel(r))},
			MaxBitrate:           aws.Int32(maxBitrate),
			HrdBufferSize:        aws.Int32(hrd),
			GopSize:              aws.Float64(GOPSeconds),
			GopSizeUnits:         types.H264GopSizeUnitsSeconds,
			GopClosedCadence:     aws.Int32(1),
			MinIInterval:         aws.Int32(0),
			SceneChangeDetect:    types.H264SceneChangeDetectDisabled,
			QualityTuningLevel:   tuning,
			CodecProfile:         types.H264CodecProfileHigh,
			CodecLevel:           types.H264CodecLevelAuto,
			ParControl:           types.H264ParControlSpecified,
			ParNumerator:         aws.Int32(1),
			ParDenominator:       aws.Int32(1),
			AdaptiveQuantization: types.H264AdaptiveQuantizationAuto,
		}
		cs.H264Settings.FramerateControl, cs.H264Settings.FramerateNumerator, cs.H264Settings.FramerateDenominator = h264Rate(plan.OutputFrameRate)
	}
	vd := &types.VideoDescription{
		Width:  aws.Int32(int32(r.Width)),
		Height: aws.Int32(int32(r.Height)),
		// The planned size has the source's display aspect ratio up to even rounding and the
		// outputs have square pixels, so stretching moves the picture by under a pixel and an
		// anamorphic source comes out at its display shape, where DEFAULT would pad.
		ScalingBehavior: types.ScalingBehaviorStretchToOutput,
		CodecSettings:   cs,
	}
	switch {
	case plan.HDR == "hdr10":
		vd.ColorMetadata = types.ColorMetadataInsert
		vd.VideoPreprocessors = &types.VideoPreprocessor{ColorCorrector: &types.ColorCorrector{ColorSpaceConversion: types.ColorSpaceConversionForceHdr10}}
	case plan.HDR == "hlg":
		vd.ColorMetadata = types.ColorMetadataInsert
		vd.VideoPreprocessors = &types.VideoPreprocessor{ColorCorrector: &types.ColorCorrector{ColorSpaceConversion: types.ColorSpaceConversionForceHlg2020}}
	case plan.SourceHDR != "":
		// An HDR source in an SDR codec: map it to BT.709 rather than show washed-out PQ.
		vd.VideoPreprocessors = &types.VideoPreprocessor{ColorCorrector: &types.ColorCorrector{
			ColorSpaceConversion: types.ColorSpaceConversionForce709, HdrToSdrToneMapper: types.HDRToSDRToneMapperPreserveDetails}}
	}
	if plan.Deinterlace {
		if vd.VideoPreprocessors == nil {
			vd.VideoPreprocessors = &types.VideoPreprocessor{}
		}
		vd.VideoPreprocessors.Deinterlacer = deinterlacer()
	}
	return types.Output{
		NameModifier:      aws.String(fmt.Sprintf("_%dx%d", r.Width, r.Height)),
		ContainerSettings: &types.ContainerSettings{Container: types.ContainerTypeCmfc, CmfcSettings: &types.CmfcSettings{}},
		VideoDescription:  vd,
	}
}

// frameRate is the plan's output rate as MediaConvert's rational: none (follow the source)
// when the plan keeps the source's rate, else whole frames per second, or over 1001 for
// NTSC-style rates (59.94).
func frameRate(fps float64) (specified bool, num, den int32) {
	if fps <= 0 {
		return false, 0, 0
	}
	if n := math.Round(fps); math.Abs(fps-n) < 0.001 {
		return true, int32(n), 1
	}
	return true, int32(math.Round(fps * 1001)), 1001
}

func h264Rate(fps float64) (types.H264FramerateControl, *int32, *int32) {
	if ok, n, d := frameRate(fps); ok {
		return types.H264FramerateControlSpecified, aws.Int32(n), aws.Int32(d)
	}
	return types.H264FramerateControlInitializeFromSource, nil, nil
}

func h265Rate(fps float64) (types.H265FramerateControl, *int32, *int32) {
	if ok, n, d := frameRate(fps); ok {
		return types.H265FramerateControlSpecified, aws.Int32(n), aws.Int32(d)
	}
	return types.H265FramerateControlInitializeFromSource, nil, nil
}

// audioSelectorName names the selector of the i-th audio rendition.
func audioSelectorName(i int) string { return fmt.Sprintf("Audio Selector %d", i+1) }

// downmix is the matrix, in dB per input channel, folding 5.1 (L R C LFE Ls Rs) and 7.1
// (L R C LFE Ls Rs Lb Rb) to stereo as ITU-R BS.775 does: centre and surrounds at -3 dB, LFE
// dropped (-60 dB is MediaConvert's silence).
var downmix = map[int][2][]int32{
	6: {{0, -60, -3, -60, -3, -60}, {-60, 0, -3, -60, -60, -3}},
	8: {{0, -60, -3, -60, -3, -60, -3, -60}, {-60, 0, -3, -60, -60, -3, -60, -3}},
}

func audioOutput(i int, a pipeline.AudioRendition) types.Output {
	desc := types.AudioDescription{
		AudioSourceName: aws.String(audioSelectorName(i)),
		CodecSettings: &types.AudioCodecSettings{
			Codec: types.AudioCodecAac,
			AacSettings: &types.AacSettings{
				Bitrate:         aws.Int32(AudioBitrate),
				CodingMode:      types.AacCodingModeCodingMode20,
				SampleRate:      aws.Int32(48000),
				CodecProfile:    types.AacCodecProfileLc,
				RateControlMode: types.AacRateControlModeCbr,
			},
		},
	}
	if lang := languageCode(a.Language); lang != "" {
		desc.LanguageCode, desc.LanguageCodeControl = lang, types.AudioLanguageCodeControlUseConfigured
	}
	if m, ok := downmix[a.Channels]; ok && a.Downmix {
		desc.RemixSettings = &types.RemixSettings{
			ChannelsIn:  aws.Int32(int32(a.Channels)),
			ChannelsOut: aws.Int32(2),
			ChannelMapping: &types.ChannelMapping{OutputChannels: []types.OutputChannelMapping{
				{InputChannels: m[0]}, {InputChannels: m[1]},
			}},
		}
	}
	track := types.CmfcAudioTrackTypeAlternateAudioAutoSelect
	if i == 0 {
		track = types.CmfcAudioTrackTypeAlternateAudioAutoSelectDefault
	}
	return types.Output{
		NameModifier: aws.String(fmt.Sprintf("_audio_%d", i+1)),
		// Every audio output is in MediaConvert's default audio group, which every video
		// rendition lists by default: the manifests offer each track with each rendition.
		ContainerSettings: &types.ContainerSettings{Container: types.ContainerTypeCmfc, CmfcSettings: &types.CmfcSettings{AudioTrackType: track}},
		AudioDescriptions: []types.AudioDescription{desc},
	}
}

// deinterlacer turns an interlaced source's fields into progressive frames: motion-adaptive
// interpolation, and NORMAL control, which leaves alone frames the source tags progressive
// (a mixed or mostly progressive source keeps its progressive frames untouched).
func deinterlacer() *types.Deinterlacer {
	return &types.Deinterlacer{Mode: types.DeinterlacerModeDeinterlace, Algorithm: types.DeinterlaceAlgorithmInterpolate, Control: types.DeinterlacerControlNormal}
}

func frameCaptureGroup(name string, destination *string, ds *types.DestinationSettings, width, height int, num, den, maxCaptures int32, deinterlace bool) types.OutputGroup {
	var pre *types.VideoPreprocessor
	if deinterlace {
		pre = &types.VideoPreprocessor{Deinterlacer: deinterlacer()}
	}
	return types.OutputGroup{
		Name: aws.String(name),
		OutputGroupSettings: &types.OutputGroupSettings{
			Type:              types.OutputGroupTypeFileGroupSettings,
			FileGroupSettings: &types.FileGroupSettings{Destination: destination, DestinationSettings: ds},
		},
		Outputs: []types.Output{{
			ContainerSettings: &types.ContainerSettings{Container: types.ContainerTypeRaw},
			VideoDescription: &types.VideoDescription{
				Width:              aws.Int32(int32(width)),
				Height:             aws.Int32(int32(height)),
				ScalingBehavior:    types.ScalingBehaviorStretchToOutput,
				VideoPreprocessors: pre,
				CodecSettings: &types.VideoCodecSettings{
					Codec: types.VideoCodecFrameCapture,
					FrameCaptureSettings: &types.FrameCaptureSettings{
						FramerateNumerator:   aws.Int32(num),
						FramerateDenominator: aws.Int32(den),
						MaxCaptures:          aws.Int32(maxCaptures),
						Quality:              aws.Int32(80),
					},
				},
			},
		}},
	}
}

// thumbnailSize is pipeline.ThumbnailSize: every home's thumbnails have the same size.
func thumbnailSize(w, h int) (int, int) { return pipeline.ThumbnailSize(w, h) }
