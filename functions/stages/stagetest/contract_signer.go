package stagetest

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ottkit/ottkit/functions/pipeline"
)

// PlaybackSignerFixture is a PlaybackSigner under test and the check its CDN applies.
type PlaybackSignerFixture struct {
	Signer pipeline.PlaybackSigner
	// Verify reports whether cookies grant a GET of path at now, as the CDN would.
	Verify func(cookies []*http.Cookie, path string, now time.Time) error
}

// PlaybackSignerContract checks what the api stage relies on from a PlaybackSigner: cookies
// that are HttpOnly and Secure, scoped to the prefix, that grant paths under the prefix until
// the expiry and nothing else.
func PlaybackSignerContract(t *testing.T, newSigner func(t *testing.T) PlaybackSignerFixture) {
	t.Helper()
	const prefix = "/assets/contract01/"
	t.Run("Grants", func(t *testing.T) {
		f := newSigner(t)
		now := time.Now()
		expires := now.Add(10 * time.Minute)
		cookies, err := f.Signer.Sign(context.Background(), prefix, expires)
		if err != nil {
			t.Fatalf("Sign: %v", err)
		}
		if len(cookies) == 0 {
			t.Fatal("Sign returned no cookies")
		}
		for _, c := range cookies {
			if !c.HttpOnly || !c.Secure {
				t.Errorf("cookie %s: HttpOnly=%v Secure=%v, want both", c.Name, c.HttpOnly, c.Secure)
			}
			if c.Path == "" || !strings.HasPrefix(prefix, c.Path) {
				t.Errorf("cookie %s: Path %q does not contain %s", c.Name, c.Path, prefix)
			}
			if !c.Expires.IsZero() && c.Expires.After(expires.Add(time.Second)) {
				t.Errorf("cookie %s: Expires %s after the grant's %s", c.Name, c.Expires, expires)
			}
		}
		if err := f.Verify(cookies, prefix+"hls/index.m3u8", now); err != nil {
			t.Errorf("a path under the prefix is refused: %v", err)
		}
		if err := f.Verify(cookies, "/assets/contract02/hls/index.m3u8", now); err == nil {
			t.Error("another asset's path is granted")
		}
		if err := f.Verify(cookies, prefix+"hls/index.m3u8", expires.Add(time.Second)); err == nil {
			t.Error("the cookies still grant after they expire")
		}
		if err := f.Verify(nil, prefix+"hls/index.m3u8", now); err == nil {
			t.Error("no cookies grant")
		}
	})
	t.Run("Tampered", func(t *testing.T) {
		f := newSigner(t)
		now := time.Now()
		cookies, err := f.Signer.Sign(context.Background(), prefix, now.Add(10*time.Minute))
		if err != nil {
			t.Fatalf("Sign: %v", err)
		}
		for i := range cookies {
			bad := make([]*http.Cookie, len(cookies))
			for j, c := range cookies {
				cc := *c
				bad[j] = &cc
			}
			v := []byte(bad[i].Value)
			if len(v) == 0 {
				continue
			}
			v[len(v)/2] ^= 0x01
			bad[i].Value = string(v)
			if err := f.Verify(bad, prefix+"hls/index.m3u8", now); err == nil {
				t.Errorf("cookie %s altered in its middle still grants", bad[i].Name)
			}
		}
	})
}
