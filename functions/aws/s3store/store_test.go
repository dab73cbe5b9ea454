package s3store_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/ottkit/ottkit/functions/aws/awstest"
	"github.com/ottkit/ottkit/functions/aws/manifest"
	"github.com/ottkit/ottkit/functions/aws/s3store"
)

func put(t *testing.T, env *awstest.Env, bucket, key string, body []byte, meta map[string]string) {
	t.Helper()
	_, err := env.Admin.S3.PutObject(context.Background(), &s3.PutObjectInput{
		Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(body),
		ContentType: aws.String("video/mp4"), Metadata: meta,
	})
	if err != nil {
		t.Fatalf("put %s: %v", key, err)
	}
}

func randomBytes(n int) []byte {
	r := rand.New(rand.NewPCG(1, 2))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.UintN(256))
	}
	return b
}

func TestHeadAndNotFound(t *testing.T) {
	env := awstest.NewS3Env(t, nil)
	bucket := env.Bucket(t, manifest.IngestBucket)
	put(t, env, bucket, "uploads/a/b/c.mp4", []byte("hello"), map[string]string{"k": "v"})
	store := s3store.New(env.S3)
	ctx := context.Background()

	info, err := store.Head(ctx, bucket, "uploads/a/b/c.mp4")
	if err != nil {
		t.Fatal(err)
	}
	if info.Size != 5 || info.ContentType != "video/mp4" || info.Metadata["k"] != "v" || info.ETag != "5d41402abc4b2a76b9719d911017c592" {
		t.Errorf("Head = %+v, want size 5, video/mp4, k=v, md5 etag", info)
	}
	_, err = store.Head(ctx, bucket, "uploads/missing")
	if !errors.Is(err, s3store.ErrNotFound) {
		t.Errorf("Head(missing) error = %v, want ErrNotFound", err)
	}
}

func TestObjectRangedReads(t *testing.T) {
	env := awstest.NewS3Env(t, nil)
	bucket := env.Bucket(t, manifest.IngestBucket)
	const size = 5*s3store.DefaultBlockSize + 1234
	data := randomBytes(size)
	put(t, env, bucket, "uploads/big.mp4", data, nil)
	obj := s3store.New(env.S3).OpenObject(context.Background(), bucket, "uploads/big.mp4", size, "")

	reads := []struct {
		name      string
		off, n    int64
		wantN     int
		wantEOF   bool
		wantCalls int // cumulative GETs after this read
	}{
		{"header", 0, 16, 16, false, 1},
		{"same block again is cached", 100, 100, 100, false, 1},
		{"spanning two new blocks", 2*s3store.DefaultBlockSize - 10, 20, 20, false, 2},
		{"tail past the end", size - 10, 100, 10, true, 3},
		{"tail again is cached", size - 5, 5, 5, false, 3},
		{"at the end", size, 1, 0, true, 3},
	}
	for _, r := range reads {
		t.Run(r.name, func(t *testing.T) {
			p := make([]byte, r.n)
			n, err := obj.ReadAt(p, r.off)
			if n != r.wantN {
				t.Fatalf("ReadAt(%d, %d) n = %d, want %d", r.off, r.n, n, r.wantN)
			}
			if gotEOF := errors.Is(err, io.EOF); gotEOF != r.wantEOF || (err != nil && !gotEOF) {
				t.Fatalf("ReadAt error = %v, want EOF %v", err, r.wantEOF)
			}
			if !bytes.Equal(p[:n], data[r.off:r.off+int64(n)]) {
				t.Errorf("ReadAt(%d, %d) returned the wrong bytes", r.off, r.n)
			}
			if got := obj.Stats().Requests; got != r.wantCalls {
				t.Errorf("requests after read = %d, want %d", got, r.wantCalls)
			}
		})
	}
	if got := obj.Stats().BytesRead; got >= size {
		t.Errorf("read %d bytes of a %d-byte object; probing must not download it", got, size)
	}

	t.Run("whole object through io.SectionReader", func(t *testing.T) {
		got, err := io.ReadAll(io.NewSectionReader(obj, 0, obj.Size()))
		if err != nil || !bytes.Equal(got, data) {
			t.Errorf("ReadAll: err %v, equal %v", err, bytes.Equal(got, data))
		}
	})
}

