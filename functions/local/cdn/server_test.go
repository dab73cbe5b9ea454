package cdn

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ottkit/ottkit/functions/aws/playback"
)

const (
	domain  = "media.example.test"
	assetA  = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	assetB  = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
	keyID   = "K2JCJMDEHXQW5F"
	otherID = "K3OTHERKEYID00"
)

var (
	keysOnce       sync.Once
	trusted, other *rsa.PrivateKey
)

func keys(t testing.TB) (*rsa.PrivateKey, *rsa.PrivateKey) {
	t.Helper()
	keysOnce.Do(func() {
		var err error
		if trusted, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
		if other, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
	})
	return trusted, other
}

var now = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)

// files lays out a delivery directory with one file of each served type for two assets.
func files(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	for _, id := range []string{assetA, assetB} {
		for name, body := range map[string]string{
			"index.m3u8":          "#EXTM3U\n",
			"index.mpd":           "<MPD/>",
			"index_0_00001.m4s":   strings.Repeat("s", 1000),
			"index_0_init.mp4":    "init",
			"index_captions1.vtt": "WEBVTT\n",
			"poster.0000001.jpg":  "\xff\xd8\xff",
		} {
			p := filepath.Join(root, "assets", id, name)
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := os.WriteFile(filepath.Join(root, "secret.txt"), []byte("not media"), 0o644); err != nil {
		t.Fatal(err)
	}
	return root
}

func server(t *testing.T, clock *time.Time) *Server {
	t.Helper()
	k, _ := keys(t)
	s, err := New(Config{
		Root:           files(t),
		Verifier:       &Verifier{Domain: domain, Keys: KeyGroup{keyID: &k.PublicKey}, Now: func() time.Time { return *clock }},
		AllowedOrigins: []string{"http://127.0.0.1:8080"},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// signed returns the cookies the api function's signer issues for asset id.
func signed(t testing.TB, key *rsa.PrivateKey, kid, id string, ttl time.Duration) []*http.Cookie {
	t.Helper()
	c, err := playback.Sign(playback.Key{KeyPairID: kid, PrivateKey: key}, domain, id, now, ttl)
	if err != nil {
		t.Fatal(err)
	}
	return c.Cookies
}

// custom signs an arbitrary policy document, as a hand-rolled signer would.
func custom(t *testing.T, key *rsa.PrivateKey, kid, policy string, sha256Hash bool) []*http.Cookie {
	t.Helper()
	var sig []byte
	var err error
	enc := strings.NewReplacer("+", "-", "=", "_", "/", "~")
	cookies := []*http.Cookie{{Name: CookieKeyPairID, Value: kid}}
	if sha256Hash {
		sum := sha256.Sum256([]byte(policy))
		sig, err = rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
		cookies = append(cookies, &http.Cookie{Name: CookieHashAlgorithm, Value: "SHA256"})
	} else {
		sum := sha1.Sum([]byte(policy))
		sig, err = rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA1, sum[:])
	}
	if err != nil {
		t.Fatal(err)
	}
	return append(cookies,
		&http.Cookie{Name: CookiePolicy, Value: enc.Replace(base64.StdEncoding.EncodeToString([]byte(policy)))},
		&http.Cookie{Name: CookieSignature, Value: enc.Replace(base64.StdEncoding.EncodeToString(sig))})
}

func get(t *testing.T, s *Server, path string, cookies []*http.Cookie, header http.Header) *http.Response {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.RemoteAddr = "127.0.0.1:50000"
	for k, v := range header {
		req.Header[k] = v
	}
	for _, c := range cookies {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	return rec.Result()
}

func without(cookies []*http.Cookie, name string) []*http.Cookie {
	var out []*http.Cookie
	for _, c := range cookies {
		if c.Name != name {
			out = append(out, c)
		}
	}
	return out
}

func replaced(cookies []*http.Cookie, name string, value func(string) string) []*http.Cookie {
	var out []*http.Cookie
	for _, c := range cookies {
		if c.Name == name {
			c = &http.Cookie{Name: c.Name, Value: value(c.Value)}
		}
		out = append(out, c)
	}
	return out
}

// reasons are why refused cases of TestSignedCookies are refused, so none passes for another reason.
var reasons = map[string]string{
	"no signature":  "no CloudFront-Signature",
	"no policy":     "neither CloudFront-Policy",
	"expired":       "expired at",
	"another asset": "does not match",
	"signed by a key the group does not trust":       "does not verify",
	"a tampered signature":                           "does not verify",
	"a policy swapped for another asset's, unsigned": "does not verify",
	"a policy with a longer expiry, unsigned":        "does not verify",
	"not CloudFront's base64":                        "not CloudFront base64",
	"no expiry in the policy":                        "no DateLessThan",
	"two statements":                                 "2 statements",
	"not yet valid":                                  "valid only after",
	"from another address":                           "outside the policy",
	"a resource on another host":                     "does not match",
}

func requestFor(path string, cookies []*http.Cookie) *http.Request {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.RemoteAddr = "127.0.0.1:50000"
	for _, c := range cookies {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	return req
}

func TestSignedCookies(t *testing.T) {
	trustedKey, otherKey := keys(t)
	clock := now
	s := server(t, &clock)
	good := signed(t, trustedKey, keyID, assetA, 10*time.Minute)
	exp := now.Add(10 * time.Minute).Unix()
	resource := "https://" + domain + "/assets/" + assetA + "/*"
	segment := "/assets/" + assetA + "/index_0_00001.m4s"

	tests := []struct {
		name    string
		path    string
		cookies []*http.Cookie
		at      time.Time
		code    int
		errCode string
	}{
		{"the signer's cookies open the asset", segment, good, now, 200, ""},
		{"and its manifest", "/assets/" + assetA + "/index.m3u8", good, now, 200, ""},
		{"until just before expiry", segment, good, now.Add(10*time.Minute - time.Second), 200, ""},
		{"no cookies", segment, nil, now, 403, "MissingKey"},
		{"no key pair id", segment, without(good, CookieKeyPairID), now, 403, "MissingKey"},
		{"no signature", segment, without(good, CookieSignature), now, 403, "AccessDenied"},
		{"no policy", segment, without(good, CookiePolicy), now, 403, "AccessDenied"},
		{"expired", segment, good, now.Add(10 * time.Minute), 403, "AccessDenied"},
		{"another asset", "/assets/" + assetB + "/index_0_00001.m4s", good, now, 403, "AccessDenied"},
		{"a path climbing out of the asset", "/assets/" + assetA + "/../" + assetB + "/index.m3u8", good, now, 403, "AccessDenied"},
		{"a file outside the assets", "/secret.txt", good, now, 403, "AccessDenied"},
		{"an unknown key pair id", segment, replaced(good, CookieKeyPairID, func(string) string { return otherID }), now, 403, "InvalidKey"},
		{"signed by a key the group does not trust", segment, signed(t, otherKey, keyID, assetA, 10*time.Minute), now, 403, "AccessDenied"},
		{"a tampered signature", segment, replaced(good, CookieSignature, func(v string) string {
			// Another letter of CloudFront's alphabet: still base64, other signature bits
			// (flipping a bit could leave the alphabet, a different refusal).
			b := []byte(v)
			if b[10] == 'A' {
				b[10] = 'B'
			} else {
				b[10] = 'A'
			}
			return string(b)
		}), now, 403, "AccessDenied"},
		{"a policy swapped for another asset's, unsigned", "/assets/" + assetB + "/index.m3u8", replaced(good, CookiePolicy, func(string) string {
			return signed(t, trustedKey, keyID, assetB, time.Minute)[0].Value
		}), now, 403, "AccessDenied"},
		{"a policy with a longer expiry, unsigned", segment, replaced(good, CookiePolicy, func(v string) string {
			b, _ := decode(v)
			p := strings.Replace(string(b), fmt.Sprint(exp), fmt.Sprint(exp+3600), 1)
			return strings.NewReplacer("+", "-", "=", "_", "/", "~").Replace(base64.StdEncoding.EncodeToString([]byte(p)))
		}), now.Add(20 * time.Minute), 403, "AccessDenied"},
		{"not CloudFront's base64", segment, replaced(good, CookiePolicy, func(v string) string { return v + "!" }), now, 403, "AccessDenied"},
		{"SHA-256 signature", segment, custom(t, trustedKey, keyID, fmt.Sprintf(`{"Statement":[{"Resource":%q,"Condition":{"DateLessThan":{"AWS:EpochTime":%d}}}]}`, resource, exp), true), now, 200, ""},
		{"no expiry in the policy", segment, custom(t, trustedKey, keyID, fmt.Sprintf(`{"Statement":[{"Resource":%q,"Condition":{}}]}`, resource), false), now, 403, "AccessDenied"},
		{"two statements", segment, custom(t, trustedKey, keyID, fmt.Sprintf(`{"Statement":[{"Resource":%q,"Condition":{"DateLessThan":{"AWS:EpochTime":%d}}},{"Resource":%q,"Condition":{"DateLessThan":{"AWS:EpochTime":%d}}}]}`, resource, exp, resource, exp), false), now, 403, "AccessDenied"},
		{"not yet valid", segment, custom(t, trustedKey, keyID, fmt.Sprintf(`{"Statement":[{"Resource":%q,"Condition":{"DateLessThan":{"AWS:EpochTime":%d},"DateGreaterThan":{"AWS:EpochTime":%d}}}]}`, resource, exp, now.Unix()+60), false), now, 403, "AccessDenied"},
		{"from an allowed address", segment, custom(t, trustedKey, keyID, fmt.Sprintf(`{"Statement":[{"Resource":%q,"Condition":{"DateLessThan":{"AWS:EpochTime":%d},"IpAddress":{"AWS:SourceIp":"127.0.0.0/8"}}}]}`, resource, exp), false), now, 200, ""},
		{"from another address", segment, custom(t, trustedKey, keyID, fmt.Sprintf(`{"Statement":[{"Resource":%q,"Condition":{"DateLessThan":{"AWS:EpochTime":%d},"IpAddress":{"AWS:SourceIp":"192.0.2.0/24"}}}]}`, resource, exp), false), now, 403, "AccessDenied"},
		{"a resource with ? for one character", segment, custom(t, trustedKey, keyID, fmt.Sprintf(`{"Statement":[{"Resource":%q,"Condition":{"DateLessThan":{"AWS:EpochTime":%d}}}]}`, "https://"+domain+"/assets/"+assetA+"/index_0_0000?.m4s", exp), false), now, 200, ""},
		{"a resource on another host", segment, custom(t, trustedKey, keyID, fmt.Sprintf(`{"Statement":[{"Resource":%q,"Condition":{"DateLessThan":{"AWS:EpochTime":%d}}}]}`, "https://other.example.test/assets/"+assetA+"/*", exp), false), now, 403, "AccessDenied"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock = tt.at
			resp := get(t, s, tt.path, tt.cookies, nil)
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.code {
				t.Fatalf("status %d (%s), want %d", resp.StatusCode, body, tt.code)
			}
			if tt.code == 403 {
				err := s.cfg.Verifier.Verify(requestFor(tt.path, tt.cookies))
				if want := reasons[tt.name]; want != "" && (err == nil || !strings.Contains(err.Error(), want)) {
					t.Errorf("refused because %v, want %q", err, want)
				}
				if !strings.Contains(string(body), "<Code>"+tt.errCode+"</Code>") {
					t.Errorf("error document %s, want code %s", body, tt.errCode)
				}
				if strings.Contains(string(body), "sss") || strings.Contains(string(body), "EXTM3U") {
					t.Errorf("a refused request got media: %s", body)
				}
			}
		})
	}
}

func TestCannedPolicy(t *testing.T) {
	k, _ := keys(t)
	clock := now
	s := server(t, &clock)
	url := "https://" + domain + "/assets/" + assetA + "/index.mpd"
	exp := now.Add(time.Minute).Unix()
	doc := fmt.Sprintf(`{"Statement":[{"Resource":"%s","Condition":{"DateLessThan":{"AWS:EpochTime":%d}}}]}`, url, exp)
	c := custom(t, k, keyID, doc, false)
	canned := append(without(c, CookiePolicy), &http.Cookie{Name: CookieExpires, Value: fmt.Sprint(exp)})
	if resp := get(t, s, "/assets/"+assetA+"/index.mpd", canned, nil); resp.StatusCode != 200 {
		t.Errorf("canned policy for the URL: status %d, want 200", resp.StatusCode)
	}
	if resp := get(t, s, "/assets/"+assetA+"/index.m3u8", canned, nil); resp.StatusCode != 403 {
		t.Errorf("canned policy for another URL: status %d, want 403", resp.StatusCode)
	}
}

func TestContentTypesAndRanges(t *testing.T) {
	k, _ := keys(t)
	clock := now
	s := server(t, &clock)
	good := signed(t, k, keyID, assetA, time.Minute)
	for name, want := range map[string]string{
		"index.m3u8":          "application/vnd.apple.mpegurl",
		"index.mpd":           "application/dash+xml",
		"index_0_00001.m4s":   "video/iso.segment",
		"index_0_init.mp4":    "video/mp4",
		"index_captions1.vtt": "text/vtt; charset=utf-8",
		"poster.0000001.jpg":  "image/jpeg",
	} {
		resp := get(t, s, "/assets/"+assetA+"/"+name, good, nil)
		if got := resp.Header.Get("Content-Type"); resp.StatusCode != 200 || got != want {
			t.Errorf("%s: status %d, Content-Type %q; want 200 %q", name, resp.StatusCode, got, want)
		}
	}
	resp := get(t, s, "/assets/"+assetA+"/index_0_00001.m4s", good, http.Header{"Range": {"bytes=100-199"}})
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusPartialContent || len(body) != 100 || resp.Header.Get("Content-Range") != "bytes 100-199/1000" {
		t.Errorf("range: status %d, %d bytes, Content-Range %q; want 206, 100, bytes 100-199/1000", resp.StatusCode, len(body), resp.Header.Get("Content-Range"))
	}
	if resp := get(t, s, "/assets/"+assetA+"/missing.m4s", good, nil); resp.StatusCode != 404 {
		t.Errorf("missing file: status %d, want 404", resp.StatusCode)
	}
	if resp := get(t, s, "/assets/"+assetA+"/missing.m4s", nil, nil); resp.StatusCode != 403 {
		t.Errorf("missing file without cookies: status %d, want 403 (existence is not disclosed)", resp.StatusCode)
	}
}

func TestCORS(t *testing.T) {
	k, _ := keys(t)
	clock := now
	s := server(t, &clock)
	good := signed(t, k, keyID, assetA, time.Minute)
	resp := get(t, s, "/assets/"+assetA+"/index.m3u8", good, http.Header{"Origin": {"http://127.0.0.1:8080"}})
	if resp.Header.Get("Access-Control-Allow-Origin") != "http://127.0.0.1:8080" || resp.Header.Get("Access-Control-Allow-Credentials") != "true" {
		t.Errorf("allowed origin got headers %v", resp.Header)
	}
	resp = get(t, s, "/assets/"+assetA+"/index.m3u8", good, http.Header{"Origin": {"http://evil.example"}})
	if resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("another origin was allowed: %v", resp.Header)
	}
	req := httptest.NewRequest(http.MethodOptions, "/assets/"+assetA+"/index_0_00001.m4s", nil)
	req.Header.Set("Origin", "http://127.0.0.1:8080")
	req.Header.Set("Access-Control-Request-Method", "GET")
	req.Header.Set("Access-Control-Request-Headers", "range")
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	if rec.Code != 204 || !strings.Contains(rec.Header().Get("Access-Control-Allow-Headers"), "Range") || rec.Body.Len() != 0 {
		t.Errorf("preflight: %d %v %q", rec.Code, rec.Header(), rec.Body.String())
	}
}

func TestParsePublicKey(t *testing.T) {
	k, _ := keys(t)
	pkix, _ := x509.MarshalPKIXPublicKey(&k.PublicKey)
	for name, block := range map[string]*pem.Block{
		"PKIX":    {Type: "PUBLIC KEY", Bytes: pkix},
		"PKCS #1": {Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(&k.PublicKey)},
	} {
		got, err := ParsePublicKey(string(pem.EncodeToMemory(block)))
		if err != nil || !got.Equal(&k.PublicKey) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := ParsePublicKey("not pem"); err == nil {
		t.Error("ParsePublicKey accepted text that is not PEM")
	}
}

func TestNewRejectsAnEmptyKeyGroup(t *testing.T) {
	if _, err := New(Config{Root: t.TempDir(), Verifier: &Verifier{Domain: domain}}); err == nil || !strings.Contains(err.Error(), "Keys") {
		t.Errorf("New with no trusted key: %v, want an error naming Keys", err)
	}
}

func TestMatch(t *testing.T) {
	for _, tt := range []struct {
		pattern, s string
		want       bool
	}{
		{"https://h/assets/a/*", "https://h/assets/a/x/y.m4s", true},
		{"https://h/assets/a/*", "https://h/assets/ab/x", false},
		{"https://h/assets/a/*", "https://h/assets/a/", true},
		{"http*://h/a", "https://h/a", true},
		{"https://h/a?c", "https://h/abc", true},
		{"https://h/a?c", "https://h/ac", false},
		{"*", "", true},
		{"a*b*c", "aXbYbZc", true},
		{"a*b*c", "aXbYbZ", false},
	} {
		if got := match(tt.pattern, tt.s); got != tt.want {
			t.Errorf("match(%q, %q) = %t, want %t", tt.pattern, tt.s, got, tt.want)
		}
	}
}
