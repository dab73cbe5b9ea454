package gcsstore

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ottkit/ottkit/functions/gcp/gcptest"
	"github.com/ottkit/ottkit/functions/pipeline"
	"github.com/ottkit/ottkit/functions/stages/stagetest"
)

func TestObjectStoreContract(t *testing.T) {
	stagetest.ObjectStoreContract(t, func(t *testing.T) stagetest.ObjectStoreFixture {
		g := gcptest.NewGCS(t, "ingest", "masters")
		return stagetest.ObjectStoreFixture{
			Store: New(g.Client), Bucket: "ingest", OtherBucket: "masters", ArchiveClass: "ARCHIVE",
			Put: func(t *testing.T, bucket, key string, data []byte, contentType string, meta map[string]string) {
				w := g.Client.Bucket(bucket).Object(key).NewWriter(context.Background())
				w.ContentType, w.Metadata = contentType, meta
				if _, err := w.Write(data); err != nil {
					t.Fatal(err)
				}
				if err := w.Close(); err != nil {
					t.Fatal(err)
				}
			},
		}
	})
}

func TestObjectGetterContract(t *testing.T) {
	stagetest.ObjectGetterContract(t, func(t *testing.T) stagetest.ObjectStoreFixture {
		g := gcptest.NewGCS(t, "delivery")
		return stagetest.ObjectStoreFixture{
			Store: New(g.Client), Bucket: "delivery",
			Put: func(t *testing.T, bucket, key string, data []byte, contentType string, meta map[string]string) {
				w := g.Client.Bucket(bucket).Object(key).NewWriter(context.Background())
				w.ContentType, w.Metadata = contentType, meta
				if _, err := w.Write(data); err != nil {
					t.Fatal(err)
				}
				if err := w.Close(); err != nil {
					t.Fatal(err)
				}
			},
		}
	})
}

// verifying is an http.Client that checks each request's V4 signature against the test key,
// as GCS does, answering 403 for a request whose signed headers were changed or dropped,
// and sends the rest to g.
func verifying(g *gcptest.GCS) *http.Client {
	next := g.XMLClient()
	return &http.Client{Transport: roundTrip(func(r *http.Request) (*http.Response, error) {
		if err := verifyV4(r, &signingKey.PublicKey, time.Now()); err != nil {
			return &http.Response{StatusCode: http.StatusForbidden, Status: "403 Forbidden", Body: io.NopCloser(strings.NewReader(err.Error())), Request: r}, nil
		}
		return next.Do(r)
	})}
}

type roundTrip func(*http.Request) (*http.Response, error)

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestOneGrantCreatesOneObject replays a signed PUT against fake-gcs-server (behind
// gcptest's enforcement of x-goog-if-generation-match): the second PUT is refused with 412,
// one without the signed precondition is refused with 403, the object stays the first one,
// and a multipart upload cannot complete onto it.
func TestOneGrantCreatesOneObject(t *testing.T) {
	g := gcptest.NewVersionedGCS(t, "ingest")
	u := uploads(t, g.URL)
	u.HTTP = verifying(g)
	ctx := context.Background()
	key := "uploads/acme/u1/clip.mp4"
	sr, err := u.PresignPut(ctx, "ingest", key, "video/mp4", 12, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	put := func(h http.Header, body string) int {
		req, _ := http.NewRequest(sr.Method, sr.URL, strings.NewReader(body))
		req.Header = h.Clone()
		resp, err := u.HTTP.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := put(sr.Headers, "twelve bytes"); code != http.StatusOK {
		t.Fatalf("first PUT = %d", code)
	}
	first, err := New(g.Client).Head(ctx, "ingest", key)
	if err != nil {
		t.Fatal(err)
	}
	if code := put(sr.Headers, "other 12 b. "); code != http.StatusPreconditionFailed {
		t.Errorf("replayed PUT = %d, want 412", code)
	}
	stripped := sr.Headers.Clone()
	stripped.Del("X-Goog-If-Generation-Match")
	if code := put(stripped, "other 12 b. "); code != http.StatusForbidden {
		t.Errorf("PUT without the signed precondition = %d, want 403", code)
	}
	if now, err := New(g.Client).Head(ctx, "ingest", key); err != nil || now.Version != first.Version || now.ETag != first.ETag {
		t.Errorf("object after the refused PUTs = %+v, %v; want the first %+v", now, err, first)
	}
	id, err := u.CreateMultipartUpload(ctx, "ingest", key, "video/mp4")
	if err != nil {
		t.Fatal(err)
	}
	pr, err := u.PresignUploadPart(ctx, "ingest", key, id, 1, 4, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(pr.Method, pr.URL, strings.NewReader("tail"))
	req.Header = pr.Headers.Clone()
	resp, err := u.HTTP.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("part PUT = %v, %v", resp, err)
	}
	resp.Body.Close()
	err = u.CompleteMultipartUpload(ctx, "ingest", key, id, []pipeline.UploadPart{{Number: 1, ETag: resp.Header.Get("ETag")}})
	if !errors.Is(err, pipeline.ErrObjectExists) {
		t.Errorf("completing onto an existing object = %v, want ErrObjectExists", err)
	}
	if _, done := g.Multipart()["ingest/"+key]; done {
		t.Error("the multipart upload completed onto the existing object")
	}
}
