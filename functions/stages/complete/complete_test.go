package complete_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/ottkit/ottkit/functions/pipeline"
	"github.com/ottkit/ottkit/functions/stages/complete"
	"github.com/ottkit/ottkit/functions/stages/stagetest"
)

const (
	delivery = "delivery"
	masters  = "masters"
)

type fixture struct {
	catalog  *stagetest.Catalog
	store    *stagetest.ObjectStore
	queue    *stagetest.Queue
	notifier *stagetest.Notifier
	h        *complete.Handler
	logs     *bytes.Buffer
	now      time.Time
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	f := &fixture{catalog: stagetest.NewCatalog(), store: stagetest.NewObjectStore(), queue: &stagetest.Queue{}, notifier: &stagetest.Notifier{},
		logs: &bytes.Buffer{}, now: time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC)}
	f.h = complete.New(complete.Config{DeliveryBucket: delivery, MastersBucket: masters, ArchiveStorageClass: "GLACIER_IR", MaxRetries: 2},
		f.catalog, f.store, f.queue, f.notifier, slog.New(slog.NewJSONHandler(f.logs, nil)))
	f.h.Now = func() time.Time { return f.now }
	return f
}

// seed stores an asset in status with job jobID at attempt attempts, its master, and (when
// outputs) everything the job writes.
func (f *fixture) seed(id string, status pipeline.Status, jobID string, attempts int, outputs bool) {
	a := &pipeline.Asset{
		ID: id, Tenant: "acme", Status: status, JobID: jobID, Attempts: attempts, PendingAttempt: attempts,
		Source:     pipeline.Object{Bucket: masters, Key: id + "/clip.mp4", Size: 1},
		Probe:      &pipeline.ProbeSummary{Container: "mp4", Duration: 95 * time.Second, DurationSeconds: 95, Width: 1920, Height: 1080, Codec: "h264", AudioTracks: 1},
		Renditions: []pipeline.Rendition{{Width: 1920, Height: 1080, MaxBitrate: 6_000_000}, {Width: 1280, Height: 720, MaxBitrate: 3_500_000}},
		CreatedAt:  f.now.Add(-time.Hour), UpdatedAt: f.now.Add(-time.Hour),
	}
	f.catalog.Put(a)
	f.store.Put(masters, a.Source.Key, []byte("master"), "video/mp4", nil)
	if !outputs {
		return
	}
	for _, key := range f.outputs(id) {
		f.store.Put(delivery, key, []byte("x"), "application/octet-stream", nil)
	}
}

func (f *fixture) outputs(id string) []string {
	l := pipeline.LayoutFor(id)
	keys := []string{l.HLS, l.DASH, l.Prefix + "index_1080p.m3u8", l.Prefix + "index_720p.m3u8", l.PosterBase + ".0000000.jpg", l.PosterKey(95 * time.Second)}
	for n := range 10 {
		keys = append(keys, l.ThumbnailKey(n))
	}
	return keys
}

func done(id, job string, attempt int, f *fixture) pipeline.JobResult {
	res := pipeline.JobResult{JobID: job, AssetID: id, Attempt: attempt, State: pipeline.JobComplete, Duration: 95 * time.Second,
		Videos: []pipeline.Rendition{{Width: 1280, Height: 720}, {Width: 1920, Height: 1080}}}
	for _, k := range f.outputs(id) {
		res.Outputs = append(res.Outputs, pipeline.Object{Bucket: delivery, Key: k})
	}
	return res
}

func failed(id, job string, attempt int, retryable bool) pipeline.JobResult {
	return pipeline.JobResult{JobID: job, AssetID: id, Attempt: attempt, State: pipeline.JobError, Retryable: retryable, ErrorCode: "3450", ErrorMessage: "write to s3://delivery failed"}
}

