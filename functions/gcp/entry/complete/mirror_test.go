package complete

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"

	"cloud.google.com/go/video/transcoder/apiv1/transcoderpb"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"google.golang.org/grpc/codes"

	"github.com/ottkit/ottkit/functions/aws/awstest"
	awsmanifest "github.com/ottkit/ottkit/functions/aws/manifest"
	"github.com/ottkit/ottkit/functions/aws/s3store"
	"github.com/ottkit/ottkit/functions/gcp/firestorecat"
	"github.com/ottkit/ottkit/functions/gcp/gcptest"
	"github.com/ottkit/ottkit/functions/gcp/gcsstore"
	"github.com/ottkit/ottkit/functions/gcp/manifest"
	"github.com/ottkit/ottkit/functions/pipeline"
	stage "github.com/ottkit/ottkit/functions/stages/complete"
)

const (
	r2Bucket     = "ottkit-test-media"
	r2KeyID      = "0123456789abcdef0123456789abcdef"
	mirrorSecret = "projects/" + gcptest.Project + "/secrets/ottkit-test-edge-mirror"
)

// mirrorEnv is the complete function's environment with an edge mirror on the R2 stand-in.
func mirrorEnv(r2 *awstest.R2) map[string]string {
	return map[string]string{"EDGE_MIRROR_BUCKET": r2Bucket, "EDGE_MIRROR_ENDPOINT": r2.Endpoint, "EDGE_MIRROR_SECRET": mirrorSecret}
}

// succeeded makes asset id transcoding, writes every output its job names and the master,
// and finishes the job; it returns the job.
func succeeded(t *testing.T, e *gcptest.Env, id string) string {
	t.Helper()
	job := transcoding(t, e, id)
	a, _ := firestorecat.New(e.Catalog).Get(context.Background(), id)
	writeObject(t, e, gcptest.MastersBucket, a.Source.Key)
	l := pipeline.LayoutWith(id, pipeline.TranscoderSprites)
	for _, key := range []string{l.HLS, l.DASH, l.PosterKey(gcptest.HD.Duration), l.Prefix + "poster0000000000.jpeg", l.Prefix + "video-1920x1080-fmp4/segment_0000000000.m4s", l.Prefix + "subtitles/en.vtt"} {
		writeObject(t, e, gcptest.DeliveryBucket, key)
	}
	for n := range 10 {
		writeObject(t, e, gcptest.DeliveryBucket, l.ThumbnailKey(n))
	}
	if err := e.Transcoder.Finish(job, transcoderpb.Job_SUCCEEDED, codes.OK, ""); err != nil {
		t.Fatal(err)
	}
	return job
}

func objectKeys(t *testing.T, list func() ([]string, error)) []string {
	t.Helper()
	keys, err := list()
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(keys)
	return keys
}

func r2Keys(t *testing.T, r2 *awstest.R2, id string) []string {
	return objectKeys(t, func() ([]string, error) {
		out, err := r2.Admin.ListObjectsV2(context.Background(), &s3.ListObjectsV2Input{Bucket: aws.String(r2Bucket), Prefix: aws.String(pipeline.AssetPrefix(id))})
		if err != nil {
			return nil, err
		}
		var keys []string
		for _, o := range out.Contents {
			keys = append(keys, aws.ToString(o.Key))
		}
		return keys, nil
	})
}

func deliveryKeys(t *testing.T, e *gcptest.Env, id string) []string {
	return objectKeys(t, func() ([]string, error) {
		m, err := gcsstore.New(e.GCS.Direct).List(context.Background(), gcptest.DeliveryBucket, pipeline.AssetPrefix(id))
		return slices.Collect(maps.Keys(m)), err
	})
}

