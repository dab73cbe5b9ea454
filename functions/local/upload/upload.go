// Package upload is ottkit dev's direct-to-bucket upload: a pipeline.UploadSigner whose signed
// URLs point at the local upload endpoint, and that endpoint, which accepts a PUT only with a
// valid signature for that exact bucket, key, content type (and multipart upload and part),
// before its expiry, creating the object only while its key is absent (a signed
// If-None-Match: *, so one URL makes at most one object), with a declared Content-Length within the limit and a body of exactly that
// length. It is the local counterpart of S3 presigned PUTs: the API hands out a URL, the
// uploader's bytes never pass through the API.
//
// Signatures are HMAC-SHA256 under a key the dev platform generates; URLs carry the expiry and
// the signature as query parameters, like SigV4's X-Amz-Expires and X-Amz-Signature.
package upload

import (
	"context"
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ottkit/ottkit/functions/local/dirstore"
	"github.com/ottkit/ottkit/functions/pipeline"
)

// PathPrefix is where the endpoint is mounted: PUT /upload/<bucket>/<key>.
const PathPrefix = "/upload/"

// MaxParts is the most parts a multipart upload may have, S3's limit.
const MaxParts = 10000

// Signer signs upload URLs and serves them. It implements pipeline.UploadSigner and
// http.Handler.
type Signer struct {
	key     []byte
	baseURL string
	store   *dirstore.Store
	// uploads holds multipart uploads in progress: <dir>/<id>/upload.json and part files.
	uploads  string
	maxBytes int64
	buckets  []string
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

var _ pipeline.UploadSigner = (*Signer)(nil)

// Config configures a Signer.
type Config struct {
	// Key is the HMAC key, at least 32 bytes.
	Key []byte
	// BaseURL is the endpoint's origin as uploaders reach it, e.g. http://127.0.0.1:8080.
	BaseURL string
	// Store receives the uploaded objects.
	Store *dirstore.Store
	// Buckets are the buckets uploads may target (the ingest bucket).
	Buckets []string
	// UploadsDir holds multipart uploads in progress; on the store's file system.
	UploadsDir string
	// MaxBytes is the largest object an upload may write.
	MaxBytes int64
}

// New returns a signer for cfg.
func New(cfg Config) (*Signer, error) {
	switch {
	case len(cfg.Key) < 32:
		return nil, errors.New("upload: the signing key must be at least 32 bytes")
	case cfg.Store == nil || len(cfg.Buckets) == 0:
		return nil, errors.New("upload: a store and at least one bucket are required")
	case cfg.MaxBytes <= 0:
		return nil, fmt.Errorf("upload: MaxBytes %d must be positive", cfg.MaxBytes)
	}
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return nil, fmt.Errorf("upload: BaseURL %q is not an absolute URL", cfg.BaseURL)
	}
	if err := os.MkdirAll(cfg.UploadsDir, 0o700); err != nil {
		return nil, fmt.Errorf("upload: uploads directory %s: %w", cfg.UploadsDir, err)
	}
	return &Signer{key: cfg.Key, baseURL: strings.TrimRight(cfg.BaseURL, "/"), store: cfg.Store, uploads: cfg.UploadsDir,
		maxBytes: cfg.MaxBytes, buckets: cfg.Buckets}, nil
}

func (s *Signer) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// grant is what a signature covers.
type grant struct {
	bucket, key, contentType string
	uploadID                 string
	part                     int
	// size is the exact Content-Length the PUT must have.
	size    int64
	expires int64
	// ifNoneMatch is the signed If-None-Match header of a single PUT, "*": the PUT creates
	// the object only while the key is absent, so one grant makes at most one object.
	ifNoneMatch string
}

func (s *Signer) mac(g grant) string {
	h := hmac.New(sha256.New, s.key)
	fmt.Fprintf(h, "PUT\n%s\n%s\n%s\n%s\n%d\n%d\n%d\n%s", g.bucket, g.key, g.contentType, g.uploadID, g.part, g.size, g.expires, g.ifNoneMatch)
	return hex.EncodeToString(h.Sum(nil))
}

