package transcode_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/ottkit/ottkit/functions/pipeline"
	"github.com/ottkit/ottkit/functions/stages/stagetest"
	"github.com/ottkit/ottkit/functions/stages/transcode"
)

type fixture struct {
	catalog  *stagetest.Catalog
	tc       *stagetest.Transcoder
	notifier *stagetest.Notifier
	h        *transcode.Handler
	logs     *bytes.Buffer
	mu       sync.Mutex
	now      time.Time
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	rungs, err := pipeline.ParseLadder(`[{"height":1080,"maxBitrate":6000000},{"height":720,"maxBitrate":3500000},{"height":360,"maxBitrate":900000}]`)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{catalog: stagetest.NewCatalog(), notifier: &stagetest.Notifier{}, logs: &bytes.Buffer{}, now: time.Date(2026, 2, 3, 4, 5, 6, 0, time.UTC)}
	f.tc = &stagetest.Transcoder{Now: f.clock}
	f.h = transcode.New(transcode.Config{Ladder: pipeline.LadderConfig{Rungs: rungs, Codec: pipeline.CodecH264}},
		f.catalog, f.tc, f.notifier, slog.New(slog.NewJSONHandler(f.logs, nil)))
	f.h.Now = f.clock
	return f
}

func (f *fixture) clock() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fixture) advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = f.now.Add(d)
}

var hd = &pipeline.ProbeSummary{Container: "mp4", Duration: 95 * time.Second, DurationSeconds: 95, Width: 1920, Height: 1080, Codec: "h264", FrameRate: 25, AudioTracks: 1}

func (f *fixture) seed(id string, status pipeline.Status, probe *pipeline.ProbeSummary) {
	a := &pipeline.Asset{
		ID: id, Tenant: "acme", Status: status, Probe: probe,
		Source:    pipeline.Object{Bucket: "ottkit-masters", Key: id + "/clip.mp4", Size: 1000},
		CreatedAt: f.now.Add(-time.Hour), UpdatedAt: f.now.Add(-time.Hour),
	}
	if status == pipeline.StatusRetrying {
		a.Attempts, a.PendingAttempt, a.JobID = 1, 1, "old-job"
	}
	f.catalog.Put(a)
}

func body(id string) string {
	b, _ := json.Marshal(pipeline.TranscodeRequest{AssetID: id, Tenant: "acme"})
	return string(b)
}

func TestSubmitsOneJobPerAttempt(t *testing.T) {
	f := newFixture(t)
	f.seed("a1", pipeline.StatusQueued, hd)
	ctx := context.Background()
	for range 3 {
		if err := f.h.HandleMessage(ctx, body("a1")); err != nil {
			t.Fatalf("HandleMessage = %v", err)
		}
	}
	jobs := f.tc.Jobs()
	if len(jobs) != 1 || jobs[0].AssetID != "a1" || jobs[0].Attempt != 1 || jobs[0].Source.Key != "a1/clip.mp4" {
		t.Fatalf("jobs = %+v, want one for a1 attempt 1 from the master", jobs)
	}
	a := f.catalog.Asset("a1")
	if a.Status != pipeline.StatusTranscoding || a.JobID != jobs[0].ID || a.Attempts != 1 || a.PendingAttempt != 1 || len(a.Renditions) != 3 || a.Renditions[0] != (pipeline.Rendition{Width: 1920, Height: 1080, MaxBitrate: 6000000}) {
		t.Errorf("asset = %+v, want transcoding with the job, 1 attempt and the 3 planned renditions", a)
	}
}

func TestConcurrentRequestsShareOneJob(t *testing.T) {
	f := newFixture(t)
	f.seed("a1", pipeline.StatusQueued, hd)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := f.h.HandleMessage(context.Background(), body("a1")); err != nil {
				t.Errorf("HandleMessage = %v", err)
			}
		}()
	}
	wg.Wait()
	jobs := f.tc.Jobs()
	if len(jobs) != 1 {
		t.Fatalf("%d jobs for one asset, want 1", len(jobs))
	}
	if a := f.catalog.Asset("a1"); a.JobID != jobs[0].ID || a.Attempts != 1 {
		t.Errorf("asset job %s attempts %d, want %s and 1", a.JobID, a.Attempts, jobs[0].ID)
	}
}

func TestRetryingAssetGetsTheNextAttempt(t *testing.T) {
	f := newFixture(t)
	f.seed("a1", pipeline.StatusRetrying, hd)
	if err := f.h.HandleMessage(context.Background(), body("a1")); err != nil {
		t.Fatal(err)
	}
	jobs := f.tc.Jobs()
	if len(jobs) != 1 || jobs[0].Attempt != 2 {
		t.Fatalf("jobs = %+v, want one for attempt 2", jobs)
	}
	if a := f.catalog.Asset("a1"); a.Status != pipeline.StatusTranscoding || a.Attempts != 2 || a.JobID != jobs[0].ID {
		t.Errorf("asset = %+v, want transcoding, attempt 2, the new job", a)
	}
}

