package complete_test

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/ottkit/ottkit/functions/aws/awstest"
	"github.com/ottkit/ottkit/functions/aws/complete"
	"github.com/ottkit/ottkit/functions/aws/manifest"
	"github.com/ottkit/ottkit/functions/aws/s3store"
	"github.com/ottkit/ottkit/functions/pipeline"
	stage "github.com/ottkit/ottkit/functions/stages/complete"
)

const (
	r2Bucket = "acme-prod-media"
	r2KeyID  = "0123456789abcdef0123456789abcdef"
)

// mirrorFixture is a stack with an edge mirror: the R2 stand-in as a second S3 endpoint, and
// the token's S3 credentials in a moto secret.
type mirrorFixture struct {
	*fixture
	r2        *awstest.R2
	secretARN string
}

func newMirrorFixture(t *testing.T) *mirrorFixture {
	t.Helper()
	f := &mirrorFixture{fixture: newFixtureRecordedBy(t, mirrorRec), r2: awstest.NewR2(t, r2Bucket, r2KeyID)}
	f.secretARN = f.secret(t, manifest.R2Credentials{AccessKeyID: r2KeyID, SecretAccessKey: strings.Repeat("ab", 32)})
	f.cfg.EdgeMirrorBucket, f.cfg.EdgeMirrorEndpoint, f.cfg.EdgeMirrorSecretARN = r2Bucket, f.r2.Endpoint, f.secretARN
	t.Cleanup(func() {
		if why := f.r2.Refused(); len(why) > 0 {
			t.Errorf("the R2 stand-in refused %v", why)
		}
	})
	return f
}

func (f *mirrorFixture) secret(t *testing.T, cred manifest.R2Credentials) string {
	t.Helper()
	b, _ := json.Marshal(cred)
	name := awstest.UniqueName("edge-mirror")
	out, err := f.env.Admin.SecretsManager.CreateSecret(context.Background(), &secretsmanager.CreateSecretInput{Name: aws.String(name), SecretString: aws.String(string(b))})
	if err != nil {
		t.Fatal(err)
	}
	mirrorRec.Name(manifest.EdgeMirrorSecret, name, *out.ARN)
	return *out.ARN
}

// mirrored is the handler of the function as cmd/complete wires it with a mirror.
func (f *mirrorFixture) mirrored(t *testing.T) *complete.Handler {
	t.Helper()
	h := f.handler("")
	if err := h.MirrorTo(f.cfg, complete.NewMirror(f.cfg, f.env.SecretsManager, f.r2.HTTPClient), s3store.New(f.env.S3)); err != nil {
		t.Fatal(err)
	}
	return h
}

func (f *mirrorFixture) deliveryKeys(t *testing.T, id string) []string {
	t.Helper()
	keys, err := s3store.New(f.env.Admin.S3).List(context.Background(), f.cfg.DeliveryBucket, pipeline.AssetPrefix(id))
	if err != nil {
		t.Fatal(err)
	}
	return slices.Sorted(maps.Keys(keys))
}

func (f *mirrorFixture) mirrorKeys(t *testing.T, id string) []string {
	t.Helper()
	out, err := f.r2.Admin.ListObjectsV2(context.Background(), &s3.ListObjectsV2Input{Bucket: aws.String(r2Bucket), Prefix: aws.String(pipeline.AssetPrefix(id))})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, o := range out.Contents {
		keys = append(keys, aws.ToString(o.Key))
	}
	slices.Sort(keys)
	return keys
}

func TestMirrorToR2BeforeReady(t *testing.T) {
	f := newMirrorFixture(t)
	f.seed(t, "a1", "job-1", 1, true)
	h := f.mirrored(t)
	ev := f.event(t, "job-complete.json", "a1", "job-1")
	handleAll(t, h, ev)

	if a := f.get(t, "a1"); a.Status != pipeline.StatusReady {
		t.Fatalf("status %s, want ready", a.Status)
	}
	want := f.deliveryKeys(t, "a1")
	if got := f.mirrorKeys(t, "a1"); !slices.Equal(got, want) {
		t.Fatalf("R2 holds\n%v\nwant every delivery object under the prefix\n%v", got, want)
	}
	for _, key := range want {
		out, err := f.r2.Admin.HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: aws.String(r2Bucket), Key: aws.String(key)})
		if err != nil {
			t.Fatal(err)
		}
		if ct, cc := aws.ToString(out.ContentType), aws.ToString(out.CacheControl); ct != stage.MirrorContentType(key, "") || cc != stage.MirrorCacheControl(key) {
			t.Errorf("%s: Content-Type %q Cache-Control %q, want %q %q", key, ct, cc, stage.MirrorContentType(key, ""), stage.MirrorCacheControl(key))
		}
		if out.Metadata[stage.MetadataSourceETag] == "" {
			t.Errorf("%s: no source ETag recorded", key)
		}
	}
	puts := f.r2.Requests("PUT")
	if puts != len(want) {
		t.Errorf("%d PUTs to R2, want one per object (%d)", puts, len(want))
	}

	// Duplicates of the event copy nothing again (a Lambda's second instance too).
	handleAll(t, h, ev, ev)
	handleAll(t, f.mirrored(t), ev)
	if got := f.r2.Requests("PUT"); got != puts {
		t.Errorf("%d PUTs after duplicates, want still %d", got, puts)
	}
	if n := f.env.Notifications(t, f.subscriber); len(n) != 1 {
		t.Errorf("%d notifications, want 1", len(n))
	}
}

