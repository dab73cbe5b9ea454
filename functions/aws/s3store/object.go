package s3store

import (
	"context"
	"io"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/ottkit/ottkit/functions/pipeline"
	"github.com/ottkit/ottkit/functions/pipeline/rangeread"
)

// Default read-cache geometry (rangeread's).
const (
	DefaultBlockSize   = rangeread.DefaultBlockSize
	DefaultCacheBlocks = rangeread.DefaultCacheBlocks
)

// Object reads one S3 object through ranged GETs with a small block cache (rangeread). It
// implements io.ReaderAt and Size, which is what probing needs, and never downloads the whole
// object unless asked for every byte. It is safe for concurrent use.
type Object = rangeread.Reader

// ReadStats counts an Object's traffic: ranged GETs sent and bytes received.
type ReadStats = pipeline.ReadStats

// Open returns a ranged reader over bucket/key as info (from Head) describes it. When
// info.ETag is not empty every GET carries If-Match, so a probe never mixes bytes of two
// versions of a key.
func (s *Store) Open(ctx context.Context, bucket, key string, info ObjectInfo) (pipeline.ObjectReader, error) {
	return s.OpenObject(ctx, bucket, key, info.Size, info.ETag), nil
}

// OpenObject is Open with the size and ETag given directly, returning the concrete *Object.
// Reads use ctx, so the reader is valid until ctx ends.
func (s *Store) OpenObject(ctx context.Context, bucket, key string, size int64, etag string) *Object {
	fetch := func(start, length int64) (io.ReadCloser, error) {
		in := &s3.GetObjectInput{
			Bucket: aws.String(bucket), Key: aws.String(key),
			Range: aws.String("bytes=" + strconv.FormatInt(start, 10) + "-" + strconv.FormatInt(start+length-1, 10)),
		}
		if etag != "" {
			in.IfMatch = aws.String(`"` + etag + `"`)
		}
		out, err := s.client.GetObject(ctx, in)
		if err != nil {
			return nil, wrap("ranged get", bucket, key, err)
		}
		return out.Body, nil
	}
	return rangeread.New("s3store: ranged get s3://"+bucket+"/"+key, size, fetch)
}