func TestObjectReadErrorIsSticky(t *testing.T) {
	env := awstest.NewS3Env(t, nil)
	bucket := env.Bucket(t, manifest.IngestBucket)
	obj := s3store.New(env.S3).OpenObject(context.Background(), bucket, "uploads/gone.mp4", 1000, "")
	if _, err := obj.ReadAt(make([]byte, 10), 0); !errors.Is(err, s3store.ErrNotFound) {
		t.Fatalf("ReadAt of a missing object: %v, want ErrNotFound", err)
	}
	if err := obj.Err(); !errors.Is(err, s3store.ErrNotFound) {
		t.Errorf("Err() = %v, want the read's error", err)
	}
}

func TestCopyDeleteList(t *testing.T) {
	env := awstest.NewS3Env(t, nil)
	ingest := env.Bucket(t, manifest.IngestBucket)
	masters := env.Bucket(t, manifest.MastersBucket)
	store := s3store.New(env.S3)
	ctx := context.Background()
	key := "uploads/acme/u1/My Clip+final (1).MOV"
	put(t, env, ingest, key, []byte("movie"), map[string]string{"orig": "1"})

	t.Run("to another bucket keeps metadata", func(t *testing.T) {
		if err := store.Copy(ctx, s3store.CopyInput{SrcBucket: ingest, SrcKey: key, DstBucket: masters, DstKey: "m/My Clip+final (1).MOV"}); err != nil {
			t.Fatal(err)
		}
		info, err := store.Head(ctx, masters, "m/My Clip+final (1).MOV")
		if err != nil || info.Size != 5 || info.Metadata["orig"] != "1" {
			t.Errorf("copy = %+v, %v; want size 5 with metadata orig=1", info, err)
		}
	})
	t.Run("with replaced metadata", func(t *testing.T) {
		err := store.Copy(ctx, s3store.CopyInput{SrcBucket: ingest, SrcKey: key, DstBucket: ingest, DstKey: "quarantine/acme/u1/x.MOV",
			Metadata: map[string]string{"reason": "not-video"}, ContentType: "video/quicktime"})
		if err != nil {
			t.Fatal(err)
		}
		info, err := store.Head(ctx, ingest, "quarantine/acme/u1/x.MOV")
		if err != nil || info.Metadata["reason"] != "not-video" || info.ContentType != "video/quicktime" {
			t.Errorf("copy = %+v, %v; want reason=not-video, video/quicktime", info, err)
		}
	})
	t.Run("in place to an archive class", func(t *testing.T) {
		err := store.Copy(ctx, s3store.CopyInput{SrcBucket: masters, SrcKey: "m/My Clip+final (1).MOV", DstBucket: masters, DstKey: "m/My Clip+final (1).MOV", StorageClass: "GLACIER_IR"})
		if err != nil {
			t.Fatal(err)
		}
		info, err := store.Head(ctx, masters, "m/My Clip+final (1).MOV")
		if err != nil || info.StorageClass != string(types.StorageClassGlacierIr) {
			t.Errorf("storage class = %q, %v; want GLACIER_IR", info.StorageClass, err)
		}
	})
	t.Run("list", func(t *testing.T) {
		got, err := store.List(ctx, ingest, "quarantine/")
		if err != nil || len(got) != 1 || got["quarantine/acme/u1/x.MOV"] != 5 {
			t.Errorf("List = %v, %v; want the one quarantined object", got, err)
		}
	})
	t.Run("delete", func(t *testing.T) {
		if err := store.Delete(ctx, ingest, key); err != nil {
			t.Fatal(err)
		}
		if _, err := store.Head(ctx, ingest, key); !errors.Is(err, s3store.ErrNotFound) {
			t.Errorf("Head after Delete: %v, want ErrNotFound", err)
		}
	})
	t.Run("missing source", func(t *testing.T) {
		err := store.Copy(ctx, s3store.CopyInput{SrcBucket: ingest, SrcKey: "uploads/none", DstBucket: masters, DstKey: "x"})
		if !s3store.IsNotFound(err) {
			t.Errorf("Copy of a missing source: %v, want not found", err)
		}
	})
}

