package cloudflare_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ottkit/ottkit/functions/edge/cloudflare"
	"github.com/ottkit/ottkit/functions/stages/stagetest"
)

func mustKey(t testing.TB, id string) cloudflare.Key {
	t.Helper()
	k, err := cloudflare.GenerateKey(id)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func verifyCookies(pub map[string]string) func([]*http.Cookie, string, time.Time) error {
	return func(cookies []*http.Cookie, path string, now time.Time) error {
		for _, c := range cookies {
			if c.Name == cloudflare.CookieName {
				_, err := cloudflare.Verify(c.Value, path, pub, now)
				return err
			}
		}
		return cloudflare.ErrNoToken
	}
}

func TestPlaybackSignerContract(t *testing.T) {
	stagetest.PlaybackSignerContract(t, func(t *testing.T) stagetest.PlaybackSignerFixture {
		k := mustKey(t, "k1")
		return stagetest.PlaybackSignerFixture{
			Signer: cloudflare.NewSigner(cloudflare.StaticKey(k)),
			Verify: verifyCookies(map[string]string{k.ID: k.Public()}),
		}
	})
}

func TestSignIssuesAnHttpOnlySessionCookie(t *testing.T) {
	k := mustKey(t, "k1")
	s := cloudflare.NewSigner(cloudflare.StaticKey(k))
	exp := time.Now().Add(5 * time.Minute)
	a, err := s.Sign(context.Background(), "/assets/a/", exp)
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.Sign(context.Background(), "/assets/a/", exp)
	if err != nil {
		t.Fatal(err)
	}
	c := a[0]
	if c.Name != cloudflare.CookieName || !c.HttpOnly || !c.Secure || c.Path != "/assets/a/" || c.SameSite != http.SameSiteNoneMode {
		t.Errorf("cookie %+v", c)
	}
	pub := map[string]string{k.ID: k.Public()}
	ca, _ := cloudflare.Verify(a[0].Value, "/assets/a/x", pub, time.Now())
	cb, _ := cloudflare.Verify(b[0].Value, "/assets/a/x", pub, time.Now())
	if ca.Session == "" || ca.Session == cb.Session {
		t.Errorf("session ids %q and %q: want a new one per grant", ca.Session, cb.Session)
	}
	if len(c.Value) > cloudflare.MaxTokenChars/3 {
		t.Errorf("token is %d characters", len(c.Value))
	}
}

func TestSignRefusesBadGrants(t *testing.T) {
	s := cloudflare.NewSigner(cloudflare.StaticKey(mustKey(t, "k1")))
	now := time.Now()
	for name, tc := range map[string]struct {
		prefix  string
		expires time.Time
		want    string
	}{
		"root prefix":   {"/", now.Add(time.Minute), "is not /assets/<id>/"},
		"dot segments":  {"/assets/../", now.Add(time.Minute), "is not /assets/<id>/"},
		"past expiry":   {"/assets/a/", now.Add(-time.Second), "is not after now"},
		"over one hour": {"/assets/a/", now.Add(61 * time.Minute), "exceeds 1h0m0s"},
	} {
		if _, err := s.Sign(context.Background(), tc.prefix, tc.expires); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err %v, want one containing %q", name, err, tc.want)
		}
	}
}

func TestVerifyReasons(t *testing.T) {
	k, other := mustKey(t, "k1"), mustKey(t, "k2")
	pub := map[string]string{k.ID: k.Public()}
	now := time.Unix(1_800_000_000, 0)
	good := cloudflare.Claims{Version: 1, Prefix: "/assets/a/", Expires: now.Unix() + 600, Issued: now.Unix(), KeyID: "k1", Session: "s"}
	enc := func(key cloudflare.Key, mut func(*cloudflare.Claims)) string {
		c := good
		mut(&c)
		tok, err := cloudflare.Encode(key, c)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	same := func(*cloudflare.Claims) {}
	for name, tc := range map[string]struct {
		token string
		want  error
	}{
		"none":          {"", cloudflare.ErrNoToken},
		"too long":      {strings.Repeat("a", cloudflare.MaxTokenChars+1), cloudflare.ErrMalformed},
		"unknown key":   {enc(other, func(c *cloudflare.Claims) { c.KeyID = "k2" }), cloudflare.ErrUnknownKey},
		"other signer":  {enc(other, same), cloudflare.ErrBadSignature},
		"expired":       {enc(k, func(c *cloudflare.Claims) { c.Expires = now.Unix() }), cloudflare.ErrExpired},
		"too long life": {enc(k, func(c *cloudflare.Claims) { c.Expires = now.Unix() + 3601 }), cloudflare.ErrLifetime},
		"future issue":  {enc(k, func(c *cloudflare.Claims) { c.Issued = now.Unix() + 120 }), cloudflare.ErrFutureIssue},
		"other asset":   {enc(k, func(c *cloudflare.Claims) { c.Prefix = "/assets/b/" }), cloudflare.ErrWrongPath},
	} {
		if _, err := cloudflare.Verify(tc.token, "/assets/a/hls/index.m3u8", pub, now); !errors.Is(err, tc.want) {
			t.Errorf("%s: err %v, want %v", name, err, tc.want)
		}
	}
	if _, err := cloudflare.Verify(enc(k, same), "/assets/a/hls/index.m3u8", pub, now); err != nil {
		t.Errorf("good token: %v", err)
	}
}

func TestKeySecretRoundTrip(t *testing.T) {
	k := mustKey(t, "2026-12-a")
	s, err := k.MarshalSecret()
	if err != nil {
		t.Fatal(err)
	}
	back, err := cloudflare.ParseKey(s)
	if err != nil {
		t.Fatal(err)
	}
	if back.ID != k.ID || back.Public() != k.Public() {
		t.Fatalf("round trip changed the key: %s/%s vs %s/%s", back.ID, back.Public(), k.ID, k.Public())
	}
	for _, bad := range []string{`{`, `{"keyId":"bad id","seed":""}`, `{"keyId":"k","seed":"c2hvcnQ"}`} {
		if _, err := cloudflare.ParseKey(bad); err == nil || !strings.Contains(err.Error(), "edge signing secret") {
			t.Errorf("ParseKey(%s): err %v", bad, err)
		}
	}
	if _, err := cloudflare.GenerateKey("has space"); err == nil {
		t.Error("GenerateKey accepted a bad id")
	}
}

func BenchmarkSign(b *testing.B) {
	s := cloudflare.NewSigner(cloudflare.StaticKey(mustKey(b, "k1")))
	exp := time.Now().Add(10 * time.Minute)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := s.Sign(context.Background(), "/assets/a/", exp); err != nil {
			b.Fatal(err)
		}
	}
}