func (s *Signer) sign(g grant, ttl time.Duration) (pipeline.SignedRequest, error) {
	if !slices.Contains(s.buckets, g.bucket) {
		return pipeline.SignedRequest{}, fmt.Errorf("upload: bucket %q does not take uploads", g.bucket)
	}
	if _, err := s.store.Path(g.bucket, g.key); err != nil {
		return pipeline.SignedRequest{}, fmt.Errorf("upload: %w", err)
	}
	if ttl <= 0 {
		return pipeline.SignedRequest{}, fmt.Errorf("upload: ttl %s must be positive", ttl)
	}
	if g.size < 0 || g.size > s.maxBytes {
		return pipeline.SignedRequest{}, fmt.Errorf("upload: size %d is outside 0..%d bytes", g.size, s.maxBytes)
	}
	expires := s.now().Add(ttl).Truncate(time.Second)
	g.expires = expires.Unix()
	q := url.Values{}
	q.Set("expires", strconv.FormatInt(g.expires, 10))
	q.Set("size", strconv.FormatInt(g.size, 10))
	if g.uploadID != "" {
		q.Set("uploadId", g.uploadID)
		q.Set("partNumber", strconv.Itoa(g.part))
	}
	q.Set("signature", s.mac(g))
	u := s.baseURL + PathPrefix + g.bucket + "/" + (&url.URL{Path: g.key}).EscapedPath() + "?" + q.Encode()
	h := http.Header{}
	if g.contentType != "" {
		h.Set("Content-Type", g.contentType)
	}
	if g.ifNoneMatch != "" {
		h.Set("If-None-Match", g.ifNoneMatch)
	}
	return pipeline.SignedRequest{Method: http.MethodPut, URL: u, Headers: h, Expires: expires}, nil
}

// PresignPut signs one PUT of bucket/key of exactly size bytes with contentType.
func (s *Signer) PresignPut(ctx context.Context, bucket, key, contentType string, size int64, ttl time.Duration) (pipeline.SignedRequest, error) {
	return s.sign(grant{bucket: bucket, key: key, contentType: contentType, size: size, ifNoneMatch: "*"}, ttl)
}

// multipart is a multipart upload's record.
type multipart struct {
	Bucket      string `json:"bucket"`
	Key         string `json:"key"`
	ContentType string `json:"contentType"`
}

var uploadIDPattern = regexp.MustCompile(`^[a-f0-9]{32}$`)

func (s *Signer) uploadDir(id string) (string, error) {
	if !uploadIDPattern.MatchString(id) {
		return "", fmt.Errorf("upload: multipart upload %q: %w", id, pipeline.ErrObjectNotFound)
	}
	return filepath.Join(s.uploads, id), nil
}

func (s *Signer) readUpload(id, bucket, key string) (string, multipart, error) {
	var m multipart
	dir, err := s.uploadDir(id)
	if err != nil {
		return "", m, err
	}
	b, err := os.ReadFile(filepath.Join(dir, "upload.json"))
	if errors.Is(err, fs.ErrNotExist) {
		return "", m, fmt.Errorf("upload: multipart upload %s: %w", id, pipeline.ErrObjectNotFound)
	}
	if err != nil {
		return "", m, fmt.Errorf("upload: multipart upload %s: %w", id, err)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return "", m, fmt.Errorf("upload: multipart upload %s: %w", id, err)
	}
	if m.Bucket != bucket || m.Key != key {
		return "", m, fmt.Errorf("upload: multipart upload %s is not for %s/%s: %w", id, bucket, key, pipeline.ErrObjectNotFound)
	}
	return dir, m, nil
}

// CreateMultipartUpload starts a multipart upload of bucket/key.
func (s *Signer) CreateMultipartUpload(ctx context.Context, bucket, key, contentType string) (string, error) {
	if !slices.Contains(s.buckets, bucket) {
		return "", fmt.Errorf("upload: bucket %q does not take uploads", bucket)
	}
	if _, err := s.store.Path(bucket, key); err != nil {
		return "", fmt.Errorf("upload: %w", err)
	}
	var raw [16]byte
	rand.Read(raw[:])
	id := hex.EncodeToString(raw[:])
	dir := filepath.Join(s.uploads, id)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("upload: create multipart upload: %w", err)
	}
	b, _ := json.Marshal(multipart{Bucket: bucket, Key: key, ContentType: contentType})
	if err := os.WriteFile(filepath.Join(dir, "upload.json"), b, 0o600); err != nil {
		return "", fmt.Errorf("upload: create multipart upload: %w", err)
	}
	return id, nil
}

