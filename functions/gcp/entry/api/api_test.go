package api

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ottkit/ottkit/functions/gcp/cdnsign"
	"github.com/ottkit/ottkit/functions/gcp/firestorecat"
	"github.com/ottkit/ottkit/functions/gcp/gateway"
	"github.com/ottkit/ottkit/functions/gcp/gcptest"
	"github.com/ottkit/ottkit/functions/gcp/manifest"
	"github.com/ottkit/ottkit/functions/pipeline"
)

var cdnKey = []byte("0123456789abcdef")

func userinfo(claims map[string]any) string {
	b, _ := json.Marshal(claims)
	return base64.RawURLEncoding.EncodeToString(b)
}

func ready(id, tenant string) *pipeline.Asset {
	a := gcptest.Queued(id, tenant, gcptest.HD)
	a.Status = pipeline.StatusReady
	l := pipeline.LayoutFor(id)
	a.HLS, a.DASH = l.HLS, l.DASH
	return a
}

func TestAPIFunction(t *testing.T) {
	e := gcptest.NewEnv(t)
	ctx := context.Background()
	seed := firestorecat.New(e.Catalog)
	mine, theirs := ready(pipeline.AssetID("b", "k1", "1"), "acme"), ready(pipeline.AssetID("b", "k2", "1"), "other")
	for _, a := range []*pipeline.Asset{mine, theirs} {
		if err := seed.Create(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	e.Secrets.Put(gcptest.SigningSecret, []byte(`{"keyName":"ottkit-edge-1","key":"`+base64.URLEncoding.EncodeToString(cdnKey)+`"}`))
	h, err := Build(e.Endpoints())(ctx, e.Getenv(map[string]string{"PLAYBACK_DOMAIN": "media.example.com"}), slog.New(slog.NewJSONHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	acme := userinfo(map[string]any{"sub": "u1", "tenant": "acme", "roles": []string{"uploader"}})
	call := func(method, path, body, claims string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(method, path, strings.NewReader(body))
		if claims != "" {
			r.Header.Set(gateway.UserinfoHeader, claims)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		return rec
	}

	// An upload: a V4 URL signed by the function's own account through signBlob, which the
	// uploader then PUTs (here to the storage fake, which accepts signed PUTs).
	rec := call(http.MethodPost, "/uploads", `{"filename":"clip.mp4","size":1000,"contentType":"video/mp4"}`, acme)
	if rec.Code/100 != 2 {
		t.Fatalf("POST /uploads: %d %s", rec.Code, rec.Body)
	}
	var up struct {
		Key, URL string
		Headers  map[string]string
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &up); err != nil || !strings.HasPrefix(up.Key, "uploads/acme/") {
		t.Fatalf("upload %s, %v", rec.Body, err)
	}
	u, err := url.Parse(up.URL)
	// The host is the storage client's endpoint: storage.googleapis.com in production, the
	// fake's address here.
	if err != nil || u.Path != "/"+gcptest.IngestBucket+"/"+up.Key || !strings.HasPrefix(u.Query().Get("X-Goog-Credential"), gcptest.Self+"/") || u.Query().Get("X-Goog-Signature") == "" {
		t.Fatalf("signed URL %s", up.URL)
	}
	if up.Headers["X-Goog-Content-Length-Range"] == "" || up.Headers["Content-Type"] != "video/mp4" {
		t.Errorf("upload headers %v", up.Headers)
	}
	put, _ := http.NewRequest(http.MethodPut, e.GCS.URL+u.RequestURI(), strings.NewReader(strings.Repeat("x", 1000)))
	for k, v := range up.Headers {
		put.Header.Set(k, v)
	}
	if resp, err := http.DefaultClient.Do(put); err != nil || resp.StatusCode/100 != 2 {
		t.Fatalf("signed PUT: %v %v", resp, err)
	}

	multipartUpload(t, e, call, acme)

	// Tenant scoping: the list holds only acme's asset; the other tenant's is not found.
	rec = call(http.MethodGet, "/assets", "", acme)
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), mine.ID) || strings.Contains(rec.Body.String(), theirs.ID) {
		t.Errorf("GET /assets: %d %s", rec.Code, rec.Body)
	}
	if rec := call(http.MethodGet, "/assets/"+theirs.ID, "", acme); rec.Code != http.StatusNotFound {
		t.Errorf("another tenant's asset: %d", rec.Code)
	}
	if rec := call(http.MethodPost, "/assets/"+theirs.ID+"/playback", "", acme); rec.Code != http.StatusNotFound {
		t.Errorf("playback of another tenant's asset: %d", rec.Code)
	}
	if rec := call(http.MethodGet, "/assets", "", ""); rec.Code != http.StatusUnauthorized {
		t.Errorf("no claims: %d", rec.Code)
	}

	// Playback: one Cloud CDN cookie for this asset's path that verifies under the key.
	rec = call(http.MethodPost, "/assets/"+mine.ID+"/playback", "", acme)
	if rec.Code != 200 {
		t.Fatalf("playback: %d %s", rec.Code, rec.Body)
	}
	cookies := rec.Result().Cookies()
	if len(cookies) != 1 || cookies[0].Name != cdnsign.CookieName || cookies[0].Path != "/assets/"+mine.ID+"/" {
		t.Fatalf("cookies %v", cookies)
	}
	v := cookies[0].Value
	i := strings.Index(v, ":Signature=")
	mac := hmac.New(sha1.New, cdnKey)
	mac.Write([]byte(v[:i]))
	if got := v[i+len(":Signature="):]; got != base64.URLEncoding.EncodeToString(mac.Sum(nil)) {
		t.Errorf("cookie signature %s does not verify", got)
	}
	prefix, _ := base64.URLEncoding.DecodeString(strings.TrimPrefix(strings.Split(v, ":")[0], "URLPrefix="))
	if string(prefix) != "https://media.example.com/assets/"+mine.ID+"/" {
		t.Errorf("cookie prefix %s", prefix)
	}
	if cookies[0].Expires.Before(time.Now()) {
		t.Errorf("cookie expires %v", cookies[0].Expires)
	}

	gcptest.CheckPermissions(t, manifest.API, e.Uses(), e.Names())
}

// zeros reads as an endless run of zero bytes.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// multipartUpload drives an upload above the multipart threshold through the function: it
// starts the upload (POST ?uploads) and signs a PUT per part; the test PUTs the parts
// (PUT ?partNumber&uploadId, signed by the function's account); completing lists the stored
// parts (GET ?uploadId) and assembles them (POST ?uploadId).
func multipartUpload(t *testing.T, e *gcptest.Env, call func(method, path, body, claims string) *httptest.ResponseRecorder, claims string) {
	t.Helper()
	const size = 100<<20 + 1 // just above the multipart threshold: 6 parts of 16 MiB and a short one
	rec := call(http.MethodPost, "/uploads", fmt.Sprintf(`{"filename":"big.mov","size":%d,"contentType":"video/quicktime"}`, size), claims)
	if rec.Code != http.StatusCreated {
		t.Fatalf("POST /uploads (multipart): %d %s", rec.Code, rec.Body)
	}
	var up struct {
		Key       string
		Multipart *struct {
			UploadID string
			PartSize int64
			Parts    []struct {
				PartNumber int
				URL        string
				Headers    map[string]string
			}
		}
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &up); err != nil || up.Multipart == nil || up.Multipart.UploadID == "" || len(up.Multipart.Parts) < 2 {
		t.Fatalf("multipart upload %s, %v", rec.Body, err)
	}
	type part struct {
		PartNumber int    `json:"partNumber"`
		ETag       string `json:"etag"`
	}
	var parts []part
	for i, p := range up.Multipart.Parts {
		n := min(up.Multipart.PartSize, size-int64(i)*up.Multipart.PartSize)
		u, err := url.Parse(p.URL)
		if err != nil || u.Path != "/"+gcptest.IngestBucket+"/"+up.Key || u.Query().Get("uploadId") != up.Multipart.UploadID || u.Query().Get("X-Goog-Signature") == "" {
			t.Fatalf("part %d URL %s", p.PartNumber, p.URL)
		}
		put, _ := http.NewRequest(http.MethodPut, e.GCS.URL+u.RequestURI(), io.LimitReader(zeros{}, n))
		put.ContentLength = n
		// The part's exact length is signed (x-goog-content-length-range n,n), and the
		// response gives the client the header to send.
		if got, want := p.Headers["X-Goog-Content-Length-Range"], fmt.Sprintf("%d,%d", n, n); got != want {
			t.Fatalf("part %d headers %v, want X-Goog-Content-Length-Range %s", p.PartNumber, p.Headers, want)
		}
		for k, v := range p.Headers {
			put.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(put)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || resp.Header.Get("ETag") == "" {
			t.Fatalf("PUT part %d: %s", p.PartNumber, resp.Status)
		}
		parts = append(parts, part{p.PartNumber, resp.Header.Get("ETag")})
	}
	body, _ := json.Marshal(map[string]any{"key": up.Key, "uploadId": up.Multipart.UploadID, "parts": parts})
	if rec := call(http.MethodPost, "/uploads/complete", string(body), claims); rec.Code != http.StatusOK {
		t.Fatalf("POST /uploads/complete: %d %s", rec.Code, rec.Body)
	}
	if got := e.GCS.Multipart()[gcptest.IngestBucket+"/"+up.Key]; got != size {
		t.Errorf("completed upload holds %d bytes, want %d", got, size)
	}
}
