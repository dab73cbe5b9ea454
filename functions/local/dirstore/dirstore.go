// Package dirstore is ottkit dev's object store: each bucket is a directory under one data
// directory (DATA/<bucket>/<key>), so a bucket can be browsed, and served, as plain files.
// It implements pipeline.ObjectStore with the semantics the stages rely on from S3:
//
//   - writes are atomic: an object is written to DATA/.tmp and renamed into place, so a reader
//     sees the old object or the new one, never a mix, and a crash leaves no partial object;
//   - an object's ETag and Version change on every write of its key and are derived from the
//     file itself (inode, size, modification time), so files written into a bucket directory
//     by another program (the local transcoder) have them too;
//   - Open reads the object Head described, with ranged reads counted like S3 GETs; a read
//     after the key was deleted or rewritten fails, as a GET with If-Match would;
//   - Copy honours IfMatch; content type, storage class and user metadata live beside the
//     data in DATA/.meta/<bucket>/<key>.json.
//
// Keys are checked so that none can leave its bucket's directory.
package dirstore

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"

	"github.com/ottkit/ottkit/functions/pipeline"
)

// ErrPreconditionFailed reports a Copy whose IfMatch no longer matches the source.
var ErrPreconditionFailed = errors.New("dirstore: precondition failed: the object changed")

// ErrBadKey reports a key that is empty, absolute, or would leave its bucket.
var ErrBadKey = errors.New("dirstore: invalid object key")

// Reserved directory names under the data directory; no bucket may be called so.
const (
	tmpDir  = ".tmp"
	metaDir = ".meta"
)

// Store keeps buckets as directories under Root.
type Store struct {
	root    string
	buckets []string
	// OnCreate, when set, is called after every object written into a bucket (by Put, Copy or
	// a completed multipart upload): the local counterpart of S3 event notifications.
	OnCreate func(ctx context.Context, ev pipeline.ObjectCreated)
	// mu serialises the metadata sidecar with the data it describes.
	mu sync.Mutex
}

var _ pipeline.ObjectStore = (*Store)(nil)

