package transcode_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/mediaconvert"

	"github.com/ottkit/ottkit/functions/aws/awstest"
	"github.com/ottkit/ottkit/functions/aws/catalog"
	"github.com/ottkit/ottkit/functions/aws/lambdalog"
	"github.com/ottkit/ottkit/functions/aws/manifest"
	"github.com/ottkit/ottkit/functions/aws/mediaconvertfake"
	"github.com/ottkit/ottkit/functions/aws/snstopic"
	"github.com/ottkit/ottkit/functions/aws/transcode"
	"github.com/ottkit/ottkit/functions/aws/transcoder"
	"github.com/ottkit/ottkit/functions/pipeline"
	stage "github.com/ottkit/ottkit/functions/stages/transcode"
)

var rec = awstest.NewRecorder()

func TestMain(m *testing.M) {
	os.Exit(awstest.Main(m, awstest.CheckPermissions(rec, manifest.Transcode)))
}

const (
	queueARN = "arn:aws:mediaconvert:us-east-1:111122223333:queues/ottkit"
	roleARN  = "arn:aws:iam::111122223333:role/ottkit-mediaconvert"
)

type fixture struct {
	env   *awstest.Env
	mc    *mediaconvertfake.Server
	admin *catalog.Table
	table string
	cfg   transcode.Config
	// subscriber is the SQS queue subscribed to the notification topic.
	subscriber string
	logs       *bytes.Buffer
	now        time.Time
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	env := awstest.NewEnv(t, rec)
	mc := mediaconvertfake.New()
	t.Cleanup(mc.Close)
	rec.Name(manifest.MediaConvertQueue, queueARN, "ottkit")
	rec.Name(manifest.MediaConvertRole, roleARN)
	rec.Name(manifest.MediaConvertJobs, "arn:aws:mediaconvert:us-east-1:111122223333:jobs/*")
	table := env.CatalogTable(t)
	topic, subscriber := env.Topic(t)
	rungs, err := pipeline.ParseLadder(`[{"height":1080,"maxBitrate":6000000},{"height":720,"maxBitrate":3500000},{"height":360,"maxBitrate":900000}]`)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{
		env: env, mc: mc, admin: catalog.New(env.Admin.DynamoDB, table), table: table, logs: &bytes.Buffer{}, subscriber: subscriber,
		now: time.Date(2026, 2, 3, 4, 5, 6, 0, time.UTC),
		cfg: transcode.Config{
			CatalogTable: table, DeliveryBucket: "ottkit-delivery", Queue: queueARN, Role: roleARN, NotifyTopicARN: topic,
			Ladder: pipeline.LadderConfig{Rungs: rungs, Codec: pipeline.CodecH264}, ThumbnailInterval: 10,
		},
	}
}

// handler builds a Handler over the recorded clients; tableName overrides the catalog table.
func (f *fixture) handler(tableName string) *transcode.Handler {
	if tableName == "" {
		tableName = f.table
	}
	client := f.mc.Client(func(o *mediaconvert.Options) { o.APIOptions = append(o.APIOptions, rec.APIOption) })
	tc := transcoder.New(client, transcoder.Config{Queue: f.cfg.Queue, Role: f.cfg.Role, DeliveryBucket: f.cfg.DeliveryBucket, ThumbnailInterval: f.cfg.ThumbnailInterval})
	h := transcode.New(f.cfg, catalog.New(f.env.DynamoDB, tableName), tc, snstopic.New(f.env.SNS, f.cfg.NotifyTopicARN), lambdalog.New(f.logs, slog.LevelInfo))
	h.Stage.Now = func() time.Time { return f.now }
	return h
}

func (f *fixture) seed(t *testing.T, id string, status pipeline.Status, probe *pipeline.ProbeSummary) {
	t.Helper()
	a := &pipeline.Asset{
		ID: id, Tenant: "acme", Status: status, Probe: probe,
		Source:    pipeline.Object{Bucket: "ottkit-masters", Key: id + "/clip.mp4", Size: 1000},
		CreatedAt: f.now.Add(-time.Hour), UpdatedAt: f.now.Add(-time.Hour),
	}
	if status == pipeline.StatusRetrying {
		a.Attempts, a.JobID = 1, "old-job"
	}
	if err := f.admin.Create(context.Background(), a); err != nil {
		t.Fatal(err)
	}
}

