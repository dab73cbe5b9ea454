package dirstore_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ottkit/ottkit/functions/local/dirstore"
	"github.com/ottkit/ottkit/functions/pipeline"
)

func newStore(t *testing.T) *dirstore.Store {
	t.Helper()
	s, err := dirstore.New(t.TempDir(), "ingest", "masters", "delivery")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func put(t *testing.T, s *dirstore.Store, bucket, key, body string) pipeline.ObjectInfo {
	t.Helper()
	info, err := s.Put(context.Background(), dirstore.PutInput{Bucket: bucket, Key: key, Body: strings.NewReader(body), Size: -1, ContentType: "video/mp4"})
	if err != nil {
		t.Fatal(err)
	}
	return info
}

func TestPutHeadOpenRangedReads(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	var events []pipeline.ObjectCreated
	s.OnCreate = func(_ context.Context, ev pipeline.ObjectCreated) { events = append(events, ev) }
	info := put(t, s, "ingest", "uploads/acme/u1/clip.mp4", "0123456789")
	head, err := s.Head(ctx, "ingest", "uploads/acme/u1/clip.mp4")
	if err != nil {
		t.Fatal(err)
	}
	if head.Size != 10 || head.ETag == "" || head.ETag != info.ETag || head.Version == "" || head.ContentType != "video/mp4" {
		t.Errorf("Head = %+v, Put said %+v", head, info)
	}
	if len(events) != 1 || events[0] != (pipeline.ObjectCreated{Bucket: "ingest", Key: "uploads/acme/u1/clip.mp4", Version: head.Version, Size: 10, ETag: head.ETag}) {
		t.Errorf("OnCreate got %+v", events)
	}
	rctx, cancel := context.WithCancel(ctx)
	r, err := s.Open(rctx, "ingest", "uploads/acme/u1/clip.mp4", head)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4)
	if n, err := r.ReadAt(buf, 6); n != 4 || string(buf) != "6789" || err != nil {
		t.Errorf("ReadAt(6) = %d %q %v", n, buf, err)
	}
	if n, err := r.ReadAt(buf, 8); n != 2 || !errors.Is(err, io.EOF) {
		t.Errorf("ReadAt past the end = %d, %v", n, err)
	}
	if st := r.Stats(); st.Requests != 2 || st.BytesRead != 6 || r.Err() != nil || r.Size() != 10 {
		t.Errorf("stats %+v, err %v, size %d", st, r.Err(), r.Size())
	}
	// A new write of the key: the open reader refuses to read on, Open with the old info too.
	second := put(t, s, "ingest", "uploads/acme/u1/clip.mp4", "abcdefghijXYZ")
	if second.ETag == head.ETag || second.Version == head.Version {
		t.Errorf("a rewrite kept ETag %s / version %s", second.ETag, second.Version)
	}
	if _, err := r.ReadAt(buf, 0); !errors.Is(err, dirstore.ErrPreconditionFailed) || !errors.Is(r.Err(), dirstore.ErrPreconditionFailed) {
		t.Errorf("ReadAt after a rewrite = %v (Err %v), want ErrPreconditionFailed", err, r.Err())
	}
	cancel()
	if _, err := s.Open(ctx, "ingest", "uploads/acme/u1/clip.mp4", head); !errors.Is(err, dirstore.ErrPreconditionFailed) {
		t.Errorf("Open(stale info) = %v, want ErrPreconditionFailed", err)
	}
}

func TestPutExactSizeWritesNothingOnMismatch(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	for _, body := range []string{"short", "much too long"} {
		_, err := s.Put(ctx, dirstore.PutInput{Bucket: "ingest", Key: "uploads/a/b.mp4", Body: strings.NewReader(body), Size: 8})
		if err == nil {
			t.Errorf("Put of %d bytes with Size 8 succeeded", len(body))
		}
	}
	if _, err := s.Head(ctx, "ingest", "uploads/a/b.mp4"); !errors.Is(err, pipeline.ErrObjectNotFound) {
		t.Errorf("a failed Put left an object: %v", err)
	}
	if left, _ := os.ReadDir(filepath.Join(s.Dir("ingest"), "..", ".tmp")); len(left) != 0 {
		t.Errorf("a failed Put left temp files %v", left)
	}
}

func TestKeysCannotLeaveTheirBucket(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	for _, key := range []string{"", "/etc/passwd", "../masters/x", "a/../../x", "a//b", "a/./b", `a\b`} {
		if _, err := s.Head(ctx, "ingest", key); !errors.Is(err, dirstore.ErrBadKey) {
			t.Errorf("Head(%q) = %v, want ErrBadKey", key, err)
		}
		if _, err := s.Put(ctx, dirstore.PutInput{Bucket: "ingest", Key: key, Body: strings.NewReader("x"), Size: -1}); !errors.Is(err, dirstore.ErrBadKey) {
			t.Errorf("Put(%q) = %v, want ErrBadKey", key, err)
		}
	}
	if _, err := s.Head(ctx, "nope", "a"); !errors.Is(err, pipeline.ErrObjectNotFound) {
		t.Errorf("Head(unknown bucket) = %v, want ErrObjectNotFound", err)
	}
}

