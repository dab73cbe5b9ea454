package ingest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/ottkit/ottkit/functions/aws/awstest"
	"github.com/ottkit/ottkit/functions/aws/catalog"
	"github.com/ottkit/ottkit/functions/aws/ingest"
	"github.com/ottkit/ottkit/functions/aws/lambdalog"
	"github.com/ottkit/ottkit/functions/aws/manifest"
	"github.com/ottkit/ottkit/functions/aws/s3store"
	"github.com/ottkit/ottkit/functions/aws/sqsqueue"
	"github.com/ottkit/ottkit/functions/internal/testmedia"
	"github.com/ottkit/ottkit/functions/pipeline"
	stage "github.com/ottkit/ottkit/functions/stages/ingest"
)

var rec = awstest.NewRecorder()

func TestMain(m *testing.M) {
	os.Exit(awstest.Main(m, awstest.CheckPermissions(rec, manifest.Ingest)))
}

type fixture struct {
	env   *awstest.Env
	cfg   ingest.Config
	admin *catalog.Table
	logs  *bytes.Buffer
	now   time.Time
	// failGets, when positive, makes that many ranged GETs through the proxy fail with 503.
	failGets atomic.Int32
	s3URL    string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	env := awstest.NewEnv(t, rec)
	f := &fixture{env: env, logs: &bytes.Buffer{}, now: time.Date(2026, 8, 9, 10, 11, 12, 0, time.UTC)}
	table := env.CatalogTable(t)
	f.cfg = ingest.Config{
		IngestBucket: env.Bucket(t, manifest.IngestBucket), MastersBucket: env.Bucket(t, manifest.MastersBucket),
		CatalogTable: table, TranscodeQueueURL: env.Queue(t, manifest.TranscodeQueue),
		MaxDuration: time.Hour, MaxUploadBytes: 1 << 30,
	}
	f.admin = catalog.New(env.Admin.DynamoDB, table)
	// The handler reaches S3 through a proxy that can fail ranged GETs like a throttled S3.
	target, _ := url.Parse(env.S3Endpoint)
	proxy := httputil.NewSingleHostReverseProxy(target)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && r.Header.Get("Range") != "" && f.failGets.Add(-1) >= 0 {
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte(`<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>`))
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	f.s3URL = srv.URL
	return f
}

func (f *fixture) handler() *ingest.Handler {
	client := s3.NewFromConfig(f.env.Config, func(o *s3.Options) { o.BaseEndpoint = aws.String(f.s3URL); o.UsePathStyle = true })
	h := ingest.New(f.cfg, s3store.New(client), catalog.New(f.env.DynamoDB, f.cfg.CatalogTable),
		sqsqueue.New(f.env.SQS, f.cfg.TranscodeQueueURL), lambdalog.New(f.logs, slog.LevelInfo))
	h.Stage.Now = func() time.Time { return f.now }
	return h
}

// upload puts data at key in the ingest bucket and returns the EventBridge event S3 would send,
// built from the AWS documentation sample in testdata.
func (f *fixture) upload(t *testing.T, key string, data []byte) string {
	t.Helper()
	out, err := f.env.Admin.S3.PutObject(context.Background(), &s3.PutObjectInput{
		Bucket: aws.String(f.cfg.IngestBucket), Key: aws.String(key), Body: bytes.NewReader(data), ContentType: aws.String("video/mp4"),
		Metadata: map[string]string{"uploaded-by": "user-1"},
	})
	if err != nil {
		t.Fatal(err)
	}
	return f.event(t, key, int64(len(data)), strings.Trim(aws.ToString(out.ETag), `"`), aws.ToString(out.VersionId))
}

func (f *fixture) event(t *testing.T, key string, size int64, etag, version string) string {
	t.Helper()
	var ev map[string]any
	if err := json.Unmarshal([]byte(awstest.ReadFile(t, "s3-object-created.json")), &ev); err != nil {
		t.Fatal(err)
	}
	detail := ev["detail"].(map[string]any)
	detail["bucket"] = map[string]any{"name": f.cfg.IngestBucket}
	obj := detail["object"].(map[string]any)
	obj["key"], obj["size"], obj["etag"] = key, size, etag
	if version != "" {
		obj["version-id"] = version
	} else {
		delete(obj, "version-id")
	}
	b, _ := json.Marshal(ev)
	return string(b)
}