var hd = &pipeline.ProbeSummary{Container: "mp4", Duration: 95 * time.Second, DurationSeconds: 95, Width: 1920, Height: 1080, Codec: "h264", FrameRate: 25, AudioTracks: 1}

func body(id string) string {
	b, _ := json.Marshal(pipeline.TranscodeRequest{AssetID: id, Tenant: "acme"})
	return string(b)
}

func failures(resp events.SQSEventResponse) []string {
	var out []string
	for _, f := range resp.BatchItemFailures {
		out = append(out, f.ItemIdentifier)
	}
	return out
}

func (f *fixture) get(t *testing.T, id string) *pipeline.Asset {
	t.Helper()
	a, err := f.admin.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestSubmitsOneJobPerAttempt(t *testing.T) {
	f := newFixture(t)
	f.seed(t, "a1", pipeline.StatusQueued, hd)
	h := f.handler("")
	ctx := context.Background()

	// The same request twice in one batch, then again in a later batch.
	resp, err := h.Handle(ctx, awstest.SQSEvent(t, body("a1"), body("a1")))
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("Handle = %v, %v; want no failures", failures(resp), err)
	}
	resp, _ = h.Handle(ctx, awstest.SQSEvent(t, body("a1")))
	if len(resp.BatchItemFailures) != 0 {
		t.Fatalf("duplicate request failed: %v", failures(resp))
	}
	jobs := f.mc.Jobs()
	if len(jobs) != 1 {
		t.Fatalf("MediaConvert got %d jobs, want 1", len(jobs))
	}
	job := jobs[0].Request
	if job.UserMetadata["assetId"] != "a1" || job.Tags[transcoder.TagAsset] != "a1" || job.Tags[transcoder.TagTenant] != "acme" {
		t.Errorf("job metadata %v tags %v, want the asset id in both", job.UserMetadata, job.Tags)
	}
	if *job.Queue != queueARN || *job.Role != roleARN || *job.ClientRequestToken != "a1-1" {
		t.Errorf("job queue %s role %s token %s", *job.Queue, *job.Role, *job.ClientRequestToken)
	}
	if got := *job.Settings.Inputs[0].FileInput; got != "s3://ottkit-masters/a1/clip.mp4" {
		t.Errorf("input = %s, want the master", got)
	}
	a := f.get(t, "a1")
	if a.Status != pipeline.StatusTranscoding || a.JobID != jobs[0].ID || a.Attempts != 1 || len(a.Renditions) != 3 || a.Renditions[0] != (pipeline.Rendition{Width: 1920, Height: 1080, MaxBitrate: 6000000}) {
		t.Errorf("asset = %+v, want transcoding with the job, 1 attempt and the 3 planned renditions", a)
	}
}

func TestConcurrentRequestsShareOneJob(t *testing.T) {
	f := newFixture(t)
	f.seed(t, "a1", pipeline.StatusQueued, hd)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := f.handler("").Handle(context.Background(), awstest.SQSEvent(t, body("a1")))
			if err != nil || len(resp.BatchItemFailures) != 0 {
				t.Errorf("Handle = %v, %v", failures(resp), err)
			}
		}()
	}
	wg.Wait()
	jobs := f.mc.Jobs()
	if len(jobs) != 1 {
		t.Fatalf("%d jobs for one asset, want 1", len(jobs))
	}
	if a := f.get(t, "a1"); a.JobID != jobs[0].ID || a.Attempts != 1 {
		t.Errorf("asset job %s attempts %d, want %s and 1", a.JobID, a.Attempts, jobs[0].ID)
	}
}

func TestRetryingAssetGetsTheNextAttempt(t *testing.T) {
	f := newFixture(t)
	f.seed(t, "a1", pipeline.StatusRetrying, hd)
	resp, _ := f.handler("").Handle(context.Background(), awstest.SQSEvent(t, body("a1")))
	if len(resp.BatchItemFailures) != 0 {
		t.Fatalf("failures %v", failures(resp))
	}
	jobs := f.mc.Jobs()
	if len(jobs) != 1 || *jobs[0].Request.ClientRequestToken != "a1-2" {
		t.Fatalf("jobs = %v, want one with token a1-2", jobs)
	}
	if a := f.get(t, "a1"); a.Status != pipeline.StatusTranscoding || a.Attempts != 2 || a.JobID != jobs[0].ID {
		t.Errorf("asset = %+v, want transcoding, attempt 2, the new job", a)
	}
}

