package cloudflare

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/ottkit/ottkit/functions/pipeline"
)

// WorkerModule is the Worker's ES module, deployed byte for byte (no bundler, so an unchanged
// file is an unchanged deployment).
//
//go:embed worker.js
var WorkerModule string

const (
	// CookieName is the viewer token's cookie; the Worker reads the same name.
	CookieName = "ottkit_edge"
	// MaxLifetime is the longest a token may live, the policy pack's one-hour maximum.
	MaxLifetime = time.Hour
	// MaxTokenChars bounds the cookie value the Worker accepts.
	MaxTokenChars = 1024
	// ClockSkew is how far in the future an issue time may be.
	ClockSkew = time.Minute
)

var (
	prefixRE = regexp.MustCompile(`^/assets/[A-Za-z0-9_-]+/$`)
	kidRE    = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)
	b64      = base64.RawURLEncoding
)

// Claims is what a token carries.
type Claims struct {
	Version int    `json:"v"`
	Prefix  string `json:"p"`
	Expires int64  `json:"e"`
	Issued  int64  `json:"i"`
	KeyID   string `json:"k"`
	Session string `json:"s"`
}

// Key is one signing key: its id (what the Worker looks the public key up by) and the
// Ed25519 private key.
type Key struct {
	ID      string
	Private ed25519.PrivateKey
}

// Public returns the public half as the Worker's PUBLIC_KEYS holds it (base64url, raw).
func (k Key) Public() string { return b64.EncodeToString(k.Private.Public().(ed25519.PublicKey)) }

// GenerateKey returns a new key with id.
func GenerateKey(id string) (Key, error) {
	if !kidRE.MatchString(id) {
		return Key{}, fmt.Errorf("edge key id %q: want 1-64 of [A-Za-z0-9_.-]", id)
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return Key{}, fmt.Errorf("generate edge key %s: %w", id, err)
	}
	return Key{ID: id, Private: priv}, nil
}

type secretJSON struct {
	KeyID string `json:"keyId"`
	Seed  string `json:"seed"`
}

// MarshalSecret returns the key as the secret store holds it: {"keyId", "seed"} (base64url
// of the 32-byte Ed25519 seed).
func (k Key) MarshalSecret() (string, error) {
	b, err := json.Marshal(secretJSON{KeyID: k.ID, Seed: b64.EncodeToString(k.Private.Seed())})
	return string(b), err
}

// ParseKey reads a key written by MarshalSecret.
func ParseKey(secret string) (Key, error) {
	var s secretJSON
	if err := json.Unmarshal([]byte(secret), &s); err != nil {
		return Key{}, fmt.Errorf("edge signing secret: %w", err)
	}
	if !kidRE.MatchString(s.KeyID) {
		return Key{}, fmt.Errorf("edge signing secret: keyId %q: want 1-64 of [A-Za-z0-9_.-]", s.KeyID)
	}
	seed, err := b64.DecodeString(s.Seed)
	if err != nil || len(seed) != ed25519.SeedSize {
		return Key{}, fmt.Errorf("edge signing secret: seed must be %d bytes of base64url", ed25519.SeedSize)
	}
	return Key{ID: s.KeyID, Private: ed25519.NewKeyFromSeed(seed)}, nil
}

// KeySource returns the current signing key.
type KeySource interface {
	Key(ctx context.Context) (Key, error)
}

// StaticKey is a KeySource of one key.
type StaticKey Key

// Key implements KeySource.
func (s StaticKey) Key(context.Context) (Key, error) { return Key(s), nil }

// Signer issues viewer tokens; it is the api stage's pipeline.PlaybackSigner for a stack with
// a Cloudflare edge.
type Signer struct {
	keys KeySource
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Rand is the session id source; crypto/rand when nil.
	Rand io.Reader
}

var _ pipeline.PlaybackSigner = (*Signer)(nil)

// NewSigner returns a Signer with keys from keys.
func NewSigner(keys KeySource) *Signer { return &Signer{keys: keys} }

