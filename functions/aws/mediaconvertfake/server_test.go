package mediaconvertfake_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/mediaconvert"
	"github.com/aws/aws-sdk-go-v2/service/mediaconvert/types"

	"github.com/ottkit/ottkit/functions/aws/mcjob"
	"github.com/ottkit/ottkit/functions/aws/mediaconvertfake"
	"github.com/ottkit/ottkit/functions/pipeline"
)

// validJob is a real job from mcjob.Build: landscape with audio and captions, so every kind
// of output is present.
func validJob(t *testing.T) *mediaconvert.CreateJobInput {
	t.Helper()
	plan, err := pipeline.PlanLadder(pipeline.Source{Width: 1920, Height: 1080, Audio: true}, pipeline.LadderConfig{
		Rungs: []pipeline.Rung{{Height: 1080, MaxBitrate: 6_000_000}, {Height: 720, MaxBitrate: 3_500_000}},
		Codec: pipeline.CodecH264,
	})
	if err != nil {
		t.Fatal(err)
	}
	job, err := mcjob.Build(mcjob.Input{
		AssetID: "abc", Tenant: "acme", Attempt: 1,
		SourceURI: "s3://masters/acme/abc/source.mp4", DeliveryBucket: "delivery",
		Plan: plan, Duration: time.Minute,
		Captions:          []pipeline.Caption{{Codec: "c608", Language: "eng"}},
		Queue:             "arn:aws:mediaconvert:us-east-1:111122223333:queues/ottkit",
		Role:              "arn:aws:iam::111122223333:role/ottkit-mediaconvert",
		ThumbnailInterval: 10,
		Tags:              map[string]string{"stack": "dev"},
	})
	if err != nil {
		t.Fatal(err)
	}
	return job
}

// noRetry makes service errors reach the test on the first attempt.
func noRetry(o *mediaconvert.Options) { o.Retryer = aws.NopRetryer{} }

func newFake(t *testing.T) *mediaconvertfake.Server {
	fake := mediaconvertfake.New()
	t.Cleanup(fake.Close)
	return fake
}

func TestCreateJobAcceptsBuiltJob(t *testing.T) {
	fake := newFake(t)
	client := fake.Client(noRetry)
	in := validJob(t)
	out, err := client.CreateJob(context.Background(), in)
	if err != nil {
		t.Fatalf("CreateJob: %v", err)
	}
	job := out.Job
	if aws.ToString(job.Id) == "" || !strings.HasSuffix(aws.ToString(job.Arn), ":jobs/"+aws.ToString(job.Id)) {
		t.Errorf("id %q arn %q, want an id and the ARN ending in it", aws.ToString(job.Id), aws.ToString(job.Arn))
	}
	if job.Status != types.JobStatusSubmitted {
		t.Errorf("status %s, want SUBMITTED", job.Status)
	}
	if job.CreatedAt == nil || time.Since(*job.CreatedAt) > time.Minute {
		t.Errorf("createdAt %v, want now", job.CreatedAt)
	}
	if job.UserMetadata["assetId"] != "abc" || job.UserMetadata["tenant"] != "acme" {
		t.Errorf("userMetadata %v", job.UserMetadata)
	}
	if aws.ToString(job.Role) != aws.ToString(in.Role) || aws.ToString(job.Queue) != aws.ToString(in.Queue) {
		t.Errorf("role %q queue %q, want the request's", aws.ToString(job.Role), aws.ToString(job.Queue))
	}
	// The settings make the full round trip: SDK serializer, fake, SDK deserializer.
	if !reflect.DeepEqual(job.Settings, in.Settings) {
		t.Errorf("response settings differ from the request's")
	}

	jobs := fake.Jobs()
	if len(jobs) != 1 {
		t.Fatalf("%d jobs recorded, want 1", len(jobs))
	}
	if !reflect.DeepEqual(jobs[0].Request.Settings, in.Settings) || jobs[0].Request.Tags["stack"] != "dev" {
		t.Errorf("recorded request differs from the one sent")
	}
	if jobs[0].ID != aws.ToString(job.Id) {
		t.Errorf("recorded id %q, response id %q", jobs[0].ID, aws.ToString(job.Id))
	}
}