func TestRequestsThatChangeNothing(t *testing.T) {
	f := newFixture(t)
	for _, s := range []pipeline.Status{pipeline.StatusTranscoding, pipeline.StatusReady, pipeline.StatusFailed, pipeline.StatusRejected} {
		f.seed(t, "in-"+string(s), s, hd)
	}
	bodies := []string{`not json`, `{"tenant":"acme"}`, body("in-transcoding"), body("in-ready"), body("in-failed"), body("in-rejected")}
	resp, err := f.handler("").Handle(context.Background(), awstest.SQSEvent(t, bodies...))
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("Handle = %v, %v; want every message done", failures(resp), err)
	}
	if n := len(f.mc.Jobs()); n != 0 {
		t.Errorf("%d jobs submitted for requests that must change nothing", n)
	}
	for _, s := range []pipeline.Status{pipeline.StatusTranscoding, pipeline.StatusReady, pipeline.StatusFailed, pipeline.StatusRejected} {
		if a := f.get(t, "in-"+string(s)); a.Status != s {
			t.Errorf("asset in %s moved to %s", s, a.Status)
		}
	}
}

func TestTransientErrorsAreRetried(t *testing.T) {
	f := newFixture(t)
	f.seed(t, "a1", pipeline.StatusQueued, hd)
	f.seed(t, "a2", pipeline.StatusQueued, hd)

	t.Run("MediaConvert throttling", func(t *testing.T) {
		f.mc.FailNext(3, mediaconvertfake.TooManyRequests) // the SDK's 3 attempts for a1
		event := awstest.SQSEvent(t, body("a1"), body("a2"))
		resp, _ := f.handler("").Handle(context.Background(), event)
		if got := failures(resp); len(got) != 1 || got[0] != event.Records[0].MessageId {
			t.Fatalf("failures = %v, want only a1's message", got)
		}
		if a := f.get(t, "a1"); a.Status != pipeline.StatusQueued {
			t.Errorf("a1 is %s after a failed submit, want queued", a.Status)
		}
		resp, _ = f.handler("").Handle(context.Background(), awstest.SQSEvent(t, body("a1")))
		if len(resp.BatchItemFailures) != 0 || f.get(t, "a1").Status != pipeline.StatusTranscoding {
			t.Errorf("redelivery did not submit a1: %v", failures(resp))
		}
	})
	t.Run("catalog unavailable", func(t *testing.T) {
		rec.Name(manifest.CatalogTable, "ottkit-missing-table")
		resp, _ := f.handler("ottkit-missing-table").Handle(context.Background(), awstest.SQSEvent(t, body("a1")))
		if len(resp.BatchItemFailures) != 1 {
			t.Errorf("failures = %v, want the message retried", failures(resp))
		}
	})
}

func TestRequestBeforeTheCatalogItemIsRetried(t *testing.T) {
	f := newFixture(t)
	event := awstest.SQSEvent(t, body("late"))
	resp, _ := f.handler("").Handle(context.Background(), event)
	if got := failures(resp); len(got) != 1 || got[0] != event.Records[0].MessageId {
		t.Fatalf("failures = %v, want the request retried until ingest has created the asset", got)
	}
	f.seed(t, "late", pipeline.StatusQueued, hd)
	resp, _ = f.handler("").Handle(context.Background(), event)
	if len(resp.BatchItemFailures) != 0 || len(f.mc.Jobs()) != 1 {
		t.Errorf("redelivery: failures %v, %d jobs; want the job submitted", failures(resp), len(f.mc.Jobs()))
	}
}

