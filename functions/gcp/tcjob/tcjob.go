// Package tcjob builds Google Cloud Transcoder API jobs from a pipeline.Plan.
//
// One job writes everything a title needs into the delivery bucket under
// pipeline.AssetPrefix(assetID), as mcjob does for MediaConvert:
//
//   - one video elementary stream per rendition (H.264 or H.265, two-pass VBR with the
//     rendition's MaxBitrate, 2 s closed GOPs) and one AAC stereo stream when the source has
//     audio, each multiplexed into its own fMP4 stream of 6 s segments;
//   - one HLS manifest (index.m3u8) and one DASH manifest (index.mpd) over the same fMP4
//     segments, so both protocols share one copy of the media;
//   - a WebVTT stream per caption track the Transcoder API can read (text tracks, see
//     SupportedCaption), listed in the HLS manifest;
//   - a poster at the top rendition's size, named as pipeline.LayoutWith(id,
//     pipeline.TranscoderSprites).PosterKey expects, and thumbnails every ThumbnailInterval
//     seconds (one sprite per sheet, so each sheet is one image);
//   - labels carrying the asset id and attempt, which is how the adapter finds an existing job
//     before creating one (CreateJob has no idempotency token) and how completion leads back
//     to the asset, and a pubsubDestination for the completion notification.
package tcjob

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"cloud.google.com/go/video/transcoder/apiv1/transcoderpb"
	"golang.org/x/text/language"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/ottkit/ottkit/functions/pipeline"
)

// Encoding constants shared by every rendition; they match mcjob's so a title looks the same
// on either cloud.
const (
	// GOPSeconds is the closed GOP length; SegmentSeconds is a multiple of it, as the API
	// requires, so segments of every rendition start on the same keyframe.
	GOPSeconds = 2
	// SegmentSeconds is the fMP4 segment length.
	SegmentSeconds = 6
	// AudioBitrate is the AAC stereo bitrate in bits per second.
	AudioBitrate = 128_000
	// ThumbnailShortSide is the thumbnails' shorter side in pixels (or the source's, if smaller).
	ThumbnailShortSide = 180
	// MaxFrameRate is the API's ceiling on a video stream's frame rate.
	MaxFrameRate = 120
	// MaxBitrate is the API's ceiling on a video stream's bitrate, in bits per second.
	MaxBitrate = 800_000_000
	// SpriteQuality is the JPEG quality of posters and thumbnails (1..100).
	SpriteQuality = 80
)

// The labels Build sets on every job.
const (
	// LabelAsset holds the asset id.
	LabelAsset = "ottkit-asset"
	// LabelAttempt holds the decimal attempt number.
	LabelAttempt = "ottkit-attempt"
)

// Keys the job config uses to tie its parts together.
const (
	inputKey   = "source"
	atomKey    = "atom0"
	audioKey   = "audio"
	audioMux   = "audio-fmp4"
	videoKeyF  = "video-%dx%d"
	captionKey = "captions%d"
)

// Output names, relative to the asset prefix; they are pipeline.LayoutWith(id,
// pipeline.TranscoderSprites)'s. The sprite sheets get a 10-digit counter and ".jpeg" from the
// API: poster0000000001.jpeg, thumbs/thumb0000000003.jpeg.
const (
	// HLSFile and DASHFile are the manifests' names, matching pipeline.Layout.
	HLSFile  = "index.m3u8"
	DASHFile = "index.mpd"
	// PosterPrefix and ThumbnailPrefix are the sprite sheets' file prefixes.
	PosterPrefix    = "poster"
	ThumbnailPrefix = "thumbs/thumb"
)

// SpriteKey is the delivery key of the n-th sprite sheet (0-based) written with file prefix
// filePrefix for asset id: "assets/<id>/thumbs/thumb0000000003.jpeg".
func SpriteKey(id, filePrefix string, n int) string {
	return fmt.Sprintf("%s%s%010d.jpeg", pipeline.AssetPrefix(id), filePrefix, n)
}

// Caption is one caption track of the source the job may turn into WebVTT.
type Caption struct {
	// Track is the zero-based index of the track in the source file, as the API's text
	// mapping needs it.
	Track int
	// Codec and Language are as pipeline.Caption has them (probe's names, ISO 639-2).
	Codec, Language string
}

