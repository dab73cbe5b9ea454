package cloudflare_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// gcsStandIn is the Cloud Storage XML API as the edge reader sees it: path-style GETs of
// /<bucket>/<object> authenticated with a V4 HMAC signature in the Authorization header
// (GOOG4-HMAC-SHA256, or AWS4-HMAC-SHA256 which GCS also accepts), checked here from the
// signing spec, not with the Worker's code; then the reader's IAM grant: objects under
// assets/ only. It serves objects with ranges.
type gcsStandIn struct {
	bucket  string
	secrets map[string]string // access id -> secret
	objects map[string][]byte
	now     func() time.Time

	requests atomic.Int64
	mu       sync.Mutex
	refusals []string
}

// maxSkew is how far x-goog-date may be from the server's clock: GCS refuses header-signed
// requests more than 15 minutes away.
const maxSkew = 15 * time.Minute

func (g *gcsStandIn) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	g.requests.Add(1)
	if err := g.authorize(req); err != nil {
		g.mu.Lock()
		g.refusals = append(g.refusals, err.Error())
		g.mu.Unlock()
		http.Error(w, "<Error><Code>AccessDenied</Code><Message>"+err.Error()+"</Message></Error>", http.StatusForbidden)
		return
	}
	object := strings.TrimPrefix(req.URL.Path, "/"+g.bucket+"/")
	data, ok := g.objects[object]
	if !ok {
		http.Error(w, "<Error><Code>NoSuchKey</Code></Error>", http.StatusNotFound)
		return
	}
	w.Header().Set("x-goog-generation", "1700000000000000")
	http.ServeContent(w, req, "", time.Time{}, bytes.NewReader(data))
}

func (g *gcsStandIn) lastRefusal() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.refusals) == 0 {
		return ""
	}
	return g.refusals[len(g.refusals)-1]
}

// v4Auth is a parsed Authorization header of a V4 signature.
type v4Auth struct {
	alg, accessID, date, region, service, requestType string
	signedHeaders                                     []string
	signature                                         string
}

func parseV4Auth(h string) (v4Auth, error) {
	var a v4Auth
	alg, rest, ok := strings.Cut(h, " ")
	if !ok {
		return a, errors.New("malformed Authorization")
	}
	a.alg = alg
	for _, part := range strings.Split(rest, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return a, errors.New("malformed Authorization component " + part)
		}
		switch k {
		case "Credential":
			f := strings.Split(v, "/")
			if len(f) != 5 {
				return a, errors.New("credential is not id/date/region/service/request-type")
			}
			a.accessID, a.date, a.region, a.service, a.requestType = f[0], f[1], f[2], f[3], f[4]
		case "SignedHeaders":
			a.signedHeaders = strings.Split(v, ";")
		case "Signature":
			a.signature = v
		}
	}
	if a.accessID == "" || len(a.signedHeaders) == 0 || a.signature == "" {
		return a, errors.New("Authorization lacks Credential, SignedHeaders or Signature")
	}
	return a, nil
}

// v4Dialect is what differs between GOOG4 and AWS4 signatures.
type v4Dialect struct{ keyPrefix, requestType, dateHeader, payloadHeader string }

var v4Dialects = map[string]v4Dialect{
	"GOOG4-HMAC-SHA256": {"GOOG4", "goog4_request", "x-goog-date", "x-goog-content-sha256"},
	"AWS4-HMAC-SHA256":  {"AWS4", "aws4_request", "x-amz-date", "x-amz-content-sha256"},
}

