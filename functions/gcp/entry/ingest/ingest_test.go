package ingest

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"testing"

	"google.golang.org/grpc/codes"

	"github.com/ottkit/ottkit/functions/gcp/entry/transcode"
	"github.com/ottkit/ottkit/functions/gcp/firestorecat"
	"github.com/ottkit/ottkit/functions/gcp/gcptest"
	"github.com/ottkit/ottkit/functions/gcp/manifest"
	"github.com/ottkit/ottkit/functions/internal/testmedia"
	"github.com/ottkit/ottkit/functions/pipeline"
	"github.com/ottkit/ottkit/functions/stages/ingest"
)

func media(t *testing.T, k testmedia.Kind) []byte {
	t.Helper()
	b, err := os.ReadFile(testmedia.Path(t, k))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestIngestToTranscode runs ingest and transcode on the GCP adapters: an upload's
// notification, its redelivery and a stale one, a corrupt upload, then the transcode request
// ingest published, pushed on to the transcode function.
func TestIngestToTranscode(t *testing.T) {
	e := gcptest.NewEnv(t)
	ctx := context.Background()
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	catalog := firestorecat.New(e.Catalog)
	h, err := Build(e.Endpoints())(ctx, e.Getenv(nil), log)
	if err != nil {
		t.Fatal(err)
	}

	good := media(t, testmedia.NoAudio)
	first := e.Upload(t, "uploads/acme/u1/clip.mp4", good)
	if code := gcptest.Serve(t, h, first); code != http.StatusNoContent {
		t.Fatalf("upload: status %d", code)
	}
	attrs, err := e.GCS.Direct.Bucket(gcptest.IngestBucket).Object("uploads/acme/u1/clip.mp4").Attrs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	id := pipeline.AssetID(gcptest.IngestBucket, "uploads/acme/u1/clip.mp4", itoa(attrs.Generation))
	a, err := catalog.Get(ctx, id)
	if err != nil || a.Status != pipeline.StatusQueued || a.Tenant != "acme" || a.Source.Bucket != gcptest.MastersBucket || a.Probe == nil {
		t.Fatalf("accepted asset %+v, %v", a, err)
	}
	if _, err := e.GCS.Direct.Bucket(gcptest.MastersBucket).Object(a.Source.Key).Attrs(ctx); err != nil {
		t.Errorf("master %s: %v", a.Source.Key, err)
	}
	msgs := e.PubSub.Fake.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d transcode requests, want 1", len(msgs))
	}

	// The same notification again, and one for a generation since overwritten: nothing new.
	if code := gcptest.Serve(t, h, gcptest.FinalizeRequest(t, gcptest.IngestBucket, "uploads/acme/u1/clip.mp4", attrs.Generation, attrs.Size)); code != http.StatusNoContent {
		t.Fatalf("redelivery: status %d", code)
	}
	// Out of order: the key is overwritten, then the first upload's notification arrives
	// again; its generation is no longer the object's, so it is dropped.
	newer := e.Upload(t, "uploads/acme/u1/clip.mp4", good)
	if code := gcptest.Serve(t, h, gcptest.FinalizeRequest(t, gcptest.IngestBucket, "uploads/acme/u1/clip.mp4", attrs.Generation, attrs.Size)); code != http.StatusNoContent {
		t.Fatalf("stale notification: status %d", code)
	}
	if n := len(e.PubSub.Fake.Messages()); n != 1 {
		t.Errorf("%d transcode requests after duplicates, want 1", n)
	}
	if code := gcptest.Serve(t, h, newer); code != http.StatusNoContent {
		t.Fatalf("the overwrite's own notification: status %d", code)
	}
	if n := len(e.PubSub.Fake.Messages()); n != 2 {
		t.Errorf("%d transcode requests after the overwrite, want 2 (a new generation is a new asset)", n)
	}
	msgs = e.PubSub.Fake.Messages()

	// A corrupt upload is moved to quarantine with its reason and recorded as rejected.
	bad := e.Upload(t, "uploads/acme/u2/broken.mp4", media(t, testmedia.Truncated))
	if code := gcptest.Serve(t, h, bad); code != http.StatusNoContent {
		t.Fatalf("corrupt upload: status %d", code)
	}
	q, err := e.GCS.Direct.Bucket(gcptest.IngestBucket).Object("quarantine/acme/u2/broken.mp4").Attrs(ctx)
	if err != nil || q.Metadata[ingest.MetaReason] == "" {
		t.Fatalf("quarantined object %v, %v", q, err)
	}
	if _, err := e.GCS.Direct.Bucket(gcptest.IngestBucket).Object("uploads/acme/u2/broken.mp4").Attrs(ctx); err == nil {
		t.Error("the corrupt upload is still under uploads/")
	}
	rejected, err := catalog.Get(ctx, q.Metadata[ingest.MetaAssetID])
	if err != nil || rejected.Status != pipeline.StatusRejected || rejected.FailureCode != q.Metadata[ingest.MetaReason] {
		t.Errorf("rejected asset %+v, %v", rejected, err)
	}

	// A failure after the copies (the catalog is down for one write) fails the delivery; its
	// redelivery copies again onto the existing master or quarantined object, which Cloud
	// Storage allows only with delete permission, and finishes.
	for _, up := range []struct {
		key  string
		kind testmedia.Kind
	}{{"uploads/acme/u3/again.mp4", testmedia.NoAudio}, {"uploads/acme/u4/again.mp4", testmedia.Truncated}} {
		ev := e.Upload(t, up.key, media(t, up.kind))
		body, _ := io.ReadAll(ev.Body)
		e.Firestore.FailNext("Commit", codes.Internal)
		if code := gcptest.Serve(t, h, httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))); code != http.StatusInternalServerError {
			t.Fatalf("%s with the catalog down: status %d, want 500", up.key, code)
		}
		if code := gcptest.Serve(t, h, httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))); code != http.StatusNoContent {
			t.Fatalf("%s redelivered: status %d", up.key, code)
		}
	}

	// Other event types and malformed messages are acknowledged.
	del := gcptest.PushRequest(t, "d1", []byte(`{}`), map[string]string{"eventType": "OBJECT_DELETE", "payloadFormat": "JSON_API_V1"})
	if code := gcptest.Serve(t, h, del); code != http.StatusNoContent {
		t.Errorf("delete event: status %d", code)
	}
	gcptest.CheckPermissions(t, manifest.Ingest, e.Uses(), e.Names())

	// The transcode request ingest published reaches the transcode function, which starts a job.
	e.ResetUses()
	th, err := transcode.Build(e.Endpoints())(ctx, e.Getenv(map[string]string{"LADDER": gcptest.Ladder}), log)
	if err != nil {
		t.Fatal(err)
	}
	if code := gcptest.Serve(t, th, gcptest.PushRequest(t, msgs[0].ID, msgs[0].Data, msgs[0].Attributes)); code != http.StatusNoContent {
		t.Fatalf("transcode of the ingested asset: status %d", code)
	}
	if a, _ := catalog.Get(ctx, id); a.Status != pipeline.StatusTranscoding || len(e.Transcoder.Jobs()) != 1 {
		t.Errorf("after transcode: %s, %d jobs", a.Status, len(e.Transcoder.Jobs()))
	}
	job := e.Transcoder.Jobs()[0]
	if got, want := job.GetConfig().Inputs[0].Uri, "gs://"+gcptest.MastersBucket+"/"+a.Source.Key; got != want {
		t.Errorf("job input %s, want the master %s", got, want)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
