package mcjob

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/mediaconvert"
	"github.com/aws/aws-sdk-go-v2/service/mediaconvert/types"

	"github.com/ottkit/ottkit/functions/pipeline"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.json")

var ladder = pipeline.LadderConfig{
	Rungs: []pipeline.Rung{
		{Height: 1080, MaxBitrate: 6_000_000},
		{Height: 720, MaxBitrate: 3_500_000},
		{Height: 480, MaxBitrate: 1_800_000},
		{Height: 360, MaxBitrate: 900_000},
	},
	Codec: pipeline.CodecH264,
}

type buildCase struct {
	name     string
	src      pipeline.Source
	codec    string
	captions []pipeline.Caption
	duration time.Duration
}

var cases = []buildCase{
	{
		name:     "landscape-audio-captions",
		src:      pipeline.Source{Width: 1920, Height: 1080, FrameRate: 25, Audio: true},
		codec:    pipeline.CodecH264,
		captions: []pipeline.Caption{{Codec: "c608", Language: "eng"}, {Codec: "tx3g", Language: "fra"}},
		duration: 95 * time.Second,
	},
	{
		name:     "portrait-no-audio",
		src:      pipeline.Source{Width: 1280, Height: 720, Rotation: 90, FrameRate: 30},
		codec:    pipeline.CodecH264,
		duration: 12 * time.Second,
	},
	{
		name:     "square-hevc",
		src:      pipeline.Source{Width: 1080, Height: 1080, FrameRate: 29.97, Audio: true},
		codec:    pipeline.CodecHEVC,
		duration: 1500 * time.Millisecond,
	},
}

func input(t testing.TB, c buildCase) Input {
	t.Helper()
	cfg := ladder
	cfg.Codec = c.codec
	plan, err := pipeline.PlanLadder(c.src, cfg)
	if err != nil {
		t.Fatal(err)
	}
	id := pipeline.AssetID("ingest", "uploads/acme/u1/"+c.name+".mp4", "v1")
	return Input{
		AssetID:           id,
		Tenant:            "acme",
		Attempt:           1,
		SourceURI:         "s3://ottkit-dev-masters/acme/" + id + "/source.mp4",
		DeliveryBucket:    "ottkit-dev-delivery",
		KMSKeyARN:         "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
		Plan:              plan,
		Duration:          c.duration,
		Captions:          c.captions,
		Queue:             "arn:aws:mediaconvert:eu-west-1:111122223333:queues/ottkit-dev",
		Role:              "arn:aws:iam::111122223333:role/ottkit-dev-mediaconvert",
		ThumbnailInterval: 10,
		Tags:              map[string]string{"ottkit:stack": "dev"},
	}
}

// recorder is an HTTP client that keeps the request body the SDK sends and answers like
// CreateJob does, so the golden files hold the exact JSON MediaConvert receives.
type recorder struct{ body []byte }

func (r *recorder) Do(req *http.Request) (*http.Response, error) {
	r.body, _ = io.ReadAll(req.Body)
	return &http.Response{
		StatusCode: http.StatusCreated,
		Header:     http.Header{"Content-Type": {"application/json"}},
		Body:       io.NopCloser(strings.NewReader(`{"job":{"id":"1","status":"SUBMITTED"}}`)),
		Request:    req,
	}, nil
}

func wireJSON(t *testing.T, job *mediaconvert.CreateJobInput) []byte {
	t.Helper()
	rec := &recorder{}
	client := mediaconvert.New(mediaconvert.Options{
		Region:       "eu-west-1",
		BaseEndpoint: aws.String("https://mediaconvert.test"),
		HTTPClient:   rec,
		Credentials:  aws.AnonymousCredentials{},
	})
	if _, err := client.CreateJob(context.Background(), job); err != nil {
		t.Fatalf("CreateJob: %v", err)
	}
	// The SDK writes map entries in Go's random map order; decoding and re-encoding sorts
	// them, so the golden files are stable.
	var doc any
	if err := json.Unmarshal(rec.body, &doc); err != nil {
		t.Fatalf("request body is not JSON: %v\n%s", err, rec.body)
	}
	out, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(out, '\n')
}

func TestBuildGolden(t *testing.T) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			job, err := Build(input(t, c))
			if err != nil {
				t.Fatalf("Build: %v", err)
			}
			got := wireJSON(t, job)
			path := filepath.Join("testdata", c.name+".golden.json")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("request differs from %s (go test -update rewrites it); got:\n%s", path, got)
			}
		})
	}
}