func TestRequestsThatChangeNothing(t *testing.T) {
	f := newFixture(t)
	finals := []pipeline.Status{pipeline.StatusTranscoding, pipeline.StatusReady, pipeline.StatusFailed, pipeline.StatusRejected}
	for _, s := range finals {
		f.seed("in-"+string(s), s, hd)
	}
	for _, b := range []string{`not json`, `{"tenant":"acme"}`, body("in-transcoding"), body("in-ready"), body("in-failed"), body("in-rejected")} {
		if err := f.h.HandleMessage(context.Background(), b); err != nil {
			t.Errorf("HandleMessage(%s) = %v, want the message done", b, err)
		}
	}
	if n := len(f.tc.Jobs()); n != 0 {
		t.Errorf("%d jobs submitted for requests that must change nothing", n)
	}
	for _, s := range finals {
		if a := f.catalog.Asset("in-" + string(s)); a.Status != s {
			t.Errorf("asset in %s moved to %s", s, a.Status)
		}
	}
}

func TestTransientErrorsAreRetried(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		method string
		fail   func(f *fixture)
	}{
		{"catalog Get", func(f *fixture) { f.catalog.Fail("Get", 1) }},
		{"catalog Update (attempt record)", func(f *fixture) { f.catalog.Fail("Update", 1) }},
		{"transcoder Submit", func(f *fixture) { f.tc.Fail("Submit", 1) }},
		{"catalog Update (job record)", func(f *fixture) { f.tc.AfterSubmit = func(stagetest.Job) { f.catalog.Fail("Update", 1) } }},
	} {
		t.Run(tc.method, func(t *testing.T) {
			f := newFixture(t)
			f.seed("a1", pipeline.StatusQueued, hd)
			tc.fail(f)
			if err := f.h.HandleMessage(ctx, body("a1")); err == nil {
				t.Fatal("HandleMessage = nil with a failing dependency, want an error so the queue redelivers")
			}
			f.tc.AfterSubmit = nil
			if err := f.h.HandleMessage(ctx, body("a1")); err != nil {
				t.Fatalf("redelivery: %v", err)
			}
			if a := f.catalog.Asset("a1"); a.Status != pipeline.StatusTranscoding || len(f.tc.Jobs()) != 1 || a.JobID != f.tc.Jobs()[0].ID {
				t.Errorf("after redelivery asset %s job %q with %d jobs, want transcoding with the one job", a.Status, a.JobID, len(f.tc.Jobs()))
			}
		})
	}
	t.Run("request before the catalog item", func(t *testing.T) {
		f := newFixture(t)
		if err := f.h.HandleMessage(ctx, body("not-yet")); err == nil {
			t.Error("a request for an asset not in the catalog yet was dropped, want it retried")
		}
	})
}

// TestCrashAfterSubmitRedeliveredLaterBillsOneJob is issue 10's duplicate job: the function
// dies between the transcoder creating the job and the catalog recording it, and the queue
// redelivers the request after its visibility timeout, long after the transcoder's own
// one-minute deduplication has forgotten the submission.
func TestCrashAfterSubmitRedeliveredLaterBillsOneJob(t *testing.T) {
	for _, delay := range []time.Duration{30 * time.Second, 3 * time.Minute, 2 * time.Hour} {
		t.Run(delay.String(), func(t *testing.T) {
			f := newFixture(t)
			f.seed("a1", pipeline.StatusQueued, hd)
			f.tc.AfterSubmit = func(stagetest.Job) { panic("function killed after CreateJob") }
			func() {
				defer func() {
					if r := recover(); r == nil {
						t.Fatal("the crash did not happen")
					}
				}()
				_ = f.h.HandleMessage(context.Background(), body("a1"))
			}()
			f.tc.AfterSubmit = nil
			if a := f.catalog.Asset("a1"); a.Status != pipeline.StatusQueued || a.PendingAttempt != 1 {
				t.Fatalf("after the crash the asset is %s with pending attempt %d, want queued with attempt 1 recorded", a.Status, a.PendingAttempt)
			}
			f.advance(delay)
			if err := f.h.HandleMessage(context.Background(), body("a1")); err != nil {
				t.Fatalf("redelivery: %v", err)
			}
			jobs := f.tc.Jobs()
			if len(jobs) != 1 {
				t.Fatalf("%d jobs billed, want 1", len(jobs))
			}
			if a := f.catalog.Asset("a1"); a.Status != pipeline.StatusTranscoding || a.JobID != jobs[0].ID || a.Attempts != 1 {
				t.Errorf("asset = %s job %q attempt %d, want transcoding with %s, attempt 1", a.Status, a.JobID, a.Attempts, jobs[0].ID)
			}
		})
	}
}