func TestCompleteMakesTheAssetReady(t *testing.T) {
	f := newFixture(t)
	f.seed("a1", pipeline.StatusTranscoding, "job-1", 1, true)
	for range 2 { // the duplicate changes nothing
		if err := f.h.Handle(context.Background(), done("a1", "job-1", 1, f)); err != nil {
			t.Fatal(err)
		}
	}
	a := f.catalog.Asset("a1")
	l := pipeline.LayoutFor("a1")
	if a.Status != pipeline.StatusReady || a.HLS != l.HLS || a.DASH != l.DASH || a.Poster != l.PosterKey(95*time.Second) || len(a.Thumbnails) != 10 {
		t.Errorf("asset = %+v, want ready with manifests, poster and 10 thumbnails", a)
	}
	if a.Renditions[0] != (pipeline.Rendition{Width: 1920, Height: 1080, MaxBitrate: 6_000_000}) || a.Renditions[1] != (pipeline.Rendition{Width: 1280, Height: 720, MaxBitrate: 3_500_000}) {
		t.Errorf("renditions = %+v, want the job's sizes matched by size to the plan's bitrates", a.Renditions)
	}
	// 95 s billed per output: two HD renditions, the SD frame capture, one audio track, all
	// basic tier (H.264, the default codec).
	per := 95.0 / 60
	if m := a.BilledMinutes; m == nil || *m != (pipeline.Minutes{Tier: pipeline.TierBasic, HD: 2 * per, SD: per, Audio: per}) {
		t.Errorf("billed minutes %+v, want basic 2×%.3f HD, %.3f SD, %.3f audio", m, per, per, per)
	}
	if info, _ := f.store.Head(context.Background(), masters, "a1/clip.mp4"); info.StorageClass != "GLACIER_IR" {
		t.Errorf("master storage class = %q, want GLACIER_IR", info.StorageClass)
	}
	// The duplicate sends no second notification: the asset is already ready.
	if n := f.notifier.Notifications(); len(n) != 1 || n[0].Status != pipeline.StatusReady || n[0].HLS != l.HLS {
		t.Errorf("notifications = %+v, want one ready with the HLS manifest", n)
	}
}

func TestCompleteWithMissingOutputsIsRetried(t *testing.T) {
	f := newFixture(t)
	f.seed("a1", pipeline.StatusTranscoding, "job-1", 1, true)
	l := pipeline.LayoutFor("a1")
	if err := f.store.Delete(context.Background(), delivery, l.ThumbnailKey(9)); err != nil {
		t.Fatal(err)
	}
	err := f.h.Handle(context.Background(), done("a1", "job-1", 1, f))
	if err == nil || !strings.Contains(err.Error(), l.ThumbnailKey(9)) {
		t.Fatalf("Handle = %v, want an error naming the missing thumbnail", err)
	}
	if a := f.catalog.Asset("a1"); a.Status != pipeline.StatusTranscoding {
		t.Errorf("asset is %s with an output missing, want transcoding", a.Status)
	}
	res := done("a1", "job-1", 1, f)
	res.Outputs = append(res.Outputs, pipeline.Object{Bucket: "elsewhere", Key: "assets/a1/x.m3u8"})
	f.store.Put(delivery, l.ThumbnailKey(9), []byte("x"), "", nil)
	if err := f.h.Handle(context.Background(), res); err == nil || !strings.Contains(err.Error(), "outside") {
		t.Errorf("a job writing outside the delivery bucket: %v, want an error", err)
	}
}

func TestOutOfOrderAndForeignResultsChangeNothing(t *testing.T) {
	f := newFixture(t)
	f.seed("ready", pipeline.StatusReady, "job-1", 1, true)
	f.seed("t2", pipeline.StatusTranscoding, "job-2", 2, true)
	for _, res := range []pipeline.JobResult{
		failed("ready", "job-1", 1, false),                                 // late error after ready
		{JobID: "job-1", AssetID: "ready", State: pipeline.JobProgressing}, // late progress
		done("t2", "job-1", 1, f),                                          // the previous attempt's job
		failed("t2", "job-1", 1, true),                                     // the previous attempt's error
		{JobID: "job-9", State: pipeline.JobComplete},                      // not ottkit's
		{JobID: "job-9", AssetID: "unknown", State: pipeline.JobComplete},
	} {
		if err := f.h.Handle(context.Background(), res); err != nil {
			t.Errorf("Handle(%+v) = %v, want the result dropped", res, err)
		}
	}
	if a := f.catalog.Asset("ready"); a.Status != pipeline.StatusReady {
		t.Errorf("ready asset moved to %s", a.Status)
	}
	if a := f.catalog.Asset("t2"); a.Status != pipeline.StatusTranscoding || a.JobID != "job-2" {
		t.Errorf("t2 = %s %s, want transcoding job-2", a.Status, a.JobID)
	}
	if len(f.notifier.Notifications()) != 0 || len(f.queue.Messages()) != 0 {
		t.Errorf("stale results sent %d notifications and %d requests", len(f.notifier.Notifications()), len(f.queue.Messages()))
	}
}

