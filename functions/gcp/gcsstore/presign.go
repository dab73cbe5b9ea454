package gcsstore

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"cloud.google.com/go/storage"

	"github.com/ottkit/ottkit/functions/pipeline"
)

// MaxSignedTTL is the longest a V4 signature may live (7 days).
const MaxSignedTTL = 7 * 24 * time.Hour

// Uploads signs uploads into the ingest bucket with V4 signatures (GOOG4-RSA-SHA256), the
// pipeline.UploadSigner. Every signed request binds its content type and, through
// x-goog-content-length-range, a size ceiling, so an uploader can neither relabel the file
// nor send more than MaxBytes, and every request that creates the object (the single PUT, the
// multipart completion) binds x-goog-if-generation-match: 0, so a grant creates at most one
// object: a replay gets 412. Multipart uploads use the XML API's S3-compatible multipart
// protocol, whose create and complete calls this type sends itself, signed the same way.
type Uploads struct {
	// Client signs through BucketHandle.SignedURL. With AccessID, PrivateKey and SignBytes
	// all empty the client finds the identity itself: on Cloud Run, the service account from
	// the metadata server, signing with IAM signBlob (iam.serviceAccounts.signBlob).
	Client *storage.Client
	// AccessID, PrivateKey and SignBytes override that identity (tests, key files).
	AccessID   string
	PrivateKey []byte
	SignBytes  func([]byte) ([]byte, error)
	// MaxBytes bounds every upload (a single PUT, or one part of a multipart upload).
	MaxBytes int64
	// Hostname and Insecure point signed URLs at another XML API endpoint (tests);
	// storage.googleapis.com over HTTPS when empty.
	Hostname string
	Insecure bool
	// HTTP sends the create and complete calls; http.DefaultClient when nil.
	HTTP *http.Client
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

var _ pipeline.UploadSigner = (*Uploads)(nil)

func (u *Uploads) now() time.Time {
	if u.Now != nil {
		return u.Now()
	}
	return time.Now()
}

// ifAbsent is the signed precondition of every request that creates the object: GCS writes
// it only while the key has no live generation, and answers 412 Precondition Failed
// otherwise, so one grant creates at most one object (and one generation, one asset).
const ifAbsent = "x-goog-if-generation-match:0"

// sign signs one XML API request. size >= 0 binds the body to exactly that many bytes
// (x-goog-content-length-range size,size); size < 0 binds no length. create binds the
// ifAbsent precondition, in SignedHeaders so that the sender cannot drop it.
func (u *Uploads) sign(bucket, key, method, contentType string, query url.Values, ttl time.Duration, size int64, create bool) (pipeline.SignedRequest, error) {
	if ttl <= 0 || ttl > MaxSignedTTL {
		return pipeline.SignedRequest{}, fmt.Errorf("gcsstore: sign %s gs://%s/%s: ttl %s is outside (0, 7 days]", method, bucket, key, ttl)
	}
	if u.MaxBytes <= 0 {
		return pipeline.SignedRequest{}, fmt.Errorf("gcsstore: sign %s gs://%s/%s: MaxBytes %d is not positive", method, bucket, key, u.MaxBytes)
	}
	expires := u.now().Add(ttl).UTC().Truncate(time.Second)
	headers := http.Header{}
	var signed []string
	if size > u.MaxBytes {
		return pipeline.SignedRequest{}, fmt.Errorf("gcsstore: sign %s gs://%s/%s: %d bytes exceed MaxBytes %d", method, bucket, key, size, u.MaxBytes)
	}
	if size >= 0 {
		n := strconv.FormatInt(size, 10)
		v := n + "," + n
		headers.Set("X-Goog-Content-Length-Range", v)
		signed = append(signed, "x-goog-content-length-range:"+v)
	}
	if contentType != "" {
		headers.Set("Content-Type", contentType)
	}
	if create {
		headers.Set("X-Goog-If-Generation-Match", "0")
		signed = append(signed, ifAbsent)
	}
	opts := &storage.SignedURLOptions{
		Scheme: storage.SigningSchemeV4, Method: method, Expires: expires,
		ContentType: contentType, Headers: signed, QueryParameters: query,
		GoogleAccessID: u.AccessID, PrivateKey: u.PrivateKey, SignBytes: u.SignBytes,
		Hostname: u.Hostname, Insecure: u.Insecure, Style: storage.PathStyle(),
	}
	raw, err := u.Client.Bucket(bucket).SignedURL(key, opts)
	if err != nil {
		return pipeline.SignedRequest{}, fmt.Errorf("gcsstore: sign %s gs://%s/%s: %w", method, bucket, key, err)
	}
	return pipeline.SignedRequest{Method: method, URL: raw, Headers: headers, Expires: expires}, nil
}

// PresignPut signs one PUT of bucket/key of exactly size bytes with contentType.
func (u *Uploads) PresignPut(_ context.Context, bucket, key, contentType string, size int64, ttl time.Duration) (pipeline.SignedRequest, error) {
	if contentType == "" {
		return pipeline.SignedRequest{}, fmt.Errorf("gcsstore: sign PUT gs://%s/%s: content type is empty", bucket, key)
	}
	return u.sign(bucket, key, http.MethodPut, contentType, nil, ttl, size, true)
}

// PresignUploadPart signs the PUT of part number part (1..10000) of the upload, of exactly
// size bytes.
func (u *Uploads) PresignUploadPart(_ context.Context, bucket, key, uploadID string, part int, size int64, ttl time.Duration) (pipeline.SignedRequest, error) {
	if part < 1 || part > 10000 {
		return pipeline.SignedRequest{}, fmt.Errorf("gcsstore: sign part of gs://%s/%s: part %d is outside 1..10000", bucket, key, part)
	}
	if uploadID == "" {
		return pipeline.SignedRequest{}, fmt.Errorf("gcsstore: sign part of gs://%s/%s: upload id is empty", bucket, key)
	}
	q := url.Values{"partNumber": {strconv.Itoa(part)}, "uploadId": {uploadID}}
	return u.sign(bucket, key, http.MethodPut, "", q, ttl, size, false)
}

// CreateMultipartUpload starts an XML API multipart upload with contentType.
func (u *Uploads) CreateMultipartUpload(ctx context.Context, bucket, key, contentType string) (string, error) {
	if contentType == "" {
		return "", fmt.Errorf("gcsstore: create multipart upload gs://%s/%s: content type is empty", bucket, key)
	}
	req, err := u.sign(bucket, key, http.MethodPost, contentType, url.Values{"uploads": {""}}, time.Minute, -1, false)
	if err != nil {
		return "", err
	}
	var out struct {
		UploadID string `xml:"UploadId"`
	}
	if err := u.send(ctx, req, nil, &out); err != nil {
		return "", fmt.Errorf("gcsstore: create multipart upload gs://%s/%s: %w", bucket, key, err)
	}
	if out.UploadID == "" {
		return "", fmt.Errorf("gcsstore: create multipart upload gs://%s/%s: response has no UploadId", bucket, key)
	}
	return out.UploadID, nil
}

// errPrecondition is GCS's 412: the key already holds an object.
var errPrecondition = errors.New("precondition failed: the object exists")

// CompleteMultipartUpload assembles the parts, in part order, into bucket/key, only while the
// key holds no object (x-goog-if-generation-match: 0); onto an existing object it fails with
// an error wrapping pipeline.ErrObjectExists.
func (u *Uploads) CompleteMultipartUpload(ctx context.Context, bucket, key, uploadID string, parts []pipeline.UploadPart) error {
	if len(parts) == 0 {
		return fmt.Errorf("gcsstore: complete gs://%s/%s: no parts", bucket, key)
	}
	sorted := slices.Clone(parts)
	slices.SortFunc(sorted, func(a, b pipeline.UploadPart) int { return a.Number - b.Number })
	type xmlPart struct {
		PartNumber int
		ETag       string
	}
	body := struct {
		XMLName xml.Name  `xml:"CompleteMultipartUpload"`
		Parts   []xmlPart `xml:"Part"`
	}{}
	for i, p := range sorted {
		if p.Number < 1 || (i > 0 && p.Number == sorted[i-1].Number) || p.ETag == "" {
			return fmt.Errorf("gcsstore: complete gs://%s/%s: part %d is invalid or repeated", bucket, key, p.Number)
		}
		body.Parts = append(body.Parts, xmlPart{p.Number, `"` + strings.Trim(p.ETag, `"`) + `"`})
	}
	doc, err := xml.Marshal(body)
	if err != nil {
		return fmt.Errorf("gcsstore: complete gs://%s/%s: %w", bucket, key, err)
	}
	req, err := u.sign(bucket, key, http.MethodPost, "", url.Values{"uploadId": {uploadID}}, time.Minute, -1, true)
	if err != nil {
		return err
	}
	err = u.send(ctx, req, doc, nil)
	if errors.Is(err, errPrecondition) {
		return fmt.Errorf("gcsstore: complete gs://%s/%s upload %s: %w", bucket, key, uploadID, errors.Join(pipeline.ErrObjectExists, err))
	}
	if err != nil {
		return fmt.Errorf("gcsstore: complete gs://%s/%s upload %s: %w", bucket, key, uploadID, err)
	}
	return nil
}

// ListParts returns the parts of the upload stored so far (the XML API's ListParts), by part
// number.
func (u *Uploads) ListParts(ctx context.Context, bucket, key, uploadID string) ([]pipeline.UploadedPart, error) {
	var out []pipeline.UploadedPart
	marker := ""
	for {
		q := url.Values{"uploadId": {uploadID}}
		if marker != "" {
			q.Set("part-number-marker", marker)
		}
		req, err := u.sign(bucket, key, http.MethodGet, "", q, time.Minute, -1, false)
		if err != nil {
			return nil, err
		}
		var page struct {
			IsTruncated          bool
			NextPartNumberMarker string
			Parts                []struct {
				PartNumber int
				ETag       string
				Size       int64
			} `xml:"Part"`
		}
		if err := u.send(ctx, req, nil, &page); err != nil {
			return nil, fmt.Errorf("gcsstore: list parts of gs://%s/%s upload %s: %w", bucket, key, uploadID, err)
		}
		for _, p := range page.Parts {
			out = append(out, pipeline.UploadedPart{Number: p.PartNumber, ETag: p.ETag, Size: p.Size})
		}
		if !page.IsTruncated || page.NextPartNumberMarker == "" {
			slices.SortFunc(out, func(a, b pipeline.UploadedPart) int { return a.Number - b.Number })
			return out, nil
		}
		marker = page.NextPartNumberMarker
	}
}

// send performs a signed XML API request and decodes its XML answer into out; a 404 (no
// such upload or bucket) wraps pipeline.ErrObjectNotFound.
func (u *Uploads) send(ctx context.Context, sr pipeline.SignedRequest, body []byte, out any) error {
	req, err := http.NewRequestWithContext(ctx, sr.Method, sr.URL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	for k, v := range sr.Headers {
		req.Header[k] = v
	}
	client := u.HTTP
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode == http.StatusNotFound {
		return fmt.Errorf("%w: HTTP 404: %s", pipeline.ErrObjectNotFound, bytes.TrimSpace(data))
	}
	if resp.StatusCode == http.StatusPreconditionFailed {
		return fmt.Errorf("%w: HTTP 412: %s", errPrecondition, bytes.TrimSpace(data))
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("HTTP %d: %s", resp.StatusCode, bytes.TrimSpace(data))
	}
	if out == nil {
		return nil
	}
	if err := xml.Unmarshal(data, out); err != nil {
		return errors.Join(errors.New("response is not the expected XML"), err)
	}
	return nil
}
