package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ottkit/ottkit/functions/pipeline"
	"github.com/ottkit/ottkit/functions/stages/api"
	"github.com/ottkit/ottkit/functions/stages/stagetest"
)

type fixture struct {
	store   *stagetest.ObjectStore
	catalog *stagetest.Catalog
	uploads *stagetest.UploadSigner
	signer  *stagetest.PlaybackSigner
	h       *api.Handler
	now     time.Time
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{catalog: stagetest.NewCatalog(), signer: &stagetest.PlaybackSigner{}, now: time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC)}
	f.store = stagetest.NewObjectStore()
	f.uploads = stagetest.NewUploadSigner(f.store)
	t.Cleanup(f.uploads.Close)
	f.uploads.Now = func() time.Time { return f.now }
	f.h = api.New(api.Config{IngestBucket: "ingest", PlaybackDomain: "media.example.com", PlaybackTTL: 10 * time.Minute, UploadTTL: 15 * time.Minute, MaxUploadBytes: 1 << 30},
		f.uploads, f.catalog, f.signer, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	f.h.Now = func() time.Time { return f.now }
	f.h.NewID = func() string { return "0b9f7c2e-1111-4222-8333-444455556666" }
	return f
}

var (
	uploader = &api.Caller{Subject: "u1", Tenant: "acme", Roles: []string{"viewer", api.RoleUploader}}
	viewer   = &api.Caller{Subject: "u2", Tenant: "acme", Roles: []string{"viewer"}}
	globex   = &api.Caller{Subject: "u3", Tenant: "globex", Roles: []string{api.RoleUploader}}
)

func (f *fixture) serve(method, path, body string, c *api.Caller) (api.Response, map[string]any) {
	path, query, _ := strings.Cut(path, "?")
	q := map[string]string{}
	for _, kv := range strings.Split(query, "&") {
		if k, v, ok := strings.Cut(kv, "="); ok {
			q[k] = v
		}
	}
	resp := f.h.Serve(context.Background(), api.Request{Method: method, Path: path, Query: q, Body: []byte(body), Caller: c})
	var out map[string]any
	_ = json.Unmarshal(resp.Body, &out)
	return resp, out
}

func (f *fixture) seed(id, tenant string, status pipeline.Status) {
	l := pipeline.LayoutFor(id)
	a := &pipeline.Asset{ID: id, Tenant: tenant, Status: status, CreatedAt: f.now, UpdatedAt: f.now,
		Source: pipeline.Object{Bucket: "masters", Key: id + "/clip.mp4"}}
	if status == pipeline.StatusReady {
		a.HLS, a.DASH, a.Poster = l.HLS, l.DASH, l.PosterKey(0)
	}
	if status == pipeline.StatusFailed {
		a.FailureCode, a.FailureMessage = "1010", "Unable to open input file [s3://ottkit-masters/"+id+"/clip.mp4]; also gs://bucket/obj and projects/p/locations/l/jobs/j"
	}
	f.catalog.Put(a)
}

func TestAuthentication(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct {
		name   string
		method string
		path   string
		caller *api.Caller
		status int
		code   string
	}{
		{"no token", "GET", "/assets", nil, 401, api.CodeUnauthorized},
		{"no subject", "GET", "/assets", &api.Caller{Tenant: "acme"}, 401, api.CodeUnauthorized},
		{"no tenant", "GET", "/assets", &api.Caller{Subject: "u"}, 403, api.CodeForbidden},
		{"tenant that is not a key segment", "GET", "/assets", &api.Caller{Subject: "u", Tenant: "acme/../globex"}, 403, api.CodeForbidden},
		{"upload without the role", "POST", "/uploads", viewer, 403, api.CodeForbidden},
		{"unknown path", "GET", "/nope", uploader, 404, api.CodeNotFound},
		{"wrong method", "DELETE", "/assets", uploader, 405, api.CodeMethodNotAllowed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := f.serve(tc.method, tc.path, `{"filename":"a.mp4","size":10,"contentType":"video/mp4"}`, tc.caller)
			if resp.Status != tc.status || body["error"] != tc.code {
				t.Errorf("%s %s = %d %v, want %d %s", tc.method, tc.path, resp.Status, body, tc.status, tc.code)
			}
		})
	}
	if resp, _ := f.serve("DELETE", "/assets", "", uploader); resp.Headers["Allow"] != "GET" {
		t.Errorf("405 Allow = %q, want GET", resp.Headers["Allow"])
	}
}

