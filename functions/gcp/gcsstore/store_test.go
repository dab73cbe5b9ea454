package gcsstore

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/fsouza/fake-gcs-server/fakestorage"

	"github.com/ottkit/ottkit/functions/pipeline"
)

// newFake starts fake-gcs-server in process with an ingest and a masters bucket.
func newFake(t testing.TB) (*fakestorage.Server, *Store) {
	t.Helper()
	srv, err := fakestorage.NewServerWithOptions(fakestorage.Options{Scheme: "http", Host: "127.0.0.1", NoListener: true, Writer: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	for _, b := range []string{"ingest", "masters"} {
		srv.CreateBucketWithOpts(fakestorage.CreateBucketOpts{Name: b, VersioningEnabled: true})
	}
	return srv, New(srv.Client())
}

func put(t testing.TB, srv *fakestorage.Server, bucket, key string, data []byte) {
	t.Helper()
	w := srv.Client().Bucket(bucket).Object(key).NewWriter(context.Background())
	w.ContentType = "video/mp4"
	w.Metadata = map[string]string{"tenant": "acme"}
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

func content(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i * 7)
	}
	return b
}

func TestHeadOpenRead(t *testing.T) {
	srv, s := newFake(t)
	ctx := context.Background()
	data := content(300 << 10)
	put(t, srv, "ingest", "uploads/acme/a.mp4", data)
	info, err := s.Head(ctx, "ingest", "uploads/acme/a.mp4")
	if err != nil {
		t.Fatal(err)
	}
	if info.Size != int64(len(data)) || info.Version == "" || info.ETag != info.Version || info.ContentType != "video/mp4" || info.Metadata["tenant"] != "acme" {
		t.Fatalf("Head = %+v", info)
	}
	r, err := s.Open(ctx, "ingest", "uploads/acme/a.mp4", info)
	if err != nil {
		t.Fatal(err)
	}
	if r.Size() != int64(len(data)) {
		t.Errorf("Size %d", r.Size())
	}
	buf := make([]byte, 100)
	for _, off := range []int64{0, 10, 200 << 10, int64(len(data)) - 100} {
		if n, err := r.ReadAt(buf, off); n != 100 || err != nil || !bytes.Equal(buf, data[off:off+100]) {
			t.Fatalf("ReadAt(%d) = %d, %v", off, n, err)
		}
	}
	// The two reads in block 0 cost one request; the tail read stops at the end.
	if st := r.Stats(); st.Requests != 3 || st.BytesRead >= int64(len(data)) {
		t.Errorf("stats %+v: want 3 ranged reads and less than the whole object", st)
	}
	if n, err := r.ReadAt(buf, int64(len(data))-10); n != 10 || err != io.EOF {
		t.Errorf("read past the end = %d, %v; want 10, EOF", n, err)
	}

	// A rewrite of the key does not leak into a reader of the old generation.
	put(t, srv, "ingest", "uploads/acme/a.mp4", content(10))
	r2, err := s.Open(ctx, "ingest", "uploads/acme/a.mp4", info)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := r2.ReadAt(buf, 0); err != nil || !bytes.Equal(buf[:n], data[:100]) {
		t.Errorf("read of the old generation after a rewrite = %d, %v", n, err)
	}
	if _, err := s.Head(ctx, "ingest", "missing"); !errors.Is(err, pipeline.ErrObjectNotFound) {
		t.Errorf("Head of a missing object: %v, want ErrObjectNotFound", err)
	}
	if _, err := s.Open(ctx, "ingest", "k", pipeline.ObjectInfo{Version: "v1"}); err == nil {
		t.Error("Open accepted a version that is not a generation")
	}
}

func TestReadOfMissingGenerationFails(t *testing.T) {
	srv, s := newFake(t)
	ctx := context.Background()
	put(t, srv, "ingest", "k", content(1000))
	info, _ := s.Head(ctx, "ingest", "k")
	info.Version = "12345"
	r, err := s.Open(ctx, "ingest", "k", info)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.ReadAt(make([]byte, 10), 0); err == nil || r.Err() == nil || !errors.Is(r.Err(), pipeline.ErrObjectNotFound) {
		t.Errorf("read of a missing generation: %v / Err %v, want ErrObjectNotFound", err, r.Err())
	}
}

func TestCopyDeleteList(t *testing.T) {
	srv, s := newFake(t)
	ctx := context.Background()
	put(t, srv, "ingest", "uploads/acme/a.mp4", content(5000))
	info, _ := s.Head(ctx, "ingest", "uploads/acme/a.mp4")
	err := s.Copy(ctx, pipeline.CopyInput{
		SrcBucket: "ingest", SrcKey: "uploads/acme/a.mp4", IfMatch: info.ETag,
		DstBucket: "masters", DstKey: "acme/id1/source.mp4",
		Metadata: map[string]string{"assetId": "id1"}, ContentType: "video/mp4",
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Head(ctx, "masters", "acme/id1/source.mp4")
	if err != nil || got.Size != 5000 || got.Metadata["assetId"] != "id1" || got.ContentType != "video/mp4" {
		t.Fatalf("copy = %+v, %v", got, err)
	}
	// A stale ETag (an overwritten generation) is not copied.
	put(t, srv, "ingest", "uploads/acme/b.mp4", content(10))
	old, _ := s.Head(ctx, "ingest", "uploads/acme/b.mp4")
	put(t, srv, "ingest", "uploads/acme/b.mp4", content(20))
	if err := srv.Client().Bucket("ingest").Object("uploads/acme/b.mp4").Generation(mustGen(t, old.Version)).Delete(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Copy(ctx, pipeline.CopyInput{SrcBucket: "ingest", SrcKey: "uploads/acme/b.mp4", IfMatch: old.ETag, DstBucket: "masters", DstKey: "b"}); err == nil {
		t.Error("copy of a replaced generation succeeded")
	}
	for name, in := range map[string]pipeline.CopyInput{
		"self":     {SrcBucket: "masters", SrcKey: "x", DstBucket: "masters", DstKey: "x"},
		"class":    {SrcBucket: "masters", SrcKey: "x", DstBucket: "masters", DstKey: "x", StorageClass: "GLACIER"},
		"if-match": {SrcBucket: "masters", SrcKey: "x", DstBucket: "masters", DstKey: "y", IfMatch: `"abc"`},
	} {
		if err := s.Copy(ctx, in); err == nil {
			t.Errorf("%s: Copy(%+v) succeeded", name, in)
		}
	}

	put(t, srv, "masters", "assets/id1/index.m3u8", content(3))
	put(t, srv, "masters", "assets/id1/thumbs/thumb0000000000.jpeg", content(4))
	put(t, srv, "masters", "assets/id2/index.m3u8", content(5))
	list, err := s.List(ctx, "masters", "assets/id1/")
	if err != nil || len(list) != 2 || list["assets/id1/index.m3u8"] != 3 || list["assets/id1/thumbs/thumb0000000000.jpeg"] != 4 {
		t.Errorf("List = %v, %v", list, err)
	}
	if err := s.Delete(ctx, "masters", "assets/id1/index.m3u8"); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, "masters", "assets/id1/index.m3u8"); err != nil {
		t.Errorf("second Delete: %v, want nil", err)
	}
	if list, _ := s.List(ctx, "masters", "assets/id1/"); len(list) != 1 {
		t.Errorf("after delete List = %v", list)
	}
	if _, err := s.List(ctx, "nobucket", ""); !errors.Is(err, pipeline.ErrObjectNotFound) && !strings.Contains(err.Error(), "nobucket") {
		t.Errorf("List of a missing bucket: %v", err)
	}
}

func mustGen(t *testing.T, v string) int64 {
	t.Helper()
	g, err := generation("v", v)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func BenchmarkProbeReads(b *testing.B) {
	srv, s := newFake(b)
	ctx := context.Background()
	put(b, srv, "ingest", "k", content(4<<20))
	info, _ := s.Head(ctx, "ingest", "k")
	buf := make([]byte, 4096)
	b.ReportAllocs()
	for b.Loop() {
		r, _ := s.Open(ctx, "ingest", "k", info)
		for _, off := range []int64{0, 8, 64 << 10, 2 << 20, 4<<20 - 4096} {
			if _, err := r.ReadAt(buf, off); err != nil {
				b.Fatal(err)
			}
		}
	}
}