func TestRetryableErrorsResubmitWithBackoff(t *testing.T) {
	f := newFixture(t)
	f.seed("a1", pipeline.StatusTranscoding, "job-1", 1, false)
	ctx := context.Background()
	for range 2 { // a redelivery resends the request, which transcode deduplicates
		if err := f.h.Handle(ctx, failed("a1", "job-1", 1, true)); err != nil {
			t.Fatal(err)
		}
	}
	a := f.catalog.Asset("a1")
	if a.Status != pipeline.StatusRetrying || a.FailureCode != "3450" {
		t.Errorf("asset = %s %q, want retrying with the error code", a.Status, a.FailureCode)
	}
	msgs := f.queue.Messages()
	if len(msgs) == 0 || msgs[0].Delay != complete.RetryBaseDelay || !strings.Contains(msgs[0].Body, `"assetId":"a1"`) {
		t.Errorf("requests = %+v, want the asset's request delayed %s", msgs, complete.RetryBaseDelay)
	}
	// Every request, the redelivery's too, names the attempt it asks for, so a queue that
	// names its messages (Cloud Tasks) can refuse the duplicate.
	for i, r := range f.queue.Requests() {
		if r.AssetID != "a1" || r.Tenant == "" || r.Attempt != 2 {
			t.Errorf("request %d = %+v, want a1's attempt 2", i, r)
		}
	}
	// The last attempt's retryable error is final.
	f.seed("a3", pipeline.StatusTranscoding, "job-3", 3, false)
	if err := f.h.Handle(ctx, failed("a3", "job-3", 3, true)); err != nil {
		t.Fatal(err)
	}
	if a := f.catalog.Asset("a3"); a.Status != pipeline.StatusFailed {
		t.Errorf("attempt 3 of 1+2 retries is %s, want failed", a.Status)
	}
}

func TestFinalErrors(t *testing.T) {
	for _, tc := range []struct {
		name     string
		res      pipeline.JobResult
		wantCode string
	}{
		{"not retryable", failed("a1", "job-1", 1, false), "3450"},
		{"canceled", pipeline.JobResult{JobID: "job-1", AssetID: "a1", Attempt: 1, State: pipeline.JobCanceled}, complete.FailureCanceled},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			f.seed("a1", pipeline.StatusTranscoding, "job-1", 1, false)
			if err := f.h.Handle(context.Background(), tc.res); err != nil {
				t.Fatal(err)
			}
			if a := f.catalog.Asset("a1"); a.Status != pipeline.StatusFailed || a.FailureCode != tc.wantCode {
				t.Errorf("asset = %s %q, want failed with %s", a.Status, a.FailureCode, tc.wantCode)
			}
			if n := f.notifier.Notifications(); len(n) != 1 || n[0].Status != pipeline.StatusFailed {
				t.Errorf("notifications = %+v, want one failure", n)
			}
			if info, _ := f.store.Head(context.Background(), masters, "a1/clip.mp4"); info.StorageClass != "" {
				t.Errorf("a failed asset's master moved to %s", info.StorageClass)
			}
		})
	}
}

