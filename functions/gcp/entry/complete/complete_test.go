package complete

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"cloud.google.com/go/video/transcoder/apiv1/transcoderpb"
	"google.golang.org/grpc/codes"

	"github.com/ottkit/ottkit/functions/gcp/entry/transcode"
	"github.com/ottkit/ottkit/functions/gcp/firestorecat"
	"github.com/ottkit/ottkit/functions/gcp/gcptest"
	"github.com/ottkit/ottkit/functions/gcp/manifest"
	"github.com/ottkit/ottkit/functions/gcp/push"
	"github.com/ottkit/ottkit/functions/pipeline"
)

// transcoding submits a1's job through the transcode function, so the asset is transcoding
// with a real job of the fake.
func transcoding(t *testing.T, e *gcptest.Env, id string) string {
	t.Helper()
	ctx := context.Background()
	if err := firestorecat.New(e.Catalog).Create(ctx, gcptest.Queued(id, "acme", gcptest.HD)); err != nil {
		t.Fatal(err)
	}
	h, err := transcode.Build(e.Endpoints())(ctx, e.Getenv(map[string]string{"LADDER": gcptest.Ladder}), slog.New(slog.NewJSONHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if code := gcptest.Serve(t, h, gcptest.PushRequest(t, "t-"+id, []byte(`{"assetId":"`+id+`","tenant":"acme"}`), nil)); code != http.StatusNoContent {
		t.Fatalf("transcode: status %d", code)
	}
	a, err := firestorecat.New(e.Catalog).Get(ctx, id)
	if err != nil || a.JobID == "" {
		t.Fatalf("asset %+v, %v", a, err)
	}
	return a.JobID
}

func writeObject(t *testing.T, e *gcptest.Env, bucket, key string) {
	t.Helper()
	w := e.GCS.Direct.Bucket(bucket).Object(key).NewWriter(context.Background())
	if _, err := w.Write([]byte(key)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

func notification(t *testing.T, name, state string) *http.Request {
	return gcptest.PushRequest(t, "n-"+name+state, []byte(`{"job":{"name":"`+name+`","state":"`+state+`"}}`), nil)
}

func TestCompleteFunction(t *testing.T) {
	e := gcptest.NewEnv(t)
	ctx := context.Background()
	catalog := firestorecat.New(e.Catalog)
	retryJob := transcoding(t, e, "a1")
	finalJob := transcoding(t, e, "a2")
	e.ResetUses()
	before := len(e.PubSub.Fake.Messages())

	h, err := Build(e.Endpoints())(ctx, e.Getenv(nil), slog.New(slog.NewJSONHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}

	// A retryable failure: retrying, and a Cloud Task back to transcode.
	if err := e.Transcoder.Finish(retryJob, transcoderpb.Job_FAILED, codes.Unavailable, "backend unavailable"); err != nil {
		t.Fatal(err)
	}
	// Pub/Sub delivers at least once: the redelivered notification sends the retry again,
	// and Cloud Tasks refuses it by name (<asset>-<attempt>).
	for i := range 2 {
		if code := gcptest.Serve(t, h, gcptest.PushRequest(t, fmt.Sprintf("n-retry-%d", i), []byte(`{"job":{"name":"`+retryJob+`","state":"FAILED"}}`), nil)); code != http.StatusNoContent {
			t.Fatalf("retryable failure, delivery %d: status %d", i+1, code)
		}
	}
	a, _ := catalog.Get(ctx, "a1")
	if a.Status != pipeline.StatusRetrying || a.FailureCode != "Unavailable" {
		t.Errorf("after a retryable failure: %s %s", a.Status, a.FailureCode)
	}
	tasks := e.Tasks.Pending()
	if len(tasks) != 1 || tasks[0].GetHttpRequest().Url != gcptest.RetryURL || !strings.Contains(string(tasks[0].GetHttpRequest().Body), `"assetId":"a1"`) ||
		!strings.HasSuffix(tasks[0].Name, "/tasks/a1-2") {
		t.Fatalf("retry tasks %v, want one task a1-2 for the redelivered failure", tasks)
	}

	// The task reaches the transcode function, which submits attempt 2 as a new job (the
	// transcode function's calls are not complete's, so they are left out of the check).
	retryUses := e.Uses()
	th, err := transcode.Build(e.Endpoints())(ctx, e.Getenv(map[string]string{"LADDER": gcptest.Ladder}), slog.New(slog.NewJSONHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	retry := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(string(tasks[0].GetHttpRequest().Body)))
	retry.Header.Set(push.TaskNameHeader, tasks[0].Name)
	retry.Header.Set(push.TaskRetryCountHeader, "0")
	if code := gcptest.Serve(t, th, retry); code != http.StatusNoContent {
		t.Fatalf("retry task: status %d", code)
	}
	a, _ = catalog.Get(ctx, "a1")
	if a.Status != pipeline.StatusTranscoding || a.Attempts != 2 || a.JobID == retryJob {
		t.Errorf("after the retry: %s, attempt %d, job %s", a.Status, a.Attempts, a.JobID)
	}
	e.ResetUses()

	// A final failure: failed and announced; a redelivery changes nothing more.
	if err := e.Transcoder.Finish(finalJob, transcoderpb.Job_FAILED, codes.InvalidArgument, "The input file could not be read."); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if code := gcptest.Serve(t, h, notification(t, finalJob, "FAILED")); code != http.StatusNoContent {
			t.Fatalf("final failure: status %d", code)
		}
	}
	a, _ = catalog.Get(ctx, "a2")
	if a.Status != pipeline.StatusFailed || a.FailureCode != "InvalidArgument" || a.FailureMessage != "The input file could not be read." {
		t.Errorf("after a final failure: %+v", a)
	}
	if got := len(e.PubSub.Fake.Messages()) - before; got < 1 {
		t.Errorf("%d notifications for the failure", got)
	}

	failureUses := e.Uses()

	// A job the API no longer has is acknowledged, not retried forever; so is a malformed body.
	if code := gcptest.Serve(t, h, notification(t, gcptest.Location+"/jobs/gone", "SUCCEEDED")); code != http.StatusNoContent {
		t.Errorf("unknown job: status %d, want 204", code)
	}
	if code := gcptest.Serve(t, h, gcptest.PushRequest(t, "junk", []byte(`{"nojob":1}`), nil)); code != http.StatusNoContent {
		t.Errorf("malformed notification: status %d, want 204", code)
	}

	// Success: the outputs tcjob's config names are in the delivery bucket (the fake runs no
	// encoder, so the test writes them), the master moves to ARCHIVE, the asset is ready.
	doneJob := transcoding(t, e, "a3")
	a3, _ := catalog.Get(ctx, "a3")
	writeObject(t, e, gcptest.MastersBucket, a3.Source.Key)
	l := pipeline.LayoutWith("a3", pipeline.TranscoderSprites)
	for _, key := range []string{l.HLS, l.DASH, l.PosterKey(gcptest.HD.Duration), "assets/a3/poster0000000000.jpeg", "assets/a3/video-1920x1080-fmp4/segment_0000000000.m4s"} {
		writeObject(t, e, gcptest.DeliveryBucket, key)
	}
	for n := range 10 {
		writeObject(t, e, gcptest.DeliveryBucket, l.ThumbnailKey(n))
	}
	if err := e.Transcoder.Finish(doneJob, transcoderpb.Job_SUCCEEDED, codes.OK, ""); err != nil {
		t.Fatal(err)
	}
	e.ResetUses()
	if code := gcptest.Serve(t, h, notification(t, doneJob, "SUCCEEDED")); code != http.StatusNoContent {
		t.Fatalf("success: status %d", code)
	}
	a3, _ = catalog.Get(ctx, "a3")
	if a3.Status != pipeline.StatusReady || a3.HLS != l.HLS || a3.Poster != l.PosterKey(gcptest.HD.Duration) || len(a3.Thumbnails) != 10 {
		t.Errorf("after success: %+v", a3)
	}
	// The asset records the Transcoder API job's minutes: each rendition at the API's class
	// (1080p and 720p HD, 360p SD), the one audio-only stream, no frame-capture output and
	// no tier.
	per := gcptest.HD.Duration.Minutes()
	if m := a3.BilledMinutes; m == nil || *m != (pipeline.Minutes{Tier: pipeline.TierTranscoder, HD: 2 * per, SD: per, Audio: per}) {
		t.Errorf("billed minutes %+v for renditions %v, want 2×%.3f HD, %.3f SD and %.3f audio-only at the transcoder tier", m, a3.Renditions, per, per, per)
	}
	if m, err := e.GCS.Direct.Bucket(gcptest.MastersBucket).Object(a3.Source.Key).Attrs(ctx); err != nil || m.StorageClass != "ARCHIVE" {
		t.Errorf("master after success: %v, %v; want ARCHIVE", m, err)
	}
	successUses := e.Uses()

	// A success whose outputs are incomplete is retried, never a ready asset that cannot play.
	partial := transcoding(t, e, "a4")
	writeObject(t, e, gcptest.DeliveryBucket, "assets/a4/index.m3u8")
	if err := e.Transcoder.Finish(partial, transcoderpb.Job_SUCCEEDED, codes.OK, ""); err != nil {
		t.Fatal(err)
	}
	if code := gcptest.Serve(t, h, notification(t, partial, "SUCCEEDED")); code != http.StatusInternalServerError {
		t.Errorf("missing outputs: status %d, want 500 for redelivery", code)
	}
	if a4, _ := catalog.Get(ctx, "a4"); a4.Status != pipeline.StatusTranscoding {
		t.Errorf("asset with missing outputs: %s", a4.Status)
	}

	gcptest.CheckPermissions(t, manifest.Complete, append(append(retryUses, failureUses...), successUses...), e.Names())
}
