package gcsstore

import (
	"context"
	"io"
	"strconv"
	"strings"

	"github.com/ottkit/ottkit/functions/pipeline"
)

var _ pipeline.ObjectGetter = (*Store)(nil)

// Get streams the object's current generation with what GCS knows of it; ETag and Version
// are that generation, so the bytes and the info always describe one object. Metadata keys
// come back lowercase (see lowerKeys).
func (s *Store) Get(ctx context.Context, bucket, key string) (io.ReadCloser, pipeline.ObjectInfo, error) {
	r, err := s.client.Bucket(bucket).Object(key).NewReader(ctx)
	if err != nil {
		return nil, pipeline.ObjectInfo{}, wrap("get", bucket, key, err)
	}
	gen := strconv.FormatInt(r.Attrs.Generation, 10)
	return r, pipeline.ObjectInfo{
		Size: r.Attrs.Size, ETag: gen, Version: gen,
		ContentType: r.Attrs.ContentType, CacheControl: r.Attrs.CacheControl, Metadata: lowerKeys(r.Metadata()),
	}, nil
}

// lowerKeys undoes the HTTP header canonicalisation of the reader's x-goog-meta-* keys
// ("ottkit-source" arrives as "Ottkit-Source"): user metadata keys are lowercase, as on S3.
func lowerKeys(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[strings.ToLower(k)] = v
	}
	return out
}