// New returns the store under root holding buckets, creating their directories. It fails,
// naming the directory, when root is not a writable directory.
func New(root string, buckets ...string) (*Store, error) {
	if len(buckets) == 0 {
		return nil, errors.New("dirstore: no buckets")
	}
	for _, b := range buckets {
		if b == "" || b == tmpDir || b == metaDir || strings.ContainsAny(b, `/\`) || b == "." || b == ".." {
			return nil, fmt.Errorf("dirstore: invalid bucket name %q", b)
		}
	}
	s := &Store{root: root, buckets: buckets}
	for _, d := range append([]string{tmpDir, metaDir}, buckets...) {
		if err := os.MkdirAll(filepath.Join(root, d), 0o700); err != nil {
			return nil, fmt.Errorf("dirstore: data directory %s is not writable: %w", root, err)
		}
	}
	// Proves the directory is writable now rather than at the first upload.
	f, err := os.CreateTemp(filepath.Join(root, tmpDir), "probe-*")
	if err != nil {
		return nil, fmt.Errorf("dirstore: data directory %s is not writable: %w", root, err)
	}
	f.Close()
	os.Remove(f.Name())
	return s, nil
}

// Dir returns the directory that holds bucket.
func (s *Store) Dir(bucket string) string { return filepath.Join(s.root, bucket) }

// Path returns the file that holds bucket/key, checking both.
func (s *Store) Path(bucket, key string) (string, error) {
	if !slices.Contains(s.buckets, bucket) {
		return "", fmt.Errorf("dirstore: bucket %q: %w", bucket, pipeline.ErrObjectNotFound)
	}
	if err := checkKey(key); err != nil {
		return "", err
	}
	return filepath.Join(s.root, bucket, filepath.FromSlash(key)), nil
}

func checkKey(key string) error {
	if key == "" || strings.HasPrefix(key, "/") || strings.ContainsAny(key, "\\\x00") {
		return fmt.Errorf("%w: %q", ErrBadKey, key)
	}
	for _, seg := range strings.Split(key, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return fmt.Errorf("%w: %q", ErrBadKey, key)
		}
	}
	return nil
}

func (s *Store) metaPath(bucket, key string) string {
	return filepath.Join(s.root, metaDir, bucket, filepath.FromSlash(key)+".json")
}

// meta is the sidecar of an object: what a file alone does not say.
type meta struct {
	ContentType  string            `json:"contentType,omitempty"`
	StorageClass string            `json:"storageClass,omitempty"`
	Metadata     map[string]string `json:"metadata,omitempty"`
	// Generation is the ETag of the data the sidecar was written for; a sidecar left behind
	// by an earlier object of the key (a file replaced by another program) is ignored.
	Generation string `json:"generation"`
}

// generation derives an object's ETag from its file: a new write of the key is a new file (a
// rename), so it changes; a hard-linked copy keeps it, as an S3 copy keeps the ETag.
func generation(fi fs.FileInfo) string {
	h := sha256.New()
	var ino uint64
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		ino = st.Ino
	}
	fmt.Fprintf(h, "%d/%d/%d", ino, fi.Size(), fi.ModTime().UnixNano())
	return hex.EncodeToString(h.Sum(nil)[:16])
}

func (s *Store) info(bucket, key string, fi fs.FileInfo) pipeline.ObjectInfo {
	gen := generation(fi)
	info := pipeline.ObjectInfo{Size: fi.Size(), ETag: gen, Version: gen}
	if b, err := os.ReadFile(s.metaPath(bucket, key)); err == nil {
		var m meta
		if json.Unmarshal(b, &m) == nil && m.Generation == gen {
			info.ContentType, info.StorageClass, info.Metadata = m.ContentType, m.StorageClass, m.Metadata
		}
	}
	return info
}

// Head returns what the store knows of bucket/key, or an error wrapping ErrObjectNotFound.
func (s *Store) Head(ctx context.Context, bucket, key string) (pipeline.ObjectInfo, error) {
	p, err := s.Path(bucket, key)
	if err != nil {
		return pipeline.ObjectInfo{}, err
	}
	fi, err := os.Stat(p)
	if errors.Is(err, fs.ErrNotExist) || (err == nil && fi.IsDir()) {
		return pipeline.ObjectInfo{}, fmt.Errorf("dirstore: %s/%s: %w", bucket, key, pipeline.ErrObjectNotFound)
	}
	if err != nil {
		return pipeline.ObjectInfo{}, fmt.Errorf("dirstore: head %s/%s: %w", bucket, key, err)
	}
	return s.info(bucket, key, fi), nil
}

// PutInput describes an object to write.
type PutInput struct {
	Bucket, Key string
	// Body is read to its end, or to Size bytes when Size ≥ 0.
	Body io.Reader
	// Size, when not negative, is the exact length Body must have: a shorter or longer body
	// fails and writes nothing.
	Size         int64
	ContentType  string
	StorageClass string
	Metadata     map[string]string
	// IfAbsent makes the write create-only (S3's If-None-Match: *): when the key already holds
	// an object nothing is written and Put fails with an error wrapping
	// pipeline.ErrObjectExists. The check and the write are one step (a hard link).
	IfAbsent bool
}

// Put writes an object atomically and returns what Head would say of it.
func (s *Store) Put(ctx context.Context, in PutInput) (pipeline.ObjectInfo, error) {
	p, err := s.Path(in.Bucket, in.Key)
	if err != nil {
		return pipeline.ObjectInfo{}, err
	}
	tmp, err := os.CreateTemp(filepath.Join(s.root, tmpDir), "put-*")
	if err != nil {
		return pipeline.ObjectInfo{}, fmt.Errorf("dirstore: put %s/%s: %w", in.Bucket, in.Key, err)
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	body := in.Body
	if in.Size >= 0 {
		body = io.LimitReader(in.Body, in.Size+1)
	}
	n, err := io.Copy(tmp, body)
	if err == nil && in.Size >= 0 && n != in.Size {
		err = fmt.Errorf("body is %d bytes, want exactly %d", n, in.Size)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return pipeline.ObjectInfo{}, fmt.Errorf("dirstore: put %s/%s: %w", in.Bucket, in.Key, err)
	}
	info, err := s.install(in.Bucket, in.Key, p, tmp.Name(), meta{ContentType: in.ContentType, StorageClass: in.StorageClass, Metadata: in.Metadata}, in.IfAbsent)
	if err != nil {
		return pipeline.ObjectInfo{}, err
	}
	s.created(ctx, in.Bucket, in.Key, info)
	return info, nil
}

// install renames the finished file src to path and writes its sidecar. ifAbsent links it
// instead, which fails when path exists, and then removes src.
func (s *Store) install(bucket, key, path, src string, m meta, ifAbsent bool) (pipeline.ObjectInfo, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return pipeline.ObjectInfo{}, fmt.Errorf("dirstore: put %s/%s: %w", bucket, key, err)
	}
	if ifAbsent {
		err := os.Link(src, path)
		if errors.Is(err, fs.ErrExist) {
			return pipeline.ObjectInfo{}, fmt.Errorf("dirstore: put %s/%s: %w", bucket, key, pipeline.ErrObjectExists)
		}
		if err != nil {
			return pipeline.ObjectInfo{}, fmt.Errorf("dirstore: put %s/%s: %w", bucket, key, err)
		}
		os.Remove(src)
	} else if err := os.Rename(src, path); err != nil {
		return pipeline.ObjectInfo{}, fmt.Errorf("dirstore: put %s/%s: %w", bucket, key, err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return pipeline.ObjectInfo{}, fmt.Errorf("dirstore: put %s/%s: %w", bucket, key, err)
	}
	if err := s.writeMeta(bucket, key, fi, m); err != nil {
		return pipeline.ObjectInfo{}, err
	}
	return s.info(bucket, key, fi), nil
}

func (s *Store) writeMeta(bucket, key string, fi fs.FileInfo, m meta) error {
	mp := s.metaPath(bucket, key)
	if m.ContentType == "" && m.StorageClass == "" && len(m.Metadata) == 0 {
		if err := os.Remove(mp); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("dirstore: metadata of %s/%s: %w", bucket, key, err)
		}
		return nil
	}
	m.Generation = generation(fi)
	b, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("dirstore: metadata of %s/%s: %w", bucket, key, err)
	}
	if err := os.MkdirAll(filepath.Dir(mp), 0o700); err != nil {
		return fmt.Errorf("dirstore: metadata of %s/%s: %w", bucket, key, err)
	}
	tmp := filepath.Join(s.root, tmpDir, "meta-"+rand.Text())
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return fmt.Errorf("dirstore: metadata of %s/%s: %w", bucket, key, err)
	}
	if err := os.Rename(tmp, mp); err != nil {
		return fmt.Errorf("dirstore: metadata of %s/%s: %w", bucket, key, err)
	}
	return nil
}

func (s *Store) created(ctx context.Context, bucket, key string, info pipeline.ObjectInfo) {
	if s.OnCreate != nil {
		s.OnCreate(ctx, pipeline.ObjectCreated{Bucket: bucket, Key: key, Version: info.Version, Size: info.Size, ETag: info.ETag})
	}
}

// Open returns a reader over the object Head described as info. It fails with
// ErrPreconditionFailed when the key now holds another object.
func (s *Store) Open(ctx context.Context, bucket, key string, info pipeline.ObjectInfo) (pipeline.ObjectReader, error) {
	p, err := s.Path(bucket, key)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("dirstore: %s/%s: %w", bucket, key, pipeline.ErrObjectNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("dirstore: open %s/%s: %w", bucket, key, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("dirstore: open %s/%s: %w", bucket, key, err)
	}
	if info.ETag != "" && generation(fi) != info.ETag {
		f.Close()
		return nil, fmt.Errorf("dirstore: open %s/%s: %w", bucket, key, ErrPreconditionFailed)
	}
	r := &reader{f: f, size: fi.Size(), path: p, gen: generation(fi), name: bucket + "/" + key}
	// The file closes when the caller's context ends, as an S3 reader's connections do.
	context.AfterFunc(ctx, func() { r.close() })
	return r, nil
}

// reader is an ObjectReader over one open file. Like a ranged GET with If-Match, every read
// checks that the key still holds the object that was opened, so a read of a deleted or
// replaced object fails instead of quietly reading the old file.
type reader struct {
	mu     sync.Mutex
	f      *os.File
	path   string
	gen    string
	name   string
	size   int64
	err    error
	stats  pipeline.ReadStats
	closed bool
}

func (r *reader) ReadAt(p []byte, off int64) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return 0, errors.New("dirstore: reader used after its context ended")
	}
	r.stats.Requests++
	fi, err := os.Stat(r.path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		err = fmt.Errorf("dirstore: read %s: %w", r.name, pipeline.ErrObjectNotFound)
	case err == nil && generation(fi) != r.gen:
		err = fmt.Errorf("dirstore: read %s: %w", r.name, ErrPreconditionFailed)
	}
	if err != nil {
		if r.err == nil {
			r.err = err
		}
		return 0, err
	}
	n, err := r.f.ReadAt(p, off)
	r.stats.BytesRead += int64(n)
	if err != nil && !errors.Is(err, io.EOF) && r.err == nil {
		r.err = err
	}
	return n, err
}

func (r *reader) Size() int64 { return r.size }

func (r *reader) Err() error { r.mu.Lock(); defer r.mu.Unlock(); return r.err }

func (r *reader) Stats() pipeline.ReadStats { r.mu.Lock(); defer r.mu.Unlock(); return r.stats }

func (r *reader) close() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.closed {
		r.closed = true
		r.f.Close()
	}
}

// Copy copies an object inside the store. The copy shares the source's file (a hard link:
// files are never changed in place, only replaced), so copying a master costs no I/O.
func (s *Store) Copy(ctx context.Context, in pipeline.CopyInput) error {
	src, err := s.Path(in.SrcBucket, in.SrcKey)
	if err != nil {
		return err
	}
	dst, err := s.Path(in.DstBucket, in.DstKey)
	if err != nil {
		return err
	}
	fi, err := os.Stat(src)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("dirstore: copy %s/%s: %w", in.SrcBucket, in.SrcKey, pipeline.ErrObjectNotFound)
	}
	if err != nil {
		return fmt.Errorf("dirstore: copy %s/%s: %w", in.SrcBucket, in.SrcKey, err)
	}
	old := s.info(in.SrcBucket, in.SrcKey, fi)
	if in.IfMatch != "" && in.IfMatch != old.ETag {
		return fmt.Errorf("dirstore: copy %s/%s: %w", in.SrcBucket, in.SrcKey, ErrPreconditionFailed)
	}
	m := meta{ContentType: old.ContentType, StorageClass: in.StorageClass, Metadata: old.Metadata}
	if in.Metadata != nil {
		m.Metadata, m.ContentType = in.Metadata, in.ContentType
	}
	if src == dst {
		if in.StorageClass == old.StorageClass && in.Metadata == nil {
			return fmt.Errorf("dirstore: copy %s/%s onto itself must change the storage class or the metadata", in.SrcBucket, in.SrcKey)
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.writeMeta(in.DstBucket, in.DstKey, fi, m)
	}
	tmp := filepath.Join(s.root, tmpDir, "copy-"+rand.Text())
	if err := os.Link(src, tmp); err != nil {
		if err := copyFile(src, tmp); err != nil {
			return fmt.Errorf("dirstore: copy %s/%s: %w", in.SrcBucket, in.SrcKey, err)
		}
	}
	defer os.Remove(tmp)
	info, err := s.install(in.DstBucket, in.DstKey, dst, tmp, m, false)
	if err != nil {
		return err
	}
	s.created(ctx, in.DstBucket, in.DstKey, info)
	return nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// Delete removes the object and its metadata; deleting a missing object succeeds.
func (s *Store) Delete(ctx context.Context, bucket, key string) error {
	p, err := s.Path(bucket, key)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range []string{p, s.metaPath(bucket, key)} {
		if err := os.Remove(f); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("dirstore: delete %s/%s: %w", bucket, key, err)
		}
	}
	return nil
}

// List returns every object whose key starts with prefix, as key → size.
func (s *Store) List(ctx context.Context, bucket, prefix string) (map[string]int64, error) {
	if !slices.Contains(s.buckets, bucket) {
		return nil, fmt.Errorf("dirstore: bucket %q: %w", bucket, pipeline.ErrObjectNotFound)
	}
	base := s.Dir(bucket)
	// Walk only the deepest directory the prefix names in full.
	start := base
	if i := strings.LastIndexByte(prefix, '/'); i >= 0 {
		if err := checkKey(prefix[:i]); err != nil {
			return nil, err
		}
		start = filepath.Join(base, filepath.FromSlash(prefix[:i]))
	}
	out := map[string]int64{}
	err := filepath.WalkDir(start, func(path string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(base, path)
		if err != nil {
			return err
		}
		key := filepath.ToSlash(rel)
		if !strings.HasPrefix(key, prefix) {
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		out[key] = fi.Size()
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("dirstore: list %s/%s: %w", bucket, prefix, err)
	}
	return out, nil
}