// Input is everything Build needs for one job.
type Input struct {
	// AssetID identifies the asset; with Attempt it goes into the job's labels.
	AssetID string
	// Attempt is the 1-based attempt number (pipeline.Asset.Attempts+1 when submitting).
	Attempt int
	// SourceURI is the master's Cloud Storage URI, gs://bucket/key.
	SourceURI string
	// DeliveryBucket is the bucket outputs are written to, under pipeline.AssetPrefix(AssetID).
	DeliveryBucket string
	// Topic is the Pub/Sub topic the API notifies on completion: projects/<p>/topics/<t>.
	Topic string
	// Plan is the ladder to encode.
	Plan pipeline.Plan
	// Rotation is the source's display rotation (0, 90, 180, 270). The API applies rotation
	// metadata itself and wants sizes in the coded orientation, so Build swaps the planned
	// (display) width and height at 90 and 270.
	Rotation int
	// Duration is the source's duration; it places the poster (pipeline.PosterSecond).
	Duration time.Duration
	// Captions are the source's caption tracks; those SupportedCaption accepts become WebVTT.
	Captions []Caption
	// ThumbnailInterval is the number of seconds between thumbnails, at least 1.
	ThumbnailInterval int
	// Labels are extra job labels (for billing reports); they may not use the ottkit- keys.
	Labels map[string]string
}

// labelKey and labelValue are the API's label syntax: keys start with a lowercase letter,
// both are at most 63 lowercase letters, digits, '_' and '-'.
var (
	labelKey   = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,62}$`)
	labelValue = regexp.MustCompile(`^[a-z0-9_-]{0,63}$`)
	topicName  = regexp.MustCompile(`^projects/[a-z][a-z0-9-]{4,28}[a-z0-9]/topics/[A-Za-z][A-Za-z0-9._~%+-]{2,254}$`)
	bucketName = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$`)
)

// preprocessing deinterlaces an interlaced source for every output, sprites included: bwdif,
// one frame per frame (the source's frame rate), field order from the stream, and only the
// frames the source flags interlaced. A progressive source gets none.
func preprocessing(p pipeline.Plan) *transcoderpb.PreprocessingConfig {
	if !p.Deinterlace {
		return nil
	}
	return &transcoderpb.PreprocessingConfig{Deinterlace: &transcoderpb.PreprocessingConfig_Deinterlace{
		DeinterlacingFilter: &transcoderpb.PreprocessingConfig_Deinterlace_Bwdif{Bwdif: &transcoderpb.PreprocessingConfig_Deinterlace_BwdifConfig{
			Mode: "send_frame", Parity: "auto"}},
	}}
}