func TestGetJob(t *testing.T) {
	fake := newFake(t)
	client := fake.Client(noRetry)
	ctx := context.Background()
	created, err := client.CreateJob(ctx, validJob(t))
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(created.Job.Id)

	got, err := client.GetJob(ctx, &mediaconvert.GetJobInput{Id: aws.String(id)})
	if err != nil {
		t.Fatalf("GetJob: %v", err)
	}
	if aws.ToString(got.Job.Id) != id || got.Job.Status != types.JobStatusSubmitted {
		t.Errorf("GetJob = %s %s, want %s SUBMITTED", aws.ToString(got.Job.Id), got.Job.Status, id)
	}

	if err := fake.SetStatus(id, types.JobStatusProgressing); err != nil {
		t.Fatal(err)
	}
	got, _ = client.GetJob(ctx, &mediaconvert.GetJobInput{Id: aws.String(id)})
	if got.Job.Status != types.JobStatusProgressing {
		t.Errorf("status after SetStatus %s, want PROGRESSING", got.Job.Status)
	}
	if err := fake.SetError(id, 1010, "Unsupported input"); err != nil {
		t.Fatal(err)
	}
	got, _ = client.GetJob(ctx, &mediaconvert.GetJobInput{Id: aws.String(id)})
	if got.Job.Status != types.JobStatusError || aws.ToInt32(got.Job.ErrorCode) != 1010 || aws.ToString(got.Job.ErrorMessage) != "Unsupported input" {
		t.Errorf("after SetError: %s %d %q", got.Job.Status, aws.ToInt32(got.Job.ErrorCode), aws.ToString(got.Job.ErrorMessage))
	}

	_, err = client.GetJob(ctx, &mediaconvert.GetJobInput{Id: aws.String("nope")})
	var nf *types.NotFoundException
	if !errors.As(err, &nf) {
		t.Errorf("GetJob(unknown) error %v, want NotFoundException", err)
	}
	if err := fake.SetStatus("nope", types.JobStatusComplete); err == nil {
		t.Error("SetStatus of an unknown job succeeded")
	}
}

func TestClientRequestTokenIsIdempotent(t *testing.T) {
	fake := newFake(t)
	client := fake.Client(noRetry)
	ctx := context.Background()
	first, err := client.CreateJob(ctx, validJob(t))
	if err != nil {
		t.Fatal(err)
	}
	again, err := client.CreateJob(ctx, validJob(t))
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(first.Job.Id) != aws.ToString(again.Job.Id) || len(fake.Jobs()) != 1 {
		t.Errorf("same token gave jobs %s and %s, %d recorded; want one job", aws.ToString(first.Job.Id), aws.ToString(again.Job.Id), len(fake.Jobs()))
	}
	other := validJob(t)
	other.ClientRequestToken = aws.String("abc-2")
	second, err := client.CreateJob(ctx, other)
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(second.Job.Id) == aws.ToString(first.Job.Id) || len(fake.Jobs()) != 2 {
		t.Errorf("a new token reused job %s", aws.ToString(second.Job.Id))
	}
}

func TestClientRequestTokenIsForgottenAfterAMinute(t *testing.T) {
	fake := newFake(t)
	now := time.Date(2026, 2, 3, 4, 5, 6, 0, time.UTC)
	fake.SetNow(func() time.Time { return now })
	client := fake.Client(noRetry)
	ctx := context.Background()
	first, err := client.CreateJob(ctx, validJob(t))
	if err != nil {
		t.Fatal(err)
	}
	now = now.Add(mediaconvertfake.TokenTTL - time.Second)
	if again, err := client.CreateJob(ctx, validJob(t)); err != nil || aws.ToString(again.Job.Id) != aws.ToString(first.Job.Id) {
		t.Errorf("the token 59 s later gave %v, %v; want the first job", again, err)
	}
	now = now.Add(time.Second)
	later, err := client.CreateJob(ctx, validJob(t))
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(later.Job.Id) == aws.ToString(first.Job.Id) || len(fake.Jobs()) != 2 {
		t.Errorf("the token a minute later reused job %s (%d jobs); MediaConvert creates a second one", aws.ToString(later.Job.Id), len(fake.Jobs()))
	}
}

