package stagetest

import (
	"context"
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ottkit/ottkit/functions/pipeline"
)

// UploadSigner is a pipeline.UploadSigner whose signed requests a real HTTP client can send: it
// runs a local server that checks each request's HMAC signature, expiry, signed content type
// and signed length (a body of any other length is refused, as S3 refuses one that does not
// match a signed Content-Length) and writes what it accepts into an ObjectStore, single PUTs and multipart uploads alike, so
// a test can upload as a browser would. Close stops the server.
type UploadSigner struct {
	Faults
	// Now is the clock the signatures' expiry is checked against; time.Now when nil.
	Now func() time.Time

	store *ObjectStore
	srv   *httptest.Server
	key   []byte

	mu        sync.Mutex
	next      int
	uploads   map[string]*multipart
	completed map[string][]pipeline.UploadPart
}

type multipart struct {
	bucket, key, contentType string
	parts                    map[int][]byte
}

var _ pipeline.UploadSigner = (*UploadSigner)(nil)

// NewUploadSigner starts an upload server writing into store.
func NewUploadSigner(store *ObjectStore) *UploadSigner {
	u := &UploadSigner{store: store, key: []byte("stagetest-uploads"), uploads: map[string]*multipart{}, completed: map[string][]pipeline.UploadPart{}}
	u.srv = httptest.NewServer(http.HandlerFunc(u.serve))
	return u
}

// Close stops the server.
func (u *UploadSigner) Close() { u.srv.Close() }

// Client returns an HTTP client for the server's URLs.
func (u *UploadSigner) Client() *http.Client { return u.srv.Client() }

func (u *UploadSigner) now() time.Time {
	if u.Now != nil {
		return u.Now()
	}
	return time.Now()
}

func (u *UploadSigner) mac(fields ...string) string {
	m := hmac.New(sha256.New, u.key)
	io.WriteString(m, strings.Join(fields, "\n"))
	return hex.EncodeToString(m.Sum(nil))
}

func (u *UploadSigner) sign(bucket, key, contentType, uploadID string, part int, size int64, ttl time.Duration) pipeline.SignedRequest {
	expires := u.now().Add(ttl).UTC().Truncate(time.Second)
	q := url.Values{"expires": {strconv.FormatInt(expires.Unix(), 10)}, "length": {strconv.FormatInt(size, 10)}}
	if uploadID != "" {
		q.Set("uploadId", uploadID)
		q.Set("partNumber", strconv.Itoa(part))
	}
	ifNoneMatch := ""
	if uploadID == "" {
		ifNoneMatch = "*"
	}
	q.Set("sig", u.mac(bucket, key, contentType, q.Get("expires"), uploadID, q.Get("partNumber"), q.Get("length"), ifNoneMatch))
	h := http.Header{"Content-Length": {strconv.FormatInt(size, 10)}}
	if ifNoneMatch != "" {
		h.Set("If-None-Match", ifNoneMatch)
	}
	if contentType != "" {
		h.Set("Content-Type", contentType)
	}
	return pipeline.SignedRequest{Method: http.MethodPut, URL: u.srv.URL + "/" + bucket + "/" + (&url.URL{Path: key}).EscapedPath() + "?" + q.Encode(), Headers: h, Expires: expires}
}

// PresignPut implements pipeline.UploadSigner.
func (u *UploadSigner) PresignPut(_ context.Context, bucket, key, contentType string, size int64, ttl time.Duration) (pipeline.SignedRequest, error) {
	if err := u.take("PresignPut"); err != nil {
		return pipeline.SignedRequest{}, err
	}
	if size < 1 {
		return pipeline.SignedRequest{}, fmt.Errorf("stagetest: presign put of %s/%s: size %d is not positive", bucket, key, size)
	}
	return u.sign(bucket, key, contentType, "", 0, size, ttl), nil
}

