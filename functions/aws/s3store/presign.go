package s3store

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/ottkit/ottkit/functions/pipeline"
)

// PresignedRequest is a request a client without AWS credentials can send as is.
type PresignedRequest = pipeline.SignedRequest

var _ pipeline.UploadSigner = (*Store)(nil)

// PresignPut presigns a single PUT of key of exactly size bytes with the given content type.
// The content type and the Content-Length are signed, so the uploader can change neither: S3
// refuses a body of another length. So is If-None-Match: *, which makes the PUT create-only:
// replaying the URL (or any PUT onto a key that holds an object) gets 412 Precondition Failed,
// so one grant creates at most one object and fires one ObjectCreated event.
func (s *Store) PresignPut(ctx context.Context, bucket, key, contentType string, size int64, ttl time.Duration) (PresignedRequest, error) {
	if size < 1 {
		return PresignedRequest{}, fmt.Errorf("s3store: presign put s3://%s/%s: size %d is not positive", bucket, key, size)
	}
	in := &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), ContentLength: aws.Int64(size), IfNoneMatch: aws.String("*")}
	if contentType != "" {
		in.ContentType = aws.String(contentType)
	}
	req, err := s.presign.PresignPutObject(ctx, in, s3.WithPresignExpires(ttl))
	if err != nil {
		return PresignedRequest{}, fmt.Errorf("s3store: presign put s3://%s/%s: %w", bucket, key, err)
	}
	return presigned(req.Method, req.URL, req.SignedHeader, ttl), nil
}

// CreateMultipartUpload starts a multipart upload and returns its upload id.
func (s *Store) CreateMultipartUpload(ctx context.Context, bucket, key, contentType string) (string, error) {
	in := &s3.CreateMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String(key)}
	if contentType != "" {
		in.ContentType = aws.String(contentType)
	}
	out, err := s.client.CreateMultipartUpload(ctx, in)
	if err != nil {
		return "", wrap("create multipart upload", bucket, key, err)
	}
	return aws.ToString(out.UploadId), nil
}

// PresignUploadPart presigns the PUT of one part (numbered from 1) of a multipart upload, of
// exactly size bytes (a signed Content-Length).
func (s *Store) PresignUploadPart(ctx context.Context, bucket, key, uploadID string, part int, size int64, ttl time.Duration) (PresignedRequest, error) {
	if size < 1 {
		return PresignedRequest{}, fmt.Errorf("s3store: presign part %d of s3://%s/%s: size %d is not positive", part, bucket, key, size)
	}
	req, err := s.presign.PresignUploadPart(ctx, &s3.UploadPartInput{
		Bucket: aws.String(bucket), Key: aws.String(key), UploadId: aws.String(uploadID), PartNumber: aws.Int32(int32(part)),
		ContentLength: aws.Int64(size),
	}, s3.WithPresignExpires(ttl))
	if err != nil {
		return PresignedRequest{}, fmt.Errorf("s3store: presign part %d of s3://%s/%s: %w", part, bucket, key, err)
	}
	return presigned(req.Method, req.URL, req.SignedHeader, ttl), nil
}

func presigned(method, url string, h http.Header, ttl time.Duration) PresignedRequest {
	out := http.Header{}
	for k, v := range h {
		// Host is implied by the URL; sending it explicitly confuses browsers' fetch.
		if http.CanonicalHeaderKey(k) == "Host" {
			continue
		}
		out[http.CanonicalHeaderKey(k)] = v
	}
	return PresignedRequest{Method: method, URL: url, Headers: out, Expires: time.Now().Add(ttl).UTC().Truncate(time.Second)}
}

// ListParts returns the parts of a multipart upload S3 holds, by part number, following every
// page (S3 returns at most 1,000 a page; an upload has up to 10,000).
func (s *Store) ListParts(ctx context.Context, bucket, key, uploadID string) ([]pipeline.UploadedPart, error) {
	var out []pipeline.UploadedPart
	p := s3.NewListPartsPaginator(s.client, &s3.ListPartsInput{Bucket: aws.String(bucket), Key: aws.String(key), UploadId: aws.String(uploadID)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, wrap("list parts of upload "+uploadID+" of", bucket, key, err)
		}
		for _, part := range page.Parts {
			out = append(out, pipeline.UploadedPart{Number: int(aws.ToInt32(part.PartNumber)), ETag: aws.ToString(part.ETag), Size: aws.ToInt64(part.Size)})
		}
	}
	return out, nil
}

// Part is one uploaded part of a multipart upload, as the uploader reports it.
type Part = pipeline.UploadPart

// CompleteMultipartUpload assembles the uploaded parts into the object, only if the key holds
// none (If-None-Match: *): onto an existing object it fails with an error wrapping
// pipeline.ErrObjectExists. S3 has no presigned form of this call, so the uploader asks the
// API to make it.
func (s *Store) CompleteMultipartUpload(ctx context.Context, bucket, key, uploadID string, parts []Part) error {
	completed := make([]types.CompletedPart, len(parts))
	for i, p := range parts {
		completed[i] = types.CompletedPart{PartNumber: aws.Int32(int32(p.Number)), ETag: aws.String(p.ETag)}
	}
	_, err := s.client.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
		Bucket: aws.String(bucket), Key: aws.String(key), UploadId: aws.String(uploadID),
		MultipartUpload: &types.CompletedMultipartUpload{Parts: completed},
		IfNoneMatch:     aws.String("*"),
	})
	if isPreconditionFailed(err) {
		return fmt.Errorf("s3store: complete multipart upload %s of s3://%s/%s: %w", uploadID, bucket, key, errors.Join(pipeline.ErrObjectExists, err))
	}
	if err != nil {
		return wrap("complete multipart upload "+uploadID+" of", bucket, key, err)
	}
	return nil
}

// isPreconditionFailed reports whether err is S3's 412 for a failed If-None-Match (or, for a
// concurrent create, 409 ConditionalRequestConflict).
func isPreconditionFailed(err error) bool {
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		return false
	}
	switch apiErr.ErrorCode() {
	case "PreconditionFailed", "ConditionalRequestConflict":
		return true
	}
	return false
}
