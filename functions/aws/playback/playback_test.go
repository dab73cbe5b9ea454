package playback_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ottkit/ottkit/functions/aws/awstest"
	"github.com/ottkit/ottkit/functions/aws/playback"
)

func TestMain(m *testing.M) { os.Exit(awstest.Main(m)) }

var (
	keyOnce sync.Once
	testKey *rsa.PrivateKey
)

func rsaKey(t testing.TB) *rsa.PrivateKey {
	keyOnce.Do(func() {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		testKey = k
	})
	return testKey
}

func secretJSON(t testing.TB, keyPairID string, block *pem.Block) string {
	b, err := json.Marshal(map[string]string{"keyPairId": keyPairID, "privateKey": string(pem.EncodeToMemory(block))})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestParseKey(t *testing.T) {
	k := rsaKey(t)
	pkcs8, _ := x509.MarshalPKCS8PrivateKey(k)
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ecDER, _ := x509.MarshalPKCS8PrivateKey(ec)
	tests := []struct {
		name, secret, wantErr string
	}{
		{"pkcs1", secretJSON(t, "K1", &pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)}), ""},
		{"pkcs8", secretJSON(t, "K1", &pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8}), ""},
		{"ecdsa", secretJSON(t, "K1", &pem.Block{Type: "PRIVATE KEY", Bytes: ecDER}), "playback: signing secret: privateKey is *ecdsa.PrivateKey, CloudFront signed cookies need RSA"},
		{"no key pair id", secretJSON(t, "", &pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)}), "playback: signing secret: keyPairId is empty"},
		{"not pem", `{"keyPairId":"K1","privateKey":"nope"}`, "playback: signing secret: privateKey is not PEM"},
		{"wrong pem type", secretJSON(t, "K1", &pem.Block{Type: "CERTIFICATE", Bytes: []byte{1}}), `playback: signing secret: privateKey PEM block is "CERTIFICATE", want RSA PRIVATE KEY or PRIVATE KEY`},
		{"unknown field", `{"keyPairId":"K1","privateKey":"x","extra":1}`, `playback: signing secret is not {"keyPairId","privateKey"} JSON: json: unknown field "extra"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key, err := playback.ParseKey(tt.secret)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Errorf("error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || key.KeyPairID != "K1" || !key.PrivateKey.Equal(k) {
				t.Errorf("ParseKey = %+v, %v; want K1 and the key", key, err)
			}
		})
	}
}

func TestSecretKeysCachesWithTTL(t *testing.T) {
	rec := awstest.NewRecorder()
	env := awstest.NewEnv(t, rec)
	k := rsaKey(t)
	_, arn := env.Secret(t, secretJSON(t, "KCACHE", &pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)}))
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	keys := playback.NewSecretKeys(env.SecretsManager, arn)
	keys.TTL = time.Minute
	keys.Now = func() time.Time { return now }
	ctx := context.Background()

	fetches := func() int {
		n := 0
		for _, c := range rec.Calls() {
			if c.Operation == "GetSecretValue" {
				n++
			}
		}
		return n
	}
	steps := []struct {
		advance     time.Duration
		wantFetches int
	}{{0, 1}, {30 * time.Second, 1}, {29 * time.Second, 1}, {2 * time.Second, 2}, {time.Second, 2}}
	for i, s := range steps {
		now = now.Add(s.advance)
		key, err := keys.Key(ctx)
		if err != nil || key.KeyPairID != "KCACHE" {
			t.Fatalf("step %d: Key = %+v, %v", i, key, err)
		}
		if got := fetches(); got != s.wantFetches {
			t.Errorf("step %d: %d secret reads, want %d", i, got, s.wantFetches)
		}
	}

	bad := playback.NewSecretKeys(env.SecretsManager, "missing-secret")
	if _, err := bad.Key(ctx); err == nil || !strings.Contains(err.Error(), "playback: read signing secret missing-secret") {
		t.Errorf("missing secret error = %v", err)
	}
}

// cloudFrontDecode reverses CloudFront's URL-safe base64 (+ → -, = → _, / → ~).
func cloudFrontDecode(t *testing.T, s string) []byte {
	t.Helper()
	r := strings.NewReplacer("-", "+", "_", "=", "~", "/")
	b, err := base64.StdEncoding.DecodeString(r.Replace(s))
	if err != nil {
		t.Fatalf("decode %q: %v", s, err)
	}
	return b
}

func TestSign(t *testing.T) {
	k := rsaKey(t)
	key := playback.Key{KeyPairID: "KXYZ", PrivateKey: k}
	now := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	got, err := playback.Sign(key, "media.example.com", "abc123", now, 10*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if want := now.Add(10 * time.Minute); !got.Expires.Equal(want) {
		t.Errorf("Expires = %s, want %s", got.Expires, want)
	}
	byName := map[string]*http.Cookie{}
	for _, c := range got.Cookies {
		byName[c.Name] = c
		// Host-only: a browser refuses a cookie whose Domain is another host than the one
		// answering, and the API answers on the playback host (the CDN's /api/*).
		if c.Domain != "" || strings.Contains(c.String(), "Domain=") || c.Path != "/assets/abc123/" || !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteNoneMode || !c.Expires.Equal(got.Expires) {
			t.Errorf("cookie %s = %+v, want host-only, /assets/abc123/, Secure, HttpOnly, SameSite=None, expiry", c.Name, c)
		}
	}
	if len(byName) != 3 || byName["CloudFront-Key-Pair-Id"] == nil || byName["CloudFront-Key-Pair-Id"].Value != "KXYZ" {
		t.Fatalf("cookies = %v, want CloudFront-Policy, -Signature, -Key-Pair-Id=KXYZ", byName)
	}
	policy := cloudFrontDecode(t, byName["CloudFront-Policy"].Value)
	var p struct {
		Statement []struct {
			Resource  string
			Condition struct {
				DateLessThan struct {
					Epoch int64 `json:"AWS:EpochTime"`
				}
			}
		}
	}
	if err := json.Unmarshal(policy, &p); err != nil {
		t.Fatalf("policy %s: %v", policy, err)
	}
	if len(p.Statement) != 1 || p.Statement[0].Resource != "https://media.example.com/assets/abc123/*" || p.Statement[0].Condition.DateLessThan.Epoch != got.Expires.Unix() {
		t.Errorf("policy = %s, want one statement on https://media.example.com/assets/abc123/* until %d", policy, got.Expires.Unix())
	}
	sig := cloudFrontDecode(t, byName["CloudFront-Signature"].Value)
	sum := sha1.Sum(policy)
	if err := rsa.VerifyPKCS1v15(&k.PublicKey, crypto.SHA1, sum[:], sig); err != nil {
		t.Errorf("signature does not verify against the policy: %v", err)
	}

	for name, call := range map[string]func() error{
		"domain with scheme":  func() error { _, err := playback.Sign(key, "https://x", "a", now, time.Minute); return err },
		"asset id with slash": func() error { _, err := playback.Sign(key, "x.com", "a/b", now, time.Minute); return err },
		"wildcard asset id":   func() error { _, err := playback.Sign(key, "x.com", "*", now, time.Minute); return err },
		"zero ttl":            func() error { _, err := playback.Sign(key, "x.com", "a", now, 0); return err },
	} {
		if err := call(); err == nil {
			t.Errorf("%s: Sign succeeded, want an error", name)
		}
	}
}

func BenchmarkSignCookies(b *testing.B) {
	key := playback.Key{KeyPairID: "KXYZ", PrivateKey: rsaKey(b)}
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := playback.Sign(key, "media.example.com", "abc123", now, 10*time.Minute); err != nil {
			b.Fatal(err)
		}
	}
}
