package cloudflare_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ottkit/ottkit/functions/edge/cloudflare"
	"github.com/ottkit/ottkit/functions/gcp/cdnsign"
	"github.com/ottkit/ottkit/functions/gcp/gateway"
	"github.com/ottkit/ottkit/functions/pipeline"
	"github.com/ottkit/ottkit/functions/stages/api"
	"github.com/ottkit/ottkit/functions/stages/stagetest"
)

const (
	edgeHost = "media.example.test" // ottkit:cloudflareHostname
	cdnHost  = "cdn.example.test"   // the cloud CDN's host, which also serves /api/*
)

// selfSigned returns a certificate and key (PEM) for host, and a pool trusting it.
func selfSigned(t testing.TB, host string) (certPEM, keyPEM string, pool *x509.CertPool) {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: host}, DNSNames: []string{host},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &priv.PublicKey, priv)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8})), pool
}

// apiSeen is what the API origin received.
type apiSeen struct {
	mu       sync.Mutex
	requests []*http.Request
}

func (s *apiSeen) last() *http.Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.requests) == 0 {
		return nil
	}
	return s.requests[len(s.requests)-1]
}

type cdnKey []byte

func (k cdnKey) Read(context.Context, string) ([]byte, error) {
	return []byte(`{"keyName":"ottkit-cdn-1","key":"` + base64.URLEncoding.EncodeToString(k) + `"}`), nil
}

// browserRig is the Worker in workerd over HTTPS on edgeHost, passing /api/* to the api stage
// of an edge stack (the edge token next to Cloud CDN's cookie, behind the GCP gateway's HTTP
// decoding), R2 holding asset a1's playlist and b2's, and a browser: a cookie jar, TLS
// verified against the edge host's certificate, every host name resolving to workerd.
type browserRig struct {
	seen     *apiSeen
	key      cloudflare.Key
	layout   pipeline.Layout
	playlist []byte
	workerd  *exec.Cmd
	jar      http.CookieJar
	browser  *http.Client
}