// Build returns the job for in (Job.Config set, ready for CreateJobRequest), or an error
// naming the first invalid field.
func Build(in Input) (*transcoderpb.Job, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	cfg := &transcoderpb.JobConfig{
		Inputs:            []*transcoderpb.Input{{Key: inputKey, Uri: in.SourceURI, PreprocessingConfig: preprocessing(in.Plan)}},
		EditList:          []*transcoderpb.EditAtom{{Key: atomKey, Inputs: []string{inputKey}}},
		Output:            &transcoderpb.Output{Uri: "gs://" + in.DeliveryBucket + "/" + pipeline.AssetPrefix(in.AssetID)},
		PubsubDestination: &transcoderpb.PubsubDestination{Topic: in.Topic},
	}
	var fmp4 []string
	for _, r := range in.Plan.Renditions {
		key := fmt.Sprintf(videoKeyF, r.Width, r.Height)
		w, h := in.coded(r.Width, r.Height)
		cfg.ElementaryStreams = append(cfg.ElementaryStreams, &transcoderpb.ElementaryStream{
			Key:              key,
			ElementaryStream: &transcoderpb.ElementaryStream_VideoStream{VideoStream: videoStream(in.Plan, w, h, r.MaxBitrate)},
		})
		mux := &transcoderpb.MuxStream{
			Key: key + "-fmp4", Container: "fmp4", ElementaryStreams: []string{key},
			SegmentSettings: segments(),
		}
		if in.Plan.Codec == pipeline.CodecHEVC {
			// hvc1 is what Apple players require.
			mux.ContainerConfig = &transcoderpb.MuxStream_Fmp4{Fmp4: &transcoderpb.MuxStream_Fmp4Config{CodecTag: "hvc1"}}
		}
		cfg.MuxStreams = append(cfg.MuxStreams, mux)
		fmp4 = append(fmp4, mux.Key)
	}
	if in.Plan.Audio {
		cfg.ElementaryStreams = append(cfg.ElementaryStreams, &transcoderpb.ElementaryStream{
			Key: audioKey,
			ElementaryStream: &transcoderpb.ElementaryStream_AudioStream{AudioStream: &transcoderpb.AudioStream{
				Codec: "aac", BitrateBps: AudioBitrate, ChannelCount: 2, ChannelLayout: []string{"fl", "fr"},
				SampleRateHertz: 48000,
			}},
		})
		cfg.MuxStreams = append(cfg.MuxStreams, &transcoderpb.MuxStream{
			Key: audioMux, Container: "fmp4", ElementaryStreams: []string{audioKey}, SegmentSettings: segments(),
		})
		fmp4 = append(fmp4, audioMux)
	}
	hls := append([]string(nil), fmp4...)
	n := 0
	for _, c := range in.Captions {
		if !SupportedCaption(c.Codec) {
			continue
		}
		n++
		key := fmt.Sprintf(captionKey, n)
		ts := &transcoderpb.TextStream{
			Codec:   "webvtt",
			Mapping: []*transcoderpb.TextStream_TextMapping{{AtomKey: atomKey, InputKey: inputKey, InputTrack: int32(c.Track)}},
		}
		if tag := languageTag(c.Language); tag != "" {
			ts.LanguageCode = tag
		}
		cfg.ElementaryStreams = append(cfg.ElementaryStreams, &transcoderpb.ElementaryStream{
			Key: key, ElementaryStream: &transcoderpb.ElementaryStream_TextStream{TextStream: ts},
		})
		cfg.MuxStreams = append(cfg.MuxStreams, &transcoderpb.MuxStream{
			Key: key + "-vtt", Container: "vtt", ElementaryStreams: []string{key}, SegmentSettings: segments(),
		})
		// DASH manifests take fMP4 streams only; WebVTT segments are listed in HLS.
		hls = append(hls, key+"-vtt")
	}
	cfg.Manifests = []*transcoderpb.Manifest{
		{FileName: HLSFile, Type: transcoderpb.Manifest_HLS, MuxStreams: hls},
		{
			FileName: DASHFile, Type: transcoderpb.Manifest_DASH, MuxStreams: fmp4,
			ManifestConfig: &transcoderpb.Manifest_Dash{Dash: &transcoderpb.Manifest_DashConfig{
				SegmentReferenceScheme: transcoderpb.Manifest_DashConfig_SEGMENT_TEMPLATE_NUMBER,
			}},
		},
	}
	cfg.SpriteSheets = in.sprites()

	labels := map[string]string{LabelAsset: in.AssetID, LabelAttempt: strconv.Itoa(in.Attempt)}
	for k, v := range in.Labels {
		labels[k] = v
	}
	return &transcoderpb.Job{
		JobConfig:              &transcoderpb.Job_Config{Config: cfg},
		Labels:                 labels,
		Mode:                   transcoderpb.Job_PROCESSING_MODE_INTERACTIVE,
		Optimization:           transcoderpb.Job_AUTODETECT,
		TtlAfterCompletionDays: 30,
	}, nil
}

// Filter is the ListJobs filter that finds the job of an asset's attempt by its labels.
func Filter(assetID string, attempt int) string {
	return fmt.Sprintf("labels.%s=%q AND labels.%s=%q", LabelAsset, assetID, LabelAttempt, strconv.Itoa(attempt))
}

