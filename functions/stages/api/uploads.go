package api

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/ottkit/ottkit/functions/pipeline"
)

// Multipart geometry. Above MultipartThreshold an upload is multipart, with parts of at least
// MinPartSize and at most MaxParts parts (S3's limit, the strictest).
const (
	MultipartThreshold = 100 << 20
	MinPartSize        = 16 << 20
	MaxParts           = 10000
)

type uploadRequest struct {
	Filename    string `json:"filename"`
	Size        int64  `json:"size"`
	ContentType string `json:"contentType"`
}

type uploadResponse struct {
	UploadID  string            `json:"uploadId"`
	Key       string            `json:"key"`
	ExpiresAt time.Time         `json:"expiresAt"`
	Method    string            `json:"method,omitempty"`
	URL       string            `json:"url,omitempty"`
	Headers   map[string]string `json:"headers,omitempty"`
	Multipart *multipartUpload  `json:"multipart,omitempty"`
}

type multipartUpload struct {
	UploadID string     `json:"uploadId"`
	PartSize int64      `json:"partSize"`
	Parts    []partSpec `json:"parts"`
}

type partSpec struct {
	PartNumber int    `json:"partNumber"`
	URL        string `json:"url"`
	// Headers must be sent with the part's PUT unchanged: the store signed them (GCS binds
	// the part's length with x-goog-content-length-range).
	Headers map[string]string `json:"headers,omitempty"`
}

// headerMap flattens signed headers for the JSON response (each is signed with one value).
func headerMap(h http.Header) map[string]string {
	out := map[string]string{}
	for k := range h {
		out[k] = h.Get(k)
	}
	return out
}

var contentTypePattern = regexp.MustCompile(`^[a-z]+/[a-z0-9.+-]+$`)

func decodeStrict(b []byte, v any) error {
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("trailing data after the JSON object")
	}
	return nil
}

func (h *Handler) createUpload(ctx context.Context, c caller, req Request) (Response, *apiError) {
	if !c.Roles[RoleUploader] {
		return Response{}, fail(403, CodeForbidden, "uploading needs the "+RoleUploader+" role")
	}
	b, apiErr := body(req)
	if apiErr != nil {
		return Response{}, apiErr
	}
	var in uploadRequest
	if err := decodeStrict(b, &in); err != nil {
		return Response{}, fail(400, CodeBadRequest, "body must be {\"filename\", \"size\", \"contentType\"}: "+err.Error())
	}
	name := safeFilename(in.Filename)
	if name == "" {
		return Response{}, fail(400, CodeBadRequest, "filename is required")
	}
	if in.Size <= 0 {
		return Response{}, fail(400, CodeBadRequest, "size must be the file's size in bytes")
	}
	if in.Size > h.cfg.MaxUploadBytes {
		return Response{}, fail(413, CodeTooLarge, fmt.Sprintf("size %d exceeds the limit of %d bytes", in.Size, h.cfg.MaxUploadBytes))
	}
	contentType := strings.ToLower(strings.TrimSpace(in.ContentType))
	if contentType == "" {
		contentType = "application/octet-stream"
	}
	if !contentTypePattern.MatchString(contentType) {
		return Response{}, fail(400, CodeBadRequest, "contentType must look like video/mp4")
	}

	id := h.NewID()
	key := pipeline.UploadPrefix + c.Tenant + "/" + id + "/" + name
	out := uploadResponse{UploadID: id, Key: key, ExpiresAt: h.Now().Add(h.cfg.UploadTTL).UTC().Truncate(time.Second)}
	if in.Size <= h.MultipartThreshold {
		// The declared size is signed: a body of any other length is refused by the store.
		p, err := h.uploads.PresignPut(ctx, h.cfg.IngestBucket, key, contentType, in.Size, h.cfg.UploadTTL)
		if err != nil {
			return Response{}, h.internal(ctx, "presign put failed", err)
		}
		out.Method, out.URL, out.Headers = p.Method, p.URL, headerMap(p.Headers)
	} else {
		partSize, count := partGeometry(in.Size, h.MinPartSize)
		uploadID, err := h.uploads.CreateMultipartUpload(ctx, h.cfg.IngestBucket, key, contentType)
		if err != nil {
			return Response{}, h.internal(ctx, "create multipart upload failed", err)
		}
		mp := &multipartUpload{UploadID: uploadID, PartSize: partSize, Parts: make([]partSpec, 0, count)}
		for n := 1; n <= count; n++ {
			// Every part's exact length is signed; only the last may be short.
			size := partSize
			if n == count {
				size = in.Size - int64(count-1)*partSize
			}
			p, err := h.uploads.PresignUploadPart(ctx, h.cfg.IngestBucket, key, uploadID, n, size, h.cfg.UploadTTL)
			if err != nil {
				return Response{}, h.internal(ctx, "presign part failed", err)
			}
			part := partSpec{PartNumber: n, URL: p.URL}
			if len(p.Headers) > 0 {
				part.Headers = headerMap(p.Headers)
			}
			mp.Parts = append(mp.Parts, part)
		}
		out.Multipart = mp
	}
	h.log.InfoContext(ctx, "upload created", "key", key, "size", in.Size, "multipart", out.Multipart != nil, "subject", c.Subject)
	return jsonResponse(201, out), nil
}

type completeRequest struct {
	Key      string `json:"key"`
	UploadID string `json:"uploadId"`
	Parts    []struct {
		PartNumber int    `json:"partNumber"`
		ETag       string `json:"etag"`
	} `json:"parts"`
}

