package cloudflare_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ottkit/ottkit/functions/edge/cloudflare"
)

// workerdPath is the prebuilt workerd binary npm installs (`npm ci` here; .ci/deps runs it).
func workerdPath(t testing.TB) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("node_modules", ".bin", "workerd"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("workerd is not installed (%v): run `npm ci` in functions/edge/cloudflare, or `make deps`", err)
	}
	return p
}

// r2StandIn speaks the protocol workerd's R2 binding uses towards its backing service: a GET
// with the operation as JSON in CF-R2-Request; the reply is the result metadata (its length
// in CF-R2-Metadata-Size) followed by the object's bytes.
type r2StandIn struct{ objects map[string][]byte }

func (r *r2StandIn) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	var op struct {
		Method string `json:"method"`
		Object string `json:"object"`
		Range  *struct {
			Offset json.Number `json:"offset"`
			Length json.Number `json:"length"`
			Suffix json.Number `json:"suffix"`
		} `json:"range"`
	}
	if err := json.Unmarshal([]byte(req.Header.Get("CF-R2-Request")), &op); err != nil || (op.Method != "get" && op.Method != "head") {
		http.Error(w, "r2 stand-in: unsupported request "+req.Header.Get("CF-R2-Request"), http.StatusNotImplemented)
		return
	}
	data, ok := r.objects[op.Object]
	if !ok {
		w.Header().Set("CF-R2-Error", `{"version":0,"v4code":10007,"message":"The specified key does not exist."}`)
		w.WriteHeader(http.StatusNotFound)
		return
	}
	off, n := int64(0), int64(len(data))
	if op.Range != nil && op.Method == "get" {
		if s, err := op.Range.Suffix.Int64(); err == nil {
			off = max(int64(len(data))-s, 0)
			n = int64(len(data)) - off
		} else {
			off, _ = op.Range.Offset.Int64()
			if off >= int64(len(data)) {
				// What R2 answers: InvalidRange.
				w.Header().Set("CF-R2-Error", `{"version":0,"v4code":10039,"message":"The requested range is not satisfiable."}`)
				w.WriteHeader(http.StatusRequestedRangeNotSatisfiable)
				return
			}
			n = int64(len(data)) - off
			if l, err := op.Range.Length.Int64(); err == nil {
				n = min(l, n)
			}
		}
	}
	meta, _ := json.Marshal(map[string]any{
		"name": op.Object, "version": "v1", "size": strconv.Itoa(len(data)), "etag": "e1",
		"uploaded": "1700000000000", "storageClass": "Standard", "httpFields": map[string]any{},
		"range": map[string]string{"offset": strconv.FormatInt(off, 10), "length": strconv.FormatInt(n, 10)},
	})
	w.Header().Set("CF-R2-Metadata-Size", strconv.Itoa(len(meta)))
	body := meta
	if op.Method == "get" {
		body = append(meta, data[off:off+n]...)
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.Write(body)
}

// kvStandIn is the backing service of a KV binding: GET /<urlencoded key> → 200 with the
// value or 404; down makes it fail with 500, a KV outage.
type kvStandIn struct {
	mu   sync.Mutex
	vals map[string]string
	down atomic.Bool
}

func (k *kvStandIn) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if k.down.Load() {
		http.Error(w, "kv outage", http.StatusInternalServerError)
		return
	}
	k.mu.Lock()
	v, ok := k.vals[strings.TrimPrefix(req.URL.Path, "/")]
	k.mu.Unlock()
	if !ok {
		http.NotFound(w, req)
		return
	}
	io.WriteString(w, v)
}

func (k *kvStandIn) set(key, value string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.vals[key] = value
}

// cloudFrontStandIn checks CloudFront signed cookies (custom policy, RSA-SHA1) against its
// public key the way CloudFront does, then serves objects with ranges.
type cloudFrontStandIn struct {
	pub     *rsa.PublicKey
	keyID   string
	origin  string
	objects map[string][]byte
	// requests counts every request, served the ones answered with bytes.
	requests, served atomic.Int64
}

func cfDecode(s string) ([]byte, error) {
	return base64.StdEncoding.DecodeString(strings.NewReplacer("-", "+", "_", "=", "~", "/").Replace(s))
}