func TestPublishFailureIsRetried(t *testing.T) {
	f := newFixture(t)
	f.seed("a1", pipeline.StatusTranscoding, "job-1", 1, true)
	f.notifier.Fail("Publish", 1)
	if err := f.h.Handle(context.Background(), done("a1", "job-1", 1, f)); err == nil {
		t.Fatal("Handle = nil while the notifier fails")
	}
	if a := f.catalog.Asset("a1"); a.Status != pipeline.StatusTranscoding {
		t.Errorf("asset is %s before its notification went out", a.Status)
	}
	if err := f.h.Handle(context.Background(), done("a1", "job-1", 1, f)); err != nil {
		t.Fatal(err)
	}
	if a := f.catalog.Asset("a1"); a.Status != pipeline.StatusReady || len(f.notifier.Notifications()) != 1 {
		t.Errorf("redelivery: %s with %d notifications, want ready and one", a.Status, len(f.notifier.Notifications()))
	}
}

func TestResultsOfAnUnrecordedJobWaitForIt(t *testing.T) {
	f := newFixture(t)
	f.seed("a1", pipeline.StatusQueued, "", 0, true)
	if err := f.h.Handle(context.Background(), done("a1", "job-1", 1, f)); err == nil {
		t.Fatal("the completion of a job transcode has not recorded yet was dropped")
	}
	if err := f.h.Handle(context.Background(), pipeline.JobResult{JobID: "job-1", AssetID: "a1", Attempt: 1, State: pipeline.JobProgressing}); err != nil {
		t.Errorf("progress of the unrecorded job: %v, want it dropped (nothing to wait for)", err)
	}
	a := f.catalog.Asset("a1")
	a.StartJob("job-1", f.now)
	if err := f.catalog.Update(context.Background(), pipeline.StatusQueued, a); err != nil {
		t.Fatal(err)
	}
	if err := f.h.Handle(context.Background(), done("a1", "job-1", 1, f)); err != nil {
		t.Fatal(err)
	}
	if a := f.catalog.Asset("a1"); a.Status != pipeline.StatusReady {
		t.Errorf("once recorded the asset is %s, want ready", a.Status)
	}
}

func TestRetryDelay(t *testing.T) {
	for attempt, want := range map[int]time.Duration{1: time.Minute, 2: 2 * time.Minute, 3: 4 * time.Minute, 4: 8 * time.Minute, 5: 15 * time.Minute, 10: 15 * time.Minute} {
		if got := complete.RetryDelay(attempt); got != want {
			t.Errorf("RetryDelay(%d) = %s, want %s", attempt, got, want)
		}
	}
}

// TestResultWithoutOutputsAndAnotherNaming is a GCP Transcoder-shaped result: the job names no
// outputs, sizes or duration, and the transcoder names its images base0000000003.jpeg; the
// stage expects the layout's files and takes the thumbnails from the listing.
func TestResultWithoutOutputsAndAnotherNaming(t *testing.T) {
	f := newFixture(t)
	f.h = complete.New(complete.Config{DeliveryBucket: delivery, MastersBucket: masters, ArchiveStorageClass: "ARCHIVE", MaxRetries: 2, Naming: pipeline.TranscoderSprites},
		f.catalog, f.store, f.queue, f.notifier, slog.New(slog.NewJSONHandler(f.logs, nil)))
	f.h.Now = func() time.Time { return f.now }
	f.seed("a1", pipeline.StatusTranscoding, "job-1", 1, false)
	l := pipeline.LayoutWith("a1", pipeline.TranscoderSprites)
	for _, k := range []string{l.HLS, l.DASH, l.PosterKey(95 * time.Second), l.ThumbnailKey(0), l.ThumbnailKey(1), l.ThumbnailKey(2)} {
		f.store.Put(delivery, k, []byte("x"), "", nil)
	}
	res := pipeline.JobResult{JobID: "job-1", AssetID: "a1", Attempt: 1, State: pipeline.JobComplete}
	if err := f.h.Handle(context.Background(), res); err != nil {
		t.Fatal(err)
	}
	a := f.catalog.Asset("a1")
	if a.Status != pipeline.StatusReady || a.Poster != l.PosterKey(95*time.Second) || len(a.Thumbnails) != 3 || a.Thumbnails[2] != l.ThumbnailKey(2) || len(a.Renditions) != 2 {
		t.Errorf("asset = %+v, want ready with the sprite poster, 3 thumbnails and the planned renditions", a)
	}
}