func TestCreateUpload(t *testing.T) {
	f := newFixture(t)
	resp, body := f.serve("POST", "/uploads", `{"filename":"../My Clip.mp4","size":1000,"contentType":"video/mp4"}`, uploader)
	if resp.Status != 201 || body["key"] != "uploads/acme/0b9f7c2e-1111-4222-8333-444455556666/My_Clip.mp4" || body["method"] != "PUT" || body["url"] == "" {
		t.Fatalf("single upload = %d %v, want 201 with the tenant-scoped key and a PUT", resp.Status, body)
	}
	if h, _ := body["headers"].(map[string]any); h["Content-Length"] != "1000" {
		t.Errorf("single upload headers %v, want the declared Content-Length 1000 signed", body["headers"])
	}
	f.h.MultipartThreshold, f.h.MinPartSize = 100, 1<<20
	const size = 2<<20 + 5 // two parts of 1 MiB and 5 bytes
	resp, body = f.serve("POST", "/uploads", fmt.Sprintf(`{"filename":"big.mp4","size":%d,"contentType":"video/mp4"}`, size), uploader)
	mp, _ := body["multipart"].(map[string]any)
	if resp.Status != 201 || mp == nil || len(mp["parts"].([]any)) != 3 || mp["partSize"] != float64(1<<20) {
		t.Fatalf("multipart upload = %d %v, want 3 parts of 1 MiB", resp.Status, body)
	}
	bodies := []string{strings.Repeat("1", 1<<20), strings.Repeat("2", 1<<20), "three"}
	// Each part carries the headers its URL was signed with (GCS signs the part's length as
	// x-goog-content-length-range, which a client must then send).
	for i, p := range mp["parts"].([]any) {
		h, _ := p.(map[string]any)["headers"].(map[string]any)
		if want := fmt.Sprint(len(bodies[i])); h["Content-Length"] != want {
			t.Errorf("part %d headers %v, want the signed Content-Length %s", i+1, h, want)
		}
	}
	put := func(i int, b string) (*http.Response, error) {
		req, _ := http.NewRequest(http.MethodPut, mp["parts"].([]any)[i].(map[string]any)["url"].(string), strings.NewReader(b))
		return f.uploads.Client().Do(req)
	}
	// Every part's length is signed: the last part cannot carry the gigabytes the first two
	// did not declare.
	if resp, err := put(2, "three and much more"); err != nil || resp.StatusCode == 200 {
		t.Fatalf("an oversized last part was accepted: %v, %v", resp, err)
	}
	// The client uploads each part to its signed URL and reports the ETags.
	var parts []string
	for i, b := range bodies {
		resp, err := put(i, b)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("part %d PUT = %v, %v", i+1, resp, err)
		}
		resp.Body.Close()
		parts = append(parts, fmt.Sprintf(`{"partNumber":%d,"etag":%q}`, i+1, resp.Header.Get("ETag")))
	}
	key := `"key":"uploads/acme/0b9f7c2e-1111-4222-8333-444455556666/big.mp4","uploadId":"` + mp["uploadId"].(string) + `"`
	// The parts are checked against what the store holds before anything is assembled.
	for _, bad := range []string{
		`{` + key + `,"parts":[` + strings.Join(parts[:2], ",") + `]}`,
		`{` + key + `,"parts":[` + parts[0] + `,` + parts[1] + `,{"partNumber":3,"etag":"\"0123456789abcdef0123456789abcdef\""}]}`,
	} {
		if resp, body := f.serve("POST", "/uploads/complete", bad, uploader); resp.Status != 400 || body["error"] != api.CodeBadRequest {
			t.Errorf("completing with %s = %d %v, want 400", bad, resp.Status, body)
		}
	}
	if _, done := f.uploads.Completed(mp["uploadId"].(string)); done {
		t.Fatal("a refused completion assembled the upload")
	}
	complete := `{"key":"uploads/acme/0b9f7c2e-1111-4222-8333-444455556666/big.mp4","uploadId":"` + mp["uploadId"].(string) + `","parts":[` + strings.Join(parts, ",") + `]}`
	if resp, body := f.serve("POST", "/uploads/complete", complete, globex); resp.Status != 400 {
		t.Errorf("another tenant completing the upload = %d %v, want 400", resp.Status, body)
	}
	if resp, body := f.serve("POST", "/uploads/complete", complete, uploader); resp.Status != 200 {
		t.Fatalf("complete = %d %v", resp.Status, body)
	}
	if got, ok := f.store.Bytes("ingest", "uploads/acme/0b9f7c2e-1111-4222-8333-444455556666/big.mp4"); !ok || string(got) != strings.Join(bodies, "") {
		t.Errorf("the store assembled %q (%v), want the three parts in order", got, ok)
	}
	if resp, body := f.serve("POST", "/uploads/complete", complete, uploader); resp.Status != 404 || body["error"] != api.CodeNotFound {
		t.Errorf("completing it again = %d %v, want 404 (no such upload)", resp.Status, body)
	}
	// Another multipart upload onto the key that now holds the file (here the same upload id
	// again) uploads its parts but cannot complete: one key, one object.
	resp, body = f.serve("POST", "/uploads", fmt.Sprintf(`{"filename":"big.mp4","size":%d,"contentType":"video/mp4"}`, size), uploader)
	if mp, _ = body["multipart"].(map[string]any); resp.Status != 201 || mp == nil {
		t.Fatalf("second multipart upload = %d %v", resp.Status, body)
	}
	parts = parts[:0]
	for i, b := range bodies {
		resp, err := put(i, b)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("second upload's part %d PUT = %v, %v", i+1, resp, err)
		}
		resp.Body.Close()
		parts = append(parts, fmt.Sprintf(`{"partNumber":%d,"etag":%q}`, i+1, resp.Header.Get("ETag")))
	}
	again := `{"key":"uploads/acme/0b9f7c2e-1111-4222-8333-444455556666/big.mp4","uploadId":"` + mp["uploadId"].(string) + `","parts":[` + strings.Join(parts, ",") + `]}`
	if resp, body := f.serve("POST", "/uploads/complete", again, uploader); resp.Status != 409 || body["error"] != api.CodeConflict {
		t.Errorf("completing onto an existing file = %d %v, want 409 conflict", resp.Status, body)
	}
	for _, bad := range []string{`{"filename":"a.mp4","size":0}`, `{"filename":"","size":5}`, `{"filename":"a.mp4","size":5,"contentType":"<script>"}`, `{"filename":"a.mp4","size":5,"extra":1}`, `not json`} {
		if resp, _ := f.serve("POST", "/uploads", bad, uploader); resp.Status != 400 {
			t.Errorf("POST /uploads %s = %d, want 400", bad, resp.Status)
		}
	}
	if resp, _ := f.serve("POST", "/uploads", `{"filename":"a.mp4","size":2000000000}`, uploader); resp.Status != 413 {
		t.Errorf("an upload above MaxUploadBytes = %d, want 413", resp.Status)
	}
	if resp, _ := f.serve("POST", "/uploads", strings.Repeat(" ", api.MaxBody+1), uploader); resp.Status != 413 {
		t.Errorf("a body above MaxBody = %d, want 413", resp.Status)
	}
}

