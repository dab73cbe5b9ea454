package s3store

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/ottkit/ottkit/functions/pipeline"
)

var (
	_ pipeline.ObjectGetter = (*Store)(nil)
	_ pipeline.ObjectWriter = (*Store)(nil)
)

// Get streams the whole object with what S3 knows of it, or fails with ErrNotFound.
func (s *Store) Get(ctx context.Context, bucket, key string) (io.ReadCloser, ObjectInfo, error) {
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		return nil, ObjectInfo{}, wrap("get", bucket, key, err)
	}
	return out.Body, ObjectInfo{
		Size:         aws.ToInt64(out.ContentLength),
		ETag:         strings.Trim(aws.ToString(out.ETag), `"`),
		Version:      aws.ToString(out.VersionId),
		ContentType:  aws.ToString(out.ContentType),
		CacheControl: aws.ToString(out.CacheControl),
		StorageClass: string(out.StorageClass),
		Metadata:     out.Metadata,
	}, nil
}

// PutStream writes in.Body as one PUT of exactly in.Size bytes, streamed: the body is read
// once, as the request is sent, and never held whole. A body that ends early fails the PUT
// before S3 stores anything; one longer than declared fails after it, and the object is
// deleted. On a store whose single-PUT ETag is the MD5 of the bytes (NewR2), the ETag is
// checked against the bytes sent.
func (s *Store) PutStream(ctx context.Context, in pipeline.PutInput) (ObjectInfo, error) {
	if in.Size < 0 || in.Size > s.maxPut {
		return ObjectInfo{}, fmt.Errorf("s3store: put s3://%s/%s: size %d is outside 0..%d, what one PUT can write", in.Bucket, in.Key, in.Size, s.maxPut)
	}
	body := &exactReader{r: in.Body, left: in.Size, sum: md5.New()}
	req := &s3.PutObjectInput{
		Bucket: aws.String(in.Bucket), Key: aws.String(in.Key),
		Body: body, ContentLength: aws.Int64(in.Size), Metadata: in.Metadata,
	}
	if in.ContentType != "" {
		req.ContentType = aws.String(in.ContentType)
	}
	if in.CacheControl != "" {
		req.CacheControl = aws.String(in.CacheControl)
	}
	out, err := s.client.PutObject(ctx, req)
	if err != nil {
		return ObjectInfo{}, wrap("put", in.Bucket, in.Key, err)
	}
	if err := body.excess(); err != nil {
		if derr := s.Delete(ctx, in.Bucket, in.Key); derr != nil {
			err = errors.Join(err, derr)
		}
		return ObjectInfo{}, fmt.Errorf("s3store: put s3://%s/%s: %w", in.Bucket, in.Key, err)
	}
	etag := strings.Trim(aws.ToString(out.ETag), `"`)
	if s.md5ETag {
		if sent := hex.EncodeToString(body.sum.Sum(nil)); etag != sent {
			return ObjectInfo{}, fmt.Errorf("s3store: put s3://%s/%s: the store's ETag %q is not the MD5 %s of the bytes sent", in.Bucket, in.Key, etag, sent)
		}
	}
	return ObjectInfo{Size: in.Size, ETag: etag, Version: aws.ToString(out.VersionId), ContentType: in.ContentType, CacheControl: in.CacheControl, Metadata: in.Metadata}, nil
}

// exactReader passes on exactly left bytes of r, hashing them, and fails the read that finds
// r shorter.
type exactReader struct {
	r    io.Reader
	left int64
	sum  hash.Hash
}

func (e *exactReader) Read(p []byte) (int, error) {
	if e.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > e.left {
		p = p[:e.left]
	}
	n, err := e.r.Read(p)
	e.left -= int64(n)
	e.sum.Write(p[:n])
	if errors.Is(err, io.EOF) && e.left > 0 {
		return n, fmt.Errorf("body ended %d bytes short of its declared size: %w", e.left, io.ErrUnexpectedEOF)
	}
	if err == nil && e.left == 0 {
		err = io.EOF
	}
	return n, err
}

// excess reports a body that holds more than its declared size.
func (e *exactReader) excess() error {
	var one [1]byte
	if n, _ := io.ReadFull(e.r, one[:]); n > 0 {
		return errors.New("body is longer than its declared size")
	}
	return nil
}