func TestListJobs(t *testing.T) {
	fake := newFake(t)
	client := fake.Client(noRetry)
	ctx := context.Background()
	var ids []string
	for i := range 25 {
		job := validJob(t)
		job.ClientRequestToken = aws.String(fmt.Sprintf("tok-%d", i))
		out, err := client.CreateJob(ctx, job)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, aws.ToString(out.Job.Id))
	}
	queue := aws.ToString(validJob(t).Queue)
	name := queue[strings.LastIndex(queue, "/")+1:]
	var got []string
	in := &mediaconvert.ListJobsInput{Queue: aws.String(name), Order: types.OrderDescending}
	for pages := 0; ; pages++ {
		out, err := client.ListJobs(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		for _, j := range out.Jobs {
			got = append(got, aws.ToString(j.Id))
		}
		if aws.ToString(out.NextToken) == "" || pages > 3 {
			break
		}
		in.NextToken = out.NextToken
	}
	if len(got) != 25 || got[0] != ids[24] || got[24] != ids[0] {
		t.Errorf("ListJobs newest first over pages = %d jobs starting %v, want the 25 in reverse order", len(got), got[:min(len(got), 2)])
	}
	if out, err := client.ListJobs(ctx, &mediaconvert.ListJobsInput{Queue: aws.String("other")}); err != nil || len(out.Jobs) != 0 {
		t.Errorf("ListJobs of another queue = %v, %v; want none", out, err)
	}
}