func TestTenantScoping(t *testing.T) {
	f := newFixture(t)
	f.seed("acmeready", "acme", pipeline.StatusReady)
	f.seed("globexready", "globex", pipeline.StatusReady)
	for _, path := range []string{"/assets/globexready", "/assets/nosuchasset"} {
		if resp, body := f.serve("GET", path, "", viewer); resp.Status != 404 || body["message"] != "no such asset" {
			t.Errorf("GET %s as acme = %d %v, want the same 404 for another tenant's and a missing asset", path, resp.Status, body)
		}
	}
	if resp, _ := f.serve("POST", "/assets/globexready/playback", "", viewer); resp.Status != 404 || len(resp.Cookies) != 0 {
		t.Errorf("playback of another tenant's asset = %d with %d cookies, want 404 and none", resp.Status, len(resp.Cookies))
	}
	resp, body := f.serve("GET", "/assets?limit=10", "", viewer)
	assets, _ := body["assets"].([]any)
	if resp.Status != 200 || len(assets) != 1 || assets[0].(map[string]any)["id"] != "acmeready" {
		t.Errorf("GET /assets as acme = %d %v, want only acme's asset", resp.Status, body)
	}
	if resp, _ := f.serve("GET", "/assets?limit=0", "", viewer); resp.Status != 400 {
		t.Errorf("limit=0 = %d, want 400", resp.Status)
	}
	if resp, body := f.serve("GET", "/assets?next=forged", "", viewer); resp.Status != 400 || body["error"] != api.CodeBadRequest {
		t.Errorf("a forged page token = %d %v, want 400", resp.Status, body)
	}
}

