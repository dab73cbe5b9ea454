package stagetest

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"strings"
	"sync"

	"github.com/ottkit/ottkit/functions/pipeline"
)

// ErrPrecondition is what the fake ObjectStore returns for a copy whose IfMatch no longer
// matches the source.
var ErrPrecondition = errors.New("stagetest: precondition failed")

// storedObject is one object of the fake store.
type storedObject struct {
	data []byte
	info pipeline.ObjectInfo
}

// ObjectStore is an in-memory pipeline.ObjectStore. ETags are the hex MD5 of the content, as
// S3's are for single-part uploads; every write gets a new Version.
type ObjectStore struct {
	Faults
	mu      sync.Mutex
	objects map[string]storedObject // bucket + "/" + key
	version int
	// ReadFailsAfter, when positive, makes every reader fail after that many bytes, like a
	// connection reset in the middle of a probe.
	ReadFailsAfter int64
}

var (
	_ pipeline.ObjectStore  = (*ObjectStore)(nil)
	_ pipeline.ObjectGetter = (*ObjectStore)(nil)
	_ pipeline.ObjectWriter = (*ObjectStore)(nil)
)

// NewObjectStore returns an empty store; any bucket name exists.
func NewObjectStore() *ObjectStore { return &ObjectStore{objects: map[string]storedObject{}} }

func path(bucket, key string) string { return bucket + "/" + key }

// Put writes an object (test setup, or an uploader) and returns its info.
func (s *ObjectStore) Put(bucket, key string, data []byte, contentType string, meta map[string]string) pipeline.ObjectInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.put(bucket, key, append([]byte(nil), data...), pipeline.ObjectInfo{ContentType: contentType, Metadata: maps.Clone(meta)})
}

func (s *ObjectStore) put(bucket, key string, data []byte, info pipeline.ObjectInfo) pipeline.ObjectInfo {
	s.version++
	sum := md5.Sum(data)
	info.Size, info.ETag, info.Version = int64(len(data)), hex.EncodeToString(sum[:]), fmt.Sprintf("v%d", s.version)
	s.objects[path(bucket, key)] = storedObject{data: data, info: info}
	return info
}

// Bytes returns the object's content and whether it exists.
func (s *ObjectStore) Bytes(bucket, key string) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.objects[path(bucket, key)]
	return o.data, ok
}

// Keys returns every key in bucket under prefix.
func (s *ObjectStore) Keys(bucket, prefix string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for p := range s.objects {
		if k, ok := strings.CutPrefix(p, bucket+"/"); ok && strings.HasPrefix(k, prefix) {
			out = append(out, k)
		}
	}
	return out
}