func TestCopyDeleteList(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	src := put(t, s, "ingest", "uploads/acme/u1/clip.mp4", "master bytes")
	if err := s.Copy(ctx, pipeline.CopyInput{SrcBucket: "ingest", SrcKey: "uploads/acme/u1/clip.mp4", IfMatch: "other", DstBucket: "masters", DstKey: "a1/clip.mp4"}); !errors.Is(err, dirstore.ErrPreconditionFailed) {
		t.Errorf("Copy with a stale IfMatch = %v", err)
	}
	if err := s.Copy(ctx, pipeline.CopyInput{SrcBucket: "ingest", SrcKey: "uploads/acme/u1/clip.mp4", IfMatch: src.ETag, DstBucket: "masters", DstKey: "a1/clip.mp4",
		Metadata: map[string]string{"asset-id": "a1"}, ContentType: "video/mp4"}); err != nil {
		t.Fatal(err)
	}
	m, err := s.Head(ctx, "masters", "a1/clip.mp4")
	if err != nil || m.Size != src.Size || m.Metadata["asset-id"] != "a1" || m.ContentType != "video/mp4" {
		t.Fatalf("copied master %+v, %v", m, err)
	}
	// Archiving: an in-place copy with another storage class keeps the data.
	if err := s.Copy(ctx, pipeline.CopyInput{SrcBucket: "masters", SrcKey: "a1/clip.mp4", DstBucket: "masters", DstKey: "a1/clip.mp4", StorageClass: "GLACIER_IR"}); err != nil {
		t.Fatal(err)
	}
	if m, _ := s.Head(ctx, "masters", "a1/clip.mp4"); m.StorageClass != "GLACIER_IR" || m.Metadata["asset-id"] != "a1" {
		t.Errorf("after archiving: %+v", m)
	}
	if err := s.Copy(ctx, pipeline.CopyInput{SrcBucket: "masters", SrcKey: "a1/clip.mp4", DstBucket: "masters", DstKey: "a1/clip.mp4", StorageClass: "GLACIER_IR"}); err == nil {
		t.Error("an in-place copy that changes nothing succeeded")
	}
	// Deleting the source leaves the copy intact.
	if err := s.Delete(ctx, "ingest", "uploads/acme/u1/clip.mp4"); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, "ingest", "uploads/acme/u1/clip.mp4"); err != nil {
		t.Errorf("deleting a missing object: %v", err)
	}
	r, err := s.Open(ctx, "masters", "a1/clip.mp4", pipeline.ObjectInfo{})
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, r.Size())
	r.ReadAt(b, 0)
	if string(b) != "master bytes" {
		t.Errorf("master reads %q", b)
	}

	for _, k := range []string{"assets/a1/index.m3u8", "assets/a1/thumbs/thumb.0000000.jpg", "assets/a1/thumbs/thumb.0000001.jpg", "assets/a10/index.m3u8"} {
		put(t, s, "delivery", k, "x")
	}
	got, err := s.List(ctx, "delivery", "assets/a1/thumbs/thumb.")
	if err != nil || len(got) != 2 || got["assets/a1/thumbs/thumb.0000001.jpg"] != 1 {
		t.Errorf("List(thumbs) = %v, %v", got, err)
	}
	got, _ = s.List(ctx, "delivery", "assets/a1/")
	if len(got) != 3 {
		t.Errorf("List(assets/a1/) = %v, want the 3 objects of a1 only", got)
	}
	if got, err := s.List(ctx, "delivery", "assets/none/"); err != nil || len(got) != 0 {
		t.Errorf("List(absent prefix) = %v, %v", got, err)
	}
}

func TestFilesWrittenByOthersHaveAnETag(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	p := filepath.Join(s.Dir("delivery"), "assets", "a1", "index.mpd")
	os.MkdirAll(filepath.Dir(p), 0o755)
	os.WriteFile(p, []byte("<MPD/>"), 0o644)
	info, err := s.Head(ctx, "delivery", "assets/a1/index.mpd")
	if err != nil || info.Size != 6 || info.ETag == "" {
		t.Errorf("Head = %+v, %v", info, err)
	}
}

func TestNewRejectsUnwritableRoot(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	os.WriteFile(file, nil, 0o600)
	_, err := dirstore.New(filepath.Join(file, "data"), "ingest")
	if err == nil || !strings.Contains(err.Error(), file) {
		t.Errorf("New under a file = %v, want an error naming it", err)
	}
}

func BenchmarkOpenReadAt(b *testing.B) {
	ctx := context.Background()
	s, _ := dirstore.New(b.TempDir(), "ingest")
	info, _ := s.Put(ctx, dirstore.PutInput{Bucket: "ingest", Key: "k", Body: bytes.NewReader(make([]byte, 1<<20)), Size: -1})
	buf := make([]byte, 64<<10)
	b.ReportAllocs()
	for b.Loop() {
		rctx, cancel := context.WithCancel(ctx)
		r, err := s.Open(rctx, "ingest", "k", info)
		if err != nil {
			b.Fatal(err)
		}
		r.ReadAt(buf, 1<<19)
		cancel()
	}
}