func TestUnplannableSourceFails(t *testing.T) {
	f := newFixture(t)
	f.seed(t, "tiny", pipeline.StatusQueued, &pipeline.ProbeSummary{Container: "mp4", Duration: time.Second, Width: 0, Height: 0, Codec: "h264"})
	f.seed(t, "noprobe", pipeline.StatusQueued, nil)
	resp, _ := f.handler("").Handle(context.Background(), awstest.SQSEvent(t, body("tiny"), body("noprobe")))
	if len(resp.BatchItemFailures) != 0 {
		t.Fatalf("failures %v; a plan error is final, not retried", failures(resp))
	}
	for _, id := range []string{"tiny", "noprobe"} {
		if a := f.get(t, id); a.Status != pipeline.StatusFailed || a.FailureCode != stage.FailurePlan || a.FailureMessage == "" {
			t.Errorf("%s = %s %q %q, want failed with code plan and a message", id, a.Status, a.FailureCode, a.FailureMessage)
		}
	}
	if len(f.mc.Jobs()) != 0 {
		t.Error("a job was submitted for an unplannable source")
	}
	notes := map[string]pipeline.Notification{}
	for _, n := range f.env.Notifications(t, f.subscriber) {
		notes[n.AssetID] = n
	}
	for _, id := range []string{"tiny", "noprobe"} {
		if n := notes[id]; len(notes) != 2 || n.Status != pipeline.StatusFailed || n.FailureCode != stage.FailurePlan || n.Tenant != "acme" {
			t.Errorf("notifications = %+v, want one failed (plan) for each of tiny and noprobe", notes)
		}
	}
	if !strings.Contains(f.logs.String(), `"assetId":"tiny"`) {
		t.Errorf("logs lack the asset id: %s", f.logs.String())
	}
}

func TestRejectedJobFailsAndIsAnnounced(t *testing.T) {
	f := newFixture(t)
	f.seed(t, "a1", pipeline.StatusQueued, hd)
	f.mc.FailNext(1, mediaconvertfake.Error{Status: 400, Type: "BadRequestException", Message: "/settings/inputs/0/fileInput: unsupported"})
	event := awstest.SQSEvent(t, body("a1"))
	resp, _ := f.handler("").Handle(context.Background(), event)
	if len(resp.BatchItemFailures) != 0 {
		t.Fatalf("failures = %v; a rejected job is final, not retried", failures(resp))
	}
	if a := f.get(t, "a1"); a.Status != pipeline.StatusFailed || a.FailureCode != stage.FailureRejected {
		t.Errorf("asset = %s %q, want failed with %s", a.Status, a.FailureCode, stage.FailureRejected)
	}
	if n := f.env.Notifications(t, f.subscriber); len(n) != 1 || n[0].AssetID != "a1" || n[0].Status != pipeline.StatusFailed || n[0].FailureCode != stage.FailureRejected {
		t.Errorf("notifications = %+v, want one failed (%s) for a1", n, stage.FailureRejected)
	}
}

func TestFailureIsNotRecordedBeforeItIsAnnounced(t *testing.T) {
	f := newFixture(t)
	f.seed(t, "noprobe", pipeline.StatusQueued, nil)
	missing := "arn:aws:sns:us-east-1:123456789012:ottkit-missing"
	rec.Name(manifest.NotifyTopic, missing)
	good := f.cfg.NotifyTopicARN
	f.cfg.NotifyTopicARN = missing
	event := awstest.SQSEvent(t, body("noprobe"))
	resp, _ := f.handler("").Handle(context.Background(), event)
	if len(resp.BatchItemFailures) != 1 {
		t.Fatalf("failures = %v, want the message retried while SNS fails", failures(resp))
	}
	if a := f.get(t, "noprobe"); a.Status != pipeline.StatusQueued {
		t.Errorf("asset is %s before its failure was announced, want queued", a.Status)
	}
	f.cfg.NotifyTopicARN = good
	resp, _ = f.handler("").Handle(context.Background(), event)
	if len(resp.BatchItemFailures) != 0 || f.get(t, "noprobe").Status != pipeline.StatusFailed || len(f.env.Notifications(t, f.subscriber)) != 1 {
		t.Errorf("redelivery: failures %v; want the asset failed and announced once", failures(resp))
	}
}

