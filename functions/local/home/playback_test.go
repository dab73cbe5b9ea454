package home

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/ottkit/ottkit/functions/aws/playback"
	"github.com/ottkit/ottkit/functions/local/cdn"
	"github.com/ottkit/ottkit/functions/stages/stagetest"
)

// TestPlaybackSignerContract: the cookies the local api stage hands out, under the key the dev
// platform generates, open exactly what the contract says on the local media server's check.
func TestPlaybackSignerContract(t *testing.T) {
	stagetest.PlaybackSignerContract(t, func(t *testing.T) stagetest.PlaybackSignerFixture {
		priv, keyID, err := cdnKey(filepath.Join(t.TempDir(), "keys", "cdn.pem"))
		if err != nil {
			t.Fatal(err)
		}
		const host = "127.0.0.1"
		return stagetest.PlaybackSignerFixture{
			Signer: playback.NewSigner(staticKey{playback.Key{KeyPairID: keyID, PrivateKey: priv}}, host),
			Verify: func(cookies []*http.Cookie, path string, now time.Time) error {
				v := &cdn.Verifier{Domain: host, Keys: cdn.KeyGroup{keyID: &priv.PublicKey}, Now: func() time.Time { return now }}
				r := httptest.NewRequest(http.MethodGet, "http://"+host+path, nil)
				for _, c := range cookies {
					r.AddCookie(c)
				}
				return v.Verify(r)
			},
		}
	})
}

func TestCDNKeyIsStable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cdn.pem")
	k1, id1, err := cdnKey(path)
	if err != nil {
		t.Fatal(err)
	}
	k2, id2, err := cdnKey(path)
	if err != nil || !k1.Equal(k2) || id1 != id2 || len(id1) != 14 || id1[0] != 'K' {
		t.Errorf("second load: key equal %v, ids %s %s, %v", k1.Equal(k2), id1, id2, err)
	}
}