// Head implements pipeline.ObjectStore.
func (s *ObjectStore) Head(_ context.Context, bucket, key string) (pipeline.ObjectInfo, error) {
	if err := s.take("Head"); err != nil {
		return pipeline.ObjectInfo{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.objects[path(bucket, key)]
	if !ok {
		return pipeline.ObjectInfo{}, fmt.Errorf("stagetest: head %s/%s: %w", bucket, key, pipeline.ErrObjectNotFound)
	}
	info := o.info
	info.Metadata = maps.Clone(o.info.Metadata)
	return info, nil
}

// Open implements pipeline.ObjectStore: reads fail once the key holds another object than
// info's (another ETag).
func (s *ObjectStore) Open(_ context.Context, bucket, key string, info pipeline.ObjectInfo) (pipeline.ObjectReader, error) {
	if err := s.take("Open"); err != nil {
		return nil, err
	}
	return &reader{store: s, bucket: bucket, key: key, info: info, failAfter: s.ReadFailsAfter}, nil
}

// Copy implements pipeline.ObjectStore.
func (s *ObjectStore) Copy(_ context.Context, in pipeline.CopyInput) error {
	if err := s.take("Copy"); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	src, ok := s.objects[path(in.SrcBucket, in.SrcKey)]
	if !ok {
		return fmt.Errorf("stagetest: copy from %s/%s: %w", in.SrcBucket, in.SrcKey, pipeline.ErrObjectNotFound)
	}
	if in.IfMatch != "" && in.IfMatch != src.info.ETag {
		return fmt.Errorf("stagetest: copy from %s/%s: etag %s, want %s: %w", in.SrcBucket, in.SrcKey, src.info.ETag, in.IfMatch, ErrPrecondition)
	}
	inPlace := in.SrcBucket == in.DstBucket && in.SrcKey == in.DstKey
	if inPlace && in.Metadata == nil && in.StorageClass == src.info.StorageClass {
		return fmt.Errorf("stagetest: copy %s/%s onto itself changes nothing", in.SrcBucket, in.SrcKey)
	}
	info := pipeline.ObjectInfo{ContentType: src.info.ContentType, Metadata: maps.Clone(src.info.Metadata), StorageClass: in.StorageClass}
	if in.Metadata != nil {
		info.Metadata, info.ContentType = maps.Clone(in.Metadata), in.ContentType
	}
	s.put(in.DstBucket, in.DstKey, src.data, info)
	return nil
}

// Get implements pipeline.ObjectGetter.
func (s *ObjectStore) Get(_ context.Context, bucket, key string) (io.ReadCloser, pipeline.ObjectInfo, error) {
	if err := s.take("Get"); err != nil {
		return nil, pipeline.ObjectInfo{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.objects[path(bucket, key)]
	if !ok {
		return nil, pipeline.ObjectInfo{}, fmt.Errorf("stagetest: get %s/%s: %w", bucket, key, pipeline.ErrObjectNotFound)
	}
	info := o.info
	info.Metadata = maps.Clone(o.info.Metadata)
	return io.NopCloser(bytes.NewReader(o.data)), info, nil
}

// PutStream implements pipeline.ObjectWriter: the object appears only once the whole body has been
// read and its length matches in.Size.
func (s *ObjectStore) PutStream(_ context.Context, in pipeline.PutInput) (pipeline.ObjectInfo, error) {
	if err := s.take("PutStream"); err != nil {
		return pipeline.ObjectInfo{}, err
	}
	data, err := io.ReadAll(in.Body)
	if err != nil {
		return pipeline.ObjectInfo{}, fmt.Errorf("stagetest: put %s/%s: %w", in.Bucket, in.Key, err)
	}
	if int64(len(data)) != in.Size {
		return pipeline.ObjectInfo{}, fmt.Errorf("stagetest: put %s/%s: body has %d bytes, declared %d", in.Bucket, in.Key, len(data), in.Size)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.put(in.Bucket, in.Key, data, pipeline.ObjectInfo{ContentType: in.ContentType, CacheControl: in.CacheControl, Metadata: maps.Clone(in.Metadata)}), nil
}

// Delete implements pipeline.ObjectStore.
func (s *ObjectStore) Delete(_ context.Context, bucket, key string) error {
	if err := s.take("Delete"); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.objects, path(bucket, key))
	return nil
}

// List implements pipeline.ObjectStore.
func (s *ObjectStore) List(_ context.Context, bucket, prefix string) (map[string]int64, error) {
	if err := s.take("List"); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]int64{}
	for p, o := range s.objects {
		if k, ok := strings.CutPrefix(p, bucket+"/"); ok && strings.HasPrefix(k, prefix) {
			out[k] = o.info.Size
		}
	}
	return out, nil
}

// reader is the fake's ObjectReader.
type reader struct {
	store       *ObjectStore
	bucket, key string
	info        pipeline.ObjectInfo
	failAfter   int64

	mu    sync.Mutex
	stats pipeline.ReadStats
	err   error
}

func (r *reader) Size() int64 { return r.info.Size }

func (r *reader) ReadAt(p []byte, off int64) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return 0, r.err
	}
	if off < 0 {
		return 0, fmt.Errorf("stagetest: read %s/%s at negative offset %d", r.bucket, r.key, off)
	}
	if off >= r.info.Size {
		return 0, io.EOF
	}
	r.store.mu.Lock()
	o, ok := r.store.objects[path(r.bucket, r.key)]
	r.store.mu.Unlock()
	switch {
	case !ok:
		r.err = fmt.Errorf("stagetest: read %s/%s: %w", r.bucket, r.key, pipeline.ErrObjectNotFound)
	case r.info.ETag != "" && o.info.ETag != r.info.ETag:
		r.err = fmt.Errorf("stagetest: read %s/%s: etag %s, opened %s: %w", r.bucket, r.key, o.info.ETag, r.info.ETag, ErrPrecondition)
	case r.failAfter > 0 && r.stats.BytesRead+int64(len(p)) > r.failAfter:
		r.err = fmt.Errorf("stagetest: read %s/%s: %w", r.bucket, r.key, ErrInjected)
	}
	if r.err != nil {
		return 0, r.err
	}
	r.stats.Requests++
	n := copy(p, o.data[off:])
	r.stats.BytesRead += int64(n)
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func (r *reader) Err() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}

func (r *reader) Stats() pipeline.ReadStats {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.stats
}
