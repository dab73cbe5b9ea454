package home_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ottkit/ottkit/functions/internal/testmedia"
	"github.com/ottkit/ottkit/functions/local/devjwt"
	"github.com/ottkit/ottkit/functions/local/dirstore"
	"github.com/ottkit/ottkit/functions/local/home"
	"github.com/ottkit/ottkit/functions/pipeline"
	"github.com/ottkit/ottkit/functions/pipeline/probe"
	"github.com/ottkit/ottkit/functions/stages/complete"
	"github.com/ottkit/ottkit/functions/stages/transcode"
)

// small is a one-rung ladder, so the tests' jobs encode in a second or two.
var small = home.Settings{
	Ladder:            pipeline.LadderConfig{Codec: pipeline.CodecH264, MaxHeight: 360, Rungs: []pipeline.Rung{{Height: 360, MaxBitrate: 800_000}}},
	ThumbnailInterval: 10, MaxUploadBytes: 1 << 30, MaxDuration: time.Hour,
	UploadTTL: 15 * time.Minute, PlaybackTTL: 10 * time.Minute, MaxRetries: 2, ArchiveClass: "GLACIER_IR",
}

// jobStages runs the real transcode and complete stages; ingest and the API must not be
// reached in these tests.
func jobStages(t *testing.T) func(home.Ports) (home.Stages, error) {
	return func(p home.Ports) (home.Stages, error) {
		tr := transcode.New(transcode.Config{Ladder: p.Settings.Ladder}, p.Catalog, p.Transcoder, p.Notifier, p.Log)
		co := complete.New(complete.Config{DeliveryBucket: home.DeliveryBucket, MastersBucket: home.MastersBucket,
			ArchiveStorageClass: p.Settings.ArchiveClass, MaxRetries: p.Settings.MaxRetries}, p.Catalog, p.Store, p.Retry, p.Notifier, p.Log)
		return home.Stages{
			Ingest:    func(context.Context, pipeline.ObjectCreated) error { t.Error("ingest was called"); return nil },
			Transcode: tr.HandleMessage,
			Complete:  co.Handle,
			API:       func(http.ResponseWriter, *http.Request, devjwt.Claims) { t.Error("the API was called") },
		}, nil
	}
}