func (c *cloudFrontStandIn) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	c.requests.Add(1)
	get := func(name string) string {
		ck, err := req.Cookie(name)
		if err != nil {
			return ""
		}
		return ck.Value
	}
	policy, err1 := cfDecode(get("CloudFront-Policy"))
	sig, err2 := cfDecode(get("CloudFront-Signature"))
	sum := sha1.Sum(policy)
	if err1 != nil || err2 != nil || get("CloudFront-Key-Pair-Id") != c.keyID || rsa.VerifyPKCS1v15(c.pub, crypto.SHA1, sum[:], sig) != nil {
		http.Error(w, "cloudfront stand-in: bad signed cookies", http.StatusForbidden)
		return
	}
	var p struct {
		Statement []struct {
			Resource  string
			Condition struct {
				DateLessThan map[string]int64
			}
		}
	}
	if json.Unmarshal(policy, &p) != nil || len(p.Statement) != 1 {
		http.Error(w, "cloudfront stand-in: bad policy", http.StatusForbidden)
		return
	}
	st := p.Statement[0]
	if !strings.HasSuffix(st.Resource, "*") || !strings.HasPrefix(c.origin+req.URL.Path, strings.TrimSuffix(st.Resource, "*")) || st.Condition.DateLessThan["AWS:EpochTime"] <= time.Now().Unix() {
		http.Error(w, "cloudfront stand-in: policy does not grant "+req.URL.Path, http.StatusForbidden)
		return
	}
	data, ok := c.objects[strings.TrimPrefix(req.URL.Path, "/")]
	if !ok {
		http.NotFound(w, req)
		return
	}
	c.served.Add(1)
	http.ServeContent(w, req, "", time.Time{}, bytes.NewReader(data))
}

func capnpString(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s) + `"`
}

type edgeRig struct {
	// r2URL serves R2 mode; originURL origin mode over CloudFront; gcsURLs origin mode over
	// GCS, by credential case ("ok", "wrong-secret", "wrong-id", "none").
	r2URL, originURL string
	gcsURLs          map[string]string
	kv               *kvStandIn
	cf               *cloudFrontStandIn
	gcs              *gcsStandIn
	key              cloudflare.Key
	signer           *cloudflare.Signer
	client           *http.Client
	workerd          *exec.Cmd
}

// credentialKV is an ORIGIN_CREDENTIALS namespace holding one credential ("" for none).
func credentialKV(t testing.TB, c *cloudflare.OriginCredential) *kvStandIn {
	t.Helper()
	kv := &kvStandIn{vals: map[string]string{}}
	if c != nil {
		b, err := c.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		kv.vals[cloudflare.OriginCredentialKey] = string(b)
	}
	return kv
}

