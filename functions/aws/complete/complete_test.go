package complete_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/ottkit/ottkit/functions/aws/awstest"
	"github.com/ottkit/ottkit/functions/aws/catalog"
	"github.com/ottkit/ottkit/functions/aws/complete"
	"github.com/ottkit/ottkit/functions/aws/lambdalog"
	"github.com/ottkit/ottkit/functions/aws/manifest"
	"github.com/ottkit/ottkit/functions/aws/s3store"
	"github.com/ottkit/ottkit/functions/aws/snstopic"
	"github.com/ottkit/ottkit/functions/aws/sqsqueue"
	"github.com/ottkit/ottkit/functions/pipeline"
	stage "github.com/ottkit/ottkit/functions/stages/complete"
)

var (
	rec = awstest.NewRecorder()
	// mirrorRec records the tests of a stack with an edge mirror (mirror_test.go).
	mirrorRec = awstest.NewRecorder()
)

func TestMain(m *testing.M) {
	os.Exit(awstest.Main(m,
		awstest.CheckPermissions(rec, manifest.Complete),
		awstest.CheckPermissions(mirrorRec, manifest.Complete.With(manifest.CompleteMirror))))
}

// spyQueue records the delays asked for and forwards to the real queue.
type spyQueue struct {
	q      *sqsqueue.Queue
	mu     sync.Mutex
	delays []time.Duration
}

func (s *spyQueue) SendDelayed(ctx context.Context, body string, d time.Duration) error {
	s.mu.Lock()
	s.delays = append(s.delays, d)
	s.mu.Unlock()
	return s.q.SendDelayed(ctx, body, d)
}

type fixture struct {
	env                        *awstest.Env
	cfg                        complete.Config
	admin                      *catalog.Table
	subscriber, transcodeQueue string
	queue                      *spyQueue
	logs                       *bytes.Buffer
	now                        time.Time
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	return newFixtureRecordedBy(t, rec)
}

func newFixtureRecordedBy(t *testing.T, rec *awstest.Recorder) *fixture {
	t.Helper()
	env := awstest.NewEnv(t, rec)
	f := &fixture{env: env, logs: &bytes.Buffer{}, now: time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC)}
	table := env.CatalogTable(t)
	topic, sub := env.Topic(t)
	f.subscriber = sub
	f.transcodeQueue = env.Queue(t, manifest.TranscodeQueue)
	f.cfg = complete.Config{
		CatalogTable: table, DeliveryBucket: env.Bucket(t, manifest.DeliveryBucket), MastersBucket: env.Bucket(t, manifest.MastersBucket),
		NotifyTopicARN: topic, TranscodeQueueURL: f.transcodeQueue, ArchiveStorageClass: "GLACIER_IR", MaxRetries: 2,
	}
	f.admin = catalog.New(env.Admin.DynamoDB, table)
	f.queue = &spyQueue{q: sqsqueue.New(env.SQS, f.transcodeQueue)}
	return f
}

func (f *fixture) handler(topicARN string) *complete.Handler {
	if topicARN == "" {
		topicARN = f.cfg.NotifyTopicARN
	}
	h := complete.New(f.cfg, catalog.New(f.env.DynamoDB, f.cfg.CatalogTable), s3store.New(f.env.S3), f.queue,
		snstopic.New(f.env.SNS, topicARN), lambdalog.New(f.logs, slog.LevelInfo))
	h.Stage.Now = func() time.Time { return f.now }
	return h
}

func (f *fixture) put(t *testing.T, bucket, key string) {
	t.Helper()
	_, err := f.env.Admin.S3.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: strings.NewReader("x")})
	if err != nil {
		t.Fatal(err)
	}
}

// seed stores an asset transcoding job jobID at attempt attempts, its master, and (when
// outputs) everything the job writes.
func (f *fixture) seed(t *testing.T, id, jobID string, attempts int, outputs bool) {
	t.Helper()
	f.seedStatus(t, id, pipeline.StatusTranscoding, jobID, attempts, outputs)
}