func start(t *testing.T, dir string, stages func(home.Ports) (home.Stages, error)) *home.Platform {
	t.Helper()
	p, err := home.Start(home.Config{DataDir: dir, Addr: "127.0.0.1:0", Settings: small, NewStages: stages,
		Log: slog.New(home.NewConsole(testWriter{t}))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(b []byte) (int, error) { w.t.Log(string(b[:len(b)-1])); return len(b), nil }

// queuedAsset stores a probed master and its queued asset, as ingest leaves them.
func queuedAsset(t *testing.T, dir string, p *home.Platform) *pipeline.Asset {
	t.Helper()
	ctx := context.Background()
	src := testmedia.Path(t, testmedia.Landscape1080p)
	f, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ps, _ := probe.FileSource(f)
	info, err := probe.Probe(ctx, ps, probe.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	store, err := dirstore.New(dir, home.IngestBucket, home.MastersBucket, home.DeliveryBucket)
	if err != nil {
		t.Fatal(err)
	}
	f.Seek(0, 0)
	obj, err := store.Put(ctx, dirstore.PutInput{Bucket: home.MastersBucket, Key: "acme/a1/source.mp4", Body: f, Size: -1, ContentType: "video/mp4"})
	if err != nil {
		t.Fatal(err)
	}
	sum := pipeline.Summarize(info)
	now := time.Now().UTC()
	a := &pipeline.Asset{ID: pipeline.AssetID(home.IngestBucket, "uploads/acme/u1/source.mp4", "v1"), Tenant: "acme", Status: pipeline.StatusQueued,
		Source: pipeline.Object{Bucket: home.MastersBucket, Key: "acme/a1/source.mp4", Size: obj.Size, ETag: obj.ETag, VersionID: obj.Version},
		Probe:  &sum, CreatedAt: now, UpdatedAt: now}
	if err := p.Catalog().Create(ctx, a); err != nil {
		t.Fatal(err)
	}
	return a
}

func jobRecords(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, ".ffmpeg", "jobs", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestDuplicateAndOutOfOrderJobEvents sends a transcode request twice, lets the job finish,
// then replays its events out of order and twice through the events queue: one job, one
// ready, and nothing moves the asset back.
func TestDuplicateAndOutOfOrderJobEvents(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	p := start(t, dir, jobStages(t))
	a := queuedAsset(t, dir, p)
	ready := make(chan pipeline.Notification, 4)
	p.Subscribe(func(n pipeline.Notification) { ready <- n })

	req, _ := json.Marshal(pipeline.TranscodeRequest{AssetID: a.ID, Tenant: a.Tenant})
	for range 2 {
		if err := p.Queue("transcode").Send(ctx, string(req)); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case n := <-ready:
		if n.Status != pipeline.StatusReady {
			t.Fatalf("first notification %+v, want ready", n)
		}
	case <-time.After(2 * time.Minute):
		t.Fatal("the asset did not become ready")
	}
	got := finalAsset(t, p, a.ID) // notifications go out just before the catalog write
	if got.Status != pipeline.StatusReady || got.Attempts != 1 || got.HLS == "" {
		t.Fatalf("asset after the job: %s, attempt %d, hls %q", got.Status, got.Attempts, got.HLS)
	}
	jobID := got.JobID

	// The job's events again: late progress, a duplicate completion, an error of the same job,
	// and an error of a job the asset never had.
	for _, r := range []pipeline.JobResult{
		{JobID: jobID, AssetID: a.ID, Attempt: 1, State: pipeline.JobProgressing},
		{JobID: jobID, AssetID: a.ID, Attempt: 1, State: pipeline.JobComplete},
		{JobID: jobID, AssetID: a.ID, Attempt: 1, State: pipeline.JobError, Retryable: true, ErrorCode: "output_failed"},
		{JobID: "ffmpeg-other-1", AssetID: a.ID, Attempt: 1, State: pipeline.JobError, ErrorCode: "encode_failed"},
	} {
		b, _ := json.Marshal(r)
		if err := p.Queue("events").Send(ctx, string(b)); err != nil {
			t.Fatal(err)
		}
	}
	drained(t, p, "events", "transcode")
	after, _ := p.Catalog().Get(ctx, a.ID)
	if after.Status != pipeline.StatusReady || after.Attempts != 1 || after.JobID != jobID || !after.UpdatedAt.Equal(got.UpdatedAt) {
		t.Errorf("replayed events changed the asset: %s attempt %d job %s (was %s attempt 1 job %s)", after.Status, after.Attempts, after.JobID, got.Status, jobID)
	}
	if jobs := jobRecords(t, dir); len(jobs) != 1 {
		t.Errorf("%d transcoding jobs ran for one asset, want 1: %v", len(jobs), jobs)
	}
	select {
	case n := <-ready:
		t.Errorf("a second notification for the asset: %+v", n)
	default:
	}
}

// drained waits until the named queues and their DLQs hold nothing.
func drained(t *testing.T, p *home.Platform, names ...string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		left := 0
		for _, n := range names {
			v, h, err := p.Queue(n).Depth()
			if err != nil {
				t.Fatal(err)
			}
			left += v + h
			if v, h, _ := p.Queue(n + "-dlq").Depth(); v+h > 0 {
				t.Fatalf("a message of %s went to its dead-letter queue", n)
			}
		}
		if left == 0 {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("queues %v did not drain", names)
}

// finalAsset waits until the catalog holds the asset in a final status.
func finalAsset(t *testing.T, p *home.Platform, id string) *pipeline.Asset {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		a, err := p.Catalog().Get(context.Background(), id)
		if err == nil && a.Status.Final() {
			return a
		}
		if time.Now().After(deadline) {
			t.Fatalf("asset %s is not final: %+v, %v", id, a, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
