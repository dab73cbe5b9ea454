package s3store_test

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/ottkit/ottkit/functions/aws/s3store"
	"github.com/ottkit/ottkit/functions/pipeline"
)

// patternReader yields n bytes of a repeating pattern without holding them: an unseekable
// stream, as a GET body is.
type patternReader struct{ left int64 }

func (p *patternReader) Read(b []byte) (int, error) {
	if p.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(b)) > p.left {
		b = b[:p.left]
	}
	for i := range b {
		b[i] = byte(i)
	}
	p.left -= int64(len(b))
	return len(b), nil
}

// BenchmarkR2PutStream streams one 8 MiB segment per op through NewR2 to a TLS sink that
// answers as R2 does (ETag = MD5 of the body) and keeps nothing, so B/op is the client's
// memory per object: it stays far below the object's size because the body is never
// buffered whole.
func BenchmarkR2PutStream(b *testing.B) {
	const size = 8 << 20
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := md5.New()
		if _, err := io.Copy(h, r.Body); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("ETag", `"`+hex.EncodeToString(h.Sum(nil))+`"`)
	}))
	defer srv.Close()
	store := s3store.NewR2(srv.URL, credentials.NewStaticCredentialsProvider("id", "secret", ""), srv.Client())
	ctx := context.Background()
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := store.PutStream(ctx, pipeline.PutInput{
			Bucket: "media", Key: "assets/a/video_00001.m4s", Body: &patternReader{left: size}, Size: size, ContentType: "video/iso.segment",
		}); err != nil {
			b.Fatal(err)
		}
	}
}