func TestCreateJobRejects(t *testing.T) {
	cmafOut := func(j *mediaconvert.CreateJobInput, i int) *types.Output {
		return &j.Settings.OutputGroups[0].Outputs[i]
	}
	h264 := func(j *mediaconvert.CreateJobInput) *types.H264Settings {
		return cmafOut(j, 0).VideoDescription.CodecSettings.H264Settings
	}
	tests := []struct {
		name   string
		break_ func(*mediaconvert.CreateJobInput)
		want   string
	}{
		{"empty role", func(j *mediaconvert.CreateJobInput) { j.Role = aws.String("") }, "/role: required"},
		{"no inputs", func(j *mediaconvert.CreateJobInput) { j.Settings.Inputs = nil }, "/settings/inputs: should have at least 1 item"},
		{"no output groups", func(j *mediaconvert.CreateJobInput) { j.Settings.OutputGroups = nil }, "/settings/outputGroups: should have at least 1 item"},
		{"group without settings", func(j *mediaconvert.CreateJobInput) { j.Settings.OutputGroups[1].OutputGroupSettings = nil },
			"/settings/outputGroups/1/outputGroupSettings: required"},
		{"group without type", func(j *mediaconvert.CreateJobInput) { j.Settings.OutputGroups[0].OutputGroupSettings.Type = "" },
			"/settings/outputGroups/0/outputGroupSettings/type: required"},
		{"type without its block", func(j *mediaconvert.CreateJobInput) {
			j.Settings.OutputGroups[0].OutputGroupSettings.Type = types.OutputGroupTypeHlsGroupSettings
		}, "/settings/outputGroups/0/outputGroupSettings/hlsGroupSettings: required when type is HLS_GROUP_SETTINGS"},
		{"no destination", func(j *mediaconvert.CreateJobInput) {
			j.Settings.OutputGroups[1].OutputGroupSettings.FileGroupSettings.Destination = nil
		}, "/settings/outputGroups/1/outputGroupSettings/fileGroupSettings/destination: required"},
		{"clipping timecode not HH:MM:SS:FF", func(j *mediaconvert.CreateJobInput) {
			j.Settings.Inputs[0].InputClippings = []types.InputClipping{{EndTimecode: aws.String("1:00")}}
		}, `/settings/inputs/0/inputClippings/0/endTimecode: "1:00" is not HH:MM:SS:FF`},
		{"track selector without tracks", func(j *mediaconvert.CreateJobInput) {
			j.Settings.Inputs[0].AudioSelectors = map[string]types.AudioSelector{"Audio Selector 1": {SelectorType: types.AudioSelectorTypeTrack}}
		}, "/settings/inputs/0/audioSelectors/Audio Selector 1/tracks: required when selectorType is TRACK"},
		{"remix with a row missing", func(j *mediaconvert.CreateJobInput) {
			for i, o := range j.Settings.OutputGroups[0].Outputs {
				if len(o.AudioDescriptions) > 0 {
					cmafOut(j, i).AudioDescriptions[0].RemixSettings = &types.RemixSettings{ChannelsIn: aws.Int32(6), ChannelsOut: aws.Int32(2),
						ChannelMapping: &types.ChannelMapping{OutputChannels: []types.OutputChannelMapping{{InputChannels: []int32{0, -60, -3, -60, -3, -60}}}}}
					return
				}
			}
			t.Fatal("test fixture: no audio output")
		}, "/settings/outputGroups/0/outputs/2/audioDescriptions/0/remixSettings/channelMapping/outputChannels: 1 rows for channelsOut 2"},
		{"group without outputs", func(j *mediaconvert.CreateJobInput) { j.Settings.OutputGroups[1].Outputs = nil },
			"/settings/outputGroups/1/outputs: should have at least 1 item"},
		{"output without container settings", func(j *mediaconvert.CreateJobInput) { cmafOut(j, 1).ContainerSettings = nil },
			"/settings/outputGroups/0/outputs/1/containerSettings: required"},
		{"output without container", func(j *mediaconvert.CreateJobInput) { cmafOut(j, 1).ContainerSettings.Container = "" },
			"/settings/outputGroups/0/outputs/1/containerSettings/container: required"},
		{"empty output", func(j *mediaconvert.CreateJobInput) {
			o := cmafOut(j, 2)
			o.AudioDescriptions = nil
		}, "/settings/outputGroups/0/outputs/2: an output needs"},
		{"video without codec settings", func(j *mediaconvert.CreateJobInput) { cmafOut(j, 0).VideoDescription.CodecSettings = nil },
			"/settings/outputGroups/0/outputs/0/videoDescription/codecSettings: required"},
		{"codec without its block", func(j *mediaconvert.CreateJobInput) {
			cmafOut(j, 0).VideoDescription.CodecSettings.Codec = types.VideoCodecH265
		}, "/settings/outputGroups/0/outputs/0/videoDescription/codecSettings/h265Settings: required when codec is H_265"},
		{"frame capture without its block", func(j *mediaconvert.CreateJobInput) {
			j.Settings.OutputGroups[1].Outputs[0].VideoDescription.CodecSettings.FrameCaptureSettings = nil
		}, "/settings/outputGroups/1/outputs/0/videoDescription/codecSettings/frameCaptureSettings: required when codec is FRAME_CAPTURE"},
		{"audio codec without its block", func(j *mediaconvert.CreateJobInput) {
			cmafOut(j, 2).AudioDescriptions[0].CodecSettings.Codec = types.AudioCodecMp3
		}, "/settings/outputGroups/0/outputs/2/audioDescriptions/0/codecSettings/mp3Settings: required when codec is MP3"},
		{"qvbr without qvbr settings", func(j *mediaconvert.CreateJobInput) { h264(j).QvbrSettings = nil },
			"/settings/outputGroups/0/outputs/0/videoDescription/codecSettings/h264Settings/qvbrSettings: required when rateControlMode is QVBR"},
		{"qvbr without max bitrate", func(j *mediaconvert.CreateJobInput) { h264(j).MaxBitrate = nil },
			"/settings/outputGroups/0/outputs/0/videoDescription/codecSettings/h264Settings/maxBitrate: required when rateControlMode is QVBR"},
		{"hevc qvbr without max bitrate", func(j *mediaconvert.CreateJobInput) {
			cs := cmafOut(j, 0).VideoDescription.CodecSettings
			cs.Codec, cs.H264Settings = types.VideoCodecH265, nil
			cs.H265Settings = &types.H265Settings{RateControlMode: types.H265RateControlModeQvbr, QvbrSettings: &types.H265QvbrSettings{}}
		}, "/settings/outputGroups/0/outputs/0/videoDescription/codecSettings/h265Settings/maxBitrate: required when rateControlMode is QVBR"},
		{"enum: rate control", func(j *mediaconvert.CreateJobInput) { h264(j).RateControlMode = "qvbr" },
			`/settings/outputGroups/0/outputs/0/videoDescription/codecSettings/h264Settings/rateControlMode: "qvbr" is not one of VBR, CBR, QVBR`},
		{"enum: group type", func(j *mediaconvert.CreateJobInput) { j.Settings.OutputGroups[0].OutputGroupSettings.Type = "CMAF" },
			`/settings/outputGroups/0/outputGroupSettings/type: "CMAF" is not one of`},
		{"enum: container", func(j *mediaconvert.CreateJobInput) { cmafOut(j, 0).ContainerSettings.Container = "MP5" },
			`/settings/outputGroups/0/outputs/0/containerSettings/container: "MP5" is not one of`},
		{"enum: inside a map", func(j *mediaconvert.CreateJobInput) {
			j.Settings.Inputs[0].AudioSelectors["Audio Selector 1"] = types.AudioSelector{DefaultSelection: "FIRST"}
		}, `/settings/inputs/0/audioSelectors/Audio Selector 1/defaultSelection: "FIRST" is not one of DEFAULT, NOT_DEFAULT`},
		{"enum: top level", func(j *mediaconvert.CreateJobInput) { j.StatusUpdateInterval = "SECONDS_7" },
			`/statusUpdateInterval: "SECONDS_7" is not one of`},
		{"enum: caption language", func(j *mediaconvert.CreateJobInput) {
			cmafOut(j, 3).CaptionDescriptions[0].LanguageCode = "english"
		}, `/settings/outputGroups/0/outputs/3/captionDescriptions/0/languageCode: "english" is not one of`},
		{"caption without selector", func(j *mediaconvert.CreateJobInput) { cmafOut(j, 3).CaptionDescriptions[0].CaptionSelectorName = nil },
			"/settings/outputGroups/0/outputs/3/captionDescriptions/0/captionSelectorName: required"},
	}
	fake := newFake(t)
	client := fake.Client(noRetry)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			job := validJob(t)
			tt.break_(job)
			_, err := client.CreateJob(context.Background(), job)
			var bad *types.BadRequestException
			if !errors.As(err, &bad) {
				t.Fatalf("error %v, want BadRequestException", err)
			}
			if !strings.HasPrefix(bad.ErrorMessage(), tt.want) {
				t.Errorf("message %q, want it to start %q", bad.ErrorMessage(), tt.want)
			}
			var re *awshttp.ResponseError
			if !errors.As(err, &re) || re.HTTPStatusCode() != http.StatusBadRequest {
				t.Errorf("HTTP status of %v, want 400", err)
			}
		})
	}
	if n := len(fake.Jobs()); n != 0 {
		t.Errorf("%d rejected jobs were recorded", n)
	}
}