// uriEncode is the V4 spec's UriEncode: every byte but A-Z a-z 0-9 - . _ ~ percent-encoded
// in upper-case hex; slashes kept when encoding a path.
func uriEncode(s string, path bool) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-', c == '.', c == '_', c == '~':
			b.WriteByte(c)
		case c == '/' && path:
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// canonicalV4Request is the canonical request of req over signedHeaders with the payload hash.
func canonicalV4Request(req *http.Request, signedHeaders []string, payload string) string {
	q := req.URL.Query()
	names := make([]string, 0, len(q))
	for n := range q {
		names = append(names, n)
	}
	sort.Strings(names)
	var query []string
	for _, n := range names {
		vals := append([]string(nil), q[n]...)
		sort.Strings(vals)
		for _, v := range vals {
			query = append(query, uriEncode(n, false)+"="+uriEncode(v, false))
		}
	}
	var headers strings.Builder
	for _, h := range signedHeaders {
		v := req.Header.Get(h)
		if h == "host" {
			v = req.Host
		}
		headers.WriteString(h + ":" + strings.Join(strings.Fields(v), " ") + "\n")
	}
	return strings.Join([]string{req.Method, uriEncode(req.URL.Path, true), strings.Join(query, "&"),
		headers.String(), strings.Join(signedHeaders, ";"), payload}, "\n")
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

// v4Signature is the hex signature of a canonical request: the string to sign
// (algorithm, timestamp, scope, hash of the canonical request) under the key derived from
// the secret through date, region, service and request type.
func v4Signature(alg, secret, timestamp, region, service, canonical string) string {
	d := v4Dialects[alg]
	sum := sha256.Sum256([]byte(canonical))
	scope := strings.Join([]string{timestamp[:8], region, service, d.requestType}, "/")
	toSign := strings.Join([]string{alg, timestamp, scope, hex.EncodeToString(sum[:])}, "\n")
	k := hmacSHA256([]byte(d.keyPrefix+secret), timestamp[:8])
	for _, part := range []string{region, service, d.requestType} {
		k = hmacSHA256(k, part)
	}
	return hex.EncodeToString(hmacSHA256(k, toSign))
}

// authorize checks req's signature, date and the reader's grant, or says why not.
func (g *gcsStandIn) authorize(req *http.Request) error {
	a, err := parseV4Auth(req.Header.Get("Authorization"))
	if err != nil {
		return err
	}
	d, ok := v4Dialects[a.alg]
	if !ok {
		return fmt.Errorf("unsupported algorithm %q", a.alg)
	}
	if a.region != "auto" || a.service != "storage" || a.requestType != d.requestType {
		return fmt.Errorf("credential scope %s/%s/%s is not auto/storage/%s", a.region, a.service, a.requestType, d.requestType)
	}
	secret, ok := g.secrets[a.accessID]
	if !ok {
		return fmt.Errorf("unknown access id %s", a.accessID)
	}
	if !sort.StringsAreSorted(a.signedHeaders) || !contains(a.signedHeaders, "host") || !contains(a.signedHeaders, d.dateHeader) {
		return fmt.Errorf("signed headers %v must be sorted and include host and %s", a.signedHeaders, d.dateHeader)
	}
	ts := req.Header.Get(d.dateHeader)
	at, err := time.Parse("20060102T150405Z", ts)
	if err != nil || ts[:8] != a.date {
		return fmt.Errorf("%s %q is not a timestamp of the credential's date %s", d.dateHeader, ts, a.date)
	}
	if skew := g.now().Sub(at); skew > maxSkew || skew < -maxSkew {
		return fmt.Errorf("request date %s is %s from now: expired", ts, skew.Round(time.Second))
	}
	payload := req.Header.Get(d.payloadHeader)
	if payload == "" {
		sum := sha256.Sum256(nil) // GET and HEAD have no body
		payload = hex.EncodeToString(sum[:])
	}
	want := v4Signature(a.alg, secret, ts, a.region, a.service, canonicalV4Request(req, a.signedHeaders, payload))
	if !hmac.Equal([]byte(want), []byte(a.signature)) {
		return errors.New("signature does not match")
	}
	// The reader's grant: storage.objects.get with the condition
	// resource.name.startsWith("projects/_/buckets/<bucket>/objects/assets/").
	object, ok := strings.CutPrefix(req.URL.Path, "/"+g.bucket+"/")
	if !ok || !strings.HasPrefix(object, "assets/") {
		return fmt.Errorf("the reader may not read %s", req.URL.Path)
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// signGCS signs req the way a correct client does, at a chosen time: for the stand-in's own
// refusal tests (an expired date, a path outside assets/).
func signGCS(req *http.Request, accessID, secret string, at time.Time) {
	ts := at.UTC().Format("20060102T150405Z")
	req.Header.Set("x-goog-date", ts)
	req.Header.Set("x-goog-content-sha256", "UNSIGNED-PAYLOAD")
	signed := []string{"host", "x-goog-content-sha256", "x-goog-date"}
	sig := v4Signature("GOOG4-HMAC-SHA256", secret, ts, "auto", "storage", canonicalV4Request(req, signed, "UNSIGNED-PAYLOAD"))
	req.Header.Set("Authorization", fmt.Sprintf("GOOG4-HMAC-SHA256 Credential=%s/%s/auto/storage/goog4_request, SignedHeaders=%s, Signature=%s",
		accessID, ts[:8], strings.Join(signed, ";"), sig))
}

// TestV4VerifierMatchesTheSpecExample: the stand-in's canonical request and signature
// reproduce the worked example of the V4 signing spec (AWS's IAM ListUsers request, which GCS's
// HMAC interoperability follows), so the stand-in checks the spec, not the Worker's reading of it.
func TestV4VerifierMatchesTheSpecExample(t *testing.T) {
	req, err := http.NewRequest(http.MethodGet, "https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	req.Header.Set("X-Amz-Date", "20150830T123600Z")
	empty := sha256.Sum256(nil)
	canonical := canonicalV4Request(req, []string{"content-type", "host", "x-amz-date"}, hex.EncodeToString(empty[:]))
	sum := sha256.Sum256([]byte(canonical))
	if got := hex.EncodeToString(sum[:]); got != "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59" {
		t.Errorf("hash of the canonical request %s\n%s", got, canonical)
	}
	if got := v4Signature("AWS4-HMAC-SHA256", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20150830T123600Z", "us-east-1", "iam", canonical); got != "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7" {
		t.Errorf("signature %s", got)
	}
}

// TestGCSStandInRefuses: requests the Worker never makes, signed correctly but for an expired
// date or an object outside assets/, and a tampered one, are refused; the same request signed
// now for an asset is served.
func TestGCSStandInRefuses(t *testing.T) {
	now := time.Now()
	g := &gcsStandIn{bucket: "acme-delivery", secrets: map[string]string{testAccessID: testSecret},
		objects: map[string][]byte{"assets/a1/seg.m4s": []byte("segment"), "masters/a1.mov": []byte("master")}, now: time.Now}
	do := func(path string, at time.Time, mut func(*http.Request)) (int, string) {
		req, err := http.NewRequest(http.MethodGet, "http://storage.test"+(&url.URL{Path: path}).EscapedPath(), nil)
		if err != nil {
			t.Fatal(err)
		}
		signGCS(req, testAccessID, testSecret, at)
		if mut != nil {
			mut(req)
		}
		rec := httptest.NewRecorder()
		g.ServeHTTP(rec, req)
		return rec.Code, g.lastRefusal()
	}
	if code, why := do("/acme-delivery/assets/a1/seg.m4s", now, nil); code != http.StatusOK {
		t.Fatalf("a correct request: %d (%s)", code, why)
	}
	for name, tc := range map[string]struct {
		path string
		at   time.Time
		mut  func(*http.Request)
		want string
	}{
		"expired date":    {"/acme-delivery/assets/a1/seg.m4s", now.Add(-20 * time.Minute), nil, "expired"},
		"future date":     {"/acme-delivery/assets/a1/seg.m4s", now.Add(20 * time.Minute), nil, "expired"},
		"outside assets/": {"/acme-delivery/masters/a1.mov", now, nil, "may not read"},
		"wrong signature": {"/acme-delivery/assets/a1/seg.m4s", now, func(r *http.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "Signature=", "Signature=0", 1))
		}, "does not match"},
		"changed path": {"/acme-delivery/assets/a1/seg.m4s", now, func(r *http.Request) { r.URL.Path = "/acme-delivery/assets/b2/seg.m4s" }, "does not match"},
		"unknown access id": {"/acme-delivery/assets/a1/seg.m4s", now, func(r *http.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), testAccessID, "GOOG1OTHER", 1))
		}, "unknown access id"},
		"no authorization": {"/acme-delivery/assets/a1/seg.m4s", now, func(r *http.Request) { r.Header.Del("Authorization") }, "malformed"},
	} {
		code, why := do(tc.path, tc.at, tc.mut)
		if code != http.StatusForbidden || !strings.Contains(why, tc.want) {
			t.Errorf("%s: %d (%s), want 403 for %q", name, code, why, tc.want)
		}
	}
}

// An HMAC key of the edge reader, in GCS's formats (a GOOG1 access id, a 40-character secret).
const (
	testAccessID = "GOOG1EXAMPLEREADERACCESSID0123456789ABCDEFGHIJKLMNOPQRSTUV"
	testSecret   = "bGoa+V7g/yqDXvKRqq+JTFn4uQZbPiQJo4pf9RzJ"
)
