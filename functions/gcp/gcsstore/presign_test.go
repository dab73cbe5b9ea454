package gcsstore

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/storage"
	"google.golang.org/api/option"

	"github.com/ottkit/ottkit/functions/pipeline"
)

var signingKey, _ = rsa.GenerateKey(rand.Reader, 2048)

func pemKey() []byte {
	der, _ := x509.MarshalPKCS8PrivateKey(signingKey)
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}

// verifyV4 checks a request as Cloud Storage checks a GOOG4-RSA-SHA256 signed URL, written
// from the documented algorithm: the canonical request (method, path, sorted query without
// the signature, the signed headers lower-cased and sorted, UNSIGNED-PAYLOAD), the string to
// sign over its SHA-256, an RSA PKCS #1 v1.5 SHA-256 signature, and the expiry.
func verifyV4(req *http.Request, pub *rsa.PublicKey, at time.Time) error {
	q := req.URL.Query()
	if q.Get("X-Goog-Algorithm") != "GOOG4-RSA-SHA256" {
		return fmt.Errorf("algorithm %q", q.Get("X-Goog-Algorithm"))
	}
	sig, err := hex.DecodeString(q.Get("X-Goog-Signature"))
	if err != nil {
		return fmt.Errorf("signature: %v", err)
	}
	date, err := time.Parse("20060102T150405Z", q.Get("X-Goog-Date"))
	if err != nil {
		return fmt.Errorf("date: %v", err)
	}
	var expSecs int
	fmt.Sscan(q.Get("X-Goog-Expires"), &expSecs)
	if !at.Before(date.Add(time.Duration(expSecs) * time.Second)) {
		return errors.New("expired")
	}
	q.Del("X-Goog-Signature")
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var query []string
	for _, k := range keys {
		query = append(query, url.QueryEscape(k)+"="+strings.ReplaceAll(url.QueryEscape(q.Get(k)), "+", "%20"))
	}
	signed := strings.Split(q.Get("X-Goog-SignedHeaders"), ";")
	var headers []string
	for _, h := range signed {
		v := req.Header.Get(h)
		if h == "host" {
			// The signer signs the host name alone; real endpoints have no port.
			v = req.Host
			if host, _, err := net.SplitHostPort(req.Host); err == nil {
				v = host
			}
		}
		if v == "" {
			return fmt.Errorf("signed header %s missing from the request", h)
		}
		headers = append(headers, h+":"+strings.TrimSpace(v))
	}
	canonical := strings.Join([]string{req.Method, req.URL.EscapedPath(), strings.Join(query, "&"), strings.Join(headers, "\n") + "\n", q.Get("X-Goog-SignedHeaders"), "UNSIGNED-PAYLOAD"}, "\n")
	scope := strings.SplitN(q.Get("X-Goog-Credential"), "/", 2)[1]
	sum := sha256.Sum256([]byte(canonical))
	toSign := "GOOG4-RSA-SHA256\n" + q.Get("X-Goog-Date") + "\n" + scope + "\n" + hex.EncodeToString(sum[:])
	digest := sha256.Sum256([]byte(toSign))
	if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], sig); err != nil {
		return fmt.Errorf("signature does not verify: %v", err)
	}
	return nil
}

// xmlAPI is the part of the XML API multipart protocol the signer drives: it verifies every
// request's signature and the signed headers, and keeps uploads and parts.
type xmlAPI struct {
	t       *testing.T
	uploads map[string]map[int]string
	done    map[string]string
}