func startBrowserRig(t testing.TB) *browserRig {
	t.Helper()
	bin := workerdPath(t)
	playlist := []byte("#EXTM3U\n#EXT-X-VERSION:7\n")
	id := "a1"
	layout := pipeline.LayoutFor(id)
	r2 := httptest.NewServer(&r2StandIn{objects: map[string][]byte{layout.HLS: playlist, "assets/b2/hls/index.m3u8": playlist}})
	kv := httptest.NewServer(&kvStandIn{vals: map[string]string{}})
	t.Cleanup(func() { r2.Close(); kv.Close() })

	// The API origin: the api stage as a stack with an edge runs it.
	key := mustKey(t, "k1")
	catalog := stagetest.NewCatalog()
	catalog.Put(&pipeline.Asset{ID: id, Tenant: "acme", Status: pipeline.StatusReady, HLS: layout.HLS, DASH: layout.DASH})
	cdn, err := cdnsign.NewSigner(cdnHost, "projects/p/secrets/cdn", cdnKey("0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	stage := api.New(api.Config{PlaybackDomain: cdnHost, EdgeDomain: edgeHost, PlaybackTTL: 10 * time.Minute, UploadTTL: 15 * time.Minute, MaxUploadBytes: 1 << 20},
		stagetest.NewUploadSigner(stagetest.NewObjectStore()), catalog,
		pipeline.PlaybackSigners{cdn, cloudflare.NewSigner(cloudflare.StaticKey(key))}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	seen := &apiSeen{}
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen.mu.Lock()
		seen.requests = append(seen.requests, r.Clone(context.Background()))
		seen.mu.Unlock()
		gateway.Handler(stage, api.ClaimNames{Tenant: api.DefaultTenantClaim, Roles: api.DefaultRolesClaim}).ServeHTTP(w, r)
	}))
	t.Cleanup(origin.Close)

	certPEM, keyPEM, pool := selfSigned(t, edgeHost)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "worker.js"), []byte(cloudflare.WorkerModule), 0o600); err != nil {
		t.Fatal(err)
	}
	pubKeys, _ := json.Marshal(map[string]string{key.ID: key.Public()})
	config := fmt.Sprintf(`using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "edge", worker = (
      compatibilityDate = "2025-01-01",
      modules = [(name = "worker.js", esModule = embed "worker.js")],
      bindings = [
        (name = "MODE", text = "r2"),
        (name = "PUBLIC_KEYS", text = %s),
        (name = "API_ORIGIN", text = %q),
        (name = "MEDIA", r2Bucket = "r2"),
        (name = "REVOKED", kvNamespace = "kv"),
      ],
    )),
    (name = "r2", external = (address = %q, http = ())),
    (name = "kv", external = (address = %q, http = ())),
    (name = "internet", network = (allow = ["local"])),
  ],
  sockets = [
    (name = "https", address = "127.0.0.1:0", https = (options = (), tlsOptions = (keypair = (privateKey = %s, certificateChain = %s))), service = "edge"),
  ],
);
`, capnpString(string(pubKeys)), origin.URL, strings.TrimPrefix(r2.URL, "http://"), strings.TrimPrefix(kv.URL, "http://"), capnpString(keyPEM), capnpString(certPEM))
	if err := os.WriteFile(filepath.Join(dir, "config.capnp"), []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	lf, err := l.(*net.TCPListener).File()
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	cmd := exec.Command(bin, "serve", "--socket-fd", "https=3", "config.capnp")
	cmd.Dir, cmd.ExtraFiles = dir, []*os.File{lf}
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatalf("start workerd: %v", err)
	}
	lf.Close()
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("workerd output:\n%s", logs.String())
		}
	})

	rig := &browserRig{seen: seen, key: key, layout: layout, playlist: playlist, workerd: cmd}
	// The browser: a cookie jar, TLS verified against the edge host's certificate, every
	// host name resolving to workerd's socket.
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	rig.jar = jar
	rig.browser = &http.Client{Jar: jar, Timeout: 20 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12},
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, addr)
		},
	}}
	return rig
}