func (in Input) validate() error {
	switch {
	case in.AssetID == "" || !labelValue.MatchString(in.AssetID):
		return fmt.Errorf("tcjob: AssetID %q is not a label value (lowercase letters, digits, _ and -, at most 63)", in.AssetID)
	case in.Attempt < 1:
		return fmt.Errorf("tcjob: Attempt %d is below 1", in.Attempt)
	case !isGSURI(in.SourceURI):
		return fmt.Errorf("tcjob: SourceURI %q is not a gs://bucket/object URI", in.SourceURI)
	case !bucketName.MatchString(in.DeliveryBucket):
		return fmt.Errorf("tcjob: DeliveryBucket %q is not a bucket name", in.DeliveryBucket)
	case !topicName.MatchString(in.Topic):
		return fmt.Errorf("tcjob: Topic %q is not projects/<project>/topics/<topic>", in.Topic)
	case in.ThumbnailInterval < 1:
		return fmt.Errorf("tcjob: ThumbnailInterval %d is below 1 second", in.ThumbnailInterval)
	case in.Rotation != 0 && in.Rotation != 90 && in.Rotation != 180 && in.Rotation != 270:
		return fmt.Errorf("tcjob: Rotation %d is not 0, 90, 180 or 270", in.Rotation)
	case in.Plan.Codec != pipeline.CodecH264 && in.Plan.Codec != pipeline.CodecHEVC:
		return fmt.Errorf("tcjob: Plan.Codec %q is not %q or %q", in.Plan.Codec, pipeline.CodecH264, pipeline.CodecHEVC)
	case len(in.Plan.Renditions) == 0:
		return errors.New("tcjob: Plan.Renditions is empty")
	case in.Plan.SourceWidth < 2 || in.Plan.SourceHeight < 2:
		return fmt.Errorf("tcjob: Plan source size %dx%d is too small", in.Plan.SourceWidth, in.Plan.SourceHeight)
	case in.Plan.FrameRate < 0 || in.Plan.FrameRate > 1000:
		return fmt.Errorf("tcjob: Plan.FrameRate %g is outside 0..1000", in.Plan.FrameRate)
	}
	seen := map[string]int{}
	for i, r := range in.Plan.Renditions {
		switch {
		case r.Width < 2 || r.Height < 2 || r.Width%2 != 0 || r.Height%2 != 0:
			return fmt.Errorf("tcjob: Plan.Renditions[%d] size %dx%d is not even and positive", i, r.Width, r.Height)
		case r.Width > in.Plan.SourceWidth || r.Height > in.Plan.SourceHeight:
			return fmt.Errorf("tcjob: Plan.Renditions[%d] size %dx%d is larger than the %dx%d source", i, r.Width, r.Height, in.Plan.SourceWidth, in.Plan.SourceHeight)
		case r.MaxBitrate < 1000 || r.MaxBitrate > MaxBitrate:
			return fmt.Errorf("tcjob: Plan.Renditions[%d].MaxBitrate %d is outside 1000..%d", i, r.MaxBitrate, MaxBitrate)
		}
		size := fmt.Sprintf("%dx%d", r.Width, r.Height)
		if j, dup := seen[size]; dup {
			return fmt.Errorf("tcjob: Plan.Renditions[%d] size %s repeats Plan.Renditions[%d]; stream keys must be unique", i, size, j)
		}
		seen[size] = i
	}
	for i, c := range in.Captions {
		if c.Track < 0 {
			return fmt.Errorf("tcjob: Captions[%d].Track %d is negative", i, c.Track)
		}
	}
	for k, v := range in.Labels {
		switch {
		case k == LabelAsset || k == LabelAttempt:
			return fmt.Errorf("tcjob: Labels[%q] is reserved", k)
		case !labelKey.MatchString(k):
			return fmt.Errorf("tcjob: Labels key %q is not a label key (a lowercase letter, then up to 62 lowercase letters, digits, _ and -)", k)
		case !labelValue.MatchString(v):
			return fmt.Errorf("tcjob: Labels[%q] value %q is not a label value", k, v)
		}
	}
	if len(in.Labels)+2 > 64 {
		return fmt.Errorf("tcjob: %d labels exceed the 64 a job may carry", len(in.Labels)+2)
	}
	return nil
}

func isGSURI(uri string) bool {
	rest, ok := strings.CutPrefix(uri, "gs://")
	bucket, object, _ := strings.Cut(rest, "/")
	return ok && bucketName.MatchString(bucket) && object != ""
}

// coded turns a display size into the coded orientation the API expects.
func (in Input) coded(w, h int) (int32, int32) {
	if in.Rotation == 90 || in.Rotation == 270 {
		return int32(h), int32(w)
	}
	return int32(w), int32(h)
}

// frameRate is the target rate: the source's when known (capped at the API's 120), else 60.
// With DOWNSAMPLE the API keeps a source rate at or below the target and takes the largest
// divisor of a higher one, so no stream is ever upsampled.
func frameRate(p pipeline.Plan) float64 {
	if p.FrameRate <= 0 {
		return 60
	}
	return math.Min(p.FrameRate, MaxFrameRate)
}

func videoStream(p pipeline.Plan, w, h int32, maxBitrate int) *transcoderpb.VideoStream {
	vbv := int32(min(2*maxBitrate, math.MaxInt32))
	gop := durationpb.New(GOPSeconds * time.Second)
	if p.Codec == pipeline.CodecHEVC {
		return &transcoderpb.VideoStream{CodecSettings: &transcoderpb.VideoStream_H265{H265: &transcoderpb.VideoStream_H265CodecSettings{
			WidthPixels: w, HeightPixels: h,
			FrameRate: frameRate(p), FrameRateConversionStrategy: transcoderpb.VideoStream_DOWNSAMPLE,
			BitrateBps: int32(maxBitrate), RateControlMode: "vbr", EnableTwoPass: true, VbvSizeBits: vbv,
			GopMode:     &transcoderpb.VideoStream_H265CodecSettings_GopDuration{GopDuration: gop},
			PixelFormat: "yuv420p", Profile: "main", Preset: "medium",
		}}}
	}
	return &transcoderpb.VideoStream{CodecSettings: &transcoderpb.VideoStream_H264{H264: &transcoderpb.VideoStream_H264CodecSettings{
		WidthPixels: w, HeightPixels: h,
		FrameRate: frameRate(p), FrameRateConversionStrategy: transcoderpb.VideoStream_DOWNSAMPLE,
		BitrateBps: int32(maxBitrate), RateControlMode: "vbr", EnableTwoPass: true, VbvSizeBits: vbv,
		GopMode:     &transcoderpb.VideoStream_H264CodecSettings_GopDuration{GopDuration: gop},
		PixelFormat: "yuv420p", Profile: "high", Preset: "medium", EntropyCoder: "cabac",
	}}}
}

