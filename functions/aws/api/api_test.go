package api_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/ottkit/ottkit/functions/aws/api"
	"github.com/ottkit/ottkit/functions/aws/awstest"
	"github.com/ottkit/ottkit/functions/aws/catalog"
	"github.com/ottkit/ottkit/functions/aws/lambdalog"
	"github.com/ottkit/ottkit/functions/aws/manifest"
	"github.com/ottkit/ottkit/functions/aws/playback"
	"github.com/ottkit/ottkit/functions/aws/s3store"
	"github.com/ottkit/ottkit/functions/pipeline"
	stage "github.com/ottkit/ottkit/functions/stages/api"
)

// rec records every AWS call of every test in this package; TestMain checks it against the
// manifest's permissions for the api function.
var rec = awstest.NewRecorder()

func TestMain(m *testing.M) {
	// The api of a stack with a Cloudflare edge and edge sessions is the superset;
	// TestEdgeToken and TestEdgeSessions use their parts.
	os.Exit(awstest.Main(m, awstest.CheckPermissions(rec, manifest.API.With(manifest.EdgeToken, manifest.EdgeSessions))))
}

var signingKey = func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
}()

func secretValue() string {
	b, _ := json.Marshal(map[string]string{
		"keyPairId":  "K2JCJMDEHXQW5F",
		"privateKey": string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(signingKey)})),
	})
	return string(b)
}

type fixture struct {
	env     *awstest.Env
	h       *api.Handler
	bucket  string
	catalog *catalog.Table
	logs    *bytes.Buffer
	now     time.Time
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	env := awstest.NewEnv(t, rec)
	f := &fixture{env: env, bucket: env.Bucket(t, manifest.IngestBucket), logs: &bytes.Buffer{}, now: time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC)}
	table := env.CatalogTable(t)
	_, secretARN := env.Secret(t, secretValue())
	cfg := api.Config{
		IngestBucket: f.bucket, CatalogTable: table, SigningSecretARN: secretARN,
		PlaybackDomain: "media.example.com", PlaybackTTL: 10 * time.Minute, UploadTTL: 15 * time.Minute,
		MaxUploadBytes: 1 << 30, TenantClaim: "custom:tenant", RolesClaim: "cognito:groups", // the fixture's Cognito token
	}
	// Seeding goes through the admin client so it is not counted as the handler's access.
	f.catalog = catalog.New(env.Admin.DynamoDB, table)
	f.h = api.New(cfg, s3store.New(env.S3), catalog.New(env.DynamoDB, table), playback.NewSigner(playback.NewSecretKeys(env.SecretsManager, secretARN), cfg.PlaybackDomain),
		lambdalog.New(f.logs, slog.LevelInfo))
	f.h.Stage.Now = func() time.Time { return f.now }
	f.h.Stage.NewID = func() string { return "0b9f7c2e-1111-4222-8333-444455556666" }
	return f
}

// request loads the API Gateway v2 JWT-authorizer fixture (from aws-lambda-go's testdata) and
// sets the method, path, body and claims; nil claims removes the authorizer.
func request(t testing.TB, method, path, body string, claims map[string]string) events.APIGatewayV2HTTPRequest {
	t.Helper()
	b, err := os.ReadFile("testdata/apigw-v2-request-jwt-authorizer.json")
	if err != nil {
		t.Fatal(err)
	}
	var req events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(b, &req); err != nil {
		t.Fatal(err)
	}
	path, query, _ := strings.Cut(path, "?")
	req.RawPath, req.RequestContext.HTTP.Path, req.RequestContext.HTTP.Method = path, path, method
	req.RawQueryString = query
	req.QueryStringParameters = map[string]string{}
	for _, kv := range strings.Split(query, "&") {
		if k, v, ok := strings.Cut(kv, "="); ok {
			req.QueryStringParameters[k] = v
		}
	}
	req.Body = body
	switch {
	case claims == nil:
		req.RequestContext.Authorizer = nil
	case len(claims) > 0:
		req.RequestContext.Authorizer.JWT.Claims = claims
	}
	if req.RequestContext.Authorizer != nil {
		req.Headers["authorization"] = "Bearer " + tokenFor(t, unrender(req.RequestContext.Authorizer.JWT.Claims))
	}
	return req
}

