package stagetest

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ottkit/ottkit/functions/pipeline"
)

// PlaybackSignerFixture is what PlaybackSignerContract needs of one implementation.
type PlaybackSignerFixture struct {
	Signer pipeline.PlaybackSigner
	// Verify is the CDN's check: nil when the cookies let a GET of path (e.g.
	// "/assets/a1/index.m3u8") through at now.
	Verify func(cookies []*http.Cookie, path string, now time.Time) error
}

// PlaybackSignerContract checks a pipeline.PlaybackSigner against its CDN's check: the
// cookies open every path under the prefix until they expire, and nothing else, and a
// tampered cookie opens nothing.
func PlaybackSignerContract(t *testing.T, newSigner func(t *testing.T) PlaybackSignerFixture) {
	ctx := context.Background()
	t.Run("ScopedToThePrefixUntilExpiry", func(t *testing.T) {
		f := newSigner(t)
		now := time.Now().UTC().Truncate(time.Second)
		expires := now.Add(10 * time.Minute)
		cookies, err := f.Signer.Sign(ctx, "/assets/a1/", expires)
		if err != nil {
			t.Fatal(err)
		}
		if len(cookies) == 0 {
			t.Fatal("Sign returned no cookies")
		}
		for _, c := range cookies {
			if !c.Secure || c.Path != "/assets/a1/" {
				t.Errorf("cookie %s: Secure %v Path %q, want Secure and scoped to /assets/a1/", c.Name, c.Secure, c.Path)
			}
		}
		for _, p := range []string{"/assets/a1/index.m3u8", "/assets/a1/index_720p_00001.cmfv", "/assets/a1/thumbs/thumb.0000000.jpg"} {
			if err := f.Verify(cookies, p, now); err != nil {
				t.Errorf("GET %s refused: %v", p, err)
			}
		}
		for _, p := range []string{"/assets/a2/index.m3u8", "/assets/a10/index.m3u8", "/other/a1/index.m3u8"} {
			if f.Verify(cookies, p, now) == nil {
				t.Errorf("GET %s allowed by cookies for /assets/a1/", p)
			}
		}
		if f.Verify(cookies, "/assets/a1/index.m3u8", expires.Add(time.Second)) == nil {
			t.Error("the cookies work after they expire")
		}
		if f.Verify(nil, "/assets/a1/index.m3u8", now) == nil {
			t.Error("a request without cookies was let through")
		}
		for i := range cookies {
			tampered := make([]*http.Cookie, len(cookies))
			for j, c := range cookies {
				cp := *c
				tampered[j] = &cp
			}
			v := []byte(tampered[i].Value)
			v[len(v)/2] ^= 1
			tampered[i].Value = string(v)
			if f.Verify(tampered, "/assets/a1/index.m3u8", now) == nil {
				t.Errorf("a tampered %s cookie was accepted", tampered[i].Name)
			}
		}
	})
	t.Run("RefusesAPrefixThatIsNotAPath", func(t *testing.T) {
		f := newSigner(t)
		for _, p := range []string{"assets/a1/", "/assets/a1", "/assets/*/", ""} {
			if _, err := f.Signer.Sign(ctx, p, time.Now().Add(time.Minute)); err == nil {
				t.Errorf("Sign(%q) succeeded, want an error", p)
			}
		}
	})
}

// UploadSignerFixture is what UploadSignerContract needs of one implementation.
type UploadSignerFixture struct {
	Signer pipeline.UploadSigner
	// Store is where uploads land, and Bucket the (empty) bucket to upload to.
	Store  pipeline.ObjectStore
	Bucket string
	// Client sends the signed requests.
	Client *http.Client
	// MinPartSize is the smallest part other than the last the store accepts (S3: 5 MiB).
	MinPartSize int
}