func (f *fixture) exists(t *testing.T, bucket, key string) (s3store.ObjectInfo, bool) {
	t.Helper()
	info, err := s3store.New(f.env.Admin.S3).Head(context.Background(), bucket, key)
	if err != nil && !s3store.IsNotFound(err) {
		t.Fatal(err)
	}
	return info, err == nil
}

func (f *fixture) requests(t *testing.T) []pipeline.TranscodeRequest {
	t.Helper()
	var out []pipeline.TranscodeRequest
	for _, m := range f.env.Receive(t, f.cfg.TranscodeQueueURL, 50) {
		var r pipeline.TranscodeRequest
		if err := json.Unmarshal([]byte(*m.Body), &r); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

// handleAll runs one batch of bodies and fails the test, naming each failed message with its
// body and the error the handler logged for it, unless every message is done.
func (f *fixture) handleAll(t *testing.T, h *ingest.Handler, bodies ...string) {
	t.Helper()
	event := awstest.SQSEvent(t, bodies...)
	resp, err := h.Handle(context.Background(), event)
	if err == nil && len(resp.BatchItemFailures) == 0 {
		return
	}
	var why []string
	for _, failure := range resp.BatchItemFailures {
		body := ""
		for _, m := range event.Records {
			if m.MessageId == failure.ItemIdentifier {
				body = m.Body
			}
		}
		why = append(why, fmt.Sprintf("message %s (body %.200q) failed: %s", failure.ItemIdentifier, body, awstest.LoggedError(f.logs.Bytes(), failure.ItemIdentifier)))
	}
	t.Fatalf("Handle = %v; want every message done:\n%s", err, strings.Join(why, "\n"))
}

func read(t *testing.T, k testmedia.Kind) []byte {
	t.Helper()
	b, err := os.ReadFile(testmedia.Path(t, k))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestEveryKindOfMedia(t *testing.T) {
	tests := []struct {
		kind       testmedia.Kind
		filename   string
		wantReason pipeline.Reason // "" means accepted
		wantW      int
		wantH      int
	}{
		{testmedia.Landscape1080p, "landscape.mp4", "", 1920, 1080},
		{testmedia.Portrait1080x1920, "portrait.mp4", "", 1080, 1920},
		{testmedia.Square, "square.m4v", "", 720, 720},
		{testmedia.UHD4K, "uhd.mp4", "", 3840, 2160},
		{testmedia.NoAudio, "silent.mp4", "", 640, 360},
		{testmedia.Rotated90, "phone.MOV", "", 640, 360},
		{testmedia.MKV, "clip.mkv", "", 640, 360},
		{testmedia.WebM, "clip.WebM", "", 320, 240},
		{testmedia.MPEGTS, "broadcast.ts", "", 640, 360},
		{testmedia.MoovAtEnd, "camera.mp4", "", 640, 360},
		{testmedia.WithCaptions, "captioned.mp4", "", 640, 360},
		{testmedia.MXF, "master.mxf", "", 320, 240},
		{testmedia.HEVC, "hevc.mp4", "", 320, 240},
		{testmedia.ProResMOV, "edit.MOV", "", 320, 240},
		{testmedia.Truncated, "interrupted.mp4", pipeline.ReasonTruncated, 0, 0},
		{testmedia.Empty, "empty.mp4", pipeline.ReasonEmpty, 0, 0},
		{testmedia.PNGAsMP4, "picture.mp4", pipeline.ReasonNotVideo, 0, 0},
		{testmedia.AudioOnly, "podcast.mp4", pipeline.ReasonNoVideoTrack, 0, 0},
		{testmedia.AVI, "old.avi", pipeline.ReasonUnsupportedContainer, 0, 0},
		{testmedia.Landscape1080p, "video.txt", stage.ReasonExtension, 0, 0},
	}
	f := newFixture(t)
	h := f.handler()
	for _, tt := range tests {
		t.Run(string(tt.kind)+"/"+tt.filename, func(t *testing.T) {
			data := read(t, tt.kind)
			key := "uploads/acme/" + awstest.UniqueName("u") + "/" + tt.filename
			ev := f.upload(t, key, data)
			f.handleAll(t, h, ev)

			id := pipeline.AssetID(f.cfg.IngestBucket, key, "")
			a, err := f.admin.Get(context.Background(), id)
			if err != nil {
				t.Fatalf("catalog: %v", err)
			}
			if a.Tenant != "acme" || !a.CreatedAt.Equal(f.now) {
				t.Errorf("asset tenant %q created %s, want acme at %s", a.Tenant, a.CreatedAt, f.now)
			}
			_, originalKept := f.exists(t, f.cfg.IngestBucket, key)
			if tt.wantReason == "" {
				if a.Status != pipeline.StatusQueued || a.Probe == nil || a.Probe.Width != tt.wantW || a.Probe.Height != tt.wantH {
					t.Fatalf("asset = %s probe %+v, want queued %dx%d", a.Status, a.Probe, tt.wantW, tt.wantH)
				}
				master, ok := f.exists(t, f.cfg.MastersBucket, id+"/"+tt.filename)
				if !ok || master.Size != int64(len(data)) || a.Source != (pipeline.Object{Bucket: f.cfg.MastersBucket, Key: id + "/" + tt.filename, Size: int64(len(data))}) {
					t.Errorf("master %+v (exists %v), source %+v", master, ok, a.Source)
				}
				if reqs := f.requests(t); len(reqs) != 1 || reqs[0].AssetID != id || reqs[0].Tenant != "acme" {
					t.Errorf("transcode requests = %+v, want one for %s", reqs, id)
				}
				if !originalKept {
					t.Error("the accepted upload was deleted; the ingest bucket's expiry removes it")
				}
				return
			}
			if a.Status != pipeline.StatusRejected || a.FailureCode != string(tt.wantReason) || a.FailureMessage == "" {
				t.Fatalf("asset = %s %q %q, want rejected for %s with a detail", a.Status, a.FailureCode, a.FailureMessage, tt.wantReason)
			}
			qkey := manifest.QuarantinePrefix + strings.TrimPrefix(key, manifest.UploadPrefix)
			q, ok := f.exists(t, f.cfg.IngestBucket, qkey)
			if !ok || q.Size != int64(len(data)) || q.Metadata[stage.MetaReason] != string(tt.wantReason) || q.Metadata[stage.MetaAssetID] != id || q.Metadata["uploaded-by"] != "user-1" || q.ContentType != "video/mp4" {
				t.Errorf("quarantined object %+v (exists %v), want the upload with reason %s", q, ok, tt.wantReason)
			}
			if originalKept {
				t.Error("the rejected upload is still under uploads/; quarantine is a move")
			}
			if a.Source.Key != qkey {
				t.Errorf("source = %+v, want the quarantined object", a.Source)
			}
			if reqs := f.requests(t); len(reqs) != 0 {
				t.Errorf("a rejected upload was sent to transcode: %+v", reqs)
			}
		})
	}
}

func TestProbingReadsRangesNotTheWholeObject(t *testing.T) {
	f := newFixture(t)
	data := read(t, testmedia.UHD4K)
	key := "uploads/acme/u1/uhd.mp4"
	before := len(rec.Calls())
	f.handleAll(t, f.handler(), f.upload(t, key, data))
	gets := 0
	for _, c := range rec.Calls()[before:] {
		if c.Operation == "GetObject" {
			gets++
			if c.Fields["Range"] == "" {
				t.Errorf("GetObject without a Range: %v", c.Fields)
			}
		}
	}
	if gets == 0 {
		t.Error("no ranged GETs recorded")
	}
	if !strings.Contains(f.logs.String(), `"bytesRead"`) {
		t.Errorf("probe log line missing: %s", f.logs.String())
	}
}

func TestDuplicateAndLateEvents(t *testing.T) {
	f := newFixture(t)
	h := f.handler()
	good := f.upload(t, "uploads/acme/u1/a.mp4", read(t, testmedia.Landscape1080p))
	bad := f.upload(t, "uploads/acme/u2/b.mp4", read(t, testmedia.PNGAsMP4))
	f.handleAll(t, h, good, bad, good, bad)
	f.handleAll(t, h, bad, good)

	if reqs := f.requests(t); len(reqs) != 1 {
		t.Errorf("%d transcode requests for one accepted upload delivered 3 times, want 1", len(reqs))
	}
	a, _ := f.admin.Get(context.Background(), pipeline.AssetID(f.cfg.IngestBucket, "uploads/acme/u1/a.mp4", ""))
	if a == nil || a.Status != pipeline.StatusQueued {
		t.Errorf("accepted asset = %+v, want queued", a)
	}
	r, _ := f.admin.Get(context.Background(), pipeline.AssetID(f.cfg.IngestBucket, "uploads/acme/u2/b.mp4", ""))
	if r == nil || r.Status != pipeline.StatusRejected || r.FailureCode != string(pipeline.ReasonNotVideo) {
		t.Errorf("rejected asset = %+v", r)
	}
	if _, ok := f.exists(t, f.cfg.IngestBucket, "quarantine/acme/u2/b.mp4"); !ok {
		t.Error("the quarantined copy is gone after duplicate deliveries")
	}
}

func TestEventsIngestIgnores(t *testing.T) {
	f := newFixture(t)
	h := f.handler()
	data := read(t, testmedia.Landscape1080p)
	quarantineEvent := f.upload(t, "quarantine/acme/u1/x.mp4", data)
	other := strings.Replace(f.event(t, "uploads/acme/u1/y.mp4", 10, "e", ""), f.cfg.IngestBucket, "someone-elses-bucket", 1)
	gone := f.event(t, "uploads/acme/u9/deleted.mp4", 10, "e", "")
	deleted := awstest.ReadFile(t, "s3-object-created.json")
	deleted = strings.Replace(deleted, `"Object Created"`, `"Object Deleted"`, 1)
	f.handleAll(t, h, quarantineEvent, other, gone, deleted, `{"not":"an event"}`, `garbage`)
	if reqs := f.requests(t); len(reqs) != 0 {
		t.Errorf("ignored events produced transcode requests: %+v", reqs)
	}
	if _, ok := f.exists(t, f.cfg.IngestBucket, "quarantine/acme/u1/x.mp4"); !ok {
		t.Error("an object under quarantine/ was touched")
	}
}

func TestInvalidKeyAndLimits(t *testing.T) {
	f := newFixture(t)
	f.cfg.MaxDuration = 500 * time.Millisecond
	h := f.handler()
	cases := map[string]pipeline.Reason{
		"uploads/acme/loose.mp4":   stage.ReasonInvalidKey,
		"uploads/acme/u1/long.mp4": pipeline.ReasonTooLong,
	}
	for key := range cases {
		f.handleAll(t, h, f.upload(t, key, read(t, testmedia.Landscape1080p)))
	}
	f.cfg.MaxDuration, f.cfg.MaxUploadBytes = time.Hour, 1000
	f.handleAll(t, f.handler(), f.upload(t, "uploads/acme/u2/big.mp4", read(t, testmedia.Landscape1080p)))
	cases["uploads/acme/u2/big.mp4"] = pipeline.ReasonTooLarge
	for key, want := range cases {
		a, err := f.admin.Get(context.Background(), pipeline.AssetID(f.cfg.IngestBucket, key, ""))
		if err != nil || a.Status != pipeline.StatusRejected || a.FailureCode != string(want) {
			t.Errorf("%s: %+v %v, want rejected %s", key, a, err, want)
		}
	}
}

func TestURLEncodedKey(t *testing.T) {
	f := newFixture(t)
	key := "uploads/acme/u1/My Holiday (1).MOV"
	f.upload(t, key, read(t, testmedia.Landscape1080p))
	encoded := "uploads/acme/u1/My+Holiday+%281%29.MOV"
	f.handleAll(t, f.handler(), f.event(t, encoded, 1, "", ""))
	a, err := f.admin.Get(context.Background(), pipeline.AssetID(f.cfg.IngestBucket, encoded, ""))
	if err != nil || a.Status != pipeline.StatusQueued || path.Base(a.Source.Key) != "My Holiday (1).MOV" {
		t.Errorf("asset = %+v, %v; want the decoded key's file accepted", a, err)
	}
}

func TestTransientS3ErrorsAreRetriedNotQuarantined(t *testing.T) {
	f := newFixture(t)
	key := "uploads/acme/u1/a.mp4"
	ev := f.upload(t, key, read(t, testmedia.MoovAtEnd))
	f.failGets.Store(1)
	event := awstest.SQSEvent(t, ev)
	resp, err := f.handler().Handle(context.Background(), event)
	if err != nil || len(resp.BatchItemFailures) != 1 || resp.BatchItemFailures[0].ItemIdentifier != event.Records[0].MessageId {
		t.Fatalf("Handle = %+v, %v; want the message retried", resp, err)
	}
	if _, ok := f.exists(t, f.cfg.IngestBucket, "quarantine/acme/u1/a.mp4"); ok {
		t.Fatal("a good upload was quarantined because S3 throttled a read")
	}
	if _, err := f.admin.Get(context.Background(), pipeline.AssetID(f.cfg.IngestBucket, key, "")); err == nil {
		t.Fatal("the catalog recorded a verdict for an upload that could not be read")
	}
	f.handleAll(t, f.handler(), ev)
	if a, err := f.admin.Get(context.Background(), pipeline.AssetID(f.cfg.IngestBucket, key, "")); err != nil || a.Status != pipeline.StatusQueued {
		t.Errorf("after redelivery: %+v, %v; want queued", a, err)
	}
}

func TestLoadConfig(t *testing.T) {
	valid := map[string]string{
		"INGEST_BUCKET": "ingest", "MASTERS_BUCKET": "masters", "CATALOG_TABLE": "catalog",
		"TRANSCODE_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/1/transcode", "MAX_DURATION": "7200", "MAX_UPLOAD_BYTES": "1000000",
	}
	awstest.CheckEnv(t, manifest.Ingest, func(getenv func(string) string) error {
		_, err := ingest.LoadConfig(getenv)
		return err
	}, valid)
	awstest.CheckEnvRejects(t, func(getenv func(string) string) error {
		_, err := ingest.LoadConfig(getenv)
		return err
	}, valid, [][2]string{{"MAX_DURATION", "0"}, {"MAX_UPLOAD_BYTES", "6000000000"}})
}

func TestEventForAnOverwrittenObjectIsDropped(t *testing.T) {
	f := newFixture(t)
	key := "uploads/acme/u1/reused.mp4"
	_, err := f.env.Admin.S3.PutBucketVersioning(context.Background(), &s3.PutBucketVersioningInput{
		Bucket: aws.String(f.cfg.IngestBucket), VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled},
	})
	if err != nil {
		t.Fatal(err)
	}
	first := f.upload(t, key, read(t, testmedia.PNGAsMP4))
	second := f.upload(t, key, read(t, testmedia.Landscape1080p))
	// Delivered out of order: the newer event first, the stale one after.
	f.handleAll(t, f.handler(), second, first)

	var ids []string
	for _, ev := range []string{first, second} {
		var e struct {
			Detail struct {
				Object struct {
					Version string `json:"version-id"`
				} `json:"object"`
			} `json:"detail"`
		}
		json.Unmarshal([]byte(ev), &e)
		ids = append(ids, pipeline.AssetID(f.cfg.IngestBucket, key, e.Detail.Object.Version))
	}
	if ids[0] == ids[1] {
		t.Fatal("both versions got the same asset id; is versioning on?")
	}
	if _, err := f.admin.Get(context.Background(), ids[0]); err == nil {
		t.Error("the overwritten version got an asset")
	}
	if a, err := f.admin.Get(context.Background(), ids[1]); err != nil || a.Status != pipeline.StatusQueued {
		t.Errorf("current version: %+v, %v; want queued", a, err)
	}
	if _, ok := f.exists(t, f.cfg.IngestBucket, "quarantine/acme/u1/reused.mp4"); ok {
		t.Error("the current, valid object was quarantined because of the stale event")
	}
}

// TestOverwriteOfARejectedUploadIsNotDeleted: without versioning, a second PUT to the key of a
// rejected upload has the same asset id, so its event looks like a redelivery of the first; the
// move's catch-up delete must remove only the quarantined object, never the new one unseen.
func TestOverwriteOfARejectedUploadIsNotDeleted(t *testing.T) {
	f := newFixture(t)
	h := f.handler()
	key := "uploads/acme/u1/retry.mp4"
	f.handleAll(t, h, f.upload(t, key, read(t, testmedia.PNGAsMP4)))
	if _, ok := f.exists(t, f.cfg.IngestBucket, key); ok {
		t.Fatal("the rejected upload was not moved")
	}

	video := read(t, testmedia.Landscape1080p)
	second := f.upload(t, key, video)
	f.handleAll(t, h, second, second)
	info, ok := f.exists(t, f.cfg.IngestBucket, key)
	if !ok || info.Size != int64(len(video)) {
		t.Fatalf("the object overwriting a rejected upload: exists %v size %d, want kept with %d bytes", ok, info.Size, len(video))
	}
	if q, ok := f.exists(t, f.cfg.IngestBucket, manifest.QuarantinePrefix+"acme/u1/retry.mp4"); !ok || q.Size != int64(len(read(t, testmedia.PNGAsMP4))) {
		t.Errorf("quarantined object %+v (exists %v), want the rejected PNG", q, ok)
	}
	if !strings.Contains(f.logs.String(), "holds another object") {
		t.Errorf("no warning about the overwrite in the log: %s", f.logs.String())
	}
}
