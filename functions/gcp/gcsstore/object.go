package gcsstore

import (
	"context"
	"fmt"
	"io"

	"github.com/ottkit/ottkit/functions/pipeline"
	"github.com/ottkit/ottkit/functions/pipeline/rangeread"
)

// Default read-cache geometry (rangeread's).
const (
	DefaultBlockSize   = rangeread.DefaultBlockSize
	DefaultCacheBlocks = rangeread.DefaultCacheBlocks
)

// Object reads one generation of a Cloud Storage object through ranged reads with a small
// block cache (rangeread): the pipeline.ObjectReader probing needs, which never downloads the
// whole object unless asked for every byte. It is safe for concurrent use.
type Object = rangeread.Reader

// Open returns a reader over the generation info names (info.Version, else info.ETag); reads
// of a key rewritten since fail with a not-found error instead of returning the new bytes.
func (s *Store) Open(ctx context.Context, bucket, key string, info pipeline.ObjectInfo) (pipeline.ObjectReader, error) {
	v := info.Version
	if v == "" {
		v = info.ETag
	}
	gen, err := generation("Version", v)
	if err != nil {
		return nil, err
	}
	if info.Size < 0 {
		return nil, fmt.Errorf("gcsstore: open gs://%s/%s: negative size %d", bucket, key, info.Size)
	}
	obj := s.client.Bucket(bucket).Object(key).Generation(gen)
	fetch := func(start, length int64) (io.ReadCloser, error) {
		r, err := obj.NewRangeReader(ctx, start, length)
		if err != nil {
			return nil, wrap("ranged read", bucket, key, err)
		}
		return r, nil
	}
	return rangeread.New("gcsstore: ranged read gs://"+bucket+"/"+key, info.Size, fetch), nil
}