func TestPlayback(t *testing.T) {
	f := newFixture(t)
	f.seed("ready1", "acme", pipeline.StatusReady)
	f.seed("busy1", "acme", pipeline.StatusTranscoding)
	resp, body := f.serve("POST", "/assets/ready1/playback", "", viewer)
	if resp.Status != 200 || body["hls"] != "https://media.example.com/assets/ready1/index.m3u8" || body["expiresAt"] != "2026-05-06T07:18:09Z" {
		t.Fatalf("playback = %d %v, want the HLS URL and expiry 10 minutes on", resp.Status, body)
	}
	if err := f.signer.Verify(resp.Cookies, "/assets/ready1/index.m3u8", f.now); err != nil {
		t.Errorf("the cookies do not grant the asset's playlist: %v", err)
	}
	// A native player without a cookie jar gets the same cookies in the body.
	var inBody []*http.Cookie
	for _, c := range body["cookies"].([]any) {
		c := c.(map[string]any)
		inBody = append(inBody, &http.Cookie{Name: c["name"].(string), Value: c["value"].(string), Path: c["path"].(string)})
	}
	if len(inBody) != len(resp.Cookies) || len(inBody) == 0 {
		t.Fatalf("body cookies %v, want the %d Set-Cookie cookies", body["cookies"], len(resp.Cookies))
	}
	for i, c := range resp.Cookies {
		if inBody[i].Name != c.Name || inBody[i].Value != c.Value || inBody[i].Path != c.Path {
			t.Errorf("body cookie %d = %+v, want %s=%s for %s", i, inBody[i], c.Name, c.Value, c.Path)
		}
	}
	if err := f.signer.Verify(inBody, "/assets/ready1/index.m3u8", f.now); err != nil {
		t.Errorf("the body's cookies do not grant the asset's playlist: %v", err)
	}
	if err := f.signer.Verify(resp.Cookies, "/assets/other/index.m3u8", f.now); err == nil {
		t.Error("the cookies grant another asset")
	}
	if err := f.signer.Verify(resp.Cookies, "/assets/ready1/index.m3u8", f.now.Add(10*time.Minute)); err == nil {
		t.Error("the cookies work after the playback TTL")
	}
	if resp, body := f.serve("POST", "/assets/busy1/playback", "", viewer); resp.Status != 409 || body["error"] != api.CodeNotReady || len(resp.Cookies) != 0 {
		t.Errorf("playback of a transcoding asset = %d %v, want 409 and no cookies", resp.Status, body)
	}
	f.signer.Fail("Sign", 1)
	if resp, body := f.serve("POST", "/assets/ready1/playback", "", viewer); resp.Status != 500 || body["message"] != "internal error" || len(resp.Cookies) != 0 {
		t.Errorf("a failing signer = %d %v, want an opaque 500", resp.Status, body)
	}
}