// seedStatus is seed with the asset in status.
func (f *fixture) seedStatus(t *testing.T, id string, status pipeline.Status, jobID string, attempts int, outputs bool) {
	t.Helper()
	a := &pipeline.Asset{
		ID: id, Tenant: "acme", Status: status, JobID: jobID, Attempts: attempts,
		Source:     pipeline.Object{Bucket: f.cfg.MastersBucket, Key: id + "/clip.mp4", Size: 1},
		Probe:      &pipeline.ProbeSummary{Container: "mp4", Duration: 95 * time.Second, DurationSeconds: 95, Width: 1920, Height: 1080, Codec: "h264", AudioTracks: 1},
		Renditions: []pipeline.Rendition{{Width: 1920, Height: 1080, MaxBitrate: 6_000_000}, {Width: 1280, Height: 720, MaxBitrate: 3_500_000}},
		CreatedAt:  f.now.Add(-time.Hour), UpdatedAt: f.now.Add(-time.Hour),
	}
	if err := f.admin.Create(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	f.put(t, f.cfg.MastersBucket, a.Source.Key)
	if !outputs {
		return
	}
	l := pipeline.LayoutFor(id)
	for _, key := range []string{l.HLS, l.DASH, l.Prefix + "index_1080p.m3u8", l.Prefix + "index_720p.m3u8", l.Prefix + "index_1080p_00001.cmfv", l.PosterBase + ".0000000.jpg", l.PosterKey(95 * time.Second)} {
		f.put(t, f.cfg.DeliveryBucket, key)
	}
	for n := range 10 {
		f.put(t, f.cfg.DeliveryBucket, l.ThumbnailKey(n))
	}
}

func (f *fixture) event(t *testing.T, fixture, id, jobID string, vars ...string) string {
	t.Helper()
	r := strings.NewReplacer(append([]string{"{{DELIVERY}}", f.cfg.DeliveryBucket, "{{ASSET}}", id, "{{JOB}}", jobID}, vars...)...)
	return r.Replace(awstest.ReadFile(t, fixture))
}

func (f *fixture) errorEvent(t *testing.T, id, jobID string, code int, message string) string {
	return f.event(t, "job-error.json", id, jobID, "{{CODE}}", fmt.Sprint(code), "{{MESSAGE}}", message)
}

func (f *fixture) statusEvent(t *testing.T, id, jobID, status string) string {
	return f.event(t, "job-progressing.json", id, jobID, "{{STATUS}}", status)
}

func (f *fixture) get(t *testing.T, id string) *pipeline.Asset {
	t.Helper()
	a, err := f.admin.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func (f *fixture) storageClass(t *testing.T, id string) string {
	t.Helper()
	info, err := s3store.New(f.env.Admin.S3).Head(context.Background(), f.cfg.MastersBucket, id+"/clip.mp4")
	if err != nil {
		t.Fatal(err)
	}
	return info.StorageClass
}

// handleAll delivers the bodies as one batch and fails the test unless every message is done.
func handleAll(t *testing.T, h *complete.Handler, bodies ...string) {
	t.Helper()
	resp, err := h.Handle(context.Background(), awstest.SQSEvent(t, bodies...))
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("Handle = %v, %v; want every message done", resp.BatchItemFailures, err)
	}
}

func TestCompleteMakesTheAssetReady(t *testing.T) {
	f := newFixture(t)
	f.seed(t, "a1", "job-1", 1, true)
	h := f.handler("")
	ev := f.event(t, "job-complete.json", "a1", "job-1")

	handleAll(t, h, ev, ev)
	handleAll(t, h, ev)

	a := f.get(t, "a1")
	l := pipeline.LayoutFor("a1")
	if a.Status != pipeline.StatusReady || a.HLS != l.HLS || a.DASH != l.DASH || a.Poster != l.PosterKey(95*time.Second) {
		t.Errorf("asset = %s hls %q dash %q poster %q, want ready with the layout's manifests and poster", a.Status, a.HLS, a.DASH, a.Poster)
	}
	if len(a.Thumbnails) != 10 || a.Thumbnails[0] != l.ThumbnailKey(0) || a.Thumbnails[9] != l.ThumbnailKey(9) {
		t.Errorf("thumbnails = %v, want all 10", a.Thumbnails)
	}
	want := []pipeline.Rendition{{Width: 1920, Height: 1080, MaxBitrate: 6_000_000}, {Width: 1280, Height: 720, MaxBitrate: 3_500_000}}
	if fmt.Sprint(a.Renditions) != fmt.Sprint(want) {
		t.Errorf("renditions = %v, want %v", a.Renditions, want)
	}
	if a.Probe.Duration != 95040*time.Millisecond {
		t.Errorf("duration = %s, want the job's 95.04s", a.Probe.Duration)
	}
	if got := f.storageClass(t, "a1"); got != "GLACIER_IR" {
		t.Errorf("master storage class = %q, want GLACIER_IR", got)
	}
	notes := f.env.Notifications(t, f.subscriber)
	if len(notes) != 1 || notes[0].Status != pipeline.StatusReady || notes[0].HLS != l.HLS || notes[0].AssetID != "a1" {
		t.Errorf("notifications = %+v, want one ready notification despite 3 deliveries", notes)
	}
	if len(f.queue.delays) != 0 {
		t.Errorf("a completed job asked for a retry")
	}
}

func TestCompleteWithMissingOutputsIsRetried(t *testing.T) {
	f := newFixture(t)
	f.seed(t, "a1", "job-1", 1, true)
	if _, err := f.env.Admin.S3.DeleteObject(context.Background(), &s3.DeleteObjectInput{
		Bucket: aws.String(f.cfg.DeliveryBucket), Key: aws.String(pipeline.LayoutFor("a1").ThumbnailKey(4)),
	}); err != nil {
		t.Fatal(err)
	}
	resp, _ := f.handler("").Handle(context.Background(), awstest.SQSEvent(t, f.event(t, "job-complete.json", "a1", "job-1")))
	if len(resp.BatchItemFailures) != 1 {
		t.Fatalf("failures = %v, want the message retried", resp.BatchItemFailures)
	}
	if a := f.get(t, "a1"); a.Status != pipeline.StatusTranscoding {
		t.Errorf("asset is %s, want still transcoding", a.Status)
	}
	if got := f.storageClass(t, "a1"); got != "" {
		t.Errorf("master archived (%s) before the outputs were verified", got)
	}
	if !strings.Contains(f.logs.String(), "thumb.0000004.jpg") {
		t.Errorf("log does not name the missing output: %s", f.logs.String())
	}
}

func TestOutOfOrderAndForeignEventsChangeNothing(t *testing.T) {
	f := newFixture(t)
	f.seed(t, "ready1", "job-1", 1, true)
	h := f.handler("")
	handleAll(t, h, f.event(t, "job-complete.json", "ready1", "job-1"))
	f.env.Notifications(t, f.subscriber) // drain

	f.seed(t, "busy1", "job-2", 2, false)
	bodies := []string{
		f.statusEvent(t, "ready1", "job-1", "PROGRESSING"),                             // late progress of the finished job
		f.errorEvent(t, "ready1", "job-1", 1999, "late error"),                         // an error after COMPLETE
		f.statusEvent(t, "ready1", "job-1", "CANCELED"),                                // a cancel after COMPLETE
		f.event(t, "job-complete.json", "busy1", "job-1"),                              // the previous attempt's COMPLETE
		f.errorEvent(t, "busy1", "job-1", 1040, "previous attempt"),                    // the previous attempt's ERROR
		f.statusEvent(t, "busy1", "job-2", "STATUS_UPDATE"),                            // progress of the current job
		f.statusEvent(t, "ghost", "job-9", "COMPLETE"),                                 // an asset the catalog does not know
		strings.ReplaceAll(f.statusEvent(t, "x", "j", "ERROR"), `"assetId": "x",`, ""), // not an ottkit job
		awstest.ReadFile(t, "s3-object-created.json"),                                  // another kind of event
		`{"truncated":`, // garbage
	}
	handleAll(t, h, bodies...)
	if a := f.get(t, "ready1"); a.Status != pipeline.StatusReady || a.FailureCode != "" {
		t.Errorf("ready1 = %s %q, want ready without failure", a.Status, a.FailureCode)
	}
	if a := f.get(t, "busy1"); a.Status != pipeline.StatusTranscoding || a.JobID != "job-2" {
		t.Errorf("busy1 = %s job %s, want still transcoding job-2", a.Status, a.JobID)
	}
	if n := f.env.Notifications(t, f.subscriber); len(n) != 0 {
		t.Errorf("notifications %+v for events that change nothing", n)
	}
	if len(f.queue.delays) != 0 {
		t.Errorf("retries requested for events that change nothing: %v", f.queue.delays)
	}
}

func TestRetryableErrorsResubmitWithBackoff(t *testing.T) {
	f := newFixture(t)
	f.seed(t, "a1", "job-1", 1, false)
	h := f.handler("")
	ev := f.errorEvent(t, "a1", "job-1", 1999, "Unknown internal error")
	handleAll(t, h, ev)

	a := f.get(t, "a1")
	if a.Status != pipeline.StatusRetrying || a.FailureCode != "1999" || a.FailureMessage != "Unknown internal error" {
		t.Errorf("asset = %s %q %q, want retrying with the error recorded", a.Status, a.FailureCode, a.FailureMessage)
	}
	if len(f.queue.delays) != 1 || f.queue.delays[0] != stage.RetryBaseDelay {
		t.Errorf("delays = %v, want one request delayed %s", f.queue.delays, stage.RetryBaseDelay)
	}
	// The duplicate re-sends the request (it may not have gone out the first time); transcode
	// submits once whatever the number of requests.
	handleAll(t, h, ev)
	if a := f.get(t, "a1"); a.Status != pipeline.StatusRetrying || a.Attempts != 1 {
		t.Errorf("duplicate error moved the asset: %s attempts %d", a.Status, a.Attempts)
	}
	if n := f.env.Notifications(t, f.subscriber); len(n) != 0 {
		t.Errorf("a retry published %+v", n)
	}
	if got := f.storageClass(t, "a1"); got != "" {
		t.Errorf("master archived (%s) on an error", got)
	}
}

func TestFinalErrors(t *testing.T) {
	tests := []struct {
		name     string
		attempts int
		body     func(f *fixture) string
		wantCode string
	}{
		{"retryable but out of attempts", 3, func(f *fixture) string { return f.errorEvent(t, "a1", "job-1", 3450, "S3 write failed") }, "3450"},
		{"not retryable", 1, func(f *fixture) string { return f.errorEvent(t, "a1", "job-1", 1040, "Example error message") }, "1040"},
		{"canceled", 1, func(f *fixture) string { return f.statusEvent(t, "a1", "job-1", "CANCELED") }, stage.FailureCanceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.seed(t, "a1", "job-1", tt.attempts, false)
			h := f.handler("")
			ev := tt.body(f)
			handleAll(t, h, ev, ev)
			a := f.get(t, "a1")
			if a.Status != pipeline.StatusFailed || a.FailureCode != tt.wantCode || a.FailureMessage == "" {
				t.Errorf("asset = %s %q %q, want failed with code %s and a message", a.Status, a.FailureCode, a.FailureMessage, tt.wantCode)
			}
			notes := f.env.Notifications(t, f.subscriber)
			if len(notes) != 1 || notes[0].Status != pipeline.StatusFailed || notes[0].FailureCode != tt.wantCode {
				t.Errorf("notifications = %+v, want one failure", notes)
			}
			if len(f.queue.delays) != 0 {
				t.Errorf("a final error requested a retry")
			}
			if got := f.storageClass(t, "a1"); got != "" {
				t.Errorf("a failed asset's master was archived (%s); it must stay in place", got)
			}
		})
	}
}

