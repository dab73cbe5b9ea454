package transcoderapi

import (
	"context"
	"errors"
	"os"
	"slices"
	"testing"
	"time"

	"cloud.google.com/go/video/transcoder/apiv1/transcoderpb"
	"google.golang.org/grpc/codes"

	"github.com/ottkit/ottkit/functions/gcp/tcjob"
	"github.com/ottkit/ottkit/functions/gcp/transcoderfake"
	"github.com/ottkit/ottkit/functions/internal/testmedia"
	"github.com/ottkit/ottkit/functions/pipeline"
	"github.com/ottkit/ottkit/functions/pipeline/probe"
)

var cfg = Config{
	Parent: "projects/ottkit-test/locations/europe-west1", DeliveryBucket: "ottkit-delivery",
	Topic: "projects/ottkit-test/topics/ottkit-jobs", ThumbnailInterval: 10,
	Labels: map[string]string{"ottkit-stack": "test"},
}

func setup(t *testing.T) (*transcoderfake.Server, *Transcoder) {
	t.Helper()
	fake, err := transcoderfake.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fake.Close)
	client, err := fake.Client(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	tc, err := New(client, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return fake, tc
}

func asset() (*pipeline.Asset, pipeline.Plan) {
	a := &pipeline.Asset{
		ID: "abc123", Tenant: "acme",
		Source: pipeline.Object{Bucket: "ottkit-ingest", Key: "uploads/acme/u1/movie.mp4", VersionID: "1700000000000000"},
		Probe:  &pipeline.ProbeSummary{Duration: 90 * time.Second, Width: 1920, Height: 1080},
	}
	plan, err := pipeline.PlanLadder(pipeline.Source{Width: 1920, Height: 1080, FrameRate: 30, Audio: true},
		pipeline.LadderConfig{Rungs: []pipeline.Rung{{Height: 1080, MaxBitrate: 6e6}, {Height: 480, MaxBitrate: 1.5e6}}, Codec: pipeline.CodecH264})
	if err != nil {
		panic(err)
	}
	return a, plan
}

func TestSubmitFindsBeforeCreating(t *testing.T) {
	fake, tc := setup(t)
	ctx := context.Background()
	a, plan := asset()
	if _, err := tc.Find(ctx, a, time.Now()); !errors.Is(err, pipeline.ErrNoJob) {
		t.Fatalf("Find before Submit: %v, want ErrNoJob", err)
	}
	id, err := tc.Submit(ctx, a, plan)
	if err != nil {
		t.Fatal(err)
	}
	again, err := tc.Submit(ctx, a, plan)
	if err != nil || again != id {
		t.Fatalf("second Submit = %s, %v; want the first job %s", again, err, id)
	}
	if n := fake.Calls()["CreateJob"]; n != 1 {
		t.Errorf("%d CreateJob calls for a redelivered submit, want 1", n)
	}
	found, err := tc.Find(ctx, a, time.Now())
	if err != nil || found != id {
		t.Errorf("Find = %s, %v; want %s", found, err, id)
	}
	jobs := fake.Jobs()
	if len(jobs) != 1 || jobs[0].Labels["ottkit-stack"] != "test" || jobs[0].GetConfig().Inputs[0].Uri != "gs://ottkit-ingest/uploads/acme/u1/movie.mp4" {
		t.Fatalf("stored jobs %v", jobs)
	}
	// The next attempt is a new job.
	a.Attempts = 1
	next, err := tc.Submit(ctx, a, plan)
	if err != nil || next == id {
		t.Errorf("attempt 2 Submit = %s, %v; want a new job", next, err)
	}
}

func TestSubmitRejectsInvalidJob(t *testing.T) {
	fake, tc := setup(t)
	a, plan := asset()
	plan.Renditions[0].Width = 1921
	if _, err := tc.Submit(context.Background(), a, plan); !errors.Is(err, pipeline.ErrJobRejected) {
		t.Errorf("Submit of an odd width: %v, want ErrJobRejected", err)
	}
	if n := fake.Calls()["CreateJob"]; n != 0 {
		t.Errorf("%d CreateJob calls for an invalid job", n)
	}
}

func TestResult(t *testing.T) {
	fake, tc := setup(t)
	ctx := context.Background()
	a, plan := asset()
	id, err := tc.Submit(ctx, a, plan)
	if err != nil {
		t.Fatal(err)
	}
	r, err := (Results{Client: tc.client}).Result(ctx, id)
	if err != nil || r.State != pipeline.JobProgressing || r.AssetID != a.ID || r.Attempt != 1 || r.JobID != id {
		t.Fatalf("pending Result = %+v, %v", r, err)
	}
	if err := fake.Finish(id, transcoderpb.Job_SUCCEEDED, codes.OK, ""); err != nil {
		t.Fatal(err)
	}
	if r, _ := (Results{Client: tc.client}).Result(ctx, id); r.State != pipeline.JobComplete {
		t.Errorf("succeeded Result state %s", r.State)
	}
	if err := fake.Finish(id, transcoderpb.Job_FAILED, codes.Unavailable, "backend unavailable"); err != nil {
		t.Fatal(err)
	}
	r, _ = (Results{Client: tc.client}).Result(ctx, id)
	if r.State != pipeline.JobError || !r.Retryable || r.ErrorCode != "Unavailable" || r.ErrorMessage != "backend unavailable" {
		t.Errorf("failed Result %+v", r)
	}
	if _, err := (Results{Client: tc.client}).Result(ctx, cfg.Parent+"/jobs/missing"); !errors.Is(err, ErrUnknownJob) {
		t.Errorf("Result of a missing job: %v, want ErrUnknownJob", err)
	}
}

func TestResultOfForeignJob(t *testing.T) {
	r := ResultOf(&transcoderpb.Job{Name: "projects/p/locations/l/jobs/x", State: transcoderpb.Job_SUCCEEDED, Labels: map[string]string{tcjob.LabelAttempt: "zero"}})
	if r.AssetID != "" || r.Attempt != 0 {
		t.Errorf("foreign job result %+v, want no asset and attempt 0", r)
	}
}

func TestRetryable(t *testing.T) {
	for code, want := range map[codes.Code]bool{
		codes.Unavailable: true, codes.Internal: true, codes.DeadlineExceeded: true, codes.ResourceExhausted: true,
		codes.Aborted: true, codes.Unknown: true,
		codes.InvalidArgument: false, codes.FailedPrecondition: false, codes.NotFound: false,
		codes.PermissionDenied: false, codes.OutOfRange: false, codes.Unimplemented: false,
	} {
		if got := Retryable(code); got != want {
			t.Errorf("Retryable(%s) = %v, want %v", code, got, want)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	for name, c := range map[string]Config{
		"parent":   {Parent: "projects/p", DeliveryBucket: "d", Topic: "t", ThumbnailInterval: 1},
		"delivery": {Parent: cfg.Parent, Topic: "t", ThumbnailInterval: 1},
		"topic":    {Parent: cfg.Parent, DeliveryBucket: "d", ThumbnailInterval: 1},
		"interval": {Parent: cfg.Parent, DeliveryBucket: "d", Topic: "t"},
	} {
		if _, err := New(nil, c); err == nil {
			t.Errorf("%s: New accepted %+v", name, c)
		}
	}
}

// TestSubmitMapsSourceCaptions probes a real MP4 with a mov_text track (video 0, audio 1,
// text 2) and checks that the job the fake accepts maps that track, by its index, to WebVTT.
func TestSubmitMapsSourceCaptions(t *testing.T) {
	fake, tc := setup(t)
	data, err := os.ReadFile(testmedia.Path(t, testmedia.WithCaptions))
	if err != nil {
		t.Fatal(err)
	}
	info, err := probe.Probe(context.Background(), probe.BytesSource(data), probe.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	sum := pipeline.Summarize(info)
	a, plan := asset()
	a.Probe = &sum
	if _, err := tc.Submit(context.Background(), a, plan); err != nil {
		t.Fatalf("Submit: %v", err)
	}
	jobs := fake.Jobs()
	if len(jobs) != 1 {
		t.Fatalf("%d jobs, want 1", len(jobs))
	}
	cfg := jobs[0].GetConfig()
	var texts []*transcoderpb.TextStream
	for _, es := range cfg.ElementaryStreams {
		if ts := es.GetTextStream(); ts != nil {
			texts = append(texts, ts)
		}
	}
	if len(texts) != 1 || texts[0].Codec != "webvtt" || texts[0].LanguageCode != "en" ||
		len(texts[0].Mapping) != 1 || texts[0].Mapping[0].InputTrack != 2 {
		t.Fatalf("text streams %v, want one English WebVTT stream mapping input track 2", texts)
	}
	var hls *transcoderpb.Manifest
	for _, m := range cfg.Manifests {
		if m.Type == transcoderpb.Manifest_HLS {
			hls = m
		}
	}
	if hls == nil || !slices.Contains(hls.MuxStreams, "captions1-vtt") {
		t.Errorf("HLS manifest %v does not list the WebVTT stream", hls)
	}
}