// TestRedactLocations: every form in which a transcoder's or a store's error text names the
// platform's insides is gone from what clients see; the explanation stays.
func TestRedactLocations(t *testing.T) {
	for _, leak := range []string{
		"s3://ottkit-masters/a1/clip.mp4",
		"https://acme-prod-storage-masters-123456789012.s3.eu-west-1.amazonaws.com/a1/clip.mp4",
		"https://s3.eu-west-1.amazonaws.com/acme-prod-storage-delivery-123456789012/assets/a1/",
		"acme-prod-storage-ingest-123456789012.s3.amazonaws.com",
		"arn:aws:iam::123456789012:role/acme-prod-transcoder-role",
		"arn:aws-cn:s3:::bucket/key",
		"arn:aws-us-gov:kms:us-gov-west-1:123456789012:key/1234",
		"assumed-role/acme-prod-fn-api-role/session",
		"role/acme-prod-transcoder-role",
		"account 123456789012",
		"gs://bucket/obj",
		"projects/p/locations/l/jobs/j",
		"https://storage.googleapis.com/bucket/obj",
	} {
		msg := "Access denied for " + leak + " while reading the input"
		got := api.RedactForTest(msg)
		for _, secret := range []string{"123456789012", "ottkit-masters", "acme-prod", "bucket/", "amazonaws", "googleapis", "projects/p"} {
			if strings.Contains(got, secret) {
				t.Errorf("redact(%q) = %q still holds %q", msg, got, secret)
			}
		}
		if !strings.HasPrefix(got, "Access denied for ") || !strings.HasSuffix(got, " while reading the input") {
			t.Errorf("redact(%q) = %q lost the explanation", msg, got)
		}
	}
	if got := api.RedactForTest("The input has 2 audio tracks; 1080 px is the limit"); got != "The input has 2 audio tracks; 1080 px is the limit" {
		t.Errorf("an explanation without locations changed: %q", got)
	}
}

func TestFailedAssetHidesStorageLocations(t *testing.T) {
	f := newFixture(t)
	f.seed("bad1", "acme", pipeline.StatusFailed)
	_, body := f.serve("GET", "/assets/bad1", "", viewer)
	msg, _ := body["failureMessage"].(string)
	if !strings.Contains(msg, "Unable to open input file") || strings.Contains(msg, "ottkit-masters") || strings.Contains(msg, "gs://bucket") || strings.Contains(msg, "projects/p") {
		t.Errorf("failureMessage = %q, want the explanation without storage locations", msg)
	}
}

func TestErrorResponse(t *testing.T) {
	resp := api.ErrorResponse(400, api.CodeBadRequest, "body is not valid base64")
	if resp.Status != 400 || resp.Headers["Content-Type"] != "application/json" || string(resp.Body) != `{"error":"bad-request","message":"body is not valid base64"}` {
		t.Errorf("ErrorResponse = %d %v %s", resp.Status, resp.Headers, resp.Body)
	}
}

// TestEdgeHostURLs: on a stack with an edge, a request that came through the edge gets asset
// URLs on the edge's host (where its host-only cookies are stored); any other host, forged or
// not, gets the CDN's.
func TestEdgeHostURLs(t *testing.T) {
	f := newFixture(t)
	f.h = api.New(api.Config{IngestBucket: "ingest", PlaybackDomain: "d111.cloudfront.net", EdgeDomain: "media.example.com", PlaybackTTL: 10 * time.Minute, UploadTTL: 15 * time.Minute, MaxUploadBytes: 1 << 30},
		f.uploads, f.catalog, f.signer, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	f.h.Now = func() time.Time { return f.now }
	f.seed("ready1", "acme", pipeline.StatusReady)
	for host, want := range map[string]string{
		"media.example.com": "https://media.example.com/assets/ready1/",
		"MEDIA.example.com": "https://media.example.com/assets/ready1/",
		"":                  "https://d111.cloudfront.net/assets/ready1/",
		"evil.example.net":  "https://d111.cloudfront.net/assets/ready1/",
	} {
		for _, r := range []struct{ method, path, field string }{
			{"POST", "/assets/ready1/playback", "hls"},
			{"GET", "/assets/ready1", "dash"},
			{"GET", "/assets", ""},
		} {
			resp := f.h.Serve(context.Background(), api.Request{Method: r.method, Path: r.path, Caller: viewer, Host: host})
			var body map[string]any
			_ = json.Unmarshal(resp.Body, &body)
			if r.field == "" {
				body = body["assets"].([]any)[0].(map[string]any)
				r.field = "poster"
			}
			if got, _ := body[r.field].(string); resp.Status != 200 || !strings.HasPrefix(got, want) {
				t.Errorf("Host %q, %s %s: %d %s = %q, want under %s", host, r.method, r.path, resp.Status, r.field, got, want)
			}
		}
	}
}