// startEdge runs the Worker in workerd in R2 mode and in origin mode (CloudFront, and GCS
// with a good, a wrong and no credential), with loopback stand-ins for R2, KV, CloudFront
// (checking the edge's signed cookies) and GCS (checking V4 HMAC signatures), each socket on
// a listener this process already holds.
func startEdge(t testing.TB, objects map[string][]byte) *edgeRig {
	t.Helper()
	bin := workerdPath(t)
	rig := &edgeRig{kv: &kvStandIn{vals: map[string]string{}}, key: mustKey(t, "edge-1"), gcsURLs: map[string]string{}}
	rig.signer = cloudflare.NewSigner(cloudflare.StaticKey(rig.key))
	var servers []*httptest.Server
	serve := func(h http.Handler) string {
		s := httptest.NewServer(h)
		servers = append(servers, s)
		return strings.TrimPrefix(s.URL, "http://")
	}
	t.Cleanup(func() {
		for _, s := range servers {
			s.Close()
		}
	})
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(rsaKey)
	if err != nil {
		t.Fatal(err)
	}
	rig.cf = &cloudFrontStandIn{pub: &rsaKey.PublicKey, keyID: "K2EDGEKEY", objects: objects}
	cfHost := serve(rig.cf)
	rig.cf.origin = "http://" + cfHost
	const bucket = "acme-delivery"
	gcsObjects := map[string][]byte{}
	for k, v := range objects {
		gcsObjects[k] = v
	}
	gcsObjects["masters/a1.mov"] = []byte("a master the edge may not read")
	rig.gcs = &gcsStandIn{bucket: bucket, secrets: map[string]string{testAccessID: testSecret}, objects: gcsObjects, now: time.Now}
	gcsHost := serve(rig.gcs)

	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "worker.js"), []byte(cloudflare.WorkerModule), 0o600); err != nil {
		t.Fatal(err)
	}
	pubKeys, _ := json.Marshal(map[string]string{rig.key.ID: rig.key.Public()})
	type edgeWorker struct {
		name, mode, kind, origin string
		creds                    *kvStandIn
	}
	gcsCred := func(id, secret string) *kvStandIn {
		return credentialKV(t, &cloudflare.OriginCredential{Kind: cloudflare.OriginGCS, AccessID: id, Secret: secret})
	}
	workers := []edgeWorker{
		{name: "r2", mode: "r2"},
		{name: "cloudfront", mode: "origin", kind: cloudflare.OriginCloudFront, origin: rig.cf.origin, creds: credentialKV(t, &cloudflare.OriginCredential{
			Kind: cloudflare.OriginCloudFront, KeyPairID: "K2EDGEKEY", PrivateKey: string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))})},
		{name: "gcs-ok", mode: "origin", kind: cloudflare.OriginGCS, origin: "http://" + gcsHost, creds: gcsCred(testAccessID, testSecret)},
		{name: "gcs-wrong-secret", mode: "origin", kind: cloudflare.OriginGCS, origin: "http://" + gcsHost, creds: gcsCred(testAccessID, "x"+testSecret[1:])},
		{name: "gcs-wrong-id", mode: "origin", kind: cloudflare.OriginGCS, origin: "http://" + gcsHost, creds: gcsCred("GOOG1EXAMPLEOTHERACCESSID0123456789ABCDEFGHIJKLMNOPQRSTUV", testSecret)},
		{name: "gcs-none", mode: "origin", kind: cloudflare.OriginGCS, origin: "http://" + gcsHost, creds: credentialKV(t, nil)},
	}
	var services, sockets, flags []string
	r2Host, kvHost := serve(&r2StandIn{objects: objects}), serve(rig.kv)
	services = append(services, fmt.Sprintf(`(name = "r2", external = (address = %q, http = ()))`, r2Host),
		fmt.Sprintf(`(name = "kv", external = (address = %q, http = ()))`, kvHost),
		`(name = "internet", network = (allow = ["local"]))`)
	var files []*os.File
	urls := map[string]string{}
	for i, w := range workers {
		bindings := []string{
			fmt.Sprintf(`(name = "MODE", text = %q)`, w.mode),
			fmt.Sprintf(`(name = "PUBLIC_KEYS", text = %s)`, capnpString(string(pubKeys))),
			`(name = "REVOKED", kvNamespace = "kv")`,
		}
		if w.mode == "r2" {
			bindings = append(bindings, `(name = "MEDIA", r2Bucket = "r2")`)
		} else {
			creds := "creds-" + w.name
			services = append(services, fmt.Sprintf(`(name = %q, external = (address = %q, http = ()))`, creds, serve(w.creds)))
			bindings = append(bindings, fmt.Sprintf(`(name = "ORIGIN_KIND", text = %q)`, w.kind),
				fmt.Sprintf(`(name = "ORIGIN", text = %q)`, w.origin),
				fmt.Sprintf(`(name = "ORIGIN_BUCKET", text = %q)`, bucket),
				fmt.Sprintf(`(name = %q, kvNamespace = %q)`, cloudflare.OriginCredentialsBinding, creds))
		}
		services = append(services, fmt.Sprintf(`(name = "edge-%s", worker = (
      compatibilityDate = "2025-01-01",
      modules = [(name = "worker.js", esModule = embed "worker.js")],
      bindings = [%s],
    ))`, w.name, strings.Join(bindings, ", ")))
		sockets = append(sockets, fmt.Sprintf(`(name = "s-%s", address = "127.0.0.1:0", http = (), service = "edge-%s")`, w.name, w.name))
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		f, err := l.(*net.TCPListener).File()
		if err != nil {
			t.Fatal(err)
		}
		l.Close()
		files = append(files, f)
		urls[w.name] = "http://" + l.Addr().String()
		flags = append(flags, "--socket-fd", fmt.Sprintf("s-%s=%d", w.name, 3+i))
	}
	rig.r2URL, rig.originURL = urls["r2"], urls["cloudfront"]
	for _, c := range []string{"ok", "wrong-secret", "wrong-id", "none"} {
		rig.gcsURLs[c] = urls["gcs-"+c]
	}
	config := fmt.Sprintf(`using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    %s
  ],
  sockets = [
    %s
  ],
);
`, strings.Join(services, ",\n    "), strings.Join(sockets, ",\n    "))
	if err := os.WriteFile(filepath.Join(dir, "config.capnp"), []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, append(append([]string{"serve"}, flags...), "config.capnp")...)
	cmd.Dir = dir
	cmd.ExtraFiles = files
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatalf("start workerd: %v", err)
	}
	for _, f := range files {
		f.Close()
	}
	rig.workerd = cmd
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("workerd output:\n%s", logs.String())
		}
	})
	rig.client = &http.Client{Timeout: 20 * time.Second}
	return rig
}