func segments() *transcoderpb.SegmentSettings {
	return &transcoderpb.SegmentSettings{SegmentDuration: durationpb.New(SegmentSeconds * time.Second), IndividualSegments: true}
}

func (in Input) sprites() []*transcoderpb.SpriteSheet {
	top := in.Plan.Renditions[0]
	pw, ph := in.coded(top.Width, top.Height)
	tw, th := thumbnailSize(in.Plan.SourceWidth, in.Plan.SourceHeight)
	cw, ch := in.coded(tw, th)
	// The poster follows pipeline.Layout.PosterKey: the first frame (poster0000000000) and,
	// for a video of 2 s or more, the one PosterSecond in (poster0000000001), which is the
	// poster. One sprite per sheet, so each sheet is one image.
	poster := &transcoderpb.SpriteSheet{
		Format: "jpeg", FilePrefix: PosterPrefix, SpriteWidthPixels: pw, SpriteHeightPixels: ph,
		ColumnCount: 1, RowCount: 1, Quality: SpriteQuality, StartTimeOffset: durationpb.New(0),
		ExtractionStrategy: &transcoderpb.SpriteSheet_TotalCount{TotalCount: 1},
	}
	if at := time.Duration(pipeline.PosterSecond(in.Duration)) * time.Second; at > 0 {
		poster.EndTimeOffset = durationpb.New(at + time.Second/2)
		poster.ExtractionStrategy = &transcoderpb.SpriteSheet_Interval{Interval: durationpb.New(at)}
	} else {
		poster.EndTimeOffset = durationpb.New(time.Second / 2)
	}
	return []*transcoderpb.SpriteSheet{
		poster,
		{
			Format: "jpeg", FilePrefix: ThumbnailPrefix, SpriteWidthPixels: cw, SpriteHeightPixels: ch,
			ColumnCount: 1, RowCount: 1, Quality: SpriteQuality,
			StartTimeOffset:    durationpb.New(0),
			ExtractionStrategy: &transcoderpb.SpriteSheet_Interval{Interval: durationpb.New(time.Duration(in.ThumbnailInterval) * time.Second)},
		},
	}
}

// thumbnailSize keeps the source's aspect ratio with a shorter side of ThumbnailShortSide
// (never upscaling), both sides even.
func thumbnailSize(w, h int) (int, int) {
	short, long := min(w, h), max(w, h)
	ts := min(ThumbnailShortSide, short&^1)
	tl := min(2*int(float64(ts)*float64(long)/float64(short)/2+0.5), long&^1)
	if w >= h {
		return tl, ts
	}
	return ts, tl
}

// SupportedCaption reports whether the Transcoder API can read a caption track of this
// codec (probe's names) from inside the source as text and write it as WebVTT: SubRip,
// WebVTT, TTML and MP4 timed text. Closed captions carried in the video (c608, c708) and the
// bitmap formats (PGS, VobSub, DVB subtitles, teletext) are not text tracks it maps.
func SupportedCaption(codec string) bool {
	switch strings.ToLower(codec) {
	case "subrip", "srt", "webvtt", "wvtt", "ttml", "stpp", "tx3g", "mov_text":
		return true
	}
	return false
}

// languageTag maps an ISO 639-2 code ("eng", "fre", "fra") to the BCP-47 tag the API wants
// ("en", "fr"); "und" and anything unknown give no language rather than a wrong one.
func languageTag(iso string) string {
	if iso == "" || strings.EqualFold(iso, "und") {
		return ""
	}
	// Parse canonicalises ISO 639-2/B codes ("fre", "ger") to their 639-1 form.
	tag, err := language.Parse(strings.ToLower(iso))
	if err != nil {
		return ""
	}
	base, conf := tag.Base()
	if conf == language.No {
		return ""
	}
	return base.String()
}