func send(t *testing.T, req s3store.PresignedRequest, body []byte) *http.Response {
	t.Helper()
	r, err := http.NewRequest(req.Method, req.URL, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range req.Headers {
		r.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

// signsHeader reports whether a presigned URL's X-Amz-SignedHeaders lists header.
func signsHeader(t *testing.T, rawURL, header string) bool {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	return slices.Contains(strings.Split(u.Query().Get("X-Amz-SignedHeaders"), ";"), header)
}

func TestPresignedUploads(t *testing.T) {
	env := awstest.NewS3Env(t, nil)
	bucket := env.Bucket(t, manifest.IngestBucket)
	store := s3store.New(env.S3)
	ctx := context.Background()

	t.Run("single put", func(t *testing.T) {
		req, err := store.PresignPut(ctx, bucket, "uploads/t/u/a.mp4", "video/mp4", 4, 10*time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if req.Method != http.MethodPut || !strings.Contains(req.URL, "X-Amz-Expires=600") || req.Headers.Get("Content-Type") != "video/mp4" {
			t.Errorf("presigned = %+v, want PUT, X-Amz-Expires=600 and a signed Content-Type", req)
		}
		// The declared length is part of the signature: S3 refuses a body of another length.
		if !signsHeader(t, req.URL, "content-length") || req.Headers.Get("Content-Length") != "4" {
			t.Errorf("presigned %s with headers %v does not sign Content-Length 4", req.URL, req.Headers)
		}
		if _, err := store.PresignPut(ctx, bucket, "uploads/t/u/a.mp4", "video/mp4", 0, time.Minute); err == nil {
			t.Error("presigned a PUT of no declared size")
		}
		if resp := send(t, req, []byte("data")); resp.StatusCode != http.StatusOK {
			t.Fatalf("PUT through presigned URL: %s", resp.Status)
		}
		if info, err := store.Head(ctx, bucket, "uploads/t/u/a.mp4"); err != nil || info.Size != 4 {
			t.Errorf("uploaded object = %+v, %v", info, err)
		}
	})
	t.Run("multipart", func(t *testing.T) {
		key := "uploads/t/u/big.mp4"
		id, err := store.CreateMultipartUpload(ctx, bucket, key, "video/mp4")
		if err != nil || id == "" {
			t.Fatalf("CreateMultipartUpload = %q, %v", id, err)
		}
		part1 := randomBytes(5 << 20)
		part2 := []byte("tail")
		var parts []s3store.Part
		for i, body := range [][]byte{part1, part2} {
			req, err := store.PresignUploadPart(ctx, bucket, key, id, i+1, int64(len(body)), time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			if !signsHeader(t, req.URL, "content-length") || req.Headers.Get("Content-Length") != strconv.Itoa(len(body)) {
				t.Errorf("part %d URL %s does not sign its Content-Length %d", i+1, req.URL, len(body))
			}
			if !strings.Contains(req.URL, "uploadId=") || !strings.Contains(req.URL, "partNumber="+string(rune('1'+i))) {
				t.Errorf("part URL %s lacks uploadId or partNumber", req.URL)
			}
			r, _ := http.NewRequest(req.Method, req.URL, bytes.NewReader(body))
			resp, err := http.DefaultClient.Do(r)
			if err != nil || resp.StatusCode != http.StatusOK {
				t.Fatalf("PUT part %d: %v %v", i+1, err, resp)
			}
			resp.Body.Close()
			parts = append(parts, s3store.Part{Number: i + 1, ETag: resp.Header.Get("ETag")})
		}
		listed, err := store.ListParts(ctx, bucket, key, id)
		if err != nil || len(listed) != 2 || listed[0].Size != int64(len(part1)) || listed[1].Size != 4 || listed[1].ETag != parts[1].ETag {
			t.Errorf("ListParts = %+v, %v; want both parts with sizes and etags", listed, err)
		}
		if err := store.CompleteMultipartUpload(ctx, bucket, key, "no-such-upload", parts); !s3store.IsNotFound(err) {
			t.Errorf("completing an unknown upload: %v, want not found", err)
		}
		if err := store.CompleteMultipartUpload(ctx, bucket, key, id, parts); err != nil {
			t.Fatal(err)
		}
		if info, err := store.Head(ctx, bucket, key); err != nil || info.Size != int64(len(part1)+len(part2)) {
			t.Errorf("assembled object = %+v, %v", info, err)
		}
	})
}
