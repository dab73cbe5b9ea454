package ingest_test

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ottkit/ottkit/functions/internal/testmedia"
	"github.com/ottkit/ottkit/functions/pipeline"
	"github.com/ottkit/ottkit/functions/stages/ingest"
	"github.com/ottkit/ottkit/functions/stages/stagetest"
)

const (
	ingestBucket = "ingest"
	masters      = "masters"
)

type fixture struct {
	store   *stagetest.ObjectStore
	catalog *stagetest.Catalog
	queue   *stagetest.Queue
	h       *ingest.Handler
	logs    *bytes.Buffer
	now     time.Time
}

func newFixture(t *testing.T, cfg ingest.Config) *fixture {
	t.Helper()
	cfg.IngestBucket, cfg.MastersBucket = ingestBucket, masters
	if cfg.MaxDuration == 0 {
		cfg.MaxDuration = time.Hour
	}
	f := &fixture{store: stagetest.NewObjectStore(), catalog: stagetest.NewCatalog(), queue: &stagetest.Queue{}, logs: &bytes.Buffer{},
		now: time.Date(2026, 8, 9, 10, 11, 12, 0, time.UTC)}
	f.h = ingest.New(cfg, f.store, f.catalog, f.queue, slog.New(slog.NewJSONHandler(f.logs, nil)))
	f.h.Now = func() time.Time { return f.now }
	return f
}