func (r *edgeRig) get(t testing.TB, base, path, token string, header ...string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Cookie", cloudflare.CookieName+"="+token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := r.client.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, res.Header, body
}

func (r *edgeRig) token(t testing.TB, prefix string) (string, cloudflare.Claims) {
	t.Helper()
	cookies, err := r.signer.Sign(context.Background(), prefix, time.Now().Add(10*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	c, err := cloudflare.Verify(cookies[0].Value, prefix, map[string]string{r.key.ID: r.key.Public()}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return cookies[0].Value, c
}

func TestWorkerInWorkerd(t *testing.T) {
	segment := bytes.Repeat([]byte("0123456789"), 100)
	manifest := []byte("#EXTM3U\n#EXT-X-VERSION:7\n")
	rig := startEdge(t, map[string][]byte{
		"assets/a1/hls/720p/seg-00001.m4s": segment,
		"assets/a1/hls/index.m3u8":         manifest,
	})
	seg := "/assets/a1/hls/720p/seg-00001.m4s"
	tok, claims := rig.token(t, "/assets/a1/")

	t.Run("valid token serves the bytes from R2", func(t *testing.T) {
		code, h, body := rig.get(t, rig.r2URL, seg, tok)
		if code != http.StatusOK || !bytes.Equal(body, segment) {
			t.Fatalf("status %d, %d bytes; want 200 and the %d-byte segment", code, len(body), len(segment))
		}
		if ct := h.Get("Content-Type"); ct != "video/iso.segment" {
			t.Errorf("Content-Type %q", ct)
		}
		if cc := h.Get("Cache-Control"); !strings.Contains(cc, "private") || !strings.Contains(cc, "immutable") {
			t.Errorf("Cache-Control %q", cc)
		}
		code, h, body = rig.get(t, rig.r2URL, "/assets/a1/hls/index.m3u8", tok)
		if code != http.StatusOK || !bytes.Equal(body, manifest) || h.Get("Content-Type") != "application/vnd.apple.mpegurl" || !strings.Contains(h.Get("Cache-Control"), "max-age=60") {
			t.Errorf("manifest: %d %q %q %q", code, body, h.Get("Content-Type"), h.Get("Cache-Control"))
		}
		if code, _, _ := rig.get(t, rig.r2URL, "/assets/a1/hls/missing.m4s", tok); code != http.StatusNotFound {
			t.Errorf("missing object: %d, want 404", code)
		}
	})
	t.Run("ranges are honoured", func(t *testing.T) {
		for _, tc := range []struct {
			rng, want, contentRange string
		}{
			{"bytes=10-19", string(segment[10:20]), "bytes 10-19/1000"},
			{"bytes=995-", string(segment[995:]), "bytes 995-999/1000"},
			{"bytes=-3", string(segment[997:]), "bytes 997-999/1000"},
		} {
			code, h, body := rig.get(t, rig.r2URL, seg, tok, "Range", tc.rng)
			if code != http.StatusPartialContent || string(body) != tc.want || h.Get("Content-Range") != tc.contentRange {
				t.Errorf("%s: %d %q %q; want 206 %q %q", tc.rng, code, body, h.Get("Content-Range"), tc.want, tc.contentRange)
			}
		}
		if code, _, _ := rig.get(t, rig.r2URL, seg, tok, "Range", "bytes=5000-"); code != http.StatusRequestedRangeNotSatisfiable {
			t.Errorf("range past the end: %d, want 416", code)
		}
	})

	other := mustKey(t, "edge-1") // same id, another private key
	now := time.Now().Unix()
	claim := func(mut func(*cloudflare.Claims)) string {
		c := cloudflare.Claims{Version: 1, Prefix: "/assets/a1/", Expires: now + 600, Issued: now, KeyID: rig.key.ID, Session: "s-forged"}
		mut(&c)
		tok, err := cloudflare.Encode(rig.key, c)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	tampered := []byte(tok)
	tampered[10] ^= 0x02
	otherTok, err := cloudflare.Encode(other, claims)
	if err != nil {
		t.Fatal(err)
	}
	revokedTok, revoked := rig.token(t, "/assets/a1/")
	rig.kv.set("session:"+revoked.Session, "revoked by test")
	for name, token := range map[string]string{
		"no token":           "",
		"other asset":        claim(func(c *cloudflare.Claims) { c.Prefix = "/assets/b2/" }),
		"expired":            claim(func(c *cloudflare.Claims) { c.Expires, c.Issued = now-1, now-600 }),
		"over one hour":      claim(func(c *cloudflare.Claims) { c.Expires = now + 7200 }),
		"tampered":           string(tampered),
		"another signer":     otherTok,
		"unknown key id":     claim(func(c *cloudflare.Claims) { c.KeyID = "edge-0" }),
		"future issue time":  claim(func(c *cloudflare.Claims) { c.Issued = now + 600; c.Expires = now + 900 }),
		"over-long cookie":   tok + strings.Repeat("A", cloudflare.MaxTokenChars),
		"revoked session":    revokedTok,
		"dot-segment escape": "",
	} {
		path := seg
		if name == "dot-segment escape" {
			path, token = "/assets/a1/%2e%2e/b2/x.m4s", tok
		}
		code, _, body := rig.get(t, rig.r2URL, path, token)
		if code != http.StatusForbidden {
			t.Errorf("%s: status %d (%q), want 403", name, code, body)
		}
		if bytes.Contains(body, segment[:20]) {
			t.Errorf("%s: served media bytes", name)
		}
	}
	t.Run("KV outage fails closed", func(t *testing.T) {
		rig.kv.down.Store(true)
		defer rig.kv.down.Store(false)
		if code, _, _ := rig.get(t, rig.r2URL, seg, tok); code != http.StatusForbidden {
			t.Fatalf("status %d during a KV outage, want 403", code)
		}
	})
	t.Run("origin mode presents CloudFront signed cookies", func(t *testing.T) {
		code, h, body := rig.get(t, rig.originURL, seg, tok)
		if code != http.StatusOK || !bytes.Equal(body, segment) {
			t.Fatalf("status %d (%q), want 200 and the segment", code, body[:min(len(body), 80)])
		}
		if h.Get("Content-Type") != "video/iso.segment" {
			t.Errorf("Content-Type %q", h.Get("Content-Type"))
		}
		code, h, body = rig.get(t, rig.originURL, seg, tok, "Range", "bytes=100-109")
		if code != http.StatusPartialContent || !bytes.Equal(body, segment[100:110]) || h.Get("Content-Range") != "bytes 100-109/1000" {
			t.Errorf("range via origin: %d %q %q", code, body, h.Get("Content-Range"))
		}
		before := rig.cf.requests.Load()
		for _, token := range []string{revokedTok, "", string(tampered)} {
			if code, _, _ := rig.get(t, rig.originURL, seg, token); code != http.StatusForbidden {
				t.Errorf("refused viewer via origin: %d, want 403", code)
			}
		}
		if rig.cf.requests.Load() != before {
			t.Error("the origin was asked on a refused request: the viewer checks must come first")
		}
	})
	t.Run("origin mode over GCS signs V4 HMAC requests", func(t *testing.T) {
		ok := rig.gcsURLs["ok"]
		code, h, body := rig.get(t, ok, seg, tok)
		if code != http.StatusOK || !bytes.Equal(body, segment) {
			t.Fatalf("status %d (%q), want 200 and the segment; the stand-in said %q", code, body[:min(len(body), 80)], rig.gcs.lastRefusal())
		}
		if h.Get("Content-Type") != "video/iso.segment" || !strings.Contains(h.Get("Cache-Control"), "immutable") {
			t.Errorf("headers %v", h)
		}
		for name := range h {
			if strings.HasPrefix(strings.ToLower(name), "x-goog-") {
				t.Errorf("the origin's header %s reaches the viewer", name)
			}
		}
		code, h, body = rig.get(t, ok, seg, tok, "Range", "bytes=990-")
		if code != http.StatusPartialContent || !bytes.Equal(body, segment[990:]) || h.Get("Content-Range") != "bytes 990-999/1000" {
			t.Errorf("range via GCS: %d %q %q", code, body, h.Get("Content-Range"))
		}
		if code, _, _ := rig.get(t, ok, "/assets/a1/hls/missing.m4s", tok); code != http.StatusNotFound {
			t.Errorf("missing object via GCS: %d, want 404", code)
		}
		before := rig.gcs.requests.Load()
		for _, token := range []string{revokedTok, "", string(tampered), claim(func(c *cloudflare.Claims) { c.Prefix = "/assets/b2/" })} {
			if code, _, _ := rig.get(t, ok, seg, token); code != http.StatusForbidden {
				t.Errorf("refused viewer via GCS: %d, want 403", code)
			}
		}
		if rig.gcs.requests.Load() != before {
			t.Error("GCS was asked on a refused request: the viewer checks must come first")
		}
	})
	t.Run("a wrong or missing GCS credential fails closed", func(t *testing.T) {
		for _, tc := range []struct{ url, refusal string }{
			{rig.gcsURLs["wrong-secret"], "signature does not match"},
			{rig.gcsURLs["wrong-id"], "unknown access id"},
		} {
			code, _, body := rig.get(t, tc.url, seg, tok)
			if code != http.StatusBadGateway || bytes.Contains(body, segment[:20]) {
				t.Errorf("status %d (%q), want 502 without bytes", code, body)
			}
			if got := rig.gcs.lastRefusal(); !strings.Contains(got, tc.refusal) {
				t.Errorf("the stand-in refused with %q, want %q", got, tc.refusal)
			}
		}
		before := rig.gcs.requests.Load()
		if code, _, _ := rig.get(t, rig.gcsURLs["none"], seg, tok); code != http.StatusBadGateway {
			t.Errorf("no credential: %d, want 502", code)
		}
		if rig.gcs.requests.Load() != before {
			t.Error("the Worker asked GCS without a credential")
		}
	})
}

// BenchmarkWorkerdRequest measures one authorised 1000-byte GET through the Worker in
// workerd, in R2 mode and in origin mode over CloudFront (an RSA-2048 signature per request)
// and GCS (five HMAC-SHA256 per request), and workerd's CPU time per request (user+system
// from /proc, so it includes workerd's HTTP handling and the stand-in round trips on its side).
func BenchmarkWorkerdRequest(b *testing.B) {
	segment := bytes.Repeat([]byte("x"), 1000)
	rig := startEdge(b, map[string][]byte{"assets/a1/seg.m4s": segment})
	tok, _ := rig.token(b, "/assets/a1/")
	for _, mode := range []struct{ name, url string }{{"r2", rig.r2URL}, {"origin-cloudfront", rig.originURL}, {"origin-gcs", rig.gcsURLs["ok"]}} {
		b.Run(mode.name, func(b *testing.B) {
			if code, _, _ := rig.get(b, mode.url, "/assets/a1/seg.m4s", tok); code != http.StatusOK {
				b.Fatalf("warm-up: %d", code)
			}
			cpu0 := procCPU(b, rig.workerd.Process.Pid)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if code, _, _ := rig.get(b, mode.url, "/assets/a1/seg.m4s", tok); code != http.StatusOK {
					b.Fatalf("status %d", code)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(procCPU(b, rig.workerd.Process.Pid)-cpu0)/float64(b.N)/1e3, "workerd-cpu-µs/op")
			b.ReportMetric(float64(len(cloudflare.WorkerModule)), "bundle-bytes")
		})
	}
}

// procCPU returns a process's user+system CPU time in nanoseconds (Linux, 100 Hz ticks).
func procCPU(t testing.TB, pid int) int64 {
	t.Helper()
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+2:]))
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return (utime + stime) * int64(10*time.Millisecond)
}