func TestPublishFailureIsRetried(t *testing.T) {
	f := newFixture(t)
	f.seed(t, "a1", "job-1", 1, true)
	missing := "arn:aws:sns:us-east-1:123456789012:ottkit-missing"
	rec.Name(manifest.NotifyTopic, missing)
	ev := f.event(t, "job-complete.json", "a1", "job-1")
	resp, _ := f.handler(missing).Handle(context.Background(), awstest.SQSEvent(t, ev))
	if len(resp.BatchItemFailures) != 1 {
		t.Fatalf("failures = %v, want the message retried", resp.BatchItemFailures)
	}
	if a := f.get(t, "a1"); a.Status != pipeline.StatusTranscoding {
		t.Errorf("asset is %s before its notification went out", a.Status)
	}
	// Redelivery with SNS back: the master is already archived, the rest completes.
	handleAll(t, f.handler(""), ev)
	if a := f.get(t, "a1"); a.Status != pipeline.StatusReady {
		t.Errorf("asset is %s after redelivery, want ready", a.Status)
	}
	if n := f.env.Notifications(t, f.subscriber); len(n) != 1 {
		t.Errorf("got %d notifications, want 1", len(n))
	}
}

func TestRetryPolicy(t *testing.T) {
	for code, want := range map[int]bool{1999: true, 3999: true, 3450: true, 3458: true, 1040: false, 1010: false, 3401: false, 3459: false, 0: false} {
		if got := complete.Retryable(code); got != want {
			t.Errorf("Retryable(%d) = %v, want %v", code, got, want)
		}
	}
	for attempt, want := range map[int]time.Duration{1: time.Minute, 2: 2 * time.Minute, 3: 4 * time.Minute, 4: 8 * time.Minute, 5: 15 * time.Minute, 10: 15 * time.Minute} {
		if got := stage.RetryDelay(attempt); got != want {
			t.Errorf("RetryDelay(%d) = %s, want %s", attempt, got, want)
		}
	}
}

