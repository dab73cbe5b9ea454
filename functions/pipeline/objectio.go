package pipeline

import (
	"context"
	"io"
)

// ObjectGetter streams whole objects out of a store: what the complete stage copies to an
// edge mirror, read once from start to end rather than through an ObjectReader's cache.
type ObjectGetter interface {
	// Get returns the object's bytes and what the store knows of it (as Head would), or an
	// error wrapping ErrObjectNotFound. The caller closes the body.
	Get(ctx context.Context, bucket, key string) (io.ReadCloser, ObjectInfo, error)
}

// PutInput is one object written from a stream.
type PutInput struct {
	Bucket, Key string
	// Body supplies exactly Size bytes; it is read once and never held whole in memory.
	Body io.Reader
	Size int64
	// ContentType and CacheControl are stored with the object and returned on reads.
	ContentType, CacheControl string
	// Metadata is the object's user metadata (without the vendor's prefix).
	Metadata map[string]string
}

// ObjectWriter writes objects from a stream. A write is all or nothing: readers see the
// previous object (or none) until the new one is complete and verified.
type ObjectWriter interface {
	// PutStream stores in.Body as in.Bucket/in.Key and returns the stored object's info. It fails
	// when the body is shorter or longer than in.Size or the store received other bytes than
	// were sent.
	PutStream(ctx context.Context, in PutInput) (ObjectInfo, error)
}