func (h *Handler) completeUpload(ctx context.Context, c caller, req Request) (Response, *apiError) {
	if !c.Roles[RoleUploader] {
		return Response{}, fail(403, CodeForbidden, "uploading needs the "+RoleUploader+" role")
	}
	b, apiErr := body(req)
	if apiErr != nil {
		return Response{}, apiErr
	}
	var in completeRequest
	if err := decodeStrict(b, &in); err != nil {
		return Response{}, fail(400, CodeBadRequest, "body must be {\"key\", \"uploadId\", \"parts\"}: "+err.Error())
	}
	prefix := pipeline.UploadPrefix + c.Tenant + "/"
	if !strings.HasPrefix(in.Key, prefix) || strings.Contains(in.Key, "..") || strings.Count(in.Key, "/") != 3 {
		// Another tenant's key is reported like a malformed one.
		return Response{}, fail(400, CodeBadRequest, "key is not one of your uploads")
	}
	if in.UploadID == "" || len(in.Parts) == 0 || len(in.Parts) > MaxParts {
		return Response{}, fail(400, CodeBadRequest, "uploadId and 1 to 10000 parts are required")
	}
	parts := make([]pipeline.UploadPart, len(in.Parts))
	for i, p := range in.Parts {
		if p.PartNumber != i+1 || p.ETag == "" {
			return Response{}, fail(400, CodeBadRequest, fmt.Sprintf("parts[%d] must be part %d with its etag", i, i+1))
		}
		parts[i] = pipeline.UploadPart{Number: p.PartNumber, ETag: p.ETag}
	}
	if apiErr := h.verifyParts(ctx, in.Key, in.UploadID, parts); apiErr != nil {
		return Response{}, apiErr
	}
	if err := h.uploads.CompleteMultipartUpload(ctx, h.cfg.IngestBucket, in.Key, in.UploadID, parts); err != nil {
		if errors.Is(err, pipeline.ErrObjectNotFound) {
			return Response{}, fail(404, CodeNotFound, "no such multipart upload")
		}
		if errors.Is(err, pipeline.ErrObjectExists) {
			return Response{}, fail(409, CodeConflict, "the upload's key already holds a file: an upload is assembled once")
		}
		h.log.WarnContext(ctx, "complete multipart upload failed", "key", in.Key, "error", err.Error())
		return Response{}, fail(400, CodeBadRequest, "the parts could not be assembled; check the part numbers and etags")
	}
	return jsonResponse(200, map[string]string{"key": in.Key}), nil
}

// partGeometry is the fixed multipart geometry of an upload of size bytes: parts of partSize
// (at least minPart, whole MiB, few enough for MaxParts), the last one shorter, count of them.
func partGeometry(size, minPart int64) (partSize int64, count int) {
	partSize = max(minPart, (size+MaxParts-1)/MaxParts)
	partSize = (partSize + 1<<20 - 1) &^ (1<<20 - 1)
	return partSize, int((size + partSize - 1) / partSize)
}

// verifyParts checks, before anything is assembled, that the store holds exactly the parts the
// client names, with their ETags, in the upload's geometry (every part but the last of one
// size, the last no longer) and no more than MaxUploadBytes in all. The signed lengths already
// stop an oversized part; this stops extra parts and a total beyond the limit.
func (h *Handler) verifyParts(ctx context.Context, key, uploadID string, parts []pipeline.UploadPart) *apiError {
	stored, err := h.uploads.ListParts(ctx, h.cfg.IngestBucket, key, uploadID)
	if errors.Is(err, pipeline.ErrObjectNotFound) {
		return fail(404, CodeNotFound, "no such multipart upload")
	}
	if err != nil {
		return h.internal(ctx, "list parts failed", err)
	}
	bad := func(format string, a ...any) *apiError {
		h.log.WarnContext(ctx, "multipart upload refused", "key", key, "reason", fmt.Sprintf(format, a...))
		return fail(400, CodeBadRequest, fmt.Sprintf(format, a...))
	}
	if len(stored) != len(parts) {
		return bad("the upload holds %d parts, the request names %d", len(stored), len(parts))
	}
	var total int64
	for i, p := range stored {
		switch {
		case p.Number != parts[i].Number || strings.Trim(p.ETag, `"`) != strings.Trim(parts[i].ETag, `"`):
			return bad("parts[%d] is not uploaded part %d with that etag", i, parts[i].Number)
		case i < len(stored)-1 && p.Size != stored[0].Size:
			return bad("part %d has %d bytes; every part but the last has %d", p.Number, p.Size, stored[0].Size)
		case p.Size > stored[0].Size:
			return bad("the last part has %d bytes, more than the part size %d", p.Size, stored[0].Size)
		}
		total += p.Size
	}
	if total > h.cfg.MaxUploadBytes {
		return bad("the parts hold %d bytes; the limit is %d", total, h.cfg.MaxUploadBytes)
	}
	return nil
}

// safeFilename keeps the last path element of name with only characters that are safe in a
// key, a URL and a Content-Disposition: letters, digits, '.', '-' and '_'.
func safeFilename(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	var b strings.Builder
	for _, r := range name {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '_':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
		if b.Len() >= 128 {
			break
		}
	}
	out := strings.TrimLeft(b.String(), ".")
	if strings.Trim(out, "_") == "" {
		return ""
	}
	return out
}

// newUUID returns a random RFC 4122 version 4 UUID.
func newUUID() string {
	var u [16]byte
	_, _ = rand.Read(u[:])
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}
