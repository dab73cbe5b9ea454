// Package playback issues CloudFront signed cookies that let one viewer fetch one asset's
// outputs for a short time. The key pair id and private key come from a Secrets Manager secret
// and are cached across invocations, so a warm function signs without calling AWS.
package playback

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/cloudfront/sign"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/ottkit/ottkit/functions/aws/manifest"
	"github.com/ottkit/ottkit/functions/pipeline"
)

// DefaultKeyTTL is how long a fetched signing key is reused before the secret is read again,
// which bounds how long a rotated key keeps being used.
const DefaultKeyTTL = 5 * time.Minute

// Key is a CloudFront public key's id and the matching private key.
type Key struct {
	KeyPairID  string
	PrivateKey *rsa.PrivateKey
}

// secretValue is the JSON the signing secret holds.
type secretValue struct {
	KeyPairID  string `json:"keyPairId"`
	PrivateKey string `json:"privateKey"`
	// Since and Previous are the rotation's bookkeeping, written by ottkit keys (when signing
	// switched to this key, in Unix seconds, and the fingerprint of the key it replaced); the
	// signer does not use them.
	Since    int64  `json:"since,omitempty"`
	Previous string `json:"previous,omitempty"`
}

// ParseKey parses the signing secret's JSON: {"keyPairId": "K...", "privateKey": "<PEM>"}
// with an RSA key in PKCS #1 or PKCS #8 PEM, and optionally the "since" and "previous" that
// ottkit keys adds.
func ParseKey(secret string) (Key, error) {
	var v secretValue
	dec := json.NewDecoder(strings.NewReader(secret))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		return Key{}, fmt.Errorf("playback: signing secret is not {\"keyPairId\",\"privateKey\"} JSON: %w", err)
	}
	if v.KeyPairID == "" {
		return Key{}, errors.New("playback: signing secret: keyPairId is empty")
	}
	block, _ := pem.Decode([]byte(v.PrivateKey))
	if block == nil {
		return Key{}, errors.New("playback: signing secret: privateKey is not PEM")
	}
	var priv *rsa.PrivateKey
	switch block.Type {
	case "RSA PRIVATE KEY":
		k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
		if err != nil {
			return Key{}, fmt.Errorf("playback: signing secret: privateKey: %w", err)
		}
		priv = k
	case "PRIVATE KEY":
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return Key{}, fmt.Errorf("playback: signing secret: privateKey: %w", err)
		}
		rk, ok := k.(*rsa.PrivateKey)
		if !ok {
			return Key{}, fmt.Errorf("playback: signing secret: privateKey is %T, CloudFront signed cookies need RSA", k)
		}
		priv = rk
	default:
		return Key{}, fmt.Errorf("playback: signing secret: privateKey PEM block is %q, want RSA PRIVATE KEY or PRIVATE KEY", block.Type)
	}
	return Key{KeyPairID: v.KeyPairID, PrivateKey: priv}, nil
}

// SecretKeys fetches the signing key from Secrets Manager and caches it for TTL.
type SecretKeys struct {
	client   *secretsmanager.Client
	secretID string
	// TTL is how long a fetched key is reused; DefaultKeyTTL when zero.
	TTL time.Duration
	// Now is the clock; time.Now when nil.
	Now func() time.Time

	mu      sync.Mutex
	key     Key
	fetched time.Time
}

// NewSecretKeys returns a key source reading secretID (a name or ARN).
func NewSecretKeys(client *secretsmanager.Client, secretID string) *SecretKeys {
	return &SecretKeys{client: client, secretID: secretID}
}

// Key returns the cached key, reading the secret when the cache is empty or older than TTL.
func (s *SecretKeys) Key(ctx context.Context) (Key, error) {
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	ttl := s.TTL
	if ttl <= 0 {
		ttl = DefaultKeyTTL
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.key.PrivateKey != nil && now().Sub(s.fetched) < ttl {
		return s.key, nil
	}
	out, err := s.client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(s.secretID)})
	if err != nil {
		return Key{}, fmt.Errorf("playback: read signing secret %s: %w", s.secretID, err)
	}
	key, err := ParseKey(aws.ToString(out.SecretString))
	if err != nil {
		return Key{}, err
	}
	s.key, s.fetched = key, now()
	return key, nil
}

