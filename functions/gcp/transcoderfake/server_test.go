package transcoderfake

import (
	"context"
	"strings"
	"testing"
	"time"

	transcoder "cloud.google.com/go/video/transcoder/apiv1"
	"cloud.google.com/go/video/transcoder/apiv1/transcoderpb"
	"google.golang.org/api/iterator"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/ottkit/ottkit/functions/gcp/tcjob"
	"github.com/ottkit/ottkit/functions/pipeline"
)

const parent = "projects/ottkit-test/locations/europe-west1"

func start(t *testing.T) (*Server, *transcoder.Client) {
	t.Helper()
	s, err := Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	c, err := s.Client(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return s, c
}

func job(t *testing.T, asset string, attempt int) *transcoderpb.Job {
	t.Helper()
	return jobOf(t, asset, attempt, pipeline.Source{Width: 1280, Height: 720, FrameRate: 25, Audio: true})
}

func jobOf(t *testing.T, asset string, attempt int, src pipeline.Source) *transcoderpb.Job {
	t.Helper()
	plan, err := pipeline.PlanLadder(src,
		pipeline.LadderConfig{Rungs: []pipeline.Rung{{Height: 720, MaxBitrate: 3_000_000}, {Height: 360, MaxBitrate: 800_000}}, Codec: pipeline.CodecH264})
	if err != nil {
		t.Fatal(err)
	}
	j, err := tcjob.Build(tcjob.Input{
		AssetID: asset, Attempt: attempt, SourceURI: "gs://masters-b/acme/src.mp4", DeliveryBucket: "delivery-b",
		Topic: "projects/ottkit-test/topics/jobs", Plan: plan, Duration: time.Minute, ThumbnailInterval: 10,
		Captions: []tcjob.Caption{{Track: 2, Codec: "subrip", Language: "eng"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// TestCreateJobAcceptsDeinterlacedJob submits what tcjob builds for an interlaced source.
func TestCreateJobAcceptsDeinterlacedJob(t *testing.T) {
	_, c := start(t)
	j := jobOf(t, "i1", 1, pipeline.Source{Width: 1920, Height: 1080, FrameRate: 25, Audio: true, Interlaced: true})
	if j.GetConfig().Inputs[0].GetPreprocessingConfig().GetDeinterlace() == nil {
		t.Fatal("tcjob built no deinterlacing for an interlaced source")
	}
	if _, err := c.CreateJob(context.Background(), &transcoderpb.CreateJobRequest{Parent: parent, Job: j}); err != nil {
		t.Fatalf("CreateJob: %v", err)
	}
}

func TestCreateGetListFinish(t *testing.T) {
	s, c := start(t)
	ctx := context.Background()
	created, err := c.CreateJob(ctx, &transcoderpb.CreateJobRequest{Parent: parent, Job: job(t, "a1", 1)})
	if err != nil {
		t.Fatalf("CreateJob of a tcjob job: %v", err)
	}
	if !strings.HasPrefix(created.Name, parent+"/jobs/") || created.State != transcoderpb.Job_PENDING || created.CreateTime == nil {
		t.Errorf("created %s state %s", created.Name, created.State)
	}
	if _, err := c.CreateJob(ctx, &transcoderpb.CreateJobRequest{Parent: parent, Job: job(t, "a1", 2)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateJob(ctx, &transcoderpb.CreateJobRequest{Parent: parent, Job: job(t, "a2", 1)}); err != nil {
		t.Fatal(err)
	}
	got, err := c.GetJob(ctx, &transcoderpb.GetJobRequest{Name: created.Name})
	if err != nil || !proto.Equal(got, created) {
		t.Fatalf("GetJob = %v, %v", got.GetName(), err)
	}
	if _, err := c.GetJob(ctx, &transcoderpb.GetJobRequest{Name: parent + "/jobs/nope"}); status.Code(err) != codes.NotFound {
		t.Errorf("GetJob of a missing job: %v, want NotFound", err)
	}

	list := func(filter string, size int32) []string {
		t.Helper()
		var names []string
		it := c.ListJobs(ctx, &transcoderpb.ListJobsRequest{Parent: parent, Filter: filter, PageSize: size})
		for {
			j, err := it.Next()
			if err == iterator.Done {
				return names
			}
			if err != nil {
				t.Fatalf("ListJobs %q: %v", filter, err)
			}
			names = append(names, j.Labels[tcjob.LabelAsset]+"/"+j.Labels[tcjob.LabelAttempt])
		}
	}
	if got := list(tcjob.Filter("a1", 1), 0); strings.Join(got, ",") != "a1/1" {
		t.Errorf("filter a1/1: %v", got)
	}
	if got := list(`labels.ottkit-asset="a1"`, 1); strings.Join(got, ",") != "a1/2,a1/1" {
		t.Errorf("filter a1, one per page, newest first: %v", got)
	}
	if got := list("", 2); len(got) != 3 {
		t.Errorf("unfiltered: %v", got)
	}
	if err := s.Finish(created.Name, transcoderpb.Job_FAILED, codes.InvalidArgument, "bad input"); err != nil {
		t.Fatal(err)
	}
	if got := list("state=FAILED", 0); strings.Join(got, ",") != "a1/1" {
		t.Errorf("state=FAILED: %v", got)
	}
	got, _ = c.GetJob(ctx, &transcoderpb.GetJobRequest{Name: created.Name})
	if got.State != transcoderpb.Job_FAILED || got.Error.GetCode() != int32(codes.InvalidArgument) || got.EndTime == nil {
		t.Errorf("finished job %v error %v", got.State, got.Error)
	}
	it := c.ListJobs(ctx, &transcoderpb.ListJobsRequest{Parent: parent, Filter: "labels.x~y"})
	if _, err := it.Next(); status.Code(err) != codes.InvalidArgument {
		t.Errorf("unsupported filter: %v, want InvalidArgument", err)
	}
	if n := s.Calls()["CreateJob"]; n != 3 {
		t.Errorf("%d CreateJob calls recorded, want 3", n)
	}
}

func TestCreateJobRejects(t *testing.T) {
	_, c := start(t)
	ctx := context.Background()
	cfg := func(j *transcoderpb.Job) *transcoderpb.JobConfig { return j.GetConfig() }
	video := func(j *transcoderpb.Job) *transcoderpb.VideoStream_H264CodecSettings {
		return cfg(j).ElementaryStreams[0].GetVideoStream().GetH264()
	}
	tests := []struct {
		name, field string
		parent      string
		mod         func(*transcoderpb.Job)
	}{
		{"parent", "parent", "projects/x", func(*transcoderpb.Job) {}},
		{"no config", "job.config", parent, func(j *transcoderpb.Job) { j.JobConfig = nil }},
		{"template", "template_id", parent, func(j *transcoderpb.Job) { j.JobConfig = &transcoderpb.Job_TemplateId{TemplateId: "mine"} }},
		{"label key", "labels key", parent, func(j *transcoderpb.Job) { j.Labels["Bad"] = "x" }},
		{"label value", "labels[", parent, func(j *transcoderpb.Job) { j.Labels["ok"] = "UPPER" }},
		{"ttl", "ttl_after_completion_days", parent, func(j *transcoderpb.Job) { j.TtlAfterCompletionDays = 91 }},
		{"input uri", "inputs[0].uri", parent, func(j *transcoderpb.Job) { cfg(j).Inputs[0].Uri = "s3://b/k" }},
		{"output uri", "output.uri", parent, func(j *transcoderpb.Job) { cfg(j).Output.Uri = "gs://delivery-b/assets/a1" }},
		{"topic", "pubsub_destination", parent, func(j *transcoderpb.Job) { cfg(j).PubsubDestination.Topic = "jobs" }},
		{"frame rate", "frame_rate", parent, func(j *transcoderpb.Job) { video(j).FrameRate = 121 }},
		{"bitrate", "bitrate_bps", parent, func(j *transcoderpb.Job) { video(j).BitrateBps = 999 }},
		{"odd width", "must be even", parent, func(j *transcoderpb.Job) { video(j).WidthPixels = 1279 }},
		{"profile", "profile", parent, func(j *transcoderpb.Job) { video(j).Profile = "extreme" }},
		{"rate mode", "rate_control_mode", parent, func(j *transcoderpb.Job) { video(j).RateControlMode = "cbr" }},
		{"segment vs gop", "multiple of the gop_duration", parent, func(j *transcoderpb.Job) {
			video(j).GopMode = &transcoderpb.VideoStream_H264CodecSettings_GopDuration{GopDuration: durationpb.New(4 * time.Second)}
		}},
		{"duplicate stream key", "not unique", parent, func(j *transcoderpb.Job) { cfg(j).ElementaryStreams[1].Key = cfg(j).ElementaryStreams[0].Key }},
		{"audio codec", "audio_stream.codec", parent, func(j *transcoderpb.Job) { cfg(j).ElementaryStreams[2].GetAudioStream().Codec = "opus" }},
		{"text mapping", "mapping[0]", parent, func(j *transcoderpb.Job) { cfg(j).ElementaryStreams[3].GetTextStream().Mapping[0].AtomKey = "nope" }},
		{"mux reference", "unknown stream", parent, func(j *transcoderpb.Job) { cfg(j).MuxStreams[0].ElementaryStreams = []string{"ghost"} }},
		{"container", "container", parent, func(j *transcoderpb.Job) { cfg(j).MuxStreams[0].Container = "mkv" }},
		{"fmp4 two streams", "exactly one", parent, func(j *transcoderpb.Job) {
			cfg(j).MuxStreams[0].ElementaryStreams = append(cfg(j).MuxStreams[0].ElementaryStreams, "audio")
		}},
		{"manifest reference", "unknown mux stream", parent, func(j *transcoderpb.Job) { cfg(j).Manifests[0].MuxStreams[0] = "ghost" }},
		{"dash vtt", "DASH manifests take fmp4", parent, func(j *transcoderpb.Job) {
			cfg(j).Manifests[1].MuxStreams = append(cfg(j).Manifests[1].MuxStreams, "captions1-vtt")
		}},
		{"manifest type", "type is required", parent, func(j *transcoderpb.Job) { cfg(j).Manifests[0].Type = transcoderpb.Manifest_MANIFEST_TYPE_UNSPECIFIED }},
		{"sprite size", "sprite size", parent, func(j *transcoderpb.Job) { cfg(j).SpriteSheets[0].SpriteWidthPixels = 1281 }},
		{"sprite prefix", "file_prefix", parent, func(j *transcoderpb.Job) { cfg(j).SpriteSheets[1].FilePrefix = cfg(j).SpriteSheets[0].FilePrefix }},
		{"sprite strategy", "total_count or interval", parent, func(j *transcoderpb.Job) { cfg(j).SpriteSheets[1].ExtractionStrategy = nil }},
		{"sprite quality", "quality", parent, func(j *transcoderpb.Job) { cfg(j).SpriteSheets[1].Quality = 101 }},
		{"output only", "output only", parent, func(j *transcoderpb.Job) { j.State = transcoderpb.Job_SUCCEEDED }},
		{"deinterlace mode", "bwdif.mode", parent, func(j *transcoderpb.Job) {
			cfg(j).Inputs[0].PreprocessingConfig = &transcoderpb.PreprocessingConfig{Deinterlace: &transcoderpb.PreprocessingConfig_Deinterlace{
				DeinterlacingFilter: &transcoderpb.PreprocessingConfig_Deinterlace_Bwdif{Bwdif: &transcoderpb.PreprocessingConfig_Deinterlace_BwdifConfig{Mode: "send_frames"}}}}
		}},
		{"deinterlace parity", "yadif.parity", parent, func(j *transcoderpb.Job) {
			cfg(j).Inputs[0].PreprocessingConfig = &transcoderpb.PreprocessingConfig{Deinterlace: &transcoderpb.PreprocessingConfig_Deinterlace{
				DeinterlacingFilter: &transcoderpb.PreprocessingConfig_Deinterlace_Yadif{Yadif: &transcoderpb.PreprocessingConfig_Deinterlace_YadifConfig{Parity: "top"}}}}
		}},
		{"deinterlace filter", "deinterlacing_filter", parent, func(j *transcoderpb.Job) {
			cfg(j).Inputs[0].PreprocessingConfig = &transcoderpb.PreprocessingConfig{Deinterlace: &transcoderpb.PreprocessingConfig_Deinterlace{}}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j := job(t, "a1", 1)
			tt.mod(j)
			_, err := c.CreateJob(ctx, &transcoderpb.CreateJobRequest{Parent: tt.parent, Job: j})
			if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), tt.field) {
				t.Errorf("CreateJob error %v, want InvalidArgument naming %s", err, tt.field)
			}
		})
	}
}