// CreateMultipartUpload implements pipeline.UploadSigner.
func (u *UploadSigner) CreateMultipartUpload(_ context.Context, bucket, key, contentType string) (string, error) {
	if err := u.take("CreateMultipartUpload"); err != nil {
		return "", err
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	u.next++
	id := fmt.Sprintf("mpu-%d", u.next)
	u.uploads[id] = &multipart{bucket: bucket, key: key, contentType: contentType, parts: map[int][]byte{}}
	return id, nil
}

// PresignUploadPart implements pipeline.UploadSigner.
func (u *UploadSigner) PresignUploadPart(_ context.Context, bucket, key, uploadID string, part int, size int64, ttl time.Duration) (pipeline.SignedRequest, error) {
	if err := u.take("PresignUploadPart"); err != nil {
		return pipeline.SignedRequest{}, err
	}
	if size < 1 {
		return pipeline.SignedRequest{}, fmt.Errorf("stagetest: presign part %d of %s/%s: size %d is not positive", part, bucket, key, size)
	}
	return u.sign(bucket, key, "", uploadID, part, size, ttl), nil
}

// ListParts implements pipeline.UploadSigner.
func (u *UploadSigner) ListParts(_ context.Context, bucket, key, uploadID string) ([]pipeline.UploadedPart, error) {
	if err := u.take("ListParts"); err != nil {
		return nil, err
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	mp, ok := u.uploads[uploadID]
	if !ok || mp.bucket != bucket || mp.key != key {
		return nil, fmt.Errorf("stagetest: list parts of %s of %s/%s: %w", uploadID, bucket, key, pipeline.ErrObjectNotFound)
	}
	var out []pipeline.UploadedPart
	for n := 1; n <= 10000; n++ {
		if body, ok := mp.parts[n]; ok {
			out = append(out, pipeline.UploadedPart{Number: n, ETag: `"` + etag(body) + `"`, Size: int64(len(body))})
		}
	}
	return out, nil
}

// CompleteMultipartUpload implements pipeline.UploadSigner: the parts must be the uploaded
// ones, in order, with their ETags.
func (u *UploadSigner) CompleteMultipartUpload(_ context.Context, bucket, key, uploadID string, parts []pipeline.UploadPart) error {
	if err := u.take("CompleteMultipartUpload"); err != nil {
		return err
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	mp, ok := u.uploads[uploadID]
	if !ok || mp.bucket != bucket || mp.key != key {
		return fmt.Errorf("stagetest: complete %s of %s/%s: %w", uploadID, bucket, key, pipeline.ErrObjectNotFound)
	}
	var data []byte
	for i, p := range parts {
		body, ok := mp.parts[p.Number]
		if !ok || p.Number != i+1 || strings.Trim(p.ETag, `"`) != etag(body) {
			return fmt.Errorf("stagetest: complete %s: parts[%d] is not uploaded part %d with its etag", uploadID, i, i+1)
		}
		data = append(data, body...)
	}
	if _, ok := u.store.PutIfAbsent(bucket, key, data, mp.contentType, nil); !ok {
		return fmt.Errorf("stagetest: complete %s of %s/%s: %w", uploadID, bucket, key, pipeline.ErrObjectExists)
	}
	u.completed[uploadID] = append([]pipeline.UploadPart(nil), parts...)
	delete(u.uploads, uploadID)
	return nil
}

// Completed returns the parts a completed upload was assembled from, and whether it was.
func (u *UploadSigner) Completed(uploadID string) ([]pipeline.UploadPart, bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	p, ok := u.completed[uploadID]
	return p, ok
}

func etag(b []byte) string {
	sum := md5.Sum(b)
	return hex.EncodeToString(sum[:])
}

// serve accepts the PUTs the signer signed.
func (u *UploadSigner) serve(w http.ResponseWriter, r *http.Request) {
	bucket, key, ok := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	q := r.URL.Query()
	uploadID, part := q.Get("uploadId"), q.Get("partNumber")
	contentType, ifNoneMatch := r.Header.Get("Content-Type"), r.Header.Get("If-None-Match")
	if uploadID != "" {
		contentType, ifNoneMatch = "", ""
	}
	exp, err := strconv.ParseInt(q.Get("expires"), 10, 64)
	switch {
	case r.Method != http.MethodPut || !ok:
		http.Error(w, "only signed PUTs to /<bucket>/<key>", http.StatusMethodNotAllowed)
		return
	case err != nil || !hmac.Equal([]byte(q.Get("sig")), []byte(u.mac(bucket, key, contentType, q.Get("expires"), uploadID, part, q.Get("length"), ifNoneMatch))):
		http.Error(w, "signature does not match (method, bucket, key, content type, expiry, part, length, If-None-Match)", http.StatusForbidden)
		return
	case strconv.FormatInt(r.ContentLength, 10) != q.Get("length"):
		http.Error(w, "Content-Length does not match the signed length", http.StatusForbidden)
		return
	case !u.now().Before(time.Unix(exp, 0)):
		http.Error(w, "request has expired", http.StatusForbidden)
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if uploadID == "" {
		if _, ok := u.store.PutIfAbsent(bucket, key, body, contentType, nil); !ok {
			http.Error(w, "the key already holds an object (If-None-Match: *)", http.StatusPreconditionFailed)
			return
		}
		w.Header().Set("ETag", `"`+etag(body)+`"`)
		return
	}
	w.Header().Set("ETag", `"`+etag(body)+`"`)
	n, _ := strconv.Atoi(part)
	u.mu.Lock()
	defer u.mu.Unlock()
	mp, ok := u.uploads[uploadID]
	if !ok || n < 1 {
		http.Error(w, "no such upload or part", http.StatusNotFound)
		return
	}
	mp.parts[n] = body
}
