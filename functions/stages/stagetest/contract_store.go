package stagetest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"

	"github.com/ottkit/ottkit/functions/pipeline"
)

// ObjectStoreFixture is what ObjectStoreContract needs of one implementation.
type ObjectStoreFixture struct {
	Store pipeline.ObjectStore
	// Bucket and OtherBucket exist and are empty.
	Bucket, OtherBucket string
	// Put writes an object the way an uploader would.
	Put func(t *testing.T, bucket, key string, data []byte, contentType string, meta map[string]string)
	// ArchiveClass is a storage class the store accepts on an in-place copy, other than the
	// default ("GLACIER_IR" on S3, "ARCHIVE" on GCS).
	ArchiveClass string
}

func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i/251)
	}
	return b
}

// ObjectStoreContract checks a pipeline.ObjectStore: Head, ranged reads that see one object,
// copies guarded by IfMatch that keep or replace metadata and change the storage class,
// delete and list. newStore returns a fresh fixture.
func ObjectStoreContract(t *testing.T, newStore func(t *testing.T) ObjectStoreFixture) {
	ctx := context.Background()
	t.Run("HeadAndNotFound", func(t *testing.T) {
		f := newStore(t)
		f.Put(t, f.Bucket, "uploads/a/b/c.mp4", []byte("hello"), "video/mp4", map[string]string{"k": "v"})
		info, err := f.Store.Head(ctx, f.Bucket, "uploads/a/b/c.mp4")
		if err != nil {
			t.Fatal(err)
		}
		if info.Size != 5 || info.ETag == "" || info.ContentType != "video/mp4" || info.Metadata["k"] != "v" {
			t.Errorf("Head = %+v, want size 5, an ETag, video/mp4 and metadata k=v", info)
		}
		if _, err := f.Store.Head(ctx, f.Bucket, "uploads/none"); !errors.Is(err, pipeline.ErrObjectNotFound) {
			t.Errorf("Head(missing) error = %v, want ErrObjectNotFound", err)
		}
	})
	t.Run("RangedReads", func(t *testing.T) {
		f := newStore(t)
		data := pattern(300 << 10)
		f.Put(t, f.Bucket, "uploads/big.mp4", data, "video/mp4", nil)
		info, err := f.Store.Head(ctx, f.Bucket, "uploads/big.mp4")
		if err != nil {
			t.Fatal(err)
		}
		r, err := f.Store.Open(ctx, f.Bucket, "uploads/big.mp4", info)
		if err != nil {
			t.Fatal(err)
		}
		if r.Size() != int64(len(data)) {
			t.Fatalf("Size = %d, want %d", r.Size(), len(data))
		}
		for _, off := range []int64{0, 1000, 150 << 10, int64(len(data)) - 100} {
			buf := make([]byte, 100)
			n, err := r.ReadAt(buf, off)
			if n != 100 || (err != nil && err != io.EOF) || !bytes.Equal(buf, data[off:off+100]) {
				t.Errorf("ReadAt(100 at %d) = %d, %v; want the object's bytes", off, n, err)
			}
		}
		buf := make([]byte, 200)
		if n, err := r.ReadAt(buf, int64(len(data))-100); n != 100 || err != io.EOF {
			t.Errorf("ReadAt across the end = %d, %v; want 100, io.EOF", n, err)
		}
		if r.Err() != nil {
			t.Errorf("Err = %v after good reads", r.Err())
		}
		if st := r.Stats(); st.Requests == 0 || st.BytesRead == 0 || st.BytesRead > int64(len(data)) {
			t.Errorf("Stats = %+v, want some requests and at most the object's size", st)
		}
	})
	t.Run("ReadOfAVanishedObjectFails", func(t *testing.T) {
		f := newStore(t)
		f.Put(t, f.Bucket, "uploads/gone.mp4", pattern(1000), "video/mp4", nil)
		info, err := f.Store.Head(ctx, f.Bucket, "uploads/gone.mp4")
		if err != nil {
			t.Fatal(err)
		}
		r, err := f.Store.Open(ctx, f.Bucket, "uploads/gone.mp4", info)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.Store.Delete(ctx, f.Bucket, "uploads/gone.mp4"); err != nil {
			t.Fatal(err)
		}
		if _, err := r.ReadAt(make([]byte, 10), 0); err == nil || err == io.EOF {
			t.Errorf("ReadAt of a deleted object = %v, want an error", err)
		}
		if r.Err() == nil {
			t.Error("Err = nil after a failed read; a stage could not tell a broken file from a broken store")
		}
	})
	t.Run("Copy", func(t *testing.T) {
		f := newStore(t)
		key := "uploads/acme/u1/My Clip+final (1).MOV"
		f.Put(t, f.Bucket, key, []byte("content"), "video/quicktime", map[string]string{"orig": "1"})
		info, err := f.Store.Head(ctx, f.Bucket, key)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.Store.Copy(ctx, pipeline.CopyInput{SrcBucket: f.Bucket, SrcKey: key, IfMatch: info.ETag, DstBucket: f.OtherBucket, DstKey: "m/My Clip+final (1).MOV"}); err != nil {
			t.Fatal(err)
		}
		got, err := f.Store.Head(ctx, f.OtherBucket, "m/My Clip+final (1).MOV")
		if err != nil || got.Size != 7 || got.Metadata["orig"] != "1" {
			t.Errorf("copy = %+v, %v; want 7 bytes with the source's metadata", got, err)
		}
		err = f.Store.Copy(ctx, pipeline.CopyInput{SrcBucket: f.Bucket, SrcKey: key, IfMatch: info.ETag, DstBucket: f.Bucket, DstKey: "quarantine/acme/u1/x.MOV",
			Metadata: map[string]string{"ottkit-reason": "corrupt"}, ContentType: "video/quicktime"})
		if err != nil {
			t.Fatal(err)
		}
		q, err := f.Store.Head(ctx, f.Bucket, "quarantine/acme/u1/x.MOV")
		if err != nil || q.Metadata["ottkit-reason"] != "corrupt" || q.Metadata["orig"] != "" || q.ContentType != "video/quicktime" {
			t.Errorf("metadata-replacing copy = %+v, %v; want only the new metadata and the content type kept", q, err)
		}
		if err := f.Store.Copy(ctx, pipeline.CopyInput{SrcBucket: f.Bucket, SrcKey: key, IfMatch: "0123456789abcdef0123456789abcdef", DstBucket: f.OtherBucket, DstKey: "m/stale"}); err == nil {
			t.Error("a copy with a stale IfMatch succeeded")
		}
		if _, err := f.Store.Head(ctx, f.OtherBucket, "m/stale"); !errors.Is(err, pipeline.ErrObjectNotFound) {
			t.Errorf("the refused copy left an object: %v", err)
		}
		if err := f.Store.Copy(ctx, pipeline.CopyInput{SrcBucket: f.OtherBucket, SrcKey: "m/My Clip+final (1).MOV", DstBucket: f.OtherBucket, DstKey: "m/My Clip+final (1).MOV", StorageClass: f.ArchiveClass}); err != nil {
			t.Fatal(err)
		}
		if a, err := f.Store.Head(ctx, f.OtherBucket, "m/My Clip+final (1).MOV"); err != nil || a.StorageClass != f.ArchiveClass || a.Size != 7 {
			t.Errorf("after the in-place archive copy Head = %+v, %v; want class %s", a, err, f.ArchiveClass)
		}
		if err := f.Store.Copy(ctx, pipeline.CopyInput{SrcBucket: f.Bucket, SrcKey: "uploads/none", DstBucket: f.OtherBucket, DstKey: "x"}); !errors.Is(err, pipeline.ErrObjectNotFound) {
			t.Errorf("copy of a missing object = %v, want ErrObjectNotFound", err)
		}
	})
	t.Run("DeleteAndList", func(t *testing.T) {
		f := newStore(t)
		for _, k := range []string{"assets/a1/index.m3u8", "assets/a1/thumbs/thumb.0000000.jpg", "assets/a2/index.m3u8"} {
			f.Put(t, f.Bucket, k, []byte(k), "application/octet-stream", nil)
		}
		got, err := f.Store.List(ctx, f.Bucket, "assets/a1/")
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got["assets/a1/index.m3u8"] != int64(len("assets/a1/index.m3u8")) {
			t.Errorf("List = %v, want the two keys under assets/a1/ with their sizes", got)
		}
		if err := f.Store.Delete(ctx, f.Bucket, "assets/a1/index.m3u8"); err != nil {
			t.Fatal(err)
		}
		if err := f.Store.Delete(ctx, f.Bucket, "assets/a1/index.m3u8"); err != nil {
			t.Errorf("deleting a missing object: %v, want success", err)
		}
		if got, _ := f.Store.List(ctx, f.Bucket, "assets/a1/"); len(got) != 1 {
			t.Errorf("after delete List = %v, want one key", got)
		}
	})
}