func TestBuildSpecifics(t *testing.T) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := input(t, c)
			job, err := Build(in)
			if err != nil {
				t.Fatal(err)
			}
			if got := aws.ToString(job.Role); got != in.Role {
				t.Errorf("Role %q, want %q", got, in.Role)
			}
			if got := aws.ToString(job.Queue); got != in.Queue {
				t.Errorf("Queue %q, want %q", got, in.Queue)
			}
			if got, want := aws.ToString(job.ClientRequestToken), in.AssetID+"-1"; got != want {
				t.Errorf("ClientRequestToken %q, want %q", got, want)
			}
			if job.UserMetadata["assetId"] != in.AssetID || job.UserMetadata["tenant"] != "acme" || job.UserMetadata["attempt"] != "1" {
				t.Errorf("UserMetadata %v, want assetId, tenant and attempt", job.UserMetadata)
			}
			if job.AccelerationSettings == nil || job.AccelerationSettings.Mode != types.AccelerationModeDisabled {
				t.Errorf("AccelerationSettings %+v, want DISABLED", job.AccelerationSettings)
			}
			if job.Tags["ottkit:stack"] != "dev" {
				t.Errorf("Tags %v, want ottkit:stack=dev", job.Tags)
			}

			s := job.Settings
			if len(s.Inputs) != 1 || aws.ToString(s.Inputs[0].FileInput) != in.SourceURI {
				t.Fatalf("inputs %+v, want one reading %s", s.Inputs, in.SourceURI)
			}
			if s.Inputs[0].VideoSelector.Rotate != types.InputRotateAuto {
				t.Errorf("Rotate %q, want AUTO", s.Inputs[0].VideoSelector.Rotate)
			}
			if got := len(s.Inputs[0].AudioSelectors); got != boolInt(c.src.Audio) {
				t.Errorf("%d audio selectors for audio=%v", got, c.src.Audio)
			}
			if len(s.OutputGroups) != 2 {
				t.Fatalf("%d output groups, want CMAF and one frame capture for thumbnails and poster", len(s.OutputGroups))
			}
			clip := s.Inputs[0].InputClippings
			if len(clip) != 1 || aws.ToString(clip[0].EndTimecode) != timecode(pipeline.ClipDuration(in.Duration)) || aws.ToString(clip[0].EndTimecode) == "" {
				t.Errorf("input clippings %+v, want one ending at the judged duration %v", clip, in.Duration)
			}

			cmaf := s.OutputGroups[0].OutputGroupSettings
			if cmaf.Type != types.OutputGroupTypeCmafGroupSettings || cmaf.CmafGroupSettings == nil {
				t.Fatalf("first group %+v, want CMAF", cmaf)
			}
			g := cmaf.CmafGroupSettings
			if g.WriteHlsManifest != types.CmafWriteHLSManifestEnabled || g.WriteDashManifest != types.CmafWriteDASHManifestEnabled {
				t.Errorf("manifests HLS %q DASH %q, want both ENABLED", g.WriteHlsManifest, g.WriteDashManifest)
			}
			if got, want := aws.ToString(g.Destination), "s3://ottkit-dev-delivery/assets/"+in.AssetID+"/index"; got != want {
				t.Errorf("CMAF destination %q, want %q", got, want)
			}
			if aws.ToInt32(g.SegmentLength)%GOPSeconds != 0 || aws.ToInt32(g.SegmentLength) != SegmentSeconds {
				t.Errorf("segment length %d, want %d, a multiple of the GOP", aws.ToInt32(g.SegmentLength), SegmentSeconds)
			}

			var video, audio, caps int
			for _, o := range s.OutputGroups[0].Outputs {
				switch {
				case o.VideoDescription != nil:
					r := in.Plan.Renditions[video]
					video++
					vd := o.VideoDescription
					w, h := int(aws.ToInt32(vd.Width)), int(aws.ToInt32(vd.Height))
					if w != r.Width || h != r.Height {
						t.Errorf("video output %dx%d, want %dx%d", w, h, r.Width, r.Height)
					}
					if w > in.Plan.SourceWidth || h > in.Plan.SourceHeight {
						t.Errorf("video output %dx%d above the %dx%d source", w, h, in.Plan.SourceWidth, in.Plan.SourceHeight)
					}
					if vd.ScalingBehavior != types.ScalingBehaviorStretchToOutput {
						t.Errorf("scaling %s, want STRETCH_TO_OUTPUT (no padding bars)", vd.ScalingBehavior)
					}
					checkCodec(t, c.codec, vd.CodecSettings, r.MaxBitrate)
				case len(o.AudioDescriptions) > 0:
					audio++
				case len(o.CaptionDescriptions) > 0:
					caps++
					if o.CaptionDescriptions[0].DestinationSettings.DestinationType != types.CaptionDestinationTypeWebvtt {
						t.Errorf("caption output %+v, want WEBVTT", o.CaptionDescriptions[0])
					}
				}
			}
			if video != len(in.Plan.Renditions) {
				t.Errorf("%d video outputs, want %d", video, len(in.Plan.Renditions))
			}
			if audio != boolInt(c.src.Audio) {
				t.Errorf("%d audio outputs for audio=%v", audio, c.src.Audio)
			}
			supported := 0
			for _, cp := range c.captions {
				if _, ok := SupportedCaption(cp); ok {
					supported++
				}
			}
			if caps != supported || len(s.Inputs[0].CaptionSelectors) != supported {
				t.Errorf("%d caption outputs, %d selectors; want %d of each", caps, len(s.Inputs[0].CaptionSelectors), supported)
			}

			captures := s.OutputGroups[1]
			if got, want := aws.ToString(captures.OutputGroupSettings.FileGroupSettings.Destination), "s3://ottkit-dev-delivery/"+pipeline.LayoutFor(in.AssetID).ThumbnailBase; got != want {
				t.Errorf("frame capture destination %q, want %q", got, want)
			}
			if len(captures.Outputs) != 1 {
				t.Fatalf("%d frame capture outputs, want one", len(captures.Outputs))
			}
			// The poster is the second capture, so it must exist: a title shorter than two
			// intervals captures more often.
			interval := int32(min(in.ThumbnailInterval, max(int(in.Duration/time.Second)/2, 1)))
			if in.Duration < 2*time.Second {
				interval = int32(in.ThumbnailInterval)
			}
			thumbs := captures.Outputs[0].VideoDescription
			tf := thumbs.CodecSettings.FrameCaptureSettings
			if thumbs.CodecSettings.Codec != types.VideoCodecFrameCapture || aws.ToInt32(tf.FramerateNumerator) != 1 || aws.ToInt32(tf.FramerateDenominator) != interval || aws.ToInt32(tf.MaxCaptures) != MaxCaptures {
				t.Errorf("thumbnails %s %d/%d max %d, want FRAME_CAPTURE 1/%d max %d", thumbs.CodecSettings.Codec,
					aws.ToInt32(tf.FramerateNumerator), aws.ToInt32(tf.FramerateDenominator), aws.ToInt32(tf.MaxCaptures), interval, MaxCaptures)
			}
			if tw, th := aws.ToInt32(thumbs.Width), aws.ToInt32(thumbs.Height); min(tw, th) != ThumbnailShortSide || (tw > th) != (in.Plan.SourceWidth > in.Plan.SourceHeight) {
				t.Errorf("thumbnail %dx%d for a %dx%d source", tw, th, in.Plan.SourceWidth, in.Plan.SourceHeight)
			}
		})
	}
}

