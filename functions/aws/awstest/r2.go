package awstest

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// R2 is a stand-in for Cloudflare R2's S3 API: gofakes3 over TLS behind a gate that refuses
// what R2 refuses or ottkit must not send it: a request not signed for region auto or by the
// expected access key, a virtual-hosted bucket, and aws-chunked (trailing checksum) uploads.
type R2 struct {
	// Endpoint is the https URL to give s3store.NewR2, and HTTPClient the client that trusts
	// its certificate.
	Endpoint   string
	HTTPClient *http.Client
	// Admin reads and writes the stand-in without the gate.
	Admin *s3.Client
	// AccessKeyID is the key id requests must be signed with.
	AccessKeyID string

	mu       sync.Mutex
	down     bool
	refused  []string
	requests map[string]int // "PUT object", "GET bucket", … → count
	// cacheControl keeps each object's Cache-Control, which R2 stores and gofakes3 drops.
	cacheControl map[string]string // URL path → value
}

var r2Scope = regexp.MustCompile(`Credential=([^/]+)/\d{8}/([^/]+)/s3/aws4_request`)

// NewR2 starts the stand-in with one bucket and returns it; requests must be signed with
// accessKeyID.
func NewR2(t testing.TB, bucket, accessKeyID string) *R2 {
	t.Helper()
	backend := s3mem.New()
	faker := gofakes3.New(backend, gofakes3.WithAutoBucket(false))
	r := &R2{AccessKeyID: accessKeyID, requests: map[string]int{}, cacheControl: map[string]string{}}
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		down := r.down
		r.mu.Unlock()
		if down {
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprint(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>the R2 stand-in is down</Message></Error>`)
			return
		}
		if why := r.refuse(req); why != "" {
			r.mu.Lock()
			r.refused = append(r.refused, why)
			r.mu.Unlock()
			http.Error(w, why, http.StatusBadRequest)
			return
		}
		r.mu.Lock()
		what := " bucket"
		if strings.Contains(strings.Trim(req.URL.Path, "/"), "/") {
			what = " object"
		}
		r.requests[req.Method+what]++
		switch req.Method {
		case http.MethodPut:
			r.cacheControl[req.URL.Path] = req.Header.Get("Cache-Control")
		case http.MethodDelete:
			delete(r.cacheControl, req.URL.Path)
		case http.MethodGet, http.MethodHead:
			if cc := r.cacheControl[req.URL.Path]; cc != "" {
				w.Header().Set("Cache-Control", cc)
			}
		}
		r.mu.Unlock()
		faker.Server().ServeHTTP(w, req)
	}))
	t.Cleanup(srv.Close)
	r.Endpoint, r.HTTPClient = srv.URL, srv.Client()
	r.Admin = s3.New(s3.Options{
		Region: "auto", BaseEndpoint: aws.String(srv.URL), UsePathStyle: true, HTTPClient: srv.Client(),
		Credentials:                credentials.NewStaticCredentialsProvider(accessKeyID, "admin", ""),
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
	})
	if _, err := r.Admin.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatalf("r2 stand-in: create bucket %s: %v", bucket, err)
	}
	return r
}

func (r *R2) refuse(req *http.Request) string {
	m := r2Scope.FindStringSubmatch(req.Header.Get("Authorization"))
	switch {
	case m == nil:
		return "not signed with SigV4"
	case m[1] != r.AccessKeyID:
		return fmt.Sprintf("signed by access key %q, not the R2 token's %q", m[1], r.AccessKeyID)
	case m[2] != "auto":
		return fmt.Sprintf("signed for region %q; R2's is auto", m[2])
	case strings.Count(req.Host, ".") > 0 && !strings.HasPrefix(req.Host, "127.") && !strings.HasPrefix(req.Host, "localhost"):
		return "virtual-hosted bucket " + req.Host
	case strings.HasPrefix(req.Header.Get("X-Amz-Content-Sha256"), "STREAMING-"), strings.Contains(req.Header.Get("Content-Encoding"), "aws-chunked"):
		return "aws-chunked upload"
	case req.Method == http.MethodPut && req.ContentLength < 0:
		return "PUT without Content-Length"
	}
	return ""
}

// SetDown makes every request fail with 403 AccessDenied (a revoked token, an outage) until
// SetDown(false).
func (r *R2) SetDown(down bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.down = down
}

// Refused returns why the gate refused requests, in order.
func (r *R2) Refused() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.refused...)
}

// Requests returns how many requests of method on objects reached the store (bucket
// operations such as a listing are not counted).
func (r *R2) Requests(method string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.requests[method+" object"]
}
