package gcsstore

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/ottkit/ottkit/functions/gcp/gcptest"
	"github.com/ottkit/ottkit/functions/pipeline"
)

// fake-gcs-server keeps no storage class on a rewrite, so this test reads the class off
// the rewrite request the adapter sends.
func TestCopyInPlaceStorageClass(t *testing.T) {
	g := gcptest.NewGCS(t, "masters")
	s := New(g.Client)
	ctx := context.Background()
	put(t, g.Fake, "masters", "acme/m/source.mp4", content(10))
	info, err := s.Head(ctx, "masters", "acme/m/source.mp4")
	if err != nil {
		t.Fatal(err)
	}
	g.Recorder.Reset()
	if err := s.Copy(ctx, pipeline.CopyInput{SrcBucket: "masters", SrcKey: "acme/m/source.mp4", IfMatch: info.ETag, DstBucket: "masters", DstKey: "acme/m/source.mp4", StorageClass: "ARCHIVE"}); err != nil {
		t.Fatal(err)
	}
	calls := g.Recorder.Calls()
	if len(calls) != 1 || !strings.Contains(calls[0].Path, "/rewriteTo/") {
		t.Fatalf("calls %+v, want one rewrite", calls)
	}
	var body struct{ StorageClass string }
	if err := json.Unmarshal(calls[0].Body, &body); err != nil || body.StorageClass != "ARCHIVE" {
		t.Errorf("rewrite body %s, want storageClass ARCHIVE", calls[0].Body)
	}
	if q := calls[0].RawQuery; !strings.Contains(q, "sourceGeneration="+info.Version) || !strings.Contains(q, "ifSourceGenerationMatch="+info.Version) {
		t.Errorf("rewrite query %s, want the source generation pinned and conditioned", q)
	}
}