func checkCodec(t *testing.T, codec string, cs *types.VideoCodecSettings, maxBitrate int) {
	t.Helper()
	switch codec {
	case pipeline.CodecH264:
		h := cs.H264Settings
		if cs.Codec != types.VideoCodecH264 || h == nil || cs.H265Settings != nil {
			t.Fatalf("codec %s, want H_264 settings only", cs.Codec)
		}
		if h.RateControlMode != types.H264RateControlModeQvbr || h.QvbrSettings == nil || aws.ToInt32(h.MaxBitrate) != int32(maxBitrate) {
			t.Errorf("H.264 %s max %d, want QVBR max %d", h.RateControlMode, aws.ToInt32(h.MaxBitrate), maxBitrate)
		}
		if aws.ToFloat64(h.GopSize) != GOPSeconds || h.GopSizeUnits != types.H264GopSizeUnitsSeconds || aws.ToInt32(h.GopClosedCadence) != 1 {
			t.Errorf("GOP %v %s closed %d, want %d s closed", aws.ToFloat64(h.GopSize), h.GopSizeUnits, aws.ToInt32(h.GopClosedCadence), GOPSeconds)
		}
		if h.QualityTuningLevel != types.H264QualityTuningLevelSinglePassHq {
			t.Errorf("quality tuning %s, want SINGLE_PASS_HQ: multi-pass bills at the professional tier", h.QualityTuningLevel)
		}
		if h.SceneChangeDetect != types.H264SceneChangeDetectDisabled {
			t.Errorf("scene change detect %s, want DISABLED so GOPs stay aligned", h.SceneChangeDetect)
		}
	case pipeline.CodecHEVC:
		h := cs.H265Settings
		if cs.Codec != types.VideoCodecH265 || h == nil || cs.H264Settings != nil {
			t.Fatalf("codec %s, want H_265 settings only", cs.Codec)
		}
		if h.RateControlMode != types.H265RateControlModeQvbr || h.QvbrSettings == nil || aws.ToInt32(h.MaxBitrate) != int32(maxBitrate) {
			t.Errorf("H.265 %s max %d, want QVBR max %d", h.RateControlMode, aws.ToInt32(h.MaxBitrate), maxBitrate)
		}
		if aws.ToFloat64(h.GopSize) != GOPSeconds || h.GopSizeUnits != types.H265GopSizeUnitsSeconds || aws.ToInt32(h.GopClosedCadence) != 1 {
			t.Errorf("GOP %v %s closed %d, want %d s closed", aws.ToFloat64(h.GopSize), h.GopSizeUnits, aws.ToInt32(h.GopClosedCadence), GOPSeconds)
		}
		if h.QualityTuningLevel != types.H265QualityTuningLevelSinglePassHq {
			t.Errorf("quality tuning %s, want SINGLE_PASS_HQ", h.QualityTuningLevel)
		}
		if h.WriteMp4PackagingType != types.H265WriteMp4PackagingTypeHvc1 {
			t.Errorf("packaging %s, want HVC1", h.WriteMp4PackagingType)
		}
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestBuildSourceTruth checks what the job does with what the probe found: an explicit
// rotation where MediaConvert does not rotate by itself, HDR kept in HEVC and tone-mapped in
// H.264, every audio track a rendition with 5.1 folded down by an explicit matrix, and
// multi-pass only on request.
func TestBuildSourceTruth(t *testing.T) {
	build := func(t *testing.T, src pipeline.Source, codec string, multiPass bool) *mediaconvert.CreateJobInput {
		t.Helper()
		in := input(t, buildCase{name: "truth", src: src, codec: codec, duration: time.Minute})
		in.MultiPass = multiPass
		job, err := Build(in)
		if err != nil {
			t.Fatal(err)
		}
		return job
	}
	t.Run("matroska rotation is explicit", func(t *testing.T) {
		for container, want := range map[string]types.InputRotate{"matroska": types.InputRotateDegrees90, "webm": types.InputRotateDegrees90, "mov": types.InputRotateAuto, "mp4": types.InputRotateAuto} {
			job := build(t, pipeline.Source{Width: 1280, Height: 720, Rotation: 90, Container: container}, pipeline.CodecH264, false)
			if got := job.Settings.Inputs[0].VideoSelector.Rotate; got != want {
				t.Errorf("%s: Rotate %s, want %s", container, got, want)
			}
		}
		job := build(t, pipeline.Source{Width: 1280, Height: 720, Container: "matroska"}, pipeline.CodecH264, false)
		if got := job.Settings.Inputs[0].VideoSelector.Rotate; got != types.InputRotateDegree0 {
			t.Errorf("unrotated matroska: Rotate %s, want DEGREE_0", got)
		}
	})
	t.Run("hdr10 in hevc", func(t *testing.T) {
		job := build(t, pipeline.Source{Width: 3840, Height: 2160, HDR: "hdr10", Container: "mp4"}, pipeline.CodecHEVC, false)
		if vs := job.Settings.Inputs[0].VideoSelector; vs.ColorSpace != types.ColorSpaceHdr10 {
			t.Errorf("input colour space %s, want HDR10", vs.ColorSpace)
		}
		vd := job.Settings.OutputGroups[0].Outputs[0].VideoDescription
		if vd.CodecSettings.H265Settings.CodecProfile != types.H265CodecProfileMain10Main || vd.ColorMetadata != types.ColorMetadataInsert ||
			vd.VideoPreprocessors.ColorCorrector.ColorSpaceConversion != types.ColorSpaceConversionForceHdr10 {
			t.Errorf("output %s %s %+v, want MAIN10 with HDR10 metadata", vd.CodecSettings.H265Settings.CodecProfile, vd.ColorMetadata, vd.VideoPreprocessors.ColorCorrector)
		}
	})
	t.Run("hlg in h264 is tone-mapped", func(t *testing.T) {
		job := build(t, pipeline.Source{Width: 1920, Height: 1080, HDR: "hlg", Container: "mpegts"}, pipeline.CodecH264, false)
		cc := job.Settings.OutputGroups[0].Outputs[0].VideoDescription.VideoPreprocessors.ColorCorrector
		if cc.ColorSpaceConversion != types.ColorSpaceConversionForce709 || cc.HdrToSdrToneMapper != types.HDRToSDRToneMapperPreserveDetails {
			t.Errorf("colour corrector %+v, want FORCE_709 with tone mapping", cc)
		}
	})
	t.Run("surround and a second language", func(t *testing.T) {
		job := build(t, pipeline.Source{Width: 1920, Height: 1080, Audio: true, Container: "mp4",
			AudioTracks: []pipeline.AudioTrack{{Codec: "aac", Channels: 6, Language: "eng"}, {Codec: "aac", Channels: 2, Language: "spa"}}}, pipeline.CodecH264, false)
		sels := job.Settings.Inputs[0].AudioSelectors
		if len(sels) != 2 || sels["Audio Selector 2"].Tracks[0] != 2 || sels["Audio Selector 1"].DefaultSelection != types.AudioDefaultSelectionDefault {
			t.Fatalf("audio selectors %+v, want tracks 1 (default) and 2", sels)
		}
		var audio []types.Output
		for _, o := range job.Settings.OutputGroups[0].Outputs {
			if len(o.AudioDescriptions) > 0 {
				audio = append(audio, o)
			}
		}
		if len(audio) != 2 {
			t.Fatalf("%d audio outputs, want 2 renditions", len(audio))
		}
		first, second := audio[0].AudioDescriptions[0], audio[1].AudioDescriptions[0]
		if rm := first.RemixSettings; rm == nil || aws.ToInt32(rm.ChannelsIn) != 6 || aws.ToInt32(rm.ChannelsOut) != 2 || len(rm.ChannelMapping.OutputChannels) != 2 ||
			rm.ChannelMapping.OutputChannels[0].InputChannels[2] != -3 {
			t.Errorf("5.1 remix %+v, want an explicit 6-to-2 matrix with the centre at -3 dB", rm)
		}
		if second.RemixSettings != nil || second.LanguageCode != types.LanguageCodeSpa {
			t.Errorf("second track remix %+v language %s, want none and SPA", second.RemixSettings, second.LanguageCode)
		}
		if audio[0].ContainerSettings.CmfcSettings.AudioTrackType != types.CmfcAudioTrackTypeAlternateAudioAutoSelectDefault ||
			audio[1].ContainerSettings.CmfcSettings.AudioTrackType != types.CmfcAudioTrackTypeAlternateAudioAutoSelect {
			t.Errorf("track types %s, %s; want the first the default alternate", audio[0].ContainerSettings.CmfcSettings.AudioTrackType, audio[1].ContainerSettings.CmfcSettings.AudioTrackType)
		}
	})
	t.Run("interlaced source is deinterlaced in every video output", func(t *testing.T) {
		for _, src := range []pipeline.Source{
			{Width: 1920, Height: 1080, Interlaced: true, Container: "mxf"},
			{Width: 1920, Height: 1080, Interlaced: true, HDR: "hlg", Container: "mpegts"},
		} {
			job := build(t, src, pipeline.CodecH264, false)
			videos := 0
			for _, g := range job.Settings.OutputGroups {
				for _, o := range g.Outputs {
					vd := o.VideoDescription
					if vd == nil {
						continue
					}
					videos++
					if vd.VideoPreprocessors == nil || vd.VideoPreprocessors.Deinterlacer == nil {
						t.Fatalf("%s output %s has no deinterlacer", aws.ToString(g.Name), aws.ToString(o.NameModifier))
					}
					if d := vd.VideoPreprocessors.Deinterlacer; d.Mode != types.DeinterlacerModeDeinterlace || d.Control != types.DeinterlacerControlNormal {
						t.Errorf("deinterlacer %+v, want DEINTERLACE with NORMAL control", d)
					}
					if src.HDR != "" && vd.CodecSettings.Codec != types.VideoCodecFrameCapture && vd.VideoPreprocessors.ColorCorrector == nil {
						t.Errorf("output %s lost its tone mapping next to the deinterlacer", aws.ToString(o.NameModifier))
					}
				}
			}
			if want := 1 + len(input(t, buildCase{name: "truth", src: src, codec: pipeline.CodecH264, duration: time.Minute}).Plan.Renditions); videos != want {
				t.Errorf("%d video outputs, want %d (renditions and the frame capture)", videos, want)
			}
		}
		for _, g := range build(t, pipeline.Source{Width: 1920, Height: 1080, Container: "mp4"}, pipeline.CodecH264, false).Settings.OutputGroups {
			for _, o := range g.Outputs {
				if vd := o.VideoDescription; vd != nil && vd.VideoPreprocessors != nil && vd.VideoPreprocessors.Deinterlacer != nil {
					t.Errorf("progressive source: output %s is deinterlaced", aws.ToString(o.NameModifier))
				}
			}
		}
	})
	t.Run("multi-pass on request", func(t *testing.T) {
		job := build(t, pipeline.Source{Width: 1920, Height: 1080}, pipeline.CodecH264, true)
		if got := job.Settings.OutputGroups[0].Outputs[0].VideoDescription.CodecSettings.H264Settings.QualityTuningLevel; got != types.H264QualityTuningLevelMultiPassHq {
			t.Errorf("quality tuning %s, want MULTI_PASS_HQ", got)
		}
	})
	t.Run("120 fps is encoded at 60", func(t *testing.T) {
		job := build(t, pipeline.Source{Width: 1920, Height: 1080, FrameRate: 119.88}, pipeline.CodecH264, false)
		h := job.Settings.OutputGroups[0].Outputs[0].VideoDescription.CodecSettings.H264Settings
		if h.FramerateControl != types.H264FramerateControlSpecified || aws.ToInt32(h.FramerateNumerator) != 60000 || aws.ToInt32(h.FramerateDenominator) != 1001 {
			t.Errorf("frame rate %s %d/%d, want 60000/1001", h.FramerateControl, aws.ToInt32(h.FramerateNumerator), aws.ToInt32(h.FramerateDenominator))
		}
	})
}

func TestBuildWithoutKMSKeyLeavesBucketDefault(t *testing.T) {
	in := input(t, cases[0])
	in.KMSKeyARN = ""
	job, err := Build(in)
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range job.Settings.OutputGroups {
		s := g.OutputGroupSettings
		if (s.CmafGroupSettings != nil && s.CmafGroupSettings.DestinationSettings != nil) || (s.FileGroupSettings != nil && s.FileGroupSettings.DestinationSettings != nil) {
			t.Errorf("group %s has destination settings without a KMS key", aws.ToString(g.Name))
		}
	}
}

func TestBuildErrors(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Input)
		want   string
	}{
		{"asset id", func(in *Input) { in.AssetID = "" }, "mcjob: AssetID is empty"},
		{"tenant", func(in *Input) { in.Tenant = "" }, "mcjob: Tenant is empty"},
		{"attempt", func(in *Input) { in.Attempt = 0 }, "mcjob: Attempt 0 is below 1"},
		{"source", func(in *Input) { in.SourceURI = "https://x/y.mp4" }, `mcjob: SourceURI "https://x/y.mp4" is not an s3://bucket/key URI`},
		{"source without key", func(in *Input) { in.SourceURI = "s3://bucket/" }, `mcjob: SourceURI "s3://bucket/" is not an s3://bucket/key URI`},
		{"delivery", func(in *Input) { in.DeliveryBucket = "s3://d" }, `mcjob: DeliveryBucket "s3://d" is not a bucket name`},
		{"kms", func(in *Input) { in.KMSKeyARN = "alias/x" }, `mcjob: KMSKeyARN "alias/x" is not an ARN`},
		{"queue", func(in *Input) { in.Queue = "Default" }, `mcjob: Queue "Default" is not an ARN`},
		{"role", func(in *Input) { in.Role = "" }, `mcjob: Role "" is not an ARN`},
		{"interval", func(in *Input) { in.ThumbnailInterval = 0 }, "mcjob: ThumbnailInterval 0 is below 1 second"},
		{"codec", func(in *Input) { in.Plan.Codec = "av1" }, `mcjob: Plan.Codec "av1" is not "h264" or "hevc"`},
		{"no renditions", func(in *Input) { in.Plan.Renditions = nil }, "mcjob: Plan.Renditions is empty"},
		{"odd rendition", func(in *Input) { in.Plan.Renditions[1].Width = 1279 }, "mcjob: Plan.Renditions[1] size 1279x720 is not even and positive"},
		{"upscale", func(in *Input) { in.Plan.Renditions[0].Width = 3840 }, "mcjob: Plan.Renditions[0] size 3840x1080 is larger than the 1920x1080 source"},
		{"bitrate", func(in *Input) { in.Plan.Renditions[2].MaxBitrate = 0 }, "mcjob: Plan.Renditions[2].MaxBitrate 0 is outside 1000..1152000000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := input(t, cases[0])
			tt.change(&in)
			job, err := Build(in)
			if err == nil || err.Error() != tt.want {
				t.Errorf("error %v, want %q", err, tt.want)
			}
			if job != nil {
				t.Error("Build returned a job with its error")
			}
		})
	}
}

