package upload_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ottkit/ottkit/functions/local/dirstore"
	"github.com/ottkit/ottkit/functions/local/upload"
	"github.com/ottkit/ottkit/functions/pipeline"
)

type env struct {
	signer *upload.Signer
	store  *dirstore.Store
	srv    *httptest.Server
	events []pipeline.ObjectCreated
}

func setup(t *testing.T) *env {
	t.Helper()
	dir := t.TempDir()
	store, err := dirstore.New(filepath.Join(dir, "data"), "ingest", "masters")
	if err != nil {
		t.Fatal(err)
	}
	e := &env{store: store}
	store.OnCreate = func(_ context.Context, ev pipeline.ObjectCreated) { e.events = append(e.events, ev) }
	mux := http.NewServeMux()
	e.srv = httptest.NewServer(mux)
	t.Cleanup(e.srv.Close)
	e.signer, err = upload.New(upload.Config{Key: []byte(strings.Repeat("k", 32)), BaseURL: e.srv.URL, Store: store,
		Buckets: []string{"ingest"}, UploadsDir: filepath.Join(dir, "uploads"), MaxBytes: 1000})
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle(upload.PathPrefix, e.signer)
	return e
}

func send(t *testing.T, req pipeline.SignedRequest, body string, mutate func(*http.Request)) (int, string, string) {
	t.Helper()
	r, _ := http.NewRequest(req.Method, req.URL, strings.NewReader(body))
	for k, v := range req.Headers {
		r.Header[k] = v
	}
	if mutate != nil {
		mutate(r)
	}
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("ETag"), string(b)
}

func TestSignedPut(t *testing.T) {
	ctx := context.Background()
	e := setup(t)
	key := "uploads/acme/u1/My Clip (1).mp4"
	req, err := e.signer.PresignPut(ctx, "ingest", key, "video/mp4", int64(len("video bytes")), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if req.Method != http.MethodPut || req.Headers.Get("Content-Type") != "video/mp4" || !req.Expires.After(time.Now()) {
		t.Errorf("signed request %+v", req)
	}
	for _, tt := range []struct {
		name   string
		mutate func(*http.Request)
		body   string
		want   int
	}{
		{"other content type", func(r *http.Request) { r.Header.Set("Content-Type", "text/html") }, "x", http.StatusForbidden},
		{"other key", func(r *http.Request) { r.URL.Path = strings.Replace(r.URL.Path, "u1", "u2", 1); r.URL.RawPath = "" }, "x", http.StatusForbidden},
		{"longer expiry", func(r *http.Request) {
			q := r.URL.Query()
			q.Set("expires", fmt.Sprint(time.Now().Add(time.Hour).Unix()))
			r.URL.RawQuery = q.Encode()
		}, "x", http.StatusForbidden},
		{"no signature", func(r *http.Request) { r.URL.RawQuery = "" }, "x", http.StatusForbidden},
		{"too large", nil, strings.Repeat("x", 1001), http.StatusRequestEntityTooLarge},
		// The length is signed: a body of another length, or a URL claiming another, is refused.
		{"longer than signed", nil, "video bytes and more", http.StatusForbidden},
		{"shorter than signed", nil, "video", http.StatusForbidden},
		{"size raised in the URL", func(r *http.Request) {
			q := r.URL.Query()
			q.Set("size", "20")
			r.URL.RawQuery = q.Encode()
		}, "video bytes and more", http.StatusForbidden},
		{"GET", func(r *http.Request) { r.Method = http.MethodGet }, "", http.StatusMethodNotAllowed},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if code, _, msg := send(t, req, tt.body, tt.mutate); code != tt.want {
				t.Errorf("status %d (%s), want %d", code, msg, tt.want)
			}
		})
	}
	if len(e.events) != 0 {
		t.Fatalf("refused uploads created objects: %v", e.events)
	}
	code, etag, msg := send(t, req, "video bytes", nil)
	if code != http.StatusOK || etag == "" {
		t.Fatalf("signed PUT: %d %s", code, msg)
	}
	info, err := e.store.Head(ctx, "ingest", key)
	if err != nil || info.Size != 11 || info.ContentType != "video/mp4" || `"`+info.ETag+`"` != etag {
		t.Errorf("stored %+v, %v (ETag header %s)", info, err, etag)
	}
	if len(e.events) != 1 || e.events[0].Key != key {
		t.Errorf("object created events %+v", e.events)
	}

	if _, err := e.signer.PresignPut(ctx, "masters", "x", "video/mp4", 1, time.Minute); err == nil {
		t.Error("signed an upload into the masters bucket")
	}
	if _, err := e.signer.PresignPut(ctx, "ingest", "../masters/x", "video/mp4", 1, time.Minute); !errors.Is(err, dirstore.ErrBadKey) {
		t.Errorf("PresignPut(../masters/x) = %v, want ErrBadKey", err)
	}
}

