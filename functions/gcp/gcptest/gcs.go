// Package gcptest runs the GCP adapters against real peers in process for tests:
// fake-gcs-server behind a recording HTTP front, Pub/Sub's pstest, and the ottkit fakes,
// with recorders of every call a handler makes so tests can compare them with the manifest.
package gcptest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"

	"cloud.google.com/go/storage"
	"github.com/fsouza/fake-gcs-server/fakestorage"
	"google.golang.org/api/option"
)

// HTTPCall is one request a client sent.
type HTTPCall struct {
	Method, Path, RawQuery string
	Body                   []byte
}

// HTTPRecorder keeps every request passing through it.
type HTTPRecorder struct {
	mu    sync.Mutex
	calls []HTTPCall
}

// Calls returns the requests so far, in order.
func (r *HTTPRecorder) Calls() []HTTPCall {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]HTTPCall(nil), r.calls...)
}

// Reset forgets the requests so far.
func (r *HTTPRecorder) Reset() {
	r.mu.Lock()
	r.calls = nil
	r.mu.Unlock()
}

// Wrap records each request, then lets next serve it.
func (r *HTTPRecorder) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(body))
		r.mu.Lock()
		r.calls = append(r.calls, HTTPCall{Method: req.Method, Path: req.URL.Path, RawQuery: req.URL.RawQuery, Body: body})
		r.mu.Unlock()
		next.ServeHTTP(w, req)
	})
}

// rewritePath is a JSON API rewrite or copy: .../o/<src>/rewriteTo/b/<bucket>/o/<object>.
var rewritePath = regexp.MustCompile(`^/storage/v1/b/[^/]+/o/.+/(rewriteTo|copyTo)/b/([^/]+)/o/(.+)$`)

// keepStorageClass makes fake-gcs-server honour a rewrite's destination storageClass, which
// Cloud Storage applies and the fake drops: after a successful rewrite naming a class, it
// patches the new object's class, as the real rewrite would have written it.
func keepStorageClass(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		m := rewritePath.FindStringSubmatch(req.URL.EscapedPath())
		if req.Method != http.MethodPost || m == nil {
			next.ServeHTTP(w, req)
			return
		}
		body, _ := io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(body))
		var dst struct{ StorageClass string }
		_ = json.Unmarshal(body, &dst)
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, req)
		if dst.StorageClass != "" && rec.Code == http.StatusOK {
			patch := httptest.NewRequest(http.MethodPatch, "/storage/v1/b/"+m[2]+"/o/"+m[3], strings.NewReader(`{"storageClass":"`+dst.StorageClass+`"}`))
			patch.Header.Set("Content-Type", "application/json")
			pr := httptest.NewRecorder()
			next.ServeHTTP(pr, patch)
			if pr.Code != http.StatusOK {
				http.Error(w, "gcptest: storage class patch failed: "+pr.Body.String(), http.StatusInternalServerError)
				return
			}
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())
	})
}

// GCS is fake-gcs-server behind a recording front.
type GCS struct {
	Fake *fakestorage.Server
	// Client goes through the recorders, as a function's client does; Direct does not (for a
	// test's own writes and checks).
	Client, Direct *storage.Client
	Recorder       *HTTPRecorder
	// Permissions derives the IAM permissions of every request.
	Permissions *Recorder
	URL         string
	multipart   *multipart
}

// Exists reports whether bucket/object exists in the fake.
func (g *GCS) Exists(bucket, object string) bool {
	_, err := g.Fake.GetObject(bucket, object)
	return err == nil
}

// NewGCS starts fake-gcs-server with the named buckets and a storage.Client that reaches it through the recorder. Everything
// stops when the test ends.
func NewGCS(t testing.TB, buckets ...string) *GCS { return newGCS(t, false, buckets) }

// NewVersionedGCS is NewGCS with object versioning on, as ottkit's ingest and masters
// buckets have it.
func NewVersionedGCS(t testing.TB, buckets ...string) *GCS { return newGCS(t, true, buckets) }

func newGCS(t testing.TB, versioned bool, buckets []string) *GCS {
	t.Helper()
	rec := &HTTPRecorder{}
	var handler http.Handler
	front := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }))
	// Object reads use the XML API path /<bucket>/<object>, which the fake serves on its
	// public host: the front's own address.
	fake, err := fakestorage.NewServerWithOptions(fakestorage.Options{
		Scheme: "http", Host: "127.0.0.1", NoListener: true, Writer: io.Discard,
		PublicHost: front.Listener.Addr().String(),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fake.Stop)
	for _, b := range buckets {
		fake.CreateBucketWithOpts(fakestorage.CreateBucketOpts{Name: b, VersioningEnabled: versioned})
	}
	perms := &Recorder{}
	mp := newMultipart(keepStorageClass(fake.HTTPHandler()))
	handler = rec.Wrap(perms.Wrap(mp))
	front.Start()
	t.Cleanup(front.Close)
	client, err := storage.NewClient(context.Background(), option.WithEndpoint(front.URL+"/storage/v1/"), option.WithoutAuthentication())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	g := &GCS{Fake: fake, Client: client, Direct: fake.Client(), Recorder: rec, Permissions: perms, URL: front.URL, multipart: mp}
	perms.ObjectExists = g.Exists
	mp.exists = g.Exists
	return g
}