// PresignUploadPart signs the PUT of part number part of the upload, of exactly size bytes.
func (s *Signer) PresignUploadPart(ctx context.Context, bucket, key, uploadID string, part int, size int64, ttl time.Duration) (pipeline.SignedRequest, error) {
	if part < 1 || part > MaxParts {
		return pipeline.SignedRequest{}, fmt.Errorf("upload: part number %d is outside 1..%d", part, MaxParts)
	}
	if _, _, err := s.readUpload(uploadID, bucket, key); err != nil {
		return pipeline.SignedRequest{}, err
	}
	return s.sign(grant{bucket: bucket, key: key, uploadID: uploadID, part: part, size: size}, ttl)
}

// ListParts returns the parts of the upload stored so far, by part number, with their ETags
// and sizes.
func (s *Signer) ListParts(ctx context.Context, bucket, key, uploadID string) ([]pipeline.UploadedPart, error) {
	dir, _, err := s.readUpload(uploadID, bucket, key)
	if err != nil {
		return nil, err
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("upload: list parts of %s: %w", uploadID, err)
	}
	var out []pipeline.UploadedPart
	for _, e := range entries { // ReadDir sorts by name: part-00001, part-00002, ...
		digits, ok := strings.CutPrefix(e.Name(), "part-")
		n, err := strconv.Atoi(digits)
		if !ok || err != nil || n < 1 || n > MaxParts {
			continue
		}
		f, err := os.Open(partFile(dir, n))
		if err != nil {
			return nil, fmt.Errorf("upload: list parts of %s: %w", uploadID, err)
		}
		etag, size, err := digest(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("upload: list parts of %s: part %d: %w", uploadID, n, err)
		}
		out = append(out, pipeline.UploadedPart{Number: n, ETag: `"` + etag + `"`, Size: size})
	}
	return out, nil
}

func partFile(dir string, n int) string { return filepath.Join(dir, fmt.Sprintf("part-%05d", n)) }

// CompleteMultipartUpload assembles the parts, in order, into bucket/key. Every part must have
// been uploaded with the ETag given, as S3 requires.
func (s *Signer) CompleteMultipartUpload(ctx context.Context, bucket, key, uploadID string, parts []pipeline.UploadPart) error {
	dir, m, err := s.readUpload(uploadID, bucket, key)
	if err != nil {
		return err
	}
	if len(parts) == 0 {
		return fmt.Errorf("upload: complete %s: no parts", uploadID)
	}
	var readers []io.Reader
	var size int64
	for i, p := range parts {
		if p.Number < 1 || (i > 0 && p.Number <= parts[i-1].Number) {
			return fmt.Errorf("upload: complete %s: part numbers must ascend from 1, got %d after %d", uploadID, p.Number, max(0, i-1))
		}
		f, err := os.Open(partFile(dir, p.Number))
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("upload: complete %s: part %d was never uploaded", uploadID, p.Number)
		}
		if err != nil {
			return fmt.Errorf("upload: complete %s: %w", uploadID, err)
		}
		defer f.Close()
		etag, n, err := digest(f)
		if err != nil {
			return fmt.Errorf("upload: complete %s: part %d: %w", uploadID, p.Number, err)
		}
		if strings.Trim(p.ETag, `"`) != etag {
			return fmt.Errorf("upload: complete %s: part %d has ETag %s, the request says %s", uploadID, p.Number, etag, p.ETag)
		}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return fmt.Errorf("upload: complete %s: %w", uploadID, err)
		}
		readers = append(readers, f)
		size += n
	}
	if size > s.maxBytes {
		return fmt.Errorf("upload: complete %s: %d bytes exceed the %d-byte limit", uploadID, size, s.maxBytes)
	}
	if _, err := s.store.Put(ctx, dirstore.PutInput{Bucket: bucket, Key: key, Body: io.MultiReader(readers...), Size: size, ContentType: m.ContentType, IfAbsent: true}); err != nil {
		return fmt.Errorf("upload: complete %s: %w", uploadID, err)
	}
	return os.RemoveAll(dir)
}

func digest(r io.Reader) (string, int64, error) {
	h := md5.New()
	n, err := io.Copy(h, r)
	return hex.EncodeToString(h.Sum(nil)), n, err
}