func TestMirrorFailureIsRetriedNotReady(t *testing.T) {
	f := newMirrorFixture(t)
	f.seed(t, "a1", "job-1", 1, true)
	h := f.mirrored(t)
	ev := f.event(t, "job-complete.json", "a1", "job-1")

	f.r2.SetDown(true)
	resp, err := h.Handle(context.Background(), awstest.SQSEvent(t, ev))
	if err != nil || len(resp.BatchItemFailures) != 1 {
		t.Fatalf("Handle = %v, %v; want the message reported for redelivery", resp.BatchItemFailures, err)
	}
	if a := f.get(t, "a1"); a.Status != pipeline.StatusTranscoding {
		t.Errorf("status %s while R2 refuses writes, want transcoding", a.Status)
	}
	if n := f.env.Notifications(t, f.subscriber); len(n) != 0 {
		t.Errorf("notifications %+v while R2 refuses writes, want none", n)
	}
	if !strings.Contains(f.logs.String(), "AccessDenied") {
		t.Errorf("logs do not carry R2's error:\n%s", f.logs)
	}

	f.r2.SetDown(false)
	handleAll(t, h, ev)
	if a := f.get(t, "a1"); a.Status != pipeline.StatusReady {
		t.Errorf("status %s after the redelivery, want ready", a.Status)
	}
	if got, want := f.mirrorKeys(t, "a1"), f.deliveryKeys(t, "a1"); !slices.Equal(got, want) {
		t.Errorf("R2 holds %v, want %v", got, want)
	}
}

func TestMirrorWithABadSecretIsRetried(t *testing.T) {
	f := newMirrorFixture(t)
	f.seed(t, "a1", "job-1", 1, true)
	f.cfg.EdgeMirrorSecretARN = f.secret(t, manifest.R2Credentials{AccessKeyID: r2KeyID})
	h := f.mirrored(t)
	resp, err := h.Handle(context.Background(), awstest.SQSEvent(t, f.event(t, "job-complete.json", "a1", "job-1")))
	if err != nil || len(resp.BatchItemFailures) != 1 {
		t.Fatalf("Handle = %v, %v; want the message reported for redelivery", resp.BatchItemFailures, err)
	}
	if !strings.Contains(f.logs.String(), "secretAccessKey") || f.r2.Requests("PUT") != 0 {
		t.Errorf("want an error naming the secret's shape and no PUT; %d PUTs, logs:\n%s", f.r2.Requests("PUT"), f.logs)
	}
	if a := f.get(t, "a1"); a.Status != pipeline.StatusTranscoding {
		t.Errorf("status %s, want transcoding", a.Status)
	}
}

// TestMirroredRetryableErrorResubmits: with a mirror, a retryable job error resubmits as
// without one, and copies nothing.
func TestMirroredRetryableErrorResubmits(t *testing.T) {
	f := newMirrorFixture(t)
	f.seed(t, "a1", "job-1", 1, false)
	handleAll(t, f.mirrored(t), f.errorEvent(t, "a1", "job-1", 3450, "write failed"))
	if a := f.get(t, "a1"); a.Status != pipeline.StatusRetrying {
		t.Errorf("status %s, want retrying", a.Status)
	}
	if len(f.queue.delays) != 1 || f.r2.Requests("PUT") != 0 {
		t.Errorf("delays %v, %d PUTs; want one resubmission and no copy", f.queue.delays, f.r2.Requests("PUT"))
	}
}

func TestLoadConfigWithMirror(t *testing.T) {
	valid := map[string]string{
		"CATALOG_TABLE": "catalog", "DELIVERY_BUCKET": "delivery", "MASTERS_BUCKET": "masters",
		"NOTIFY_TOPIC_ARN": "arn:aws:sns:us-east-1:1:notify", "TRANSCODE_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/1/transcode",
		"ARCHIVE_STORAGE_CLASS": "DEEP_ARCHIVE", "MAX_RETRIES": "3", "VIDEO_CODEC": "hevc",
		"EDGE_MIRROR_BUCKET": "acme-prod-media", "EDGE_MIRROR_ENDPOINT": "https://" + r2KeyID + ".r2.cloudflarestorage.com",
		"EDGE_MIRROR_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:1:secret:acme-prod-edge-mirror-AbCdEf",
	}
	load := func(getenv func(string) string) error {
		_, err := complete.LoadConfig(getenv)
		return err
	}
	awstest.CheckEnv(t, manifest.Complete.With(manifest.CompleteMirror), load, valid)
	awstest.CheckEnvRejects(t, load, valid, [][2]string{
		{"EDGE_MIRROR_BUCKET", "Acme_Media"}, {"EDGE_MIRROR_ENDPOINT", "http://x.r2.cloudflarestorage.com"},
		{"EDGE_MIRROR_ENDPOINT", "https://x.r2.cloudflarestorage.com/bucket"}, {"EDGE_MIRROR_SECRET_ARN", "acme-prod-edge-mirror"},
	})
	// One of the three without the others is refused, naming the missing ones.
	_, err := complete.LoadConfig(func(k string) string {
		if strings.HasPrefix(k, "EDGE_MIRROR_") && k != "EDGE_MIRROR_BUCKET" {
			return ""
		}
		return valid[k]
	})
	if err == nil || !strings.Contains(err.Error(), "EDGE_MIRROR_ENDPOINT:") || !strings.Contains(err.Error(), "EDGE_MIRROR_SECRET_ARN:") {
		t.Errorf("a bucket alone: %v, want the endpoint and secret named", err)
	}
	cfg, err := complete.LoadConfig(func(k string) string {
		if strings.HasPrefix(k, "EDGE_MIRROR_") {
			return ""
		}
		return valid[k]
	})
	if err != nil || cfg.HasMirror() {
		t.Errorf("without the mirror variables: %+v, %v; want no mirror", cfg, err)
	}
}
