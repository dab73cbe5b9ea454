package gcsstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"cloud.google.com/go/storage"

	"github.com/ottkit/ottkit/functions/pipeline"
)

// Default read-cache geometry: probing reads a few small boxes at the start and end of a file,
// often the same region twice, so a handful of 64 KiB blocks saves most round trips.
const (
	DefaultBlockSize   = 64 << 10
	DefaultCacheBlocks = 32
)

// Object reads one generation of a Cloud Storage object through ranged reads with a small
// block cache: the pipeline.ObjectReader probing needs, which never downloads the whole
// object unless asked for every byte. It is safe for concurrent use.
type Object struct {
	ctx         context.Context
	obj         *storage.ObjectHandle
	bucket, key string
	size        int64
	blockSize   int64
	maxBlocks   int

	mu     sync.Mutex
	blocks map[int64][]byte
	order  []int64 // block indexes, least recently used first
	stats  pipeline.ReadStats
	err    error
}

var _ pipeline.ObjectReader = (*Object)(nil)

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
	return &Object{
		ctx: ctx, obj: s.client.Bucket(bucket).Object(key).Generation(gen),
		bucket: bucket, key: key, size: info.Size,
		blockSize: DefaultBlockSize, maxBlocks: DefaultCacheBlocks, blocks: map[int64][]byte{},
	}, nil
}

// Size returns the object's size in bytes.
func (o *Object) Size() int64 { return o.size }

// Stats returns the traffic so far.
func (o *Object) Stats() pipeline.ReadStats {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.stats
}

// Err returns the first storage error a read hit, if any.
func (o *Object) Err() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.err
}

// ReadAt reads len(p) bytes at off, returning io.EOF when the read reaches the end.
func (o *Object) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("gcsstore: read gs://%s/%s at negative offset %d", o.bucket, o.key, off)
	}
	if off >= o.size {
		return 0, io.EOF
	}
	want := min(int64(len(p)), o.size-off)
	if want == 0 {
		return 0, nil
	}
	first, last := off/o.blockSize, (off+want-1)/o.blockSize

	o.mu.Lock()
	defer o.mu.Unlock()
	if o.err != nil {
		return 0, o.err
	}
	if !o.haveAll(first, last) {
		if err := o.fetch(first, last); err != nil {
			o.err = err
			return 0, err
		}
	}
	n := 0
	for b := first; b <= last; b++ {
		start := int64(0)
		if b == first {
			start = off - b*o.blockSize
		}
		n += copy(p[n:want], o.blocks[b][start:])
		o.touch(b)
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func (o *Object) haveAll(first, last int64) bool {
	for b := first; b <= last; b++ {
		if _, ok := o.blocks[b]; !ok {
			return false
		}
	}
	return true
}

// fetch reads blocks first..last with one ranged read.
func (o *Object) fetch(first, last int64) error {
	start := first * o.blockSize
	end := min((last+1)*o.blockSize, o.size)
	o.stats.Requests++
	r, err := o.obj.NewRangeReader(o.ctx, start, end-start)
	if err != nil {
		return wrap("ranged read", o.bucket, o.key, err)
	}
	defer r.Close()
	buf := make([]byte, end-start)
	n, err := io.ReadFull(r, buf)
	o.stats.BytesRead += int64(n)
	if err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return fmt.Errorf("gcsstore: ranged read gs://%s/%s: got %d of %d bytes: %w", o.bucket, o.key, n, len(buf), io.ErrUnexpectedEOF)
		}
		return fmt.Errorf("gcsstore: ranged read gs://%s/%s: %w", o.bucket, o.key, err)
	}
	for b := first; b <= last; b++ {
		lo := (b - first) * o.blockSize
		hi := min(lo+o.blockSize, int64(len(buf)))
		o.blocks[b] = buf[lo:hi:hi]
		o.touch(b)
	}
	o.evict(int(last - first + 1))
	return nil
}

func (o *Object) touch(b int64) {
	for i, x := range o.order {
		if x == b {
			o.order = append(o.order[:i], o.order[i+1:]...)
			break
		}
	}
	o.order = append(o.order, b)
}

func (o *Object) evict(keep int) {
	limit := max(o.maxBlocks, keep)
	for len(o.order) > limit {
		delete(o.blocks, o.order[0])
		o.order = o.order[1:]
	}
}