func TestLoadConfig(t *testing.T) {
	valid := map[string]string{
		"CATALOG_TABLE": "catalog", "DELIVERY_BUCKET": "delivery", "MASTERS_BUCKET": "masters",
		"NOTIFY_TOPIC_ARN": "arn:aws:sns:us-east-1:1:notify", "TRANSCODE_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/1/transcode",
		"ARCHIVE_STORAGE_CLASS": "DEEP_ARCHIVE", "MAX_RETRIES": "3", "VIDEO_CODEC": "hevc",
	}
	// The loader also reads the edge mirror's variables (mirror_test.go), which a stack
	// without one leaves unset.
	awstest.CheckEnv(t, manifest.Complete.With(manifest.CompleteMirror), func(getenv func(string) string) error {
		_, err := complete.LoadConfig(getenv)
		return err
	}, valid)
	awstest.CheckEnvRejects(t, func(getenv func(string) string) error {
		_, err := complete.LoadConfig(getenv)
		return err
	}, valid, [][2]string{{"ARCHIVE_STORAGE_CLASS", "STANDARD"}, {"MAX_RETRIES", "11"}, {"VIDEO_CODEC", "vp9"}})
}

// TestEventsOfAnUnrecordedJobWaitForIt covers the race with transcode, which submits a job
// before it records the job id: a final event arriving in between must be retried, not dropped,
// or the asset would stay transcoding for ever once the job is recorded.
func TestEventsOfAnUnrecordedJobWaitForIt(t *testing.T) {
	withAttempt := func(body, attempt string) string {
		return strings.Replace(body, `"tenant": "acme"`, `"tenant": "acme", "attempt": "`+attempt+`"`, 1)
	}
	cases := []struct {
		name               string
		status             pipeline.Status
		attempts           int
		jobID              string // the job the asset records
		event              func(f *fixture) string
		wantRetry          bool
		recordAndRedeliver pipeline.Status // the status after transcode records job-new and the event is redelivered
	}{
		{"first job complete before it is recorded", pipeline.StatusQueued, 0, "",
			func(f *fixture) string { return withAttempt(f.event(t, "job-complete.json", "a1", "job-new"), "1") }, true, pipeline.StatusReady},
		{"first job without attempt metadata", pipeline.StatusQueued, 0, "",
			func(f *fixture) string { return f.event(t, "job-complete.json", "a1", "job-new") }, true, pipeline.StatusReady},
		{"resubmitted job errors before it is recorded", pipeline.StatusRetrying, 1, "job-old",
			func(f *fixture) string { return withAttempt(f.errorEvent(t, "a1", "job-new", 1040, "bad input"), "2") }, true, pipeline.StatusFailed},
		{"a stale job of an earlier attempt", pipeline.StatusRetrying, 2, "job-old",
			func(f *fixture) string { return withAttempt(f.event(t, "job-complete.json", "a1", "job-new"), "1") }, false, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			f.seedStatus(t, "a1", c.status, c.jobID, c.attempts, true)
			h := f.handler("")
			body := c.event(f)
			resp, err := h.Handle(context.Background(), awstest.SQSEvent(t, body))
			if err != nil {
				t.Fatal(err)
			}
			if got := len(resp.BatchItemFailures) == 1; got != c.wantRetry {
				t.Fatalf("retried = %v, want %v (failures %v)", got, c.wantRetry, resp.BatchItemFailures)
			}
			if got := f.get(t, "a1"); got.Status != c.status || got.JobID != c.jobID {
				t.Fatalf("asset = %s job %q, want unchanged %s job %q", got.Status, got.JobID, c.status, c.jobID)
			}
			if !c.wantRetry {
				return
			}
			a := f.get(t, "a1")
			if !a.StartJob("job-new", f.now) {
				t.Fatalf("StartJob refused from %s", a.Status)
			}
			if err := f.admin.Update(context.Background(), c.status, a); err != nil {
				t.Fatal(err)
			}
			handleAll(t, h, body)
			if got := f.get(t, "a1"); got.Status != c.recordAndRedeliver {
				t.Errorf("after the job is recorded the redelivered event left the asset %s, want %s", got.Status, c.recordAndRedeliver)
			}
		})
	}
}