func read(t *testing.T, k testmedia.Kind) []byte {
	t.Helper()
	b, err := os.ReadFile(testmedia.Path(t, k))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// upload writes data at key as an uploader would and returns the event the store sends.
func (f *fixture) upload(key string, data []byte) pipeline.ObjectCreated {
	info := f.store.Put(ingestBucket, key, data, "video/mp4", map[string]string{"uploaded-by": "user-1"})
	return pipeline.ObjectCreated{Bucket: ingestBucket, Key: key, Size: info.Size, ETag: info.ETag}
}

func (f *fixture) handle(t *testing.T, evs ...pipeline.ObjectCreated) {
	t.Helper()
	for _, ev := range evs {
		if err := f.h.Handle(context.Background(), ev); err != nil {
			t.Fatalf("Handle(%s) = %v, want the event done", ev.Key, err)
		}
	}
}

func TestAcceptCopiesToMastersAndRequestsATranscode(t *testing.T) {
	f := newFixture(t, ingest.Config{})
	data := read(t, testmedia.NoAudio)
	ev := f.upload("uploads/acme/u1/silent.mp4", data)
	f.handle(t, ev, ev) // the duplicate changes nothing
	id := pipeline.AssetID(ingestBucket, ev.Key, "")
	a := f.catalog.Asset(id)
	if a == nil || a.Status != pipeline.StatusQueued || a.Tenant != "acme" || a.Probe == nil || a.Probe.Width != 640 || a.Probe.Height != 360 || !a.CreatedAt.Equal(f.now) {
		t.Fatalf("asset = %+v, want queued 640x360 for acme", a)
	}
	if got, ok := f.store.Bytes(masters, id+"/silent.mp4"); !ok || !bytes.Equal(got, data) || a.Source != (pipeline.Object{Bucket: masters, Key: id + "/silent.mp4", Size: int64(len(data))}) {
		t.Errorf("master exists %v, source %+v; want the upload copied to masters", ok, a.Source)
	}
	if reqs := f.queue.Requests(); len(reqs) != 1 || reqs[0] != (pipeline.TranscodeRequest{AssetID: id, Tenant: "acme"}) {
		t.Errorf("transcode requests = %+v, want one for %s", reqs, id)
	}
	if _, ok := f.store.Bytes(ingestBucket, ev.Key); !ok {
		t.Error("the accepted upload was deleted; the ingest bucket's expiry removes it")
	}
}

func TestRejectMovesToQuarantineWithTheReason(t *testing.T) {
	for _, tc := range []struct {
		kind     testmedia.Kind
		name     string
		reason   pipeline.Reason
		maxBytes int64
	}{
		{testmedia.Truncated, "interrupted.mp4", pipeline.ReasonTruncated, 0},
		{testmedia.PNGAsMP4, "picture.mp4", pipeline.ReasonNotVideo, 0},
		{testmedia.NoAudio, "video.txt", ingest.ReasonExtension, 0},
	} {
		t.Run(string(tc.kind)+"/"+tc.name, func(t *testing.T) {
			f := newFixture(t, ingest.Config{MaxUploadBytes: tc.maxBytes})
			data := read(t, tc.kind)
			ev := f.upload("uploads/acme/u1/"+tc.name, data)
			f.handle(t, ev, ev)
			id := pipeline.AssetID(ingestBucket, ev.Key, "")
			qkey := "quarantine/acme/u1/" + tc.name
			a := f.catalog.Asset(id)
			if a == nil || a.Status != pipeline.StatusRejected || a.FailureCode != string(tc.reason) || a.FailureMessage == "" || a.Source.Key != qkey {
				t.Fatalf("asset = %+v, want rejected for %s at %s", a, tc.reason, qkey)
			}
			info, err := f.store.Head(context.Background(), ingestBucket, qkey)
			if err != nil || info.Size != int64(len(data)) || info.Metadata[ingest.MetaReason] != string(tc.reason) || info.Metadata[ingest.MetaAssetID] != id || info.Metadata["uploaded-by"] != "user-1" || info.ContentType != "video/mp4" {
				t.Errorf("quarantined object %+v, %v; want the upload with its metadata and the reason", info, err)
			}
			if _, ok := f.store.Bytes(ingestBucket, ev.Key); ok {
				t.Error("the rejected upload is still under uploads/; quarantine is a move")
			}
			if n := len(f.queue.Messages()); n != 0 {
				t.Errorf("%d transcode requests for a rejected upload", n)
			}
		})
	}
}

func TestTooLargeToCopyIsRejectedInPlace(t *testing.T) {
	f := newFixture(t, ingest.Config{MaxUploadBytes: 100, MaxCopyBytes: 1000})
	ev := f.upload("uploads/acme/u1/big.mp4", read(t, testmedia.NoAudio))
	f.handle(t, ev)
	a := f.catalog.Asset(pipeline.AssetID(ingestBucket, ev.Key, ""))
	if a == nil || a.Status != pipeline.StatusRejected || a.FailureCode != string(pipeline.ReasonTooLarge) || a.Source.Key != ev.Key {
		t.Fatalf("asset = %+v, want rejected too-large in place", a)
	}
	if _, ok := f.store.Bytes(ingestBucket, ev.Key); !ok || len(f.store.Keys(ingestBucket, "quarantine/")) != 0 {
		t.Error("an object too large to copy was moved; it must stay in place for the expiry rule")
	}
}

func TestEventsIngestIgnores(t *testing.T) {
	f := newFixture(t, ingest.Config{})
	q := f.upload("quarantine/acme/u1/x.mp4", []byte("x"))
	other := pipeline.ObjectCreated{Bucket: "elsewhere", Key: "uploads/acme/u1/x.mp4", Size: 1}
	gone := pipeline.ObjectCreated{Bucket: ingestBucket, Key: "uploads/acme/u9/gone.mp4", Size: 10}
	f.handle(t, q, other, gone)
	if f.catalog.Len() != 0 || len(f.queue.Messages()) != 0 {
		t.Errorf("ignored events created %d assets and %d requests", f.catalog.Len(), len(f.queue.Messages()))
	}
}

func TestInvalidKey(t *testing.T) {
	f := newFixture(t, ingest.Config{})
	ev := f.upload("uploads/acme/clip.mp4", read(t, testmedia.NoAudio))
	f.handle(t, ev)
	if a := f.catalog.Asset(pipeline.AssetID(ingestBucket, ev.Key, "")); a == nil || a.FailureCode != string(ingest.ReasonInvalidKey) {
		t.Errorf("asset = %+v, want rejected %s", a, ingest.ReasonInvalidKey)
	}
}

func TestURLEncodedKey(t *testing.T) {
	f := newFixture(t, ingest.Config{})
	raw := "uploads/acme/u1/My Clip+1.mp4"
	f.upload(raw, read(t, testmedia.NoAudio))
	f.handle(t, pipeline.ObjectCreated{Bucket: ingestBucket, Key: "uploads/acme/u1/My+Clip%2B1.mp4", Size: 1})
	if reqs := f.queue.Requests(); len(reqs) != 1 {
		t.Errorf("an encoded key's upload gave %d requests, want 1", len(reqs))
	}
}

func TestTransientErrorsAreRetriedNotQuarantined(t *testing.T) {
	for _, tc := range []struct {
		name string
		fail func(f *fixture)
	}{
		{"catalog get", func(f *fixture) { f.catalog.Fail("Get", 1) }},
		{"head", func(f *fixture) { f.store.Fail("Head", 1) }},
		{"read in the middle of the probe", func(f *fixture) { f.store.ReadFailsAfter = 1000 }},
		{"copy to masters", func(f *fixture) { f.store.Fail("Copy", 1) }},
		{"transcode request", func(f *fixture) { f.queue.Fail("Send", 1) }},
		{"catalog create", func(f *fixture) { f.catalog.Fail("Create", 1) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, ingest.Config{})
			ev := f.upload("uploads/acme/u1/silent.mp4", read(t, testmedia.NoAudio))
			tc.fail(f)
			if err := f.h.Handle(context.Background(), ev); err == nil {
				t.Fatal("Handle = nil with a failing dependency, want the event retried")
			}
			if keys := f.store.Keys(ingestBucket, "quarantine/"); len(keys) != 0 {
				t.Fatalf("a transient failure quarantined the upload: %v", keys)
			}
			f.store.ReadFailsAfter = 0
			f.handle(t, ev)
			if a := f.catalog.Asset(pipeline.AssetID(ingestBucket, ev.Key, "")); a == nil || a.Status != pipeline.StatusQueued {
				t.Errorf("after redelivery the asset is %+v, want queued", a)
			}
		})
	}
}

