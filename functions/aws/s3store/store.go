// Package s3store is ottkit's adapter over Amazon S3: object metadata, ranged reads for
// probing without downloading, server-side copies (to quarantine, to masters, to an archive
// storage class), listings, and presigned uploads, single-part and multipart.
package s3store

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/ottkit/ottkit/functions/pipeline"
)

// ErrNotFound reports that the object (or bucket, or multipart upload) does not exist. It is
// pipeline.ErrObjectNotFound.
var ErrNotFound = pipeline.ErrObjectNotFound

// MaxCopySize is the largest object a single CopyObject can copy (5 GiB). Larger objects would
// need a multipart copy, which ottkit does not do; the functions' configuration caps uploads
// at this size instead.
const MaxCopySize = 5 << 30

// Store reads, copies, lists and presigns objects. Its methods are safe for concurrent use.
type Store struct {
	client  *s3.Client
	presign *s3.PresignClient
	// md5ETag is set for stores whose single-PUT ETag is the MD5 of the bytes (R2), which
	// PutStream then checks.
	md5ETag bool
	// maxPut is the largest object one PutStream may write.
	maxPut int64
}

// New returns a Store using client.
func New(client *s3.Client) *Store {
	return &Store{client: client, presign: s3.NewPresignClient(client), maxPut: MaxCopySize}
}

// ObjectInfo is what a HEAD tells about an object; StorageClass "" means STANDARD.
type ObjectInfo = pipeline.ObjectInfo

var _ pipeline.ObjectStore = (*Store)(nil)

// Head returns the object's metadata, or ErrNotFound.
func (s *Store) Head(ctx context.Context, bucket, key string) (ObjectInfo, error) {
	out, err := s.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		return ObjectInfo{}, wrap("head", bucket, key, err)
	}
	return ObjectInfo{
		Size:         aws.ToInt64(out.ContentLength),
		ETag:         strings.Trim(aws.ToString(out.ETag), `"`),
		Version:      aws.ToString(out.VersionId),
		ContentType:  aws.ToString(out.ContentType),
		CacheControl: aws.ToString(out.CacheControl),
		StorageClass: string(out.StorageClass),
		Metadata:     out.Metadata,
	}, nil
}

// CopyInput describes a server-side copy (see pipeline.CopyInput).
type CopyInput = pipeline.CopyInput

// Copy copies an object within S3 without downloading it. Copying an object onto itself with
// a different StorageClass is how a master moves to an archive tier.
func (s *Store) Copy(ctx context.Context, in CopyInput) error {
	req := &s3.CopyObjectInput{
		Bucket:     aws.String(in.DstBucket),
		Key:        aws.String(in.DstKey),
		CopySource: aws.String(copySource(in.SrcBucket, in.SrcKey)),
	}
	if in.IfMatch != "" {
		req.CopySourceIfMatch = aws.String(`"` + in.IfMatch + `"`)
	}
	if in.StorageClass != "" {
		req.StorageClass = types.StorageClass(in.StorageClass)
	}
	if in.Metadata != nil {
		req.Metadata = in.Metadata
		req.MetadataDirective = types.MetadataDirectiveReplace
		// REPLACE resets the system metadata too, so the content type is carried over.
		if in.ContentType != "" {
			req.ContentType = aws.String(in.ContentType)
		}
	}
	if _, err := s.client.CopyObject(ctx, req); err != nil {
		return wrap("copy to s3://"+in.DstBucket+"/"+in.DstKey+" from", in.SrcBucket, in.SrcKey, err)
	}
	return nil
}

// copySource renders the x-amz-copy-source value: bucket/key with the key URL-encoded per
// segment so that spaces, plus signs and non-ASCII names survive. S3 decodes the header like a
// form value, so a literal "+" must travel as %2B or it comes back as a space.
func copySource(bucket, key string) string {
	parts := strings.Split(key, "/")
	for i, p := range parts {
		parts[i] = strings.ReplaceAll(url.PathEscape(p), "+", "%2B")
	}
	return bucket + "/" + strings.Join(parts, "/")
}

// Delete removes an object. Deleting an object that does not exist succeeds, as in S3.
func (s *Store) Delete(ctx context.Context, bucket, key string) error {
	if _, err := s.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)}); err != nil {
		return wrap("delete", bucket, key, err)
	}
	return nil
}

// List returns every object under prefix, following continuation tokens, as a map from key to
// size.
func (s *Store) List(ctx context.Context, bucket, prefix string) (map[string]int64, error) {
	out := map[string]int64{}
	p := s3.NewListObjectsV2Paginator(s.client, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, wrap("list", bucket, prefix, err)
		}
		for _, o := range page.Contents {
			out[aws.ToString(o.Key)] = aws.ToInt64(o.Size)
		}
	}
	return out, nil
}

// wrap names the operation and object in err, and turns S3's not-found errors into ErrNotFound.
func wrap(op, bucket, key string, err error) error {
	if IsNotFound(err) {
		return fmt.Errorf("s3store: %s s3://%s/%s: %w", op, bucket, key, errors.Join(ErrNotFound, err))
	}
	return fmt.Errorf("s3store: %s s3://%s/%s: %w", op, bucket, key, err)
}

// IsNotFound reports whether err is S3's answer for a missing object, bucket or multipart
// upload.
func IsNotFound(err error) bool {
	if errors.Is(err, ErrNotFound) {
		return true
	}
	var nsk *types.NoSuchKey
	var nf *types.NotFound
	var nsb *types.NoSuchBucket
	var nsu *types.NoSuchUpload
	if errors.As(err, &nsk) || errors.As(err, &nf) || errors.As(err, &nsb) || errors.As(err, &nsu) {
		return true
	}
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		return false
	}
	switch apiErr.ErrorCode() {
	case "NotFound", "NoSuchKey", "NoSuchBucket", "NoSuchUpload":
		return true
	}
	return false
}
