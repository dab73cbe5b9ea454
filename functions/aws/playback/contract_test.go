package playback_test

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ottkit/ottkit/functions/aws/playback"
	"github.com/ottkit/ottkit/functions/stages/stagetest"
)

type fixedKey struct{ key playback.Key }

func (k fixedKey) Key(context.Context) (playback.Key, error) { return k.key, nil }

// verifyCloudFront is what CloudFront checks of a request with signed cookies for a custom
// policy: the key pair id is one the key group trusts, the signature is RSA-SHA1 over the
// policy in CloudFront's base64 alphabet, the resource pattern matches the URL and the policy
// has not expired.
func verifyCloudFront(pub *rsa.PublicKey, keyPairID, domain string) func([]*http.Cookie, string, time.Time) error {
	decode := func(s string) ([]byte, error) {
		return base64.StdEncoding.DecodeString(strings.NewReplacer("-", "+", "_", "=", "~", "/").Replace(s))
	}
	return func(cookies []*http.Cookie, path string, now time.Time) error {
		got := map[string]string{}
		for _, c := range cookies {
			got[c.Name] = c.Value
		}
		if got["CloudFront-Key-Pair-Id"] != keyPairID {
			return fmt.Errorf("key pair id %q is not trusted", got["CloudFront-Key-Pair-Id"])
		}
		policy, err := decode(got["CloudFront-Policy"])
		if err != nil {
			return fmt.Errorf("policy: %w", err)
		}
		sig, err := decode(got["CloudFront-Signature"])
		if err != nil {
			return fmt.Errorf("signature: %w", err)
		}
		sum := sha1.Sum(policy)
		if err := rsa.VerifyPKCS1v15(pub, crypto.SHA1, sum[:], sig); err != nil {
			return fmt.Errorf("signature: %w", err)
		}
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
		if err := json.Unmarshal(policy, &p); err != nil || len(p.Statement) != 1 {
			return fmt.Errorf("policy %s is not one statement: %v", policy, err)
		}
		st := p.Statement[0]
		pattern := "^" + strings.ReplaceAll(regexp.QuoteMeta(st.Resource), `\*`, ".*") + "$"
		if !regexp.MustCompile(pattern).MatchString("https://" + domain + path) {
			return fmt.Errorf("resource %s does not cover %s", st.Resource, path)
		}
		if now.Unix() >= st.Condition.DateLessThan.Epoch {
			return errors.New("policy expired")
		}
		return nil
	}
}

// TestPlaybackSignerContract runs the suite every pipeline.PlaybackSigner passes against the
// CloudFront signer, checked the way CloudFront checks the cookies.
func TestPlaybackSignerContract(t *testing.T) {
	stagetest.PlaybackSignerContract(t, func(t *testing.T) stagetest.PlaybackSignerFixture {
		k := rsaKey(t)
		return stagetest.PlaybackSignerFixture{
			Signer: playback.NewSigner(fixedKey{playback.Key{KeyPairID: "K2JCJMDEHXQW5F", PrivateKey: k}}, "media.example.com"),
			Verify: verifyCloudFront(&k.PublicKey, "K2JCJMDEHXQW5F", "media.example.com"),
		}
	})
}
