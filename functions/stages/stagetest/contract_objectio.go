package stagetest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/ottkit/ottkit/functions/pipeline"
)

// ObjectGetterContract checks a pipeline.ObjectGetter: a whole object streamed with what Head
// reports, and a missing one refused with ErrObjectNotFound.
func ObjectGetterContract(t *testing.T, newStore func(t *testing.T) ObjectStoreFixture) {
	ctx := context.Background()
	t.Run("Get", func(t *testing.T) {
		f := newStore(t)
		g, ok := f.Store.(pipeline.ObjectGetter)
		if !ok {
			t.Fatalf("%T is not a pipeline.ObjectGetter", f.Store)
		}
		data := pattern(70 << 10)
		f.Put(t, f.Bucket, "assets/a/index_00001.m4s", data, "video/iso.segment", map[string]string{"k": "v"})
		body, info, err := g.Get(ctx, f.Bucket, "assets/a/index_00001.m4s")
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(body)
		body.Close()
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("Get read %d bytes (err %v), want the %d written", len(got), err, len(data))
		}
		head, err := f.Store.Head(ctx, f.Bucket, "assets/a/index_00001.m4s")
		if err != nil {
			t.Fatal(err)
		}
		if info.Size != int64(len(data)) || info.ETag != head.ETag || info.ContentType != "video/iso.segment" || info.Metadata["k"] != "v" {
			t.Errorf("Get info = %+v, want size %d, Head's ETag %q, the content type and metadata", info, len(data), head.ETag)
		}
		if _, _, err := g.Get(ctx, f.Bucket, "assets/a/none"); !errors.Is(err, pipeline.ErrObjectNotFound) {
			t.Errorf("Get(missing) error = %v, want ErrObjectNotFound", err)
		}
	})
}

// ObjectWriterFixture is what ObjectWriterContract needs of one implementation.
type ObjectWriterFixture struct {
	Writer pipeline.ObjectWriter
	// Store reads the same bucket back.
	Store interface {
		pipeline.ObjectStore
		pipeline.ObjectGetter
	}
	// Bucket exists and is empty.
	Bucket string
}

// ObjectWriterContract checks a pipeline.ObjectWriter: a streamed PUT stores the bytes with
// their content type, cache control and metadata; a body shorter than declared stores
// nothing and leaves the previous object.
func ObjectWriterContract(t *testing.T, newWriter func(t *testing.T) ObjectWriterFixture) {
	ctx := context.Background()
	t.Run("PutStream", func(t *testing.T) {
		f := newWriter(t)
		data := pattern(200 << 10)
		// io.MultiReader hides the bytes.Reader: the writer must stream, not seek.
		info, err := f.Writer.PutStream(ctx, pipeline.PutInput{
			Bucket: f.Bucket, Key: "assets/a/index.m3u8", Body: io.MultiReader(bytes.NewReader(data)), Size: int64(len(data)),
			ContentType: "application/vnd.apple.mpegurl", CacheControl: "private, max-age=60", Metadata: map[string]string{"ottkit-source-etag": "abc"},
		})
		if err != nil {
			t.Fatal(err)
		}
		if info.Size != int64(len(data)) || info.ETag == "" {
			t.Errorf("PutStream info = %+v, want size %d and an ETag", info, len(data))
		}
		body, got, err := f.Store.Get(ctx, f.Bucket, "assets/a/index.m3u8")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(body)
		body.Close()
		if !bytes.Equal(b, data) {
			t.Errorf("read back %d bytes, want the %d written", len(b), len(data))
		}
		head, err := f.Store.Head(ctx, f.Bucket, "assets/a/index.m3u8")
		if err != nil {
			t.Fatal(err)
		}
		if got.ContentType != "application/vnd.apple.mpegurl" || head.CacheControl != "private, max-age=60" || got.Metadata["ottkit-source-etag"] != "abc" {
			t.Errorf("stored %+v (head %+v), want the content type, cache control and metadata written", got, head)
		}
	})
	t.Run("ShortBodyStoresNothing", func(t *testing.T) {
		f := newWriter(t)
		if _, err := f.Writer.PutStream(ctx, pipeline.PutInput{Bucket: f.Bucket, Key: "assets/a/seg.m4s", Body: strings.NewReader("first"), Size: 5}); err != nil {
			t.Fatal(err)
		}
		_, err := f.Writer.PutStream(ctx, pipeline.PutInput{Bucket: f.Bucket, Key: "assets/a/seg.m4s", Body: io.MultiReader(strings.NewReader("short")), Size: 10})
		if err == nil {
			t.Fatal("PutStream of 5 bytes declared as 10 succeeded")
		}
		body, _, err := f.Store.Get(ctx, f.Bucket, "assets/a/seg.m4s")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(body)
		body.Close()
		if string(b) != "first" {
			t.Errorf("after a failed PUT the object holds %q, want the previous %q", b, "first")
		}
	})
}
