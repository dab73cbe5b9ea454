// Package mcjob builds AWS Elemental MediaConvert CreateJob requests from a pipeline.Plan.
//
// One job writes everything a title needs into the delivery bucket under
// pipeline.LayoutFor(assetID):
//
//   - one CMAF output group whose segments serve both HLS (index.m3u8) and DASH (index.mpd):
//     one video output per rendition, QVBR-encoded with the rendition's MaxBitrate as the peak,
//     2 s closed GOPs and 6 s segments so every rendition switches on the same boundaries; one
//     AAC audio output when the source has audio; one WebVTT output per caption track
//     MediaConvert can read from the source file;
//   - a poster frame (file group, frame capture) at the top rendition's size;
//   - thumbnails every ThumbnailInterval seconds (file group, frame capture).
//
// Every value comes from the SDK's types and enums, and the request carries the asset id and
// tenant as user metadata so the job state change event leads back to the asset.
package mcjob

import (
	"errors"
	"fmt"
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
const (
	audioSelector   = "Audio Selector 1"
	captionSelector = "Captions Selector %d"
)

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
	// Duration is the source's duration; it places the poster frame (pipeline.PosterSecond).
	Duration time.Duration
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
		// AUTO applies the source's rotation metadata, so the planned display-oriented sizes
		// come out upright.
		VideoSelector: &types.VideoSelector{Rotate: types.InputRotateAuto},
	}
	if in.Plan.Audio {
		input.AudioSelectors = map[string]types.AudioSelector{
			audioSelector: {DefaultSelection: types.AudioDefaultSelectionDefault},
		}
	}

	var outputs []types.Output
	for _, r := range in.Plan.Renditions {
		outputs = append(outputs, videoOutput(in.Plan.Codec, r))
	}
	if in.Plan.Audio {
		outputs = append(outputs, audioOutput())
	}
	selectors, captionOutputs := captions(in.Captions)
	if len(selectors) > 0 {
		input.CaptionSelectors = selectors
		outputs = append(outputs, captionOutputs...)
	}

	top := in.Plan.Renditions[0]
	thumbW, thumbH := thumbnailSize(in.Plan.SourceWidth, in.Plan.SourceHeight)
	posterAt := pipeline.PosterSecond(in.Duration)
	posterCaptures := 2 // the first frame, then the one posterAt seconds in
	if posterAt == 0 {
		posterAt, posterCaptures = 1, 1
	}

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
			frameCaptureGroup("Poster", dest(layout.PosterBase), in.destinationSettings(), top.Width, top.Height, 1, int32(posterAt), int32(posterCaptures)),
			frameCaptureGroup("Thumbnails", dest(layout.ThumbnailBase), in.destinationSettings(), thumbW, thumbH, 1, int32(in.ThumbnailInterval), MaxCaptures),
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

func videoOutput(codec string, r pipeline.Rendition) types.Output {
	maxBitrate := int32(r.MaxBitrate)
	hrd := int32(min(2*r.MaxBitrate, maxHRDBuffer))
	cs := &types.VideoCodecSettings{}
	if codec == pipeline.CodecHEVC {
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
			QualityTuningLevel:           types.H265QualityTuningLevelMultiPassHq,
			CodecProfile:                 types.H265CodecProfileMainMain,
			CodecLevel:                   types.H265CodecLevelAuto,
			FramerateControl:             types.H265FramerateControlInitializeFromSource,
			ParControl:                   types.H265ParControlSpecified,
			ParNumerator:                 aws.Int32(1),
			ParDenominator:               aws.Int32(1),
			AdaptiveQuantization:         types.H265AdaptiveQuantizationAuto,
			WriteMp4PackagingType:        types.H265WriteMp4PackagingTypeHvc1, // hvc1 is what Apple players require
			AlternateTransferFunctionSei: types.H265AlternateTransferFunctionSeiDisabled,
		}
	} else {
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
			QualityTuningLevel:   types.H264QualityTuningLevelMultiPassHq,
			CodecProfile:         types.H264CodecProfileHigh,
			CodecLevel:           types.H264CodecLevelAuto,
			FramerateControl:     types.H264FramerateControlInitializeFromSource,
			ParControl:           types.H264ParControlSpecified,
			ParNumerator:         aws.Int32(1),
			ParDenominator:       aws.Int32(1),
			AdaptiveQuantization: types.H264AdaptiveQuantizationAuto,
		}
	}
	return types.Output{
		NameModifier:      aws.String(fmt.Sprintf("_%dx%d", r.Width, r.Height)),
		ContainerSettings: &types.ContainerSettings{Container: types.ContainerTypeCmfc, CmfcSettings: &types.CmfcSettings{}},
		VideoDescription: &types.VideoDescription{
			Width:  aws.Int32(int32(r.Width)),
			Height: aws.Int32(int32(r.Height)),
			// The planned size has the source's aspect ratio up to even rounding, so stretching
			// moves the picture by under a pixel, where DEFAULT would pad a 1-pixel black bar.
			ScalingBehavior: types.ScalingBehaviorStretchToOutput,
			CodecSettings:   cs,
		},
	}
}

func audioOutput() types.Output {
	return types.Output{
		NameModifier:      aws.String("_audio"),
		ContainerSettings: &types.ContainerSettings{Container: types.ContainerTypeCmfc, CmfcSettings: &types.CmfcSettings{}},
		AudioDescriptions: []types.AudioDescription{{
			AudioSourceName: aws.String(audioSelector),
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
		}},
	}
}

func frameCaptureGroup(name string, destination *string, ds *types.DestinationSettings, width, height int, num, den, maxCaptures int32) types.OutputGroup {
	return types.OutputGroup{
		Name: aws.String(name),
		OutputGroupSettings: &types.OutputGroupSettings{
			Type:              types.OutputGroupTypeFileGroupSettings,
			FileGroupSettings: &types.FileGroupSettings{Destination: destination, DestinationSettings: ds},
		},
		Outputs: []types.Output{{
			ContainerSettings: &types.ContainerSettings{Container: types.ContainerTypeRaw},
			VideoDescription: &types.VideoDescription{
				Width:           aws.Int32(int32(width)),
				Height:          aws.Int32(int32(height)),
				ScalingBehavior: types.ScalingBehaviorStretchToOutput,
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
