package transcode

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ottkit/ottkit/functions/gcp/firestorecat"
	"github.com/ottkit/ottkit/functions/gcp/gcptest"
	"github.com/ottkit/ottkit/functions/gcp/manifest"
	"github.com/ottkit/ottkit/functions/gcp/push"
	"github.com/ottkit/ottkit/functions/gcp/tcjob"
	"github.com/ottkit/ottkit/functions/pipeline"
)

func TestTranscodeFunction(t *testing.T) {
	e := gcptest.NewEnv(t)
	ctx := context.Background()
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	seed := firestorecat.New(e.Catalog)
	for _, a := range []*pipeline.Asset{gcptest.Queued("a1", "acme", gcptest.HD), gcptest.Queued("a2", "acme", nil)} {
		if err := seed.Create(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	h, err := Build(e.Endpoints())(ctx, e.Getenv(map[string]string{"LADDER": gcptest.Ladder}), log)
	if err != nil {
		t.Fatal(err)
	}

	// The first request, its redelivery and a Cloud Tasks retry of it: one job.
	body := []byte(`{"assetId":"a1","tenant":"acme"}`)
	if code := gcptest.Serve(t, h, gcptest.PushRequest(t, "m1", body, nil)); code != http.StatusNoContent {
		t.Fatalf("push: status %d", code)
	}
	if code := gcptest.Serve(t, h, gcptest.PushRequest(t, "m1", body, nil)); code != http.StatusNoContent {
		t.Fatalf("redelivered push: status %d", code)
	}
	task := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(string(body)))
	task.Header.Set(push.TaskNameHeader, "a1-1")
	if code := gcptest.Serve(t, h, task); code != http.StatusNoContent {
		t.Fatalf("task: status %d", code)
	}
	jobs := e.Transcoder.Jobs()
	if len(jobs) != 1 {
		t.Fatalf("%d jobs, want 1", len(jobs))
	}
	if jobs[0].Labels[tcjob.LabelAsset] != "a1" || jobs[0].GetConfig().GetPubsubDestination().GetTopic() != gcptest.JobsTopic {
		t.Errorf("job labels %v, topic %s", jobs[0].Labels, jobs[0].GetConfig().GetPubsubDestination().GetTopic())
	}
	a, err := seed.Get(ctx, "a1")
	if err != nil || a.Status != pipeline.StatusTranscoding || a.JobID != jobs[0].Name || a.Attempts != 1 || len(a.Renditions) != 3 {
		t.Errorf("asset %+v, %v", a, err)
	}

	// An asset without a probe summary cannot be planned: it fails and is announced.
	if code := gcptest.Serve(t, h, gcptest.PushRequest(t, "m2", []byte(`{"assetId":"a2","tenant":"acme"}`), nil)); code != http.StatusNoContent {
		t.Fatalf("unplannable: status %d", code)
	}
	if a, _ := seed.Get(ctx, "a2"); a.Status != pipeline.StatusFailed {
		t.Errorf("unplannable asset status %s", a.Status)
	}
	if n := len(e.PubSub.Fake.Messages()); n != 1 {
		t.Errorf("%d notifications, want the failure", n)
	}

	// A request for an asset not in the catalog yet is retried; a malformed one is dropped.
	if code := gcptest.Serve(t, h, gcptest.PushRequest(t, "m3", []byte(`{"assetId":"later","tenant":"acme"}`), nil)); code != http.StatusInternalServerError {
		t.Errorf("unknown asset: status %d, want 500 for redelivery", code)
	}
	if code := gcptest.Serve(t, h, gcptest.PushRequest(t, "m4", []byte(`not json`), nil)); code != http.StatusNoContent {
		t.Errorf("malformed: status %d, want 204", code)
	}

	gcptest.CheckPermissions(t, manifest.Transcode, e.Uses(), e.Names())
}

func TestTranscodeConfigRejects(t *testing.T) {
	e := gcptest.NewEnv(t)
	for name, tc := range map[string]struct{ vars map[string]string }{
		"LADDER":              {map[string]string{"LADDER": `[{"height":100,"maxBitrate":1}]`}},
		"TRANSCODER_LOCATION": {map[string]string{"LADDER": gcptest.Ladder, "TRANSCODER_LOCATION": "europe-west1"}},
		"VIDEO_CODEC":         {map[string]string{"LADDER": gcptest.Ladder, "VIDEO_CODEC": "vp9"}},
		"GCP_PROJECT":         {map[string]string{"LADDER": gcptest.Ladder, "GCP_PROJECT": ""}},
	} {
		_, err := Build(e.Endpoints())(context.Background(), e.Getenv(tc.vars), slog.New(slog.NewJSONHandler(io.Discard, nil)))
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: error %v, want one naming it", name, err)
		}
	}
}