func TestEventForAnOverwrittenObjectIsDropped(t *testing.T) {
	f := newFixture(t, ingest.Config{})
	first := f.upload("uploads/acme/u1/a.mp4", read(t, testmedia.PNGAsMP4))
	second := f.upload("uploads/acme/u1/a.mp4", read(t, testmedia.NoAudio))
	f.handle(t, first)
	if f.catalog.Len() != 0 {
		t.Fatal("the first upload's event was judged on the second upload's bytes")
	}
	f.handle(t, second)
	if a := f.catalog.Asset(pipeline.AssetID(ingestBucket, second.Key, "")); a == nil || a.Status != pipeline.StatusQueued {
		t.Errorf("asset = %+v, want the current object accepted", a)
	}
}

func TestAStoppedQuarantineMoveIsFinished(t *testing.T) {
	f := newFixture(t, ingest.Config{})
	ev := f.upload("uploads/acme/u1/picture.mp4", read(t, testmedia.PNGAsMP4))
	f.store.Fail("Delete", 1)
	if err := f.h.Handle(context.Background(), ev); err == nil {
		t.Fatal("the failed delete was not reported")
	}
	f.handle(t, ev)
	if _, ok := f.store.Bytes(ingestBucket, ev.Key); ok {
		t.Error("the redelivery did not finish the move")
	}
	// A new object at the key (an overwrite without versioning) is left alone.
	again := f.upload(ev.Key, read(t, testmedia.NoAudio))
	f.handle(t, again)
	if _, ok := f.store.Bytes(ingestBucket, ev.Key); !ok {
		t.Error("an overwrite of a rejected upload's key was deleted unseen")
	}
	if !strings.Contains(f.logs.String(), "holds another object") {
		t.Errorf("no warning about the overwrite in the log: %s", f.logs.String())
	}
}

// TestASecondObjectCreatedForTheSameKeyMakesNoSecondAsset covers a grant used twice on an
// unversioned bucket (S3's ingest bucket), the case the signers' create-only precondition
// now refuses at the store: a second PUT that overwrote the key would fire a second
// ObjectCreated for the same key. Its asset id is the key's (no version), so it finds the
// first asset and ends: one asset, one transcode, the first upload's master. The replayed
// first event is dropped as well.
func TestASecondObjectCreatedForTheSameKeyMakesNoSecondAsset(t *testing.T) {
	f := newFixture(t, ingest.Config{})
	first := read(t, testmedia.NoAudio)
	key := "uploads/acme/u1/clip.mp4"
	ev1 := f.upload(key, first)
	f.handle(t, ev1)
	second := append(append([]byte(nil), first...), 0) // another object at the same key
	ev2 := f.upload(key, second)
	f.handle(t, ev2, ev1)
	if n := f.catalog.Len(); n != 1 {
		t.Errorf("catalog holds %d assets, want 1", n)
	}
	if reqs := f.queue.Requests(); len(reqs) != 1 {
		t.Errorf("transcode requests = %+v, want one", reqs)
	}
	id := pipeline.AssetID(ingestBucket, key, "")
	if got, ok := f.store.Bytes(masters, id+"/clip.mp4"); !ok || !bytes.Equal(got, first) {
		t.Errorf("master exists %v (%d bytes), want the first upload's %d bytes", ok, len(got), len(first))
	}
}