// unrender turns claims as API Gateway renders them back into a token payload: "[a b]" is the
// list a, b.
func unrender(claims map[string]string) map[string]any {
	out := map[string]any{}
	for k, v := range claims {
		if strings.HasPrefix(v, "[") && strings.HasSuffix(v, "]") {
			list := []any{}
			for _, s := range strings.Fields(v[1 : len(v)-1]) {
				list = append(list, s)
			}
			out[k] = list
			continue
		}
		out[k] = v
	}
	return out
}

// tokenFor is a JWT with payload; its signature is not checked by the function (API Gateway's
// authorizer checks it), so the test signs nothing.
func tokenFor(t testing.TB, payload map[string]any) string {
	t.Helper()
	b, err := json.Marshal(payload)
	if err != nil {
		t.Fatal(err)
	}
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"RS256","kid":"test"}`)) + "." + enc(b) + ".c2lnbmF0dXJl"
}

var (
	uploader = map[string]string{}                                                                 // the fixture's claims: acme, [uploader viewer]
	viewer   = map[string]string{"sub": "v1", "custom:tenant": "acme", "cognito:groups": "viewer"} // acme, no uploader role
	stranger = map[string]string{"sub": "s1", "custom:tenant": "globex", "cognito:groups": "[uploader]"}
)

func (f *fixture) do(t *testing.T, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, map[string]any) {
	t.Helper()
	ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "req-" + t.Name()})
	resp, err := f.h.Handle(ctx, req)
	if err != nil {
		t.Fatalf("Handle returned an error: %v", err)
	}
	var body map[string]any
	if err := json.Unmarshal([]byte(resp.Body), &body); err != nil {
		t.Fatalf("body %q is not a JSON object: %v", resp.Body, err)
	}
	if ct := resp.Headers["Content-Type"]; ct != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	return resp, body
}

func wantError(t *testing.T, resp events.APIGatewayV2HTTPResponse, body map[string]any, status int, code string) {
	t.Helper()
	if resp.StatusCode != status || body["error"] != code || body["message"] == "" {
		t.Errorf("got %d %v, want %d with error %q and a message", resp.StatusCode, body, status, code)
	}
}

func (f *fixture) seed(t *testing.T, id, tenant string, status pipeline.Status, created time.Time) *pipeline.Asset {
	t.Helper()
	a := &pipeline.Asset{
		ID: id, Tenant: tenant, Status: status, CreatedAt: created, UpdatedAt: created,
		Source: pipeline.Object{Bucket: "secret-masters-bucket", Key: id + "/in.mp4", Size: 10},
		Probe:  &pipeline.ProbeSummary{Container: "mp4", DurationSeconds: 12.5, Width: 1920, Height: 1080, Codec: "h264"},
		JobID:  "job-internal",
	}
	if status == pipeline.StatusReady {
		l := pipeline.LayoutFor(id)
		a.HLS, a.DASH, a.Poster = l.HLS, l.DASH, l.PosterKey(12*time.Second)
		a.Thumbnails = []string{l.ThumbnailKey(0), l.ThumbnailKey(1)}
		a.Renditions = []pipeline.Rendition{{Width: 1920, Height: 1080, MaxBitrate: 6_000_000}}
	}
	if err := f.catalog.Create(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	return a
}

func TestCreateUploadSinglePut(t *testing.T) {
	f := newFixture(t)
	resp, body := f.do(t, request(t, "POST", "/uploads", `{"filename":"C:\\clips\\My Holiday (1).MOV","size":11,"contentType":"video/quicktime"}`, uploader))
	if resp.StatusCode != 201 {
		t.Fatalf("status %d %v, want 201", resp.StatusCode, body)
	}
	wantKey := "uploads/acme/0b9f7c2e-1111-4222-8333-444455556666/My_Holiday__1_.MOV"
	if body["key"] != wantKey || body["method"] != "PUT" || body["uploadId"] != "0b9f7c2e-1111-4222-8333-444455556666" {
		t.Errorf("body = %v, want key %s and method PUT", body, wantKey)
	}
	if body["expiresAt"] != "2026-05-06T07:23:09Z" {
		t.Errorf("expiresAt = %v, want now + UPLOAD_TTL", body["expiresAt"])
	}
	headers := body["headers"].(map[string]any)
	if headers["Content-Type"] != "video/quicktime" {
		t.Errorf("signed headers = %v, want the content type", headers)
	}
	put, _ := http.NewRequest("PUT", body["url"].(string), strings.NewReader("hello movie"))
	put.Header.Set("Content-Type", "video/quicktime")
	res, err := http.DefaultClient.Do(put)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("PUT to the presigned URL: %v %v", err, res)
	}
	res.Body.Close()
	if info, err := s3store.New(f.env.Admin.S3).Head(context.Background(), f.bucket, wantKey); err != nil || info.Size != 11 {
		t.Errorf("uploaded object = %+v, %v", info, err)
	}
}

func TestCreateUploadMultipart(t *testing.T) {
	f := newFixture(t)
	f.h.Stage.MultipartThreshold, f.h.Stage.MinPartSize = 1<<20, 5<<20
	size := int64(6 << 20)
	resp, body := f.do(t, request(t, "POST", "/uploads", `{"filename":"big.mp4","size":6291456}`, uploader))
	if resp.StatusCode != 201 {
		t.Fatalf("status %d %v", resp.StatusCode, body)
	}
	mp, ok := body["multipart"].(map[string]any)
	if !ok || body["url"] != nil {
		t.Fatalf("body = %v, want a multipart upload and no single URL", body)
	}
	parts := mp["parts"].([]any)
	if mp["partSize"] != float64(5<<20) || len(parts) != 2 {
		t.Fatalf("multipart = %v, want 2 parts of 5 MiB", mp)
	}
	data := bytes.Repeat([]byte{7}, int(size))
	var done []map[string]any
	for i, p := range parts {
		part := p.(map[string]any)
		lo := int64(i) * (5 << 20)
		hi := min(lo+(5<<20), size)
		r, _ := http.NewRequest("PUT", part["url"].(string), bytes.NewReader(data[lo:hi]))
		res, err := http.DefaultClient.Do(r)
		if err != nil || res.StatusCode != 200 {
			t.Fatalf("PUT part %v: %v %v", part["partNumber"], err, res)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		done = append(done, map[string]any{"partNumber": part["partNumber"], "etag": res.Header.Get("ETag")})
	}
	complete, _ := json.Marshal(map[string]any{"key": body["key"], "uploadId": mp["uploadId"], "parts": done})

	t.Run("another tenant cannot complete it", func(t *testing.T) {
		resp, b := f.do(t, request(t, "POST", "/uploads/complete", string(complete), stranger))
		wantError(t, resp, b, 400, stage.CodeBadRequest)
	})
	t.Run("owner completes it", func(t *testing.T) {
		resp, b := f.do(t, request(t, "POST", "/uploads/complete", string(complete), uploader))
		if resp.StatusCode != 200 || b["key"] != body["key"] {
			t.Fatalf("complete: %d %v", resp.StatusCode, b)
		}
		if info, err := s3store.New(f.env.Admin.S3).Head(context.Background(), f.bucket, body["key"].(string)); err != nil || info.Size != size {
			t.Errorf("assembled object = %+v, %v; want %d bytes", info, err, size)
		}
	})
	t.Run("parts out of order", func(t *testing.T) {
		bad, _ := json.Marshal(map[string]any{"key": body["key"], "uploadId": mp["uploadId"], "parts": []any{done[1], done[0]}})
		resp, b := f.do(t, request(t, "POST", "/uploads/complete", string(bad), uploader))
		wantError(t, resp, b, 400, stage.CodeBadRequest)
	})
}

func TestCreateUploadRejects(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name, body string
		claims     map[string]string
		status     int
		code       string
	}{
		{"no token", `{"filename":"a.mp4","size":1}`, nil, 401, stage.CodeUnauthorized},
		{"no tenant claim", `{"filename":"a.mp4","size":1}`, map[string]string{"sub": "x", "cognito:groups": "uploader"}, 403, stage.CodeForbidden},
		{"tenant with a slash", `{"filename":"a.mp4","size":1}`, map[string]string{"sub": "x", "custom:tenant": "a/b", "cognito:groups": "uploader"}, 403, stage.CodeForbidden},
		{"viewer role", `{"filename":"a.mp4","size":1}`, viewer, 403, stage.CodeForbidden},
		{"not json", `filename=a.mp4`, uploader, 400, stage.CodeBadRequest},
		{"unknown field", `{"filename":"a.mp4","size":1,"bucket":"x"}`, uploader, 400, stage.CodeBadRequest},
		{"no filename", `{"size":1}`, uploader, 400, stage.CodeBadRequest},
		{"dots only", `{"filename":"..","size":1}`, uploader, 400, stage.CodeBadRequest},
		{"no size", `{"filename":"a.mp4"}`, uploader, 400, stage.CodeBadRequest},
		{"too large", `{"filename":"a.mp4","size":1073741825}`, uploader, 413, stage.CodeTooLarge},
		{"bad content type", `{"filename":"a.mp4","size":1,"contentType":"video/mp4\r\nX: y"}`, uploader, 400, stage.CodeBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := f.do(t, request(t, "POST", "/uploads", tt.body, tt.claims))
			wantError(t, resp, body, tt.status, tt.code)
		})
	}
}

func TestListAssetsPaginatesWithinTenant(t *testing.T) {
	f := newFixture(t)
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i, id := range []string{"a1", "a2", "a3", "a4", "a5"} {
		f.seed(t, id, "acme", pipeline.StatusReady, base.Add(time.Duration(i)*time.Hour))
	}
	f.seed(t, "g1", "globex", pipeline.StatusReady, base)

	seen := map[string]bool{}
	next, firstNext := "", ""
	for page := 0; ; page++ {
		path := "/assets?limit=2"
		if next != "" {
			path += "&next=" + next
		}
		resp, body := f.do(t, request(t, "GET", path, "", viewer))
		if resp.StatusCode != 200 {
			t.Fatalf("page %d: %d %v", page, resp.StatusCode, body)
		}
		for _, a := range body["assets"].([]any) {
			v := a.(map[string]any)
			seen[v["id"].(string)] = true
			if _, leaked := v["source"]; leaked || v["jobId"] != nil {
				t.Errorf("asset view leaks internals: %v", v)
			}
		}
		n, _ := body["next"].(string)
		if firstNext == "" {
			firstNext = n
		}
		if n == "" {
			break
		}
		if page > 4 {
			t.Fatal("pagination never ends")
		}
		next = n
	}
	if len(seen) != 5 || seen["g1"] {
		t.Errorf("listed %v, want exactly acme's 5 assets", seen)
	}
	for name, path := range map[string]string{
		"limit zero":          "/assets?limit=0",
		"limit too high":      "/assets?limit=101",
		"garbage token":       "/assets?next=zzz",
		"other tenant's page": "/assets?next=" + firstNext,
	} {
		t.Run(name, func(t *testing.T) {
			claims := viewer
			if name == "other tenant's page" {
				claims = stranger
			}
			resp, body := f.do(t, request(t, "GET", path, "", claims))
			wantError(t, resp, body, 400, stage.CodeBadRequest)
		})
	}
}

func TestGetAsset(t *testing.T) {
	f := newFixture(t)
	f.seed(t, "a1", "acme", pipeline.StatusReady, f.now)
	resp, body := f.do(t, request(t, "GET", "/assets/a1", "", viewer))
	if resp.StatusCode != 200 || body["id"] != "a1" || body["status"] != "ready" || body["hls"] != "https://media.example.com/assets/a1/index.m3u8" {
		t.Errorf("GET own asset: %d %v", resp.StatusCode, body)
	}
	if strings.Contains(resp.Body, "secret-masters-bucket") || strings.Contains(resp.Body, "job-internal") {
		t.Errorf("response leaks the master's location or job id: %s", resp.Body)
	}
	if thumbs := body["thumbnails"].([]any); len(thumbs) != 2 || thumbs[1] != "https://media.example.com/assets/a1/thumbs/thumb.0000001.jpg" {
		t.Errorf("thumbnails = %v", thumbs)
	}
	for name, tc := range map[string]struct {
		path   string
		claims map[string]string
	}{
		"another tenant's": {"/assets/a1", stranger},
		"missing":          {"/assets/nope", viewer},
		"bad id":           {"/assets/A1!", viewer},
		"no route":         {"/assets/a1/extra/more", viewer},
	} {
		t.Run(name, func(t *testing.T) {
			resp, body := f.do(t, request(t, "GET", tc.path, "", tc.claims))
			wantError(t, resp, body, 404, stage.CodeNotFound)
		})
	}
	t.Run("wrong method", func(t *testing.T) {
		resp, body := f.do(t, request(t, "DELETE", "/assets/a1", "", viewer))
		wantError(t, resp, body, 405, stage.CodeMethodNotAllowed)
		if resp.Headers["Allow"] != "GET" {
			t.Errorf("Allow = %q, want GET", resp.Headers["Allow"])
		}
	})
}

func TestFailedAssetHidesStorageLocations(t *testing.T) {
	f := newFixture(t)
	a := f.seed(t, "f1", "acme", pipeline.StatusFailed, f.now)
	a.FailureCode = "1401"
	a.FailureMessage = "Unable to write to output file [s3://secret-delivery-bucket/assets/f1/index.m3u8]: Access denied for arn:aws:iam::123456789012:role/ottkit-mediaconvert, check the role"
	if err := f.catalog.Update(context.Background(), pipeline.StatusFailed, a); err != nil {
		t.Fatal(err)
	}
	resp, body := f.do(t, request(t, "GET", "/assets/f1", "", viewer))
	if resp.StatusCode != 200 || body["failureCode"] != "1401" {
		t.Fatalf("GET failed asset: %d %v", resp.StatusCode, body)
	}
	want := "Unable to write to output file [<redacted>]: Access denied for <redacted>, check the role"
	if got := body["failureMessage"]; got != want {
		t.Errorf("failureMessage = %q, want %q", got, want)
	}
	for _, internal := range []string{"secret-delivery-bucket", "123456789012", "ottkit-mediaconvert"} {
		if strings.Contains(resp.Body, internal) {
			t.Errorf("response leaks %q: %s", internal, resp.Body)
		}
	}
}

func TestPlayback(t *testing.T) {
	f := newFixture(t)
	f.seed(t, "ready1", "acme", pipeline.StatusReady, f.now)
	f.seed(t, "busy1", "acme", pipeline.StatusTranscoding, f.now)

	resp, body := f.do(t, request(t, "POST", "/assets/ready1/playback", "", viewer))
	if resp.StatusCode != 200 || body["expiresAt"] != "2026-05-06T07:18:09Z" || body["hls"] != "https://media.example.com/assets/ready1/index.m3u8" {
		t.Fatalf("playback: %d %v", resp.StatusCode, body)
	}
	if len(resp.Cookies) != 3 {
		t.Fatalf("cookies = %v, want 3", resp.Cookies)
	}
	names := map[string]bool{}
	for _, c := range resp.Cookies {
		hc, err := http.ParseSetCookie(c)
		if err != nil {
			t.Fatalf("Set-Cookie %q: %v", c, err)
		}
		names[hc.Name] = true
		for _, attr := range []string{"Path=/assets/ready1/", "Secure", "HttpOnly", "SameSite=None", "Expires="} {
			if !strings.Contains(c, attr) {
				t.Errorf("Set-Cookie %q lacks %s", c, attr)
			}
		}
		// Host-only: the API answers on the playback host (the CDN's /api/*), and a browser
		// ignores a cookie whose Domain is another host than the one answering.
		if strings.Contains(c, "Domain=") {
			t.Errorf("Set-Cookie %q names a Domain; playback cookies are host-only", c)
		}
	}
	for _, n := range []string{"CloudFront-Policy", "CloudFront-Signature", "CloudFront-Key-Pair-Id"} {
		if !names[n] {
			t.Errorf("missing cookie %s in %v", n, resp.Cookies)
		}
	}
	t.Run("not ready", func(t *testing.T) {
		resp, body := f.do(t, request(t, "POST", "/assets/busy1/playback", "", viewer))
		wantError(t, resp, body, 409, stage.CodeNotReady)
	})
	t.Run("another tenant's", func(t *testing.T) {
		resp, body := f.do(t, request(t, "POST", "/assets/ready1/playback", "", stranger))
		wantError(t, resp, body, 404, stage.CodeNotFound)
		if len(resp.Cookies) != 0 {
			t.Errorf("cookies issued to another tenant: %v", resp.Cookies)
		}
	})
	t.Run("log lines carry request and asset ids", func(t *testing.T) {
		var line map[string]any
		for _, l := range strings.Split(strings.TrimSpace(f.logs.String()), "\n") {
			if err := json.Unmarshal([]byte(l), &line); err != nil {
				t.Fatalf("log line %q is not JSON", l)
			}
			if line["requestId"] == "" || line["requestId"] == nil {
				t.Errorf("log line without request id: %s", l)
			}
			if strings.Contains(l, "/assets/ready1") && line["assetId"] != "ready1" {
				t.Errorf("log line about ready1 without its asset id: %s", l)
			}
		}
	})
}

func TestPlaybackWithoutSigningKeyLeaksNothing(t *testing.T) {
	f := newFixture(t)
	f.seed(t, "ready1", "acme", pipeline.StatusReady, f.now)
	rec.Name(manifest.SigningSecret, "ottkit-missing-secret")
	cfg := api.Config{IngestBucket: f.bucket, PlaybackDomain: "media.example.com", PlaybackTTL: time.Minute, UploadTTL: time.Minute, MaxUploadBytes: 1,
		TenantClaim: "custom:tenant", RolesClaim: "cognito:groups"}
	h := api.New(cfg, s3store.New(f.env.S3), catalog.New(f.env.DynamoDB, f.catalog.Name()), playback.NewSigner(playback.NewSecretKeys(f.env.SecretsManager, "ottkit-missing-secret"), "media.example.com"), lambdalog.New(io.Discard, slog.LevelInfo))
	resp, err := h.Handle(context.Background(), request(t, "POST", "/assets/ready1/playback", "", viewer))
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 500 || resp.Body != `{"error":"internal","message":"internal error"}` {
		t.Errorf("got %d %s, want a bare 500", resp.StatusCode, resp.Body)
	}
}

func TestLoadConfig(t *testing.T) {
	valid := map[string]string{
		"INGEST_BUCKET": "ingest", "CATALOG_TABLE": "catalog", "SIGNING_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:1:secret:s",
		"PLAYBACK_DOMAIN": "media.example.com", "PLAYBACK_TTL": "300", "UPLOAD_TTL": "900", "MAX_UPLOAD_BYTES": "1000000",
		"CLOUDFRONT_SESSIONS": "off",
	}
	// An edge stack's api reads the edge's variables too; without them the edge is off.
	edge := map[string]string{"EDGE_SIGNING_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:1:secret:e", "EDGE_DOMAIN": "edge.example.com"}
	awstest.CheckEnv(t, manifest.API.With(manifest.EdgeToken), func(getenv func(string) string) error {
		_, err := api.LoadConfig(getenv)
		return err
	}, union(valid, edge))
	if cfg, err := api.LoadConfig(func(k string) string { return valid[k] }); err != nil || cfg.Edge() {
		t.Errorf("without the edge variables: edge %v, error %v; want no edge, no error", cfg.Edge(), err)
	}
	awstest.CheckEnvRejects(t, func(getenv func(string) string) error {
		_, err := api.LoadConfig(getenv)
		return err
	}, union(valid, edge), [][2]string{{"EDGE_DOMAIN", ""}, {"EDGE_SIGNING_SECRET_ARN", ""}, {"EDGE_DOMAIN", "https://edge.example.com"}, {"EDGE_DOMAIN", "media.example.com"}})
	sessions := map[string]string{"CLOUDFRONT_SESSIONS": "ip", "SESSIONS_KVS_ARN": "arn:aws:cloudfront::123456789012:key-value-store/0b9f7c2e-1111-4222-8333-444455556666"}
	awstest.CheckEnv(t, manifest.API.With(manifest.EdgeToken, manifest.EdgeSessions), func(getenv func(string) string) error {
		_, err := api.LoadConfig(getenv)
		return err
	}, union(valid, edge, sessions))
	awstest.CheckEnvRejects(t, func(getenv func(string) string) error {
		_, err := api.LoadConfig(getenv)
		return err
	}, union(valid, sessions), [][2]string{{"CLOUDFRONT_SESSIONS", "device"}, {"SESSIONS_KVS_ARN", "arn:aws:s3:::bucket"}, {"SESSIONS_KVS_ARN", ""}})

	cfg, err := api.LoadConfig(func(k string) string {
		if strings.HasSuffix(k, "_TTL") || k == "MAX_UPLOAD_BYTES" {
			return ""
		}
		return valid[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.PlaybackTTL != 10*time.Minute || cfg.UploadTTL != 15*time.Minute || cfg.MaxUploadBytes != 5<<30 {
		t.Errorf("defaults = %+v, want 10 min playback, 15 min upload, 5 GiB", cfg)
	}
	awstest.CheckEnvRejects(t, func(getenv func(string) string) error {
		_, err := api.LoadConfig(getenv)
		return err
	}, valid, [][2]string{{"PLAYBACK_DOMAIN", "https://media.example.com"}, {"PLAYBACK_TTL", "5"}, {"PLAYBACK_TTL", "7200"}, {"MAX_UPLOAD_BYTES", "6000000000"}})
}
