package complete

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"testing"

	"cloud.google.com/go/video/transcoder/apiv1/transcoderpb"
	"google.golang.org/grpc/codes"

	"github.com/ottkit/ottkit/functions/gcp/entry/transcode"
	"github.com/ottkit/ottkit/functions/gcp/firestorecat"
	"github.com/ottkit/ottkit/functions/gcp/gcptest"
	"github.com/ottkit/ottkit/functions/gcp/manifest"
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
	if code := gcptest.Serve(t, h, notification(t, retryJob, "FAILED")); code != http.StatusNoContent {
		t.Fatalf("retryable failure: status %d", code)
	}
	a, _ := catalog.Get(ctx, "a1")
	if a.Status != pipeline.StatusRetrying || a.FailureCode != "Unavailable" {
		t.Errorf("after a retryable failure: %s %s", a.Status, a.FailureCode)
	}
	tasks := e.Tasks.Pending()
	if len(tasks) != 1 || tasks[0].GetHttpRequest().Url != gcptest.RetryURL || !strings.Contains(string(tasks[0].GetHttpRequest().Body), `"assetId":"a1"`) {
		t.Fatalf("retry tasks %v", tasks)
	}

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

	// A job the API no longer has is acknowledged, not retried forever; so is a malformed body.
	if code := gcptest.Serve(t, h, notification(t, gcptest.Location+"/jobs/gone", "SUCCEEDED")); code != http.StatusNoContent {
		t.Errorf("unknown job: status %d, want 204", code)
	}
	if code := gcptest.Serve(t, h, gcptest.PushRequest(t, "junk", []byte(`{"nojob":1}`), nil)); code != http.StatusNoContent {
		t.Errorf("malformed notification: status %d, want 204", code)
	}

	// The success path (verify outputs, archive the master) waits for pipeline.Layout to name
	// the Transcoder API's sprite outputs (see the package notes); until then its four
	// permissions are the only ones these paths leave unused, and everything used is granted.
	var unused []string
	for _, p := range gcptest.PermissionProblems(manifest.Complete, e.Uses(), e.Names()) {
		if !strings.Contains(p, "which no call needed") {
			t.Error(p)
			continue
		}
		unused = append(unused, p)
	}
	sort.Strings(unused)
	want := []string{
		"complete: the manifest grants storage.objects.create on masters-bucket, which no call needed",
		"complete: the manifest grants storage.objects.delete on masters-bucket, which no call needed",
		"complete: the manifest grants storage.objects.get on masters-bucket, which no call needed",
		"complete: the manifest grants storage.objects.list on delivery-bucket, which no call needed",
	}
	if strings.Join(unused, "\n") != strings.Join(want, "\n") {
		t.Errorf("unused grants:\n%s\nwant:\n%s", strings.Join(unused, "\n"), strings.Join(want, "\n"))
	}
}