func TestExpiredURL(t *testing.T) {
	e := setup(t)
	req, _ := e.signer.PresignPut(context.Background(), "ingest", "uploads/a/b.mp4", "video/mp4", 1, time.Minute)
	e.signer.Now = func() time.Time { return time.Now().Add(2 * time.Minute) }
	if code, _, msg := send(t, req, "x", nil); code != http.StatusForbidden || !strings.Contains(msg, "expired") {
		t.Errorf("expired URL: %d %s", code, msg)
	}
}

// TestShortBodyWritesNothing: a client that declares more bytes than it sends (a dropped
// connection) leaves no object behind.
func TestShortBodyWritesNothing(t *testing.T) {
	e := setup(t)
	req, _ := e.signer.PresignPut(context.Background(), "ingest", "uploads/a/b.mp4", "video/mp4", 100, time.Minute)
	u := strings.TrimPrefix(req.URL, e.srv.URL)
	conn, err := net.Dial("tcp", e.srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(conn, "PUT %s HTTP/1.1\r\nHost: x\r\nContent-Type: video/mp4\r\nContent-Length: 100\r\n\r\nonly twenty bytes...", u)
	conn.(*net.TCPConn).CloseWrite()
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err == nil && resp.StatusCode == http.StatusOK {
		t.Errorf("a short body was accepted")
	}
	conn.Close()
	if _, err := e.store.Head(context.Background(), "ingest", "uploads/a/b.mp4"); !errors.Is(err, pipeline.ErrObjectNotFound) {
		t.Errorf("a short body left an object: %v", err)
	}
}

func TestMultipart(t *testing.T) {
	ctx := context.Background()
	e := setup(t)
	key := "uploads/acme/u9/big.mov"
	id, err := e.signer.CreateMultipartUpload(ctx, "ingest", key, "video/quicktime")
	if err != nil {
		t.Fatal(err)
	}
	var parts []pipeline.UploadPart
	for i, body := range []string{"first-", "second-", "third"} {
		req, err := e.signer.PresignUploadPart(ctx, "ingest", key, id, i+1, int64(len(body)), time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		code, etag, msg := send(t, req, body, nil)
		if code != http.StatusOK {
			t.Fatalf("part %d: %d %s", i+1, code, msg)
		}
		parts = append(parts, pipeline.UploadPart{Number: i + 1, ETag: etag})
	}
	// A part URL is bound to its part number.
	req, _ := e.signer.PresignUploadPart(ctx, "ingest", key, id, 1, 1, time.Minute)
	if code, _, _ := send(t, req, "x", func(r *http.Request) {
		q := r.URL.Query()
		q.Set("partNumber", "2")
		r.URL.RawQuery = q.Encode()
	}); code != http.StatusForbidden {
		t.Errorf("part URL replayed for another part: %d", code)
	}
	bad := append([]pipeline.UploadPart(nil), parts...)
	bad[1].ETag = "0000"
	if err := e.signer.CompleteMultipartUpload(ctx, "ingest", key, id, bad); err == nil {
		t.Error("completed with a wrong part ETag")
	}
	if err := e.signer.CompleteMultipartUpload(ctx, "ingest", key, id, parts); err != nil {
		t.Fatal(err)
	}
	r, err := e.store.Open(ctx, "ingest", key, pipeline.ObjectInfo{})
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, r.Size())
	r.ReadAt(b, 0)
	if string(b) != "first-second-third" {
		t.Errorf("assembled %q", b)
	}
	if info, _ := e.store.Head(ctx, "ingest", key); info.ContentType != "video/quicktime" {
		t.Errorf("content type %q", info.ContentType)
	}
	if err := e.signer.CompleteMultipartUpload(ctx, "ingest", key, id, parts); !errors.Is(err, pipeline.ErrObjectNotFound) {
		t.Errorf("second Complete = %v, want ErrObjectNotFound", err)
	}
	if _, err := e.signer.PresignUploadPart(ctx, "ingest", "uploads/other.mov", id, 1, 1, time.Minute); !errors.Is(err, pipeline.ErrObjectNotFound) {
		t.Errorf("PresignUploadPart for another key = %v, want ErrObjectNotFound", err)
	}
}