func TestUnplannableOrRejectedAssetsFail(t *testing.T) {
	sizeless := &pipeline.ProbeSummary{Container: "mp4", Duration: time.Second, Codec: "h264"}
	for _, tc := range []struct {
		name     string
		probe    *pipeline.ProbeSummary
		reject   string
		wantCode string
	}{
		{"no probe summary", nil, "", transcode.FailurePlan},
		{"no picture size", sizeless, "", transcode.FailurePlan},
		{"job rejected", hd, "/settings/inputs/0/fileInput: invalid", transcode.FailureRejected},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			f.seed("a1", pipeline.StatusQueued, tc.probe)
			f.tc.Reject = tc.reject
			if err := f.h.HandleMessage(context.Background(), body("a1")); err != nil {
				t.Fatalf("HandleMessage = %v; a final failure is not retried", err)
			}
			a := f.catalog.Asset("a1")
			if a.Status != pipeline.StatusFailed || a.FailureCode != tc.wantCode || a.FailureMessage == "" {
				t.Errorf("asset = %s %q %q, want failed with %s and a message", a.Status, a.FailureCode, a.FailureMessage, tc.wantCode)
			}
			if n := f.notifier.Notifications(); len(n) != 1 || n[0].Status != pipeline.StatusFailed || n[0].FailureCode != tc.wantCode {
				t.Errorf("notifications = %+v, want one failure", n)
			}
		})
	}
}

func TestFailureIsNotRecordedBeforeItIsAnnounced(t *testing.T) {
	f := newFixture(t)
	f.seed("noprobe", pipeline.StatusQueued, nil)
	f.notifier.Fail("Publish", 1)
	if err := f.h.HandleMessage(context.Background(), body("noprobe")); err == nil {
		t.Fatal("HandleMessage = nil while the notifier fails, want a retry")
	}
	if a := f.catalog.Asset("noprobe"); a.Status != pipeline.StatusQueued {
		t.Errorf("asset is %s before its failure was announced, want queued", a.Status)
	}
	if err := f.h.HandleMessage(context.Background(), body("noprobe")); err != nil {
		t.Fatal(err)
	}
	if a := f.catalog.Asset("noprobe"); a.Status != pipeline.StatusFailed || len(f.notifier.Notifications()) != 1 {
		t.Errorf("redelivery: asset %s, %d notifications; want failed and announced once", a.Status, len(f.notifier.Notifications()))
	}
}
func FuzzDecodeRequest(f *testing.F) {
	f.Add(body("a1"))
	f.Add(`{"assetId":"","tenant":"acme"}`)
	f.Add(`{"assetId":1}`)
	f.Add(`not json`)
	f.Fuzz(func(t *testing.T, s string) {
		req, err := transcode.DecodeRequest(s)
		if err == nil && req.AssetID == "" {
			t.Errorf("DecodeRequest(%q) accepted a request without an asset id", s)
		}
	})
}

// TestRetryRequestsWithAndWithoutAttempt: a retry from complete names its attempt; one from
// before the field existed does not. Both start the asset's next attempt, once.
func TestRetryRequestsWithAndWithoutAttempt(t *testing.T) {
	for name, msg := range map[string]string{
		"with attempt": `{"assetId":"r1","tenant":"acme","attempt":2}`,
		"old message":  `{"assetId":"r1","tenant":"acme"}`,
	} {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t)
			f.seed("r1", pipeline.StatusRetrying, hd)
			req, err := transcode.DecodeRequest(msg)
			if err != nil {
				t.Fatalf("DecodeRequest: %v", err)
			}
			if want := map[string]int{"with attempt": 2, "old message": 0}[name]; req.Attempt != want {
				t.Errorf("Attempt = %d, want %d", req.Attempt, want)
			}
			for range 2 {
				if err := f.h.HandleMessage(context.Background(), msg); err != nil {
					t.Fatalf("HandleMessage = %v", err)
				}
			}
			jobs := f.tc.Jobs()
			if len(jobs) != 1 || jobs[0].AssetID != "r1" || jobs[0].Attempt != 2 {
				t.Fatalf("jobs = %+v, want one for r1 attempt 2", jobs)
			}
			if a := f.catalog.Asset("r1"); a.Status != pipeline.StatusTranscoding || a.Attempts != 2 || a.JobID != jobs[0].ID {
				t.Errorf("asset %s attempts %d job %s, want transcoding attempt 2 with %s", a.Status, a.Attempts, a.JobID, jobs[0].ID)
			}
		})
	}
}