// TestBrowserKeepsTheEdgeToken plays a browser against the Worker in workerd over HTTPS on
// the edge host: it asks the API for a playback grant at https://<edge host>/api/..., which
// the Worker passes through to the stack's API origin (the api stage with the edge token next
// to Cloud CDN's cookie, behind the GCP gateway's HTTP decoding), and then fetches the media
// from the same host with nothing but its cookie jar. The Set-Cookie headers the api sends
// must be ones the jar stores for the edge host and sends back on the asset's paths only.
func TestBrowserKeepsTheEdgeToken(t *testing.T) {
	rig := startBrowserRig(t)
	id, layout, playlist, key, seen, jar, browser := "a1", rig.layout, rig.playlist, rig.key, rig.seen, rig.jar, rig.browser
	claims, _ := json.Marshal(map[string]any{"sub": "v1", "tenant": "acme", "roles": []string{"viewer"}})
	do := func(method, path string, header ...string) (*http.Response, []byte) {
		t.Helper()
		req, err := http.NewRequest(method, "https://"+edgeHost+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		res, err := browser.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return res, body
	}

	// Standing in for API Gateway's verified claims (the API origin trusts its gateway); the
	// forged edge host must not survive the Worker.
	res, body := do(http.MethodPost, "/api/assets/"+id+"/playback", gateway.UserinfoHeader, base64.RawURLEncoding.EncodeToString(claims),
		api.EdgeHostHeader, "evil.example.net", "Cookie", "session=viewer-secret")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("POST /api/assets/%s/playback through the edge: %d %s", id, res.StatusCode, body)
	}
	var grant struct{ HLS string }
	if err := json.Unmarshal(body, &grant); err != nil || grant.HLS != "https://"+edgeHost+"/"+layout.HLS {
		t.Errorf("grant %s: want the HLS URL on the edge host", body)
	}
	got := seen.last()
	if got == nil || got.URL.Path != "/assets/"+id+"/playback" || got.Header.Get(api.EdgeHostHeader) != edgeHost || got.Header.Get("Cookie") != "" || got.Host == edgeHost {
		t.Errorf("the API origin saw %v: want the path without /api, %s: %s, no viewer cookie, its own Host", got, api.EdgeHostHeader, edgeHost)
	}
	if n := len(res.Header.Values("Set-Cookie")); n != 2 {
		t.Errorf("%d Set-Cookie headers reached the browser, want 2 (Cloud CDN's and the edge's): %v", n, res.Header.Values("Set-Cookie"))
	}

	// What the jar keeps, as a browser does: the edge token (host-only) for the edge host on
	// the asset's path; not Cloud CDN's cookie, whose Domain names the CDN's host, which did
	// not answer; nothing for the CDN's host or another asset's path.
	stored := map[string]string{}
	for _, c := range jar.Cookies(&url.URL{Scheme: "https", Host: edgeHost, Path: "/" + layout.HLS}) {
		stored[c.Name] = c.Value
	}
	if len(stored) != 1 || stored[cloudflare.CookieName] == "" {
		t.Fatalf("the jar holds %v for %s/%s, want only %s; Set-Cookie: %q", stored, edgeHost, layout.HLS, cloudflare.CookieName, res.Header.Values("Set-Cookie"))
	}
	if c := jar.Cookies(&url.URL{Scheme: "https", Host: cdnHost, Path: "/" + layout.HLS}); len(c) != 0 {
		t.Errorf("the jar sends %v to the CDN host, which did not answer", c)
	}
	if c := jar.Cookies(&url.URL{Scheme: "https", Host: edgeHost, Path: "/assets/b2/hls/index.m3u8"}); len(c) != 0 {
		t.Errorf("the jar sends %v to another asset", c)
	}
	if _, err := cloudflare.Verify(stored[cloudflare.CookieName], "/"+layout.HLS, map[string]string{key.ID: key.Public()}, time.Now()); err != nil {
		t.Errorf("the stored edge token: %v", err)
	}

	// The media, with nothing but the jar.
	if res, body := do(http.MethodGet, "/"+layout.HLS); res.StatusCode != http.StatusOK || !bytes.Equal(body, playlist) {
		t.Errorf("GET the playlist with the jar: %d %q, want 200 and the playlist", res.StatusCode, body)
	}
	if res, _ := do(http.MethodGet, "/assets/b2/hls/index.m3u8"); res.StatusCode != http.StatusForbidden {
		t.Errorf("GET another asset with the jar: %d, want 403", res.StatusCode)
	}
	// Another method passes through too (a CORS preflight is API Gateway's to answer).
	if res, _ := do(http.MethodOptions, "/api/assets"); seen.last().Method != http.MethodOptions || res.StatusCode == http.StatusForbidden {
		t.Errorf("OPTIONS /api/assets: %d, origin saw %s; want it passed to the API", res.StatusCode, seen.last().Method)
	}
}

// BenchmarkWorkerdAPIPassThrough measures one playback grant asked for through the Worker's
// /api/* pass-through over HTTPS, and workerd's CPU time per request (the Go API origin's
// work is not in it).
func BenchmarkWorkerdAPIPassThrough(b *testing.B) {
	rig := startBrowserRig(b)
	claims, _ := json.Marshal(map[string]any{"sub": "v1", "tenant": "acme", "roles": []string{"viewer"}})
	grant := func() {
		req, _ := http.NewRequest(http.MethodPost, "https://"+edgeHost+"/api/assets/a1/playback", nil)
		req.Header.Set(gateway.UserinfoHeader, base64.RawURLEncoding.EncodeToString(claims))
		res, err := rig.browser.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			b.Fatalf("status %d", res.StatusCode)
		}
	}
	grant()
	cpu0 := procCPU(b, rig.workerd.Process.Pid)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		grant()
	}
	b.StopTimer()
	b.ReportMetric(float64(procCPU(b, rig.workerd.Process.Pid)-cpu0)/float64(b.N)/1e3, "workerd-cpu-µs/op")
}