// Cookies are the three signed cookies for one asset and when they stop working.
type Cookies struct {
	Cookies []*http.Cookie
	Expires time.Time
}

// Sign returns signed cookies for https://<domain>/assets/<assetID>/* valid until now+ttl,
// scoped to that path, host-only (no Domain attribute: the API answers on the playback host,
// under /api/*, and a browser ignores a cookie set for another host), Secure, HttpOnly and
// SameSite=None (players on another origin send them with credentialed requests).
func Sign(key Key, domain, assetID string, now time.Time, ttl time.Duration) (Cookies, error) {
	if assetID == "" || strings.ContainsAny(assetID, "/*?# ") {
		return Cookies{}, fmt.Errorf("playback: asset id %q is not a path segment", assetID)
	}
	if ttl <= 0 {
		return Cookies{}, fmt.Errorf("playback: ttl %s must be positive", ttl)
	}
	expires := now.Add(ttl).UTC().Truncate(time.Second)
	cookies, err := SignPrefix(key, domain, "/"+manifest.AssetPrefix+assetID+"/", expires)
	if err != nil {
		return Cookies{}, err
	}
	return Cookies{Cookies: cookies, Expires: expires}, nil
}

// SignPrefix returns signed cookies for https://<domain><prefix>* valid until expires, scoped
// to that path, host-only, Secure, HttpOnly and SameSite=None. prefix starts and ends with "/".
// domain is signed into the policy; the cookies carry no Domain attribute, so they belong to
// the host whose response sets them, which must be domain (the API served by the CDN).
func SignPrefix(key Key, domain, prefix string, expires time.Time) ([]*http.Cookie, error) {
	if domain == "" || strings.ContainsAny(domain, "/:* ") {
		return nil, fmt.Errorf("playback: domain %q must be a bare host name", domain)
	}
	if !strings.HasPrefix(prefix, "/") || !strings.HasSuffix(prefix, "/") || strings.ContainsAny(prefix, "*?# ") {
		return nil, fmt.Errorf("playback: prefix %q must be a path from / to / without wildcards", prefix)
	}
	path := prefix
	policy := &sign.Policy{Statements: []sign.Statement{{
		Resource:  "https://" + domain + path + "*",
		Condition: sign.Condition{DateLessThan: sign.NewAWSEpochTime(expires)},
	}}}
	signer := sign.NewCookieSigner(key.KeyPairID, key.PrivateKey)
	cookies, err := signer.SignWithPolicy(policy, func(o *sign.CookieOptions) {
		o.Path = path
		o.Domain = "" // host-only: set by the playback host itself
		o.Secure = true
		o.SameSite = http.SameSiteNoneMode
		o.Expires = expires
	})
	if err != nil {
		return nil, fmt.Errorf("playback: sign cookies for %s: %w", prefix, err)
	}
	return cookies, nil
}

// KeySource returns the current signing key; *SecretKeys implements it.
type KeySource interface {
	Key(ctx context.Context) (Key, error)
}

// Signer is the pipeline.PlaybackSigner of CloudFront signed cookies for one distribution
// domain, with keys from a KeySource.
type Signer struct {
	keys   KeySource
	domain string
}

var _ pipeline.PlaybackSigner = (*Signer)(nil)

// NewSigner returns a Signer for the distribution's domain.
func NewSigner(keys KeySource, domain string) *Signer { return &Signer{keys: keys, domain: domain} }

// Sign implements pipeline.PlaybackSigner.
func (s *Signer) Sign(ctx context.Context, prefix string, expires time.Time) ([]*http.Cookie, error) {
	key, err := s.keys.Key(ctx)
	if err != nil {
		return nil, err
	}
	return SignPrefix(key, s.domain, prefix, expires)
}