// ServeHTTP is the upload endpoint: PUT /upload/<bucket>/<key>?expires=…&signature=…, with
// uploadId and partNumber for a part. It answers 403 for a missing, wrong or expired
// signature or a content type or If-None-Match other than the signed one, 412 when a single
// PUT's key already holds an object (a replayed URL), 411 without a Content-Length, 413
// above the limit, 400 for a body shorter or longer than its Content-Length, and 200 with the
// object's (or part's) ETag otherwise.
func (s *Signer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPut {
		w.Header().Set("Allow", http.MethodPut)
		http.Error(w, "uploads are PUT requests", http.StatusMethodNotAllowed)
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, PathPrefix)
	bucket, key, ok2 := strings.Cut(rest, "/")
	if !ok || !ok2 {
		http.Error(w, "the path must be "+PathPrefix+"<bucket>/<key>", http.StatusNotFound)
		return
	}
	q := r.URL.Query()
	g := grant{bucket: bucket, key: key, uploadID: q.Get("uploadId")}
	var err error
	if g.expires, err = strconv.ParseInt(q.Get("expires"), 10, 64); err != nil {
		http.Error(w, "the URL has no valid expires parameter: it was not signed by ottkit dev", http.StatusForbidden)
		return
	}
	if g.size, err = strconv.ParseInt(q.Get("size"), 10, 64); err != nil {
		http.Error(w, "the URL has no valid size parameter: it was not signed by ottkit dev", http.StatusForbidden)
		return
	}
	if g.uploadID != "" {
		if g.part, err = strconv.Atoi(q.Get("partNumber")); err != nil || g.part < 1 || g.part > MaxParts {
			http.Error(w, "the URL has no valid partNumber", http.StatusForbidden)
			return
		}
	} else {
		g.contentType = r.Header.Get("Content-Type")
		g.ifNoneMatch = r.Header.Get("If-None-Match")
	}
	if !hmac.Equal([]byte(q.Get("signature")), []byte(s.mac(g))) {
		http.Error(w, "signature does not match: the URL, its bucket, key, part or the Content-Type header differ from what was signed", http.StatusForbidden)
		return
	}
	if s.now().Unix() > g.expires {
		http.Error(w, "the upload URL expired at "+time.Unix(g.expires, 0).UTC().Format(time.RFC3339), http.StatusForbidden)
		return
	}
	if r.ContentLength < 0 {
		http.Error(w, "a Content-Length header is required", http.StatusLengthRequired)
		return
	}
	if r.ContentLength > s.maxBytes {
		http.Error(w, fmt.Sprintf("%d bytes exceed the %d-byte upload limit", r.ContentLength, s.maxBytes), http.StatusRequestEntityTooLarge)
		return
	}
	if r.ContentLength != g.size {
		http.Error(w, fmt.Sprintf("Content-Length %d is not the %d bytes the upload URL was signed for", r.ContentLength, g.size), http.StatusForbidden)
		return
	}
	var etag string
	if g.uploadID != "" {
		etag, err = s.putPart(g, r.Body, r.ContentLength)
	} else {
		var info pipeline.ObjectInfo
		info, err = s.store.Put(r.Context(), dirstore.PutInput{Bucket: bucket, Key: key, Body: r.Body, Size: r.ContentLength, ContentType: g.contentType, IfAbsent: g.ifNoneMatch == "*"})
		etag = info.ETag
	}
	switch {
	case errors.Is(err, pipeline.ErrObjectExists):
		http.Error(w, bucket+"/"+key+" already holds an object: an upload URL creates one object, once", http.StatusPreconditionFailed)
		return
	case errors.Is(err, pipeline.ErrObjectNotFound):
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	case err != nil:
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	w.Header().Set("ETag", `"`+etag+`"`)
	w.WriteHeader(http.StatusOK)
}

// putPart stores one part atomically and returns its ETag, the hex MD5 of its bytes as S3's.
func (s *Signer) putPart(g grant, body io.Reader, size int64) (string, error) {
	dir, _, err := s.readUpload(g.uploadID, g.bucket, g.key)
	if err != nil {
		return "", err
	}
	tmp, err := os.CreateTemp(dir, "incoming-*")
	if err != nil {
		return "", err
	}
	defer os.Remove(tmp.Name())
	h := md5.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), io.LimitReader(body, size+1))
	if err == nil && n != size {
		err = fmt.Errorf("body is %d bytes, Content-Length says %d", n, size)
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", err
	}
	if err := os.Rename(tmp.Name(), partFile(dir, g.part)); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