func send(t *testing.T, c *http.Client, r pipeline.SignedRequest, body []byte) *http.Response {
	t.Helper()
	req, err := http.NewRequest(r.Method, r.URL, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range r.Headers {
		req.Header[k] = v
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

// UploadSignerContract checks a pipeline.UploadSigner end to end: a client without
// credentials sends the signed requests as they are, and the objects appear in the store.
func UploadSignerContract(t *testing.T, newSigner func(t *testing.T) UploadSignerFixture) {
	ctx := context.Background()
	t.Run("SignedPut", func(t *testing.T) {
		f := newSigner(t)
		key := "uploads/acme/u1/My Clip+1.mp4"
		r, err := f.Signer.PresignPut(ctx, f.Bucket, key, "video/mp4", 12, 15*time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if r.Method != http.MethodPut || r.URL == "" || time.Until(r.Expires) < 14*time.Minute || time.Until(r.Expires) > 16*time.Minute {
			t.Errorf("signed request %s %q expiring %s, want a PUT expiring in 15 minutes", r.Method, r.URL, r.Expires)
		}
		if resp := send(t, f.Client, r, []byte("twelve bytes")); resp.StatusCode/100 != 2 {
			t.Fatalf("PUT = %s", resp.Status)
		}
		info, err := f.Store.Head(ctx, f.Bucket, key)
		if err != nil || info.Size != 12 || info.ContentType != "video/mp4" {
			t.Errorf("uploaded object = %+v, %v; want 12 bytes of video/mp4", info, err)
		}
		// The declared length is signed: more (or fewer) bytes are refused.
		if resp := send(t, f.Client, r, []byte("twelve bytes and then gigabytes more")); resp.StatusCode/100 == 2 {
			t.Error("a PUT longer than the signed length was accepted")
		}
		forged := r
		forged.Headers = r.Headers.Clone()
		forged.Headers.Set("Content-Type", "text/html")
		if resp := send(t, f.Client, forged, []byte("<script>")); resp.StatusCode/100 == 2 {
			t.Error("a PUT with another content type than the signed one was accepted")
		}
	})
	t.Run("OneGrantCreatesOneObject", func(t *testing.T) {
		f := newSigner(t)
		key := "uploads/acme/u3/clip.mp4"
		r, err := f.Signer.PresignPut(ctx, f.Bucket, key, "video/mp4", 12, 15*time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if resp := send(t, f.Client, r, []byte("twelve bytes")); resp.StatusCode/100 != 2 {
			t.Fatalf("first PUT = %s", resp.Status)
		}
		first, err := f.Store.Head(ctx, f.Bucket, key)
		if err != nil {
			t.Fatal(err)
		}
		// The same grant again (a replay, or a second file of the same length) is refused
		// by the store: the URL creates the object only while the key is absent.
		if resp := send(t, f.Client, r, []byte("other 12 b. ")); resp.StatusCode != http.StatusPreconditionFailed {
			t.Errorf("second PUT with the same signed request = %s, want 412 Precondition Failed", resp.Status)
		}
		// The precondition is signed: a client that drops it is refused too.
		stripped := r
		stripped.Headers = r.Headers.Clone()
		for k := range stripped.Headers {
			if lk := strings.ToLower(k); lk == "if-none-match" || lk == "x-goog-if-generation-match" {
				stripped.Headers.Del(k)
			}
		}
		if len(stripped.Headers) == len(r.Headers) {
			t.Errorf("signed headers %v carry no create-only precondition", r.Headers)
		}
		if resp := send(t, f.Client, stripped, []byte("other 12 b. ")); resp.StatusCode/100 == 2 {
			t.Error("a PUT without the signed precondition overwrote the object")
		}
		if now, err := f.Store.Head(ctx, f.Bucket, key); err != nil || now.ETag != first.ETag || now.Version != first.Version {
			t.Errorf("object after the refused PUTs = %+v, %v; want the first one %+v", now, err, first)
		}
		// A multipart upload onto the key that now holds an object does not complete.
		id, err := f.Signer.CreateMultipartUpload(ctx, f.Bucket, key, "video/mp4")
		if err != nil {
			t.Fatal(err)
		}
		pr, err := f.Signer.PresignUploadPart(ctx, f.Bucket, key, id, 1, 4, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		resp := send(t, f.Client, pr, []byte("tail"))
		if resp.StatusCode/100 != 2 {
			t.Fatalf("part PUT = %s", resp.Status)
		}
		err = f.Signer.CompleteMultipartUpload(ctx, f.Bucket, key, id, []pipeline.UploadPart{{Number: 1, ETag: resp.Header.Get("ETag")}})
		if !errors.Is(err, pipeline.ErrObjectExists) {
			t.Errorf("completing a multipart upload onto an existing key = %v, want ErrObjectExists", err)
		}
		if now, err := f.Store.Head(ctx, f.Bucket, key); err != nil || now.ETag != first.ETag || now.Version != first.Version {
			t.Errorf("object after the refused multipart upload = %+v, %v; want the first one %+v", now, err, first)
		}
	})
	t.Run("Multipart", func(t *testing.T) {
		f := newSigner(t)
		key := "uploads/acme/u2/big.mp4"
		id, err := f.Signer.CreateMultipartUpload(ctx, f.Bucket, key, "video/mp4")
		if err != nil || id == "" {
			t.Fatalf("CreateMultipartUpload = %q, %v", id, err)
		}
		bodies := [][]byte{pattern(f.MinPartSize), []byte("tail")}
		var parts []pipeline.UploadPart
		for i, b := range bodies {
			r, err := f.Signer.PresignUploadPart(ctx, f.Bucket, key, id, i+1, int64(len(b)), time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			if resp := send(t, f.Client, r, append(append([]byte(nil), b...), "extra"...)); resp.StatusCode/100 == 2 {
				t.Errorf("part %d PUT longer than its signed length was accepted", i+1)
			}
			resp := send(t, f.Client, r, b)
			if resp.StatusCode/100 != 2 || resp.Header.Get("ETag") == "" {
				t.Fatalf("part %d PUT = %s with ETag %q", i+1, resp.Status, resp.Header.Get("ETag"))
			}
			parts = append(parts, pipeline.UploadPart{Number: i + 1, ETag: resp.Header.Get("ETag")})
		}
		listed, err := f.Signer.ListParts(ctx, f.Bucket, key, id)
		if err != nil || len(listed) != 2 {
			t.Fatalf("ListParts = %+v, %v; want the two parts", listed, err)
		}
		for i, p := range listed {
			if p.Number != i+1 || strings.Trim(p.ETag, `"`) != strings.Trim(parts[i].ETag, `"`) || p.Size != int64(len(bodies[i])) {
				t.Errorf("listed part %d = %+v, want number %d, etag %s, %d bytes", i, p, i+1, parts[i].ETag, len(bodies[i]))
			}
		}
		if _, err := f.Signer.ListParts(ctx, f.Bucket, key, "no-such-upload"); !errors.Is(err, pipeline.ErrObjectNotFound) {
			t.Errorf("listing an unknown upload = %v, want ErrObjectNotFound", err)
		}
		if err := f.Signer.CompleteMultipartUpload(ctx, f.Bucket, key, id, parts); err != nil {
			t.Fatal(err)
		}
		if info, err := f.Store.Head(ctx, f.Bucket, key); err != nil || info.Size != int64(f.MinPartSize+4) {
			t.Errorf("assembled object = %+v, %v; want %d bytes", info, err, f.MinPartSize+4)
		}
		if err := f.Signer.CompleteMultipartUpload(ctx, f.Bucket, key, "no-such-upload", parts); !errors.Is(err, pipeline.ErrObjectNotFound) {
			t.Errorf("completing an unknown upload = %v, want ErrObjectNotFound", err)
		}
	})
}