// TestErrorShape checks the raw response, for requests the SDK would refuse to send.
func TestErrorShape(t *testing.T) {
	fake := newFake(t)
	tests := []struct{ name, body, want string }{
		{"missing role", `{"settings":{"inputs":[{}],"outputGroups":[{}]}}`, "/role: required property is missing"},
		{"missing settings", `{"role":"arn:aws:iam::1:role/r"}`, "/settings: required property is missing"},
		{"not json", `{"role":`, "/: unexpected end of JSON input"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := http.Post(fake.URL()+"/2017-08-29/jobs", "application/json", strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("x-amzn-ErrorType") != "BadRequestException" {
				t.Errorf("status %d type %q, want 400 BadRequestException", resp.StatusCode, resp.Header.Get("x-amzn-ErrorType"))
			}
			var body map[string]string
			data, _ := io.ReadAll(resp.Body)
			if err := json.Unmarshal(data, &body); err != nil || body["message"] != tt.want {
				t.Errorf("body %s, want message %q", data, tt.want)
			}
		})
	}
	resp, err := http.Get(fake.URL() + "/2017-08-29/queues")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound || resp.Header.Get("x-amzn-ErrorType") != "NotFoundException" {
		t.Errorf("unimplemented operation: %d %q, want 404 NotFoundException", resp.StatusCode, resp.Header.Get("x-amzn-ErrorType"))
	}
}