func (x *xmlAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := verifyV4(r, &signingKey.PublicKey, time.Now()); err != nil {
		http.Error(w, "<Error><Code>SignatureDoesNotMatch</Code><Message>"+err.Error()+"</Message></Error>", http.StatusForbidden)
		return
	}
	key := strings.TrimPrefix(r.URL.Path, "/ingest/")
	q := r.URL.Query()
	switch {
	case r.Method == http.MethodPost && q.Has("uploads"):
		id := fmt.Sprintf("up%d", len(x.uploads)+1)
		x.uploads[id] = map[int]string{}
		fmt.Fprintf(w, "<InitiateMultipartUploadResult><Bucket>ingest</Bucket><Key>%s</Key><UploadId>%s</UploadId></InitiateMultipartUploadResult>", key, id)
	case r.Method == http.MethodPut && q.Get("uploadId") != "":
		parts, ok := x.uploads[q.Get("uploadId")]
		if !ok {
			http.Error(w, "<Error><Code>NoSuchUpload</Code></Error>", http.StatusNotFound)
			return
		}
		body, _ := io.ReadAll(r.Body)
		var lo, hi int
		if rng := r.Header.Get("X-Goog-Content-Length-Range"); rng != "" {
			if _, err := fmt.Sscanf(rng, "%d,%d", &lo, &hi); err != nil || len(body) < lo || len(body) > hi {
				http.Error(w, "<Error><Code>EntityTooLarge</Code></Error>", http.StatusBadRequest)
				return
			}
		}
		var n int
		fmt.Sscan(q.Get("partNumber"), &n)
		parts[n] = fmt.Sprintf("etag-%d-%d", n, len(body))
		w.Header().Set("ETag", `"`+parts[n]+`"`)
	case r.Method == http.MethodGet && q.Get("uploadId") != "":
		parts, ok := x.uploads[q.Get("uploadId")]
		if !ok {
			http.Error(w, "<Error><Code>NoSuchUpload</Code></Error>", http.StatusNotFound)
			return
		}
		fmt.Fprint(w, "<ListPartsResult><IsTruncated>false</IsTruncated>")
		for n, etag := range parts {
			var size int
			fmt.Sscanf(etag, "etag-%d-%d", new(int), &size)
			fmt.Fprintf(w, "<Part><PartNumber>%d</PartNumber><ETag>&quot;%s&quot;</ETag><Size>%d</Size></Part>", n, etag, size)
		}
		fmt.Fprint(w, "</ListPartsResult>")
	case r.Method == http.MethodPost && q.Get("uploadId") != "":
		parts, ok := x.uploads[q.Get("uploadId")]
		if !ok {
			http.Error(w, "<Error><Code>NoSuchUpload</Code></Error>", http.StatusNotFound)
			return
		}
		var doc struct {
			Parts []struct {
				PartNumber int
				ETag       string
			} `xml:"Part"`
		}
		if err := xml.NewDecoder(r.Body).Decode(&doc); err != nil {
			http.Error(w, "<Error><Code>MalformedXML</Code></Error>", http.StatusBadRequest)
			return
		}
		var got []string
		for _, p := range doc.Parts {
			if `"`+parts[p.PartNumber]+`"` != p.ETag {
				http.Error(w, "<Error><Code>InvalidPart</Code></Error>", http.StatusBadRequest)
				return
			}
			got = append(got, p.ETag)
		}
		x.done[key] = strings.Join(got, ",")
		delete(x.uploads, q.Get("uploadId"))
		fmt.Fprint(w, "<CompleteMultipartUploadResult/>")
	default:
		http.Error(w, "unexpected request", http.StatusBadRequest)
	}
}

func uploads(t *testing.T, endpoint string) *Uploads {
	t.Helper()
	client, err := storage.NewClient(context.Background(), option.WithoutAuthentication())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	u := &Uploads{Client: client, AccessID: "ingest-signer@p.iam.gserviceaccount.com", PrivateKey: pemKey(), MaxBytes: 5 << 30}
	if endpoint != "" {
		u.Hostname, u.Insecure = strings.TrimPrefix(endpoint, "http://"), true
	}
	return u
}