func TestCompleteFunctionMirrorsToR2(t *testing.T) {
	e := gcptest.NewEnv(t)
	ctx := context.Background()
	r2 := awstest.NewR2(t, r2Bucket, r2KeyID)
	t.Cleanup(func() {
		if why := r2.Refused(); len(why) > 0 {
			t.Errorf("the R2 stand-in refused %v", why)
		}
	})
	cred, _ := json.Marshal(awsmanifest.R2Credentials{AccessKeyID: r2KeyID, SecretAccessKey: strings.Repeat("cd", 32)})
	e.Secrets.Put(mirrorSecret, cred)
	done := succeeded(t, e, "a1")
	down := succeeded(t, e, "a2")
	e.ResetUses()

	ep := e.Endpoints()
	ep.R2HTTP = r2.HTTPClient
	read := map[string]bool{}
	env := e.Getenv(mirrorEnv(r2))
	h, err := Build(ep)(ctx, func(k string) string { read[k] = true; return env(k) }, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, v := range manifest.Complete.With(manifest.CompleteMirror).Env {
		want = append(want, v.Name)
	}
	slices.Sort(want)
	if got := slices.Sorted(maps.Keys(read)); !slices.Equal(got, want) {
		t.Errorf("the function reads %v, the manifest lists %v", got, want)
	}

	// Success: every output is in R2 before the asset is ready; a redelivery copies nothing.
	for range 2 {
		if code := gcptest.Serve(t, h, notification(t, done, "SUCCEEDED")); code != http.StatusNoContent {
			t.Fatalf("success: status %d", code)
		}
	}
	catalog := firestorecat.New(e.Catalog)
	if a, _ := catalog.Get(ctx, "a1"); a.Status != pipeline.StatusReady {
		t.Fatalf("status %s, want ready", a.Status)
	}
	keys := deliveryKeys(t, e, "a1")
	if got := r2Keys(t, r2, "a1"); !slices.Equal(got, keys) || len(keys) == 0 {
		t.Fatalf("R2 holds\n%v\nwant every delivery object under the prefix\n%v", got, keys)
	}
	if puts := r2.Requests("PUT"); puts != len(keys) {
		t.Errorf("%d PUTs for %d objects and a redelivery, want one per object", puts, len(keys))
	}
	for _, key := range keys {
		out, err := r2.Admin.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(r2Bucket), Key: aws.String(key)})
		if err != nil {
			t.Fatal(err)
		}
		if ct, cc := aws.ToString(out.ContentType), aws.ToString(out.CacheControl); ct != stage.MirrorContentType(key, "") {
			t.Errorf("%s: Content-Type %q, want %q", key, ct, stage.MirrorContentType(key, ""))
		} else if cc != stage.MirrorCacheControl(key) {
			t.Errorf("%s: Cache-Control %q, want %q", key, cc, stage.MirrorCacheControl(key))
		}
	}
	uses := e.Uses()

	// R2 refusing writes: the push is nacked (500) and the asset stays transcoding; the
	// redelivery once R2 is back finishes it.
	r2.SetDown(true)
	if code := gcptest.Serve(t, h, notification(t, down, "SUCCEEDED")); code != http.StatusInternalServerError {
		t.Errorf("R2 down: status %d, want 500 for redelivery", code)
	}
	if a, _ := catalog.Get(ctx, "a2"); a.Status != pipeline.StatusTranscoding {
		t.Errorf("R2 down: status %s, want transcoding", a.Status)
	}
	r2.SetDown(false)
	if code := gcptest.Serve(t, h, notification(t, down, "SUCCEEDED")); code != http.StatusNoContent {
		t.Fatalf("R2 back: status %d", code)
	}
	if a, _ := catalog.Get(ctx, "a2"); a.Status != pipeline.StatusReady {
		t.Errorf("R2 back: status %s, want ready", a.Status)
	}

	// Every call is granted by the mirror variant; the extension's own grants are all used
	// (the base grants a success does not need are proved by TestCompleteFunction).
	names := e.Names()
	names[mirrorSecret] = manifest.EdgeMirrorSecret
	fn := manifest.Complete.With(manifest.CompleteMirror)
	for _, p := range gcptest.PermissionProblems(fn, uses, names) {
		base := false
		for _, b := range manifest.Complete.Permissions {
			if strings.Contains(p, "grants "+b.Permission+" on "+string(b.On)+",") {
				base = true
			}
		}
		if !base {
			t.Error(p)
		}
	}
}

func TestLoadConfigMirror(t *testing.T) {
	e := &gcptest.Env{}
	valid := map[string]string{"EDGE_MIRROR_BUCKET": r2Bucket, "EDGE_MIRROR_ENDPOINT": "https://" + r2KeyID + ".r2.cloudflarestorage.com", "EDGE_MIRROR_SECRET": mirrorSecret}
	c, err := LoadConfig(e.Getenv(valid))
	if err != nil || c.EdgeMirror.Bucket != r2Bucket || c.EdgeMirror.Secret != mirrorSecret {
		t.Fatalf("LoadConfig = %+v, %v", c.EdgeMirror, err)
	}
	for _, bad := range [][2]string{
		{"EDGE_MIRROR_SECRET", "ottkit-test-edge-mirror"}, {"EDGE_MIRROR_SECRET", ""},
		{"EDGE_MIRROR_ENDPOINT", "http://x.r2.cloudflarestorage.com"}, {"EDGE_MIRROR_BUCKET", "Media"},
	} {
		vars := map[string]string{}
		for k, v := range valid {
			vars[k] = v
		}
		vars[bad[0]] = bad[1]
		if _, err := LoadConfig(e.Getenv(vars)); err == nil || !strings.Contains(err.Error(), bad[0]+":") {
			t.Errorf("%s=%q: %v, want an error naming it", bad[0], bad[1], err)
		}
	}
	if c, err := LoadConfig(e.Getenv(nil)); err != nil || c.EdgeMirror != (s3store.R2Mirror{}) {
		t.Errorf("without the mirror variables: %+v, %v", c.EdgeMirror, err)
	}
}