func TestFailNext(t *testing.T) {
	fake := newFake(t)
	ctx := context.Background()

	fake.FailNext(1, mediaconvertfake.TooManyRequests)
	_, err := fake.Client(noRetry).CreateJob(ctx, validJob(t))
	var throttled *types.TooManyRequestsException
	var re *awshttp.ResponseError
	if !errors.As(err, &throttled) || !errors.As(err, &re) || re.HTTPStatusCode() != http.StatusTooManyRequests {
		t.Fatalf("error %v, want TooManyRequestsException with HTTP 429", err)
	}
	if _, err := fake.Client(noRetry).CreateJob(ctx, validJob(t)); err != nil {
		t.Fatalf("the call after the failure: %v", err)
	}

	// The SDK's standard retryer rides out two throttles and an internal error.
	fake.FailNext(2, mediaconvertfake.TooManyRequests)
	fake.FailNext(1, mediaconvertfake.InternalError)
	before := fake.Requests()
	fast := func(o *mediaconvert.Options) {
		o.Retryer = retry.AddWithMaxAttempts(o.Retryer, 5)
	}
	job := validJob(t)
	job.ClientRequestToken = aws.String("abc-2")
	if _, err := fake.Client(fast).CreateJob(ctx, job); err != nil {
		t.Fatalf("CreateJob with retries: %v", err)
	}
	if got := fake.Requests() - before; got != 4 {
		t.Errorf("%d requests, want 4: three failures and a success", got)
	}
	if n := len(fake.Jobs()); n != 2 {
		t.Errorf("%d jobs, want 2: the retried submission must create one", n)
	}

	fake.FailNext(1, mediaconvertfake.Forbidden)
	_, err = fake.Client(fast).GetJob(ctx, &mediaconvert.GetJobInput{Id: aws.String(fake.Jobs()[0].ID)})
	var forbidden *types.ForbiddenException
	if !errors.As(err, &forbidden) {
		t.Errorf("error %v, want ForbiddenException (not retried)", err)
	}
}

// TestCreateJobAcceptsEveryPlanShape submits jobs for the shapes mcjob handles differently:
// HEVC, no audio, portrait, square, a source below every rung, teletext captions, KMS outputs.
func TestCreateJobAcceptsEveryPlanShape(t *testing.T) {
	fake := newFake(t)
	client := fake.Client(noRetry)
	shapes := []struct {
		name     string
		src      pipeline.Source
		codec    string
		captions []pipeline.Caption
		kms      string
	}{
		{"hevc square", pipeline.Source{Width: 1080, Height: 1080, Audio: true}, pipeline.CodecHEVC, nil, ""},
		{"portrait without audio", pipeline.Source{Width: 1920, Height: 1080, Rotation: 90}, pipeline.CodecH264, nil, ""},
		{"tiny", pipeline.Source{Width: 160, Height: 90}, pipeline.CodecH264, nil, ""},
		{"interlaced hlg tone-mapped", pipeline.Source{Width: 1920, Height: 1080, Interlaced: true, HDR: "hlg", Audio: true}, pipeline.CodecH264, nil, ""},
		{"teletext and kms", pipeline.Source{Width: 720, Height: 576, Audio: true}, pipeline.CodecH264,
			[]pipeline.Caption{{Codec: "teletext", Language: "deu"}}, "arn:aws:kms:us-east-1:111122223333:key/k"},
	}
	for i, sh := range shapes {
		t.Run(sh.name, func(t *testing.T) {
			plan, err := pipeline.PlanLadder(sh.src, pipeline.LadderConfig{
				Rungs: []pipeline.Rung{{Height: 720, MaxBitrate: 3_500_000}, {Height: 360, MaxBitrate: 900_000}}, Codec: sh.codec})
			if err != nil {
				t.Fatal(err)
			}
			job, err := mcjob.Build(mcjob.Input{
				AssetID: "shape" + string(rune('a'+i)), Tenant: "acme", Attempt: 1,
				SourceURI: "s3://masters/k.mp4", DeliveryBucket: "delivery", KMSKeyARN: sh.kms,
				Plan: plan, Duration: time.Second, Captions: sh.captions,
				Queue: "arn:aws:mediaconvert:us-east-1:111122223333:queues/q", Role: "arn:aws:iam::111122223333:role/r",
				ThumbnailInterval: 5,
			})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := client.CreateJob(context.Background(), job); err != nil {
				t.Fatalf("CreateJob: %v", err)
			}
		})
	}
	if n := len(fake.Jobs()); n != len(shapes) {
		t.Errorf("%d jobs accepted, want %d", n, len(shapes))
	}
}
