// Package cdnsign issues Cloud CDN signed cookies that let one viewer fetch one asset's
// outputs for a short time: a Cloud-CDN-Cookie whose URLPrefix is
// https://<domain>/assets/<id>/, signed with HMAC-SHA1 under a key of the backend bucket's
// signed-request keyset. The key comes from a Secret Manager secret and is cached, so a warm
// function signs without calling Google.
//
// The cookie format is Cloud CDN's (cloud.google.com/cdn/docs/using-signed-cookies):
//
//	Cloud-CDN-Cookie=URLPrefix=<base64url prefix>:Expires=<unix seconds>:KeyName=<name>:Signature=<base64url HMAC-SHA1>
//
// where the signature covers everything before ":Signature=".
package cdnsign

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// CookieName is the cookie Cloud CDN reads.
const CookieName = "Cloud-CDN-Cookie"

// KeySize is the length of a Cloud CDN signing key in bytes.
const KeySize = 16

// DefaultKeyTTL is how long a fetched key is reused before the secret is read again, which
// bounds how long a rotated key keeps being used.
const DefaultKeyTTL = 5 * time.Minute

// Key is one key of a Cloud CDN signed-request keyset.
type Key struct {
	// Name is the key's name on the backend bucket (compute.BackendBucketSignedUrlKey).
	Name string
	// Secret is the 16-byte key.
	Secret []byte
}

// keyName is Compute Engine's resource name syntax, which signed-URL key names follow.
var keyName = regexp.MustCompile(`^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$`)

// ParseKey parses the signing secret's JSON: {"keyName": "<name>", "key": "<base64url of 16
// bytes>"}, the key as Cloud CDN's keyset takes it.
func ParseKey(secret []byte) (Key, error) {
	var v struct {
		KeyName string `json:"keyName"`
		Key     string `json:"key"`
	}
	dec := json.NewDecoder(strings.NewReader(string(secret)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		return Key{}, fmt.Errorf("cdnsign: signing secret is not {\"keyName\",\"key\"} JSON: %w", err)
	}
	if !keyName.MatchString(v.KeyName) {
		return Key{}, fmt.Errorf("cdnsign: signing secret: keyName %q is not a key name (lowercase letters, digits and -, at most 63)", v.KeyName)
	}
	raw, err := base64.URLEncoding.DecodeString(v.Key)
	if err != nil {
		if raw, err = base64.RawURLEncoding.DecodeString(v.Key); err != nil {
			return Key{}, fmt.Errorf("cdnsign: signing secret: key is not base64url: %w", err)
		}
	}
	if len(raw) != KeySize {
		return Key{}, fmt.Errorf("cdnsign: signing secret: key is %d bytes, Cloud CDN keys are %d", len(raw), KeySize)
	}
	return Key{Name: v.KeyName, Secret: raw}, nil
}

// SecretReader reads the latest version of a secret; SecretManager implements it.
type SecretReader interface {
	Read(ctx context.Context, name string) ([]byte, error)
}

// Signer is the Cloud CDN pipeline.PlaybackSigner: it signs cookies for paths of one domain.
type Signer struct {
	domain string
	secret string
	reader SecretReader
	// TTL is how long a fetched key is reused; DefaultKeyTTL when zero.
	TTL time.Duration
	// Now is the clock; time.Now when nil.
	Now func() time.Time

	mu      sync.Mutex
	key     Key
	fetched time.Time
}

// NewSigner returns a signer for https://<domain>/ reading its key from the secret named
// secret (projects/<p>/secrets/<s>) through reader.
func NewSigner(domain, secret string, reader SecretReader) (*Signer, error) {
	if domain == "" || strings.ContainsAny(domain, "/:* ") {
		return nil, fmt.Errorf("cdnsign: domain %q must be a bare host name", domain)
	}
	if !strings.HasPrefix(secret, "projects/") || !strings.Contains(secret, "/secrets/") {
		return nil, fmt.Errorf("cdnsign: secret %q is not projects/<project>/secrets/<secret>", secret)
	}
	return &Signer{domain: domain, secret: secret, reader: reader}, nil
}

func (s *Signer) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Key returns the cached key, reading the secret when the cache is empty or older than TTL.
func (s *Signer) Key(ctx context.Context) (Key, error) {
	ttl := s.TTL
	if ttl <= 0 {
		ttl = DefaultKeyTTL
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.key.Secret != nil && s.now().Sub(s.fetched) < ttl {
		return s.key, nil
	}
	raw, err := s.reader.Read(ctx, s.secret+"/versions/latest")
	if err != nil {
		return Key{}, fmt.Errorf("cdnsign: read signing secret %s: %w", s.secret, err)
	}
	key, err := ParseKey(raw)
	if err != nil {
		return Key{}, err
	}
	s.key, s.fetched = key, s.now()
	return key, nil
}

// Sign returns the signed cookie for every URL under prefix (a path such as
// "/assets/<id>/") until expires, scoped to that path and the domain, Secure, HttpOnly and
// SameSite=None (players on another origin send it with credentialed requests).
func (s *Signer) Sign(ctx context.Context, prefix string, expires time.Time) ([]*http.Cookie, error) {
	if !strings.HasPrefix(prefix, "/") || !strings.HasSuffix(prefix, "/") || len(prefix) < 3 || strings.ContainsAny(prefix, "*?#: ") || strings.Contains(prefix, "//") || strings.Contains(prefix, "/../") {
		return nil, fmt.Errorf("cdnsign: prefix %q is not a directory path like /assets/<id>/", prefix)
	}
	expires = expires.UTC().Truncate(time.Second)
	if !expires.After(s.now()) {
		return nil, fmt.Errorf("cdnsign: expiry %s is not in the future", expires.Format(time.RFC3339))
	}
	key, err := s.Key(ctx)
	if err != nil {
		return nil, err
	}
	return []*http.Cookie{{
		Name:     CookieName,
		Value:    Value(key, "https://"+s.domain+prefix, expires),
		Path:     prefix,
		Domain:   s.domain,
		Expires:  expires,
		Secure:   true,
		HttpOnly: true,
		SameSite: http.SameSiteNoneMode,
	}}, nil
}

// Value is the Cloud-CDN-Cookie value granting urlPrefix until expires under key.
func Value(key Key, urlPrefix string, expires time.Time) string {
	policy := "URLPrefix=" + base64.URLEncoding.EncodeToString([]byte(urlPrefix)) +
		":Expires=" + strconv.FormatInt(expires.Unix(), 10) +
		":KeyName=" + key.Name
	mac := hmac.New(sha1.New, key.Secret)
	mac.Write([]byte(policy))
	return policy + ":Signature=" + base64.URLEncoding.EncodeToString(mac.Sum(nil))
}