// Sign implements pipeline.PlaybackSigner: one HttpOnly, Secure cookie scoped to prefix,
// carrying a new session id.
func (s *Signer) Sign(ctx context.Context, prefix string, expires time.Time) ([]*http.Cookie, error) {
	if !prefixRE.MatchString(prefix) {
		return nil, fmt.Errorf("edge token: prefix %q is not /assets/<id>/", prefix)
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	issued := now().Unix()
	exp := expires.Unix()
	switch {
	case exp <= issued:
		return nil, fmt.Errorf("edge token: expires %s is not after now", expires.UTC().Format(time.RFC3339))
	case time.Duration(exp-issued)*time.Second > MaxLifetime:
		return nil, fmt.Errorf("edge token: lifetime %ds exceeds %s", exp-issued, MaxLifetime)
	}
	key, err := s.keys.Key(ctx)
	if err != nil {
		return nil, fmt.Errorf("edge token: signing key: %w", err)
	}
	rnd := s.Rand
	if rnd == nil {
		rnd = rand.Reader
	}
	sid := make([]byte, 16)
	if _, err := io.ReadFull(rnd, sid); err != nil {
		return nil, fmt.Errorf("edge token: session id: %w", err)
	}
	token, err := Encode(key, Claims{Version: 1, Prefix: prefix, Expires: exp, Issued: issued, KeyID: key.ID, Session: b64.EncodeToString(sid)})
	if err != nil {
		return nil, err
	}
	return []*http.Cookie{{
		Name: CookieName, Value: token, Path: prefix, Expires: time.Unix(exp, 0).UTC(),
		Secure: true, HttpOnly: true, SameSite: http.SameSiteNoneMode,
	}}, nil
}

// Encode signs claims with key.
func Encode(key Key, c Claims) (string, error) {
	payload, err := json.Marshal(c)
	if err != nil {
		return "", fmt.Errorf("edge token: %w", err)
	}
	p := b64.EncodeToString(payload)
	return p + "." + b64.EncodeToString(ed25519.Sign(key.Private, []byte(p))), nil
}

// Errors Verify returns (wrapped), one per reason the Worker logs.
var (
	ErrNoToken      = errors.New("no token")
	ErrMalformed    = errors.New("malformed token")
	ErrUnknownKey   = errors.New("unknown key id")
	ErrBadSignature = errors.New("signature does not verify")
	ErrExpired      = errors.New("token expired")
	ErrLifetime     = errors.New("token lifetime exceeds the maximum")
	ErrFutureIssue  = errors.New("token issued in the future")
	ErrWrongPath    = errors.New("token does not cover the path")
)

// Verify applies the Worker's checks to token for a GET of path at now, with publicKeys as
// the Worker's PUBLIC_KEYS ({key id: base64url public key}). Revocation is the Worker's (KV).
func Verify(token, path string, publicKeys map[string]string, now time.Time) (Claims, error) {
	var c Claims
	if token == "" {
		return c, ErrNoToken
	}
	if len(token) > MaxTokenChars {
		return c, fmt.Errorf("%w: %d characters", ErrMalformed, len(token))
	}
	p, sigPart, ok := strings.Cut(token, ".")
	sig, err1 := b64.DecodeString(sigPart)
	payload, err2 := b64.DecodeString(p)
	if !ok || err1 != nil || err2 != nil || len(sig) != ed25519.SignatureSize || json.Unmarshal(payload, &c) != nil || c.Version != 1 {
		return c, ErrMalformed
	}
	pubText, ok := publicKeys[c.KeyID]
	if !ok {
		return c, fmt.Errorf("%w: %q", ErrUnknownKey, c.KeyID)
	}
	pub, err := b64.DecodeString(pubText)
	if err != nil || len(pub) != ed25519.PublicKeySize {
		return c, fmt.Errorf("public key %q: not %d bytes of base64url", c.KeyID, ed25519.PublicKeySize)
	}
	if !ed25519.Verify(pub, []byte(p), sig) {
		return c, ErrBadSignature
	}
	t := now.Unix()
	switch {
	case c.Expires <= t:
		return c, ErrExpired
	case c.Expires-t > int64(MaxLifetime/time.Second) || c.Expires-c.Issued > int64(MaxLifetime/time.Second):
		return c, ErrLifetime
	case c.Issued > t+int64(ClockSkew/time.Second):
		return c, ErrFutureIssue
	case !prefixRE.MatchString(c.Prefix) || !strings.HasPrefix(path, c.Prefix):
		return c, fmt.Errorf("%w: %s does not cover %s", ErrWrongPath, c.Prefix, path)
	}
	return c, nil
}