func TestLoadConfig(t *testing.T) {
	valid := map[string]string{
		"CATALOG_TABLE": "catalog", "DELIVERY_BUCKET": "delivery", "MEDIACONVERT_QUEUE_ARN": queueARN, "MEDIACONVERT_ROLE_ARN": roleARN,
		"NOTIFY_TOPIC_ARN": "arn:aws:sns:us-east-1:111122223333:ottkit-notify",
		"LADDER":           `[{"height":720,"maxBitrate":3500000},{"height":1080,"maxBitrate":6000000}]`, "MAX_HEIGHT": "1080", "VIDEO_CODEC": "hevc", "THUMBNAIL_INTERVAL": "5",
	}
	awstest.CheckEnv(t, manifest.Transcode, func(getenv func(string) string) error {
		_, err := transcode.LoadConfig(getenv)
		return err
	}, valid)
	cfg, err := transcode.LoadConfig(func(k string) string { return valid[k] })
	if err != nil || cfg.Ladder.Codec != "hevc" || cfg.Ladder.MaxHeight != 1080 || len(cfg.Ladder.Rungs) != 2 || cfg.ThumbnailInterval != 5 {
		t.Errorf("LoadConfig = %+v, %v", cfg, err)
	}
	awstest.CheckEnvRejects(t, func(getenv func(string) string) error {
		_, err := transcode.LoadConfig(getenv)
		return err
	}, valid, [][2]string{{"LADDER", `[{"height":100,"maxBitrate":1}]`}, {"VIDEO_CODEC", "av1"}, {"MAX_HEIGHT", "-1"}})
}

// failingRecord is a catalog whose write of a transcoding asset (the job's record) fails once,
// like a function killed between CreateJob and the catalog write.
type failingRecord struct {
	pipeline.Catalog
	failed bool
}

func (c *failingRecord) Update(ctx context.Context, from pipeline.Status, a *pipeline.Asset) error {
	if a.Status == pipeline.StatusTranscoding && !c.failed {
		c.failed = true
		return errors.New("killed after CreateJob")
	}
	return c.Catalog.Update(ctx, from, a)
}

// TestCrashAfterCreateJobRedeliveredLaterBillsOneJob: the request is redelivered after the
// queue's visibility timeout, three minutes and more after CreateJob, when MediaConvert no
// longer honours the client request token; the job is found by its user metadata instead.
func TestCrashAfterCreateJobRedeliveredLaterBillsOneJob(t *testing.T) {
	f := newFixture(t)
	f.seed(t, "a1", pipeline.StatusQueued, hd)
	now := f.now
	f.mc.SetNow(func() time.Time { return now })
	client := f.mc.Client(func(o *mediaconvert.Options) { o.APIOptions = append(o.APIOptions, rec.APIOption) })
	tc := transcoder.New(client, transcoder.Config{Queue: f.cfg.Queue, Role: f.cfg.Role, DeliveryBucket: f.cfg.DeliveryBucket, ThumbnailInterval: f.cfg.ThumbnailInterval})
	cat := &failingRecord{Catalog: catalog.New(f.env.DynamoDB, f.table)}
	h := transcode.New(f.cfg, cat, tc, snstopic.New(f.env.SNS, f.cfg.NotifyTopicARN), lambdalog.New(f.logs, slog.LevelInfo))
	h.Stage.Now = func() time.Time { return now }

	resp, _ := h.Handle(context.Background(), awstest.SQSEvent(t, body("a1")))
	if len(resp.BatchItemFailures) != 1 || len(f.mc.Jobs()) != 1 {
		t.Fatalf("first delivery: failures %v, %d jobs; want the message retried after its job was created", failures(resp), len(f.mc.Jobs()))
	}
	now = now.Add(3*time.Minute + time.Second)
	resp, _ = h.Handle(context.Background(), awstest.SQSEvent(t, body("a1")))
	if len(resp.BatchItemFailures) != 0 {
		t.Fatalf("redelivery failed: %v\n%s", failures(resp), f.logs)
	}
	jobs := f.mc.Jobs()
	if len(jobs) != 1 {
		t.Fatalf("MediaConvert billed %d jobs, want 1", len(jobs))
	}
	if a := f.get(t, "a1"); a.Status != pipeline.StatusTranscoding || a.JobID != jobs[0].ID || a.Attempts != 1 {
		t.Errorf("asset %s job %q attempt %d, want transcoding with %s", a.Status, a.JobID, a.Attempts, jobs[0].ID)
	}
}