func TestSupportedCaption(t *testing.T) {
	tests := []struct {
		codec string
		want  types.CaptionSourceType
		ok    bool
	}{
		{"c608", types.CaptionSourceTypeAncillary, true},
		{"C708", types.CaptionSourceTypeAncillary, true},
		{"teletext", types.CaptionSourceTypeTeletext, true},
		{"tx3g", "", false},
		{"wvtt", "", false},
		{"subrip", "", false},
		{"dvbsub", "", false},
		{"pgs", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.codec, func(t *testing.T) {
			got, ok := SupportedCaption(pipeline.Caption{Codec: tt.codec})
			if got != tt.want || ok != tt.ok {
				t.Errorf("SupportedCaption(%q) = %q, %v; want %q, %v", tt.codec, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestCaptionsOneSelectorPerKind(t *testing.T) {
	sel, outs := captions([]pipeline.Caption{
		{Codec: "c608", Language: "eng"}, {Codec: "c708", Language: "spa"}, {Codec: "teletext", Language: "und"}, {Codec: "tx3g", Language: "fra"},
	})
	if len(sel) != 2 || len(outs) != 2 {
		t.Fatalf("%d selectors, %d outputs; want 2 and 2", len(sel), len(outs))
	}
	if got := sel["Captions Selector 1"]; got.LanguageCode != types.LanguageCodeEng || got.SourceSettings.SourceType != types.CaptionSourceTypeAncillary {
		t.Errorf("selector 1 %+v, want ENG ancillary", got)
	}
	if got := sel["Captions Selector 2"]; got.LanguageCode != "" || got.SourceSettings.SourceType != types.CaptionSourceTypeTeletext {
		t.Errorf("selector 2 %+v, want teletext without language", got)
	}
}

func TestLanguageCode(t *testing.T) {
	for in, want := range map[string]types.LanguageCode{"eng": "ENG", "FRA": "FRA", "und": "", "en": "", "en-US": "", "": "", "zzz": ""} {
		if got := languageCode(in); got != want {
			t.Errorf("languageCode(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestThumbnailSize(t *testing.T) {
	tests := []struct{ w, h, ww, wh int }{
		{1920, 1080, 320, 180},
		{1080, 1920, 180, 320},
		{1080, 1080, 180, 180},
		{320, 120, 320, 120},
		{101, 75, 100, 74},
	}
	for _, tt := range tests {
		if w, h := thumbnailSize(tt.w, tt.h); w != tt.ww || h != tt.wh {
			t.Errorf("thumbnailSize(%d, %d) = %dx%d, want %dx%d", tt.w, tt.h, w, h, tt.ww, tt.wh)
		}
	}
}

func BenchmarkBuild(b *testing.B) {
	in := input(b, cases[0])
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Build(in); err != nil {
			b.Fatal(err)
		}
	}
}