func TestPresignPutBindsTypeAndLength(t *testing.T) {
	u := uploads(t, "")
	sr, err := u.PresignPut(context.Background(), "ingest", "uploads/acme/u1/movie file.mp4", "video/mp4", 1<<20, 15*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if sr.Method != http.MethodPut || !strings.HasPrefix(sr.URL, "https://storage.googleapis.com/ingest/uploads/acme/u1/movie%20file.mp4?") {
		t.Errorf("signed %s %s", sr.Method, sr.URL)
	}
	if sr.Headers.Get("Content-Type") != "video/mp4" || sr.Headers.Get("X-Goog-Content-Length-Range") != "1048576,1048576" {
		t.Errorf("headers %v", sr.Headers)
	}
	req := func(h http.Header) *http.Request {
		r, _ := http.NewRequest(sr.Method, sr.URL, nil)
		r.Header = h.Clone()
		return r
	}
	if err := verifyV4(req(sr.Headers), &signingKey.PublicKey, time.Now()); err != nil {
		t.Fatalf("signed PUT does not verify: %v", err)
	}
	if pu, _ := url.Parse(sr.URL); pu.Query().Get("X-Goog-SignedHeaders") != "content-type;host;x-goog-content-length-range;x-goog-if-generation-match" ||
		sr.Headers.Get("X-Goog-If-Generation-Match") != "0" {
		t.Errorf("signed headers in %s (%v), want content-type, host, x-goog-content-length-range and x-goog-if-generation-match: 0", sr.URL, sr.Headers)
	}
	for name, mod := range map[string]func(http.Header){
		"other type":      func(h http.Header) { h.Set("Content-Type", "text/html") },
		"wider length":    func(h http.Header) { h.Set("X-Goog-Content-Length-Range", "0,99999999999") },
		"other length":    func(h http.Header) { h.Set("X-Goog-Content-Length-Range", "2097152,2097152") },
		"no length":       func(h http.Header) { h.Del("X-Goog-Content-Length-Range") },
		"no precondition": func(h http.Header) { h.Del("X-Goog-If-Generation-Match") },
		"overwrite":       func(h http.Header) { h.Set("X-Goog-If-Generation-Match", "1764590000000000") },
	} {
		h := sr.Headers.Clone()
		mod(h)
		if err := verifyV4(req(h), &signingKey.PublicKey, time.Now()); err == nil {
			t.Errorf("%s: verified, want refused", name)
		}
	}
	if err := verifyV4(req(sr.Headers), &signingKey.PublicKey, time.Now().Add(16*time.Minute)); err == nil {
		t.Error("verified after expiry")
	}
	for name, call := range map[string]func() error{
		"no type": func() error {
			_, err := u.PresignPut(context.Background(), "ingest", "k", "", 1, time.Minute)
			return err
		},
		"ttl": func() error {
			_, err := u.PresignPut(context.Background(), "ingest", "k", "video/mp4", 1, 8*24*time.Hour)
			return err
		},
		"over MaxBytes": func() error {
			_, err := u.PresignPut(context.Background(), "ingest", "k", "video/mp4", 5<<30+1, time.Minute)
			return err
		},
		"part": func() error {
			_, err := u.PresignUploadPart(context.Background(), "ingest", "k", "id", 0, 1, time.Minute)
			return err
		},
	} {
		if call() == nil {
			t.Errorf("%s: signed, want an error", name)
		}
	}
}

func TestMultipartUpload(t *testing.T) {
	api := &xmlAPI{t: t, uploads: map[string]map[int]string{}, done: map[string]string{}}
	srv := httptest.NewServer(api)
	defer srv.Close()
	u := uploads(t, srv.URL)
	ctx := context.Background()
	id, err := u.CreateMultipartUpload(ctx, "ingest", "uploads/acme/big.mp4", "video/mp4")
	if err != nil {
		t.Fatal(err)
	}
	var parts []pipeline.UploadPart
	for n := 2; n >= 1; n-- { // out of order: Complete sorts them
		sr, err := u.PresignUploadPart(ctx, "ingest", "uploads/acme/big.mp4", id, n, int64(n*10), time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest(sr.Method, sr.URL, strings.NewReader(strings.Repeat("x", n*10)))
		for k, v := range sr.Headers {
			req.Header[k] = v
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("part %d PUT: %v %v", n, resp.Status, err)
		}
		parts = append(parts, pipeline.UploadPart{Number: n, ETag: resp.Header.Get("ETag")})
	}
	// A part whose body is not the length its URL was signed for is refused by the store.
	sr, err := u.PresignUploadPart(ctx, "ingest", "uploads/acme/big.mp4", id, 3, 5, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(sr.Method, sr.URL, strings.NewReader("more than five bytes"))
	for k, v := range sr.Headers {
		req.Header[k] = v
	}
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusBadRequest {
		t.Errorf("a part longer than signed: %v %v, want 400", resp, err)
	}
	listed, err := u.ListParts(ctx, "ingest", "uploads/acme/big.mp4", id)
	if err != nil {
		t.Fatal(err)
	}
	want := []pipeline.UploadedPart{{Number: 1, ETag: `"etag-1-10"`, Size: 10}, {Number: 2, ETag: `"etag-2-20"`, Size: 20}}
	if !reflect.DeepEqual(listed, want) {
		t.Errorf("ListParts = %+v, want %+v", listed, want)
	}
	if err := u.CompleteMultipartUpload(ctx, "ingest", "uploads/acme/big.mp4", id, parts); err != nil {
		t.Fatal(err)
	}
	if got := api.done["uploads/acme/big.mp4"]; got != `"etag-1-10","etag-2-20"` {
		t.Errorf("completed parts %s", got)
	}
	err = u.CompleteMultipartUpload(ctx, "ingest", "uploads/acme/big.mp4", id, parts)
	if !errors.Is(err, pipeline.ErrObjectNotFound) {
		t.Errorf("completing a finished upload: %v, want ErrObjectNotFound", err)
	}
}
