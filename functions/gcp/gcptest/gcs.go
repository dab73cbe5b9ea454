// Package gcptest runs the GCP adapters against real peers in process for tests:
// fake-gcs-server behind a recording HTTP front, Pub/Sub's pstest, and the ottkit fakes,
// with recorders of every call a handler makes so tests can compare them with the manifest.
package gcptest

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
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

// GCS is fake-gcs-server behind a recording front.
type GCS struct {
	Fake     *fakestorage.Server
	Client   *storage.Client
	Recorder *HTTPRecorder
	URL      string
}

// NewGCS starts fake-gcs-server with the named buckets (versioned, as ottkit's ingest and
// masters buckets are) and a storage.Client that reaches it through the recorder. Everything
// stops when the test ends.
func NewGCS(t testing.TB, buckets ...string) *GCS {
	t.Helper()
	fake, err := fakestorage.NewServerWithOptions(fakestorage.Options{Scheme: "http", Host: "127.0.0.1", NoListener: true, Writer: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fake.Stop)
	for _, b := range buckets {
		fake.CreateBucketWithOpts(fakestorage.CreateBucketOpts{Name: b, VersioningEnabled: true})
	}
	rec := &HTTPRecorder{}
	front := httptest.NewServer(rec.Wrap(fake.HTTPHandler()))
	t.Cleanup(front.Close)
	client, err := storage.NewClient(context.Background(), option.WithEndpoint(front.URL+"/storage/v1/"), option.WithoutAuthentication())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	return &GCS{Fake: fake, Client: client, Recorder: rec, URL: front.URL}
}
