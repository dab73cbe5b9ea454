package home

import (
	"context"
	"crypto/rsa"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/cloudfront/sign"

	"github.com/ottkit/ottkit/functions/pipeline"
)

// cookieSigner is the local pipeline.PlaybackSigner: CloudFront signed cookies (custom policy,
// RSA-SHA1, CloudFront's base64) under the dev platform's key, for the media server to check
// exactly as CloudFront would.
type cookieSigner struct {
	key    *rsa.PrivateKey
	keyID  string
	domain string
}

var _ pipeline.PlaybackSigner = (*cookieSigner)(nil)

// Sign returns the three cookies granting prefix (an asset's "/assets/<id>/") until expires,
// scoped to that path on the platform's host.
func (s *cookieSigner) Sign(ctx context.Context, prefix string, expires time.Time) ([]*http.Cookie, error) {
	if !strings.HasPrefix(prefix, "/") || !strings.HasSuffix(prefix, "/") || strings.ContainsAny(prefix, "*? ") {
		return nil, fmt.Errorf("home: playback prefix %q must be a path like /assets/<id>/", prefix)
	}
	expires = expires.UTC().Truncate(time.Second)
	policy := &sign.Policy{Statements: []sign.Statement{{
		Resource:  "https://" + s.domain + prefix + "*",
		Condition: sign.Condition{DateLessThan: sign.NewAWSEpochTime(expires)},
	}}}
	cookies, err := sign.NewCookieSigner(s.keyID, s.key).SignWithPolicy(policy, func(o *sign.CookieOptions) {
		o.Path = prefix
		o.Domain = s.domain
		o.Secure = true
		o.SameSite = http.SameSiteNoneMode
		o.Expires = expires
	})
	if err != nil {
		return nil, fmt.Errorf("home: sign playback cookies for %s: %w", prefix, err)
	}
	return cookies, nil
}
