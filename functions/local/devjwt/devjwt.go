// Package devjwt is ottkit dev's identity provider: it mints and verifies the JWTs the local
// API accepts, as API Gateway's JWT authorizer verifies those of a real identity provider. The
// signing key is an ECDSA P-256 key (ES256) that the dev platform generates once and keeps in
// its data directory, readable by its owner only. Verify accepts only ES256 tokens signed by
// that key, for the issuer and audience, inside their validity period: no "none", no HMAC
// confusion, no unknown key id.
package devjwt

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Issuer and Audience are the iss and aud of every dev token.
const (
	Issuer   = "https://ottkit.dev.local/"
	Audience = "ottkit-dev"
)

// Leeway is the clock skew Verify tolerates on exp and nbf.
const Leeway = 30 * time.Second

// ErrInvalidToken is wrapped by every Verify failure.
var ErrInvalidToken = errors.New("devjwt: invalid token")

// Claims are what a verified token says about its bearer.
type Claims struct {
	Subject   string    `json:"sub"`
	Tenant    string    `json:"tenant"`
	Roles     []string  `json:"roles,omitempty"`
	ExpiresAt time.Time `json:"-"`
}

// Key signs and verifies dev tokens.
type Key struct {
	priv *ecdsa.PrivateKey
	kid  string
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// LoadOrCreate reads the key at path, or generates one there (mode 0600) if the file does not
// exist. A file that exists but holds no P-256 key is an error naming it, and is left as is.
func LoadOrCreate(path string) (*Key, error) {
	b, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return create(path)
	case err != nil:
		return nil, fmt.Errorf("devjwt: read signing key %s: %w", path, err)
	}
	block, _ := pem.Decode(b)
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("devjwt: %s holds no PEM private key; move it aside to generate a new one", path)
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("devjwt: %s: %w; move it aside to generate a new one", path, err)
	}
	priv, ok := k.(*ecdsa.PrivateKey)
	if !ok || priv.Curve != elliptic.P256() {
		return nil, fmt.Errorf("devjwt: %s is not an ECDSA P-256 key; move it aside to generate a new one", path)
	}
	return newKey(priv)
}

func create(path string) (*Key, error) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("devjwt: generate key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, fmt.Errorf("devjwt: encode key: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("devjwt: create %s: %w", path, err)
	}
	// O_EXCL: two processes starting at once must not each write their own key.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("devjwt: create %s: %w", path, err)
	}
	if err := pem.Encode(f, &pem.Block{Type: "PRIVATE KEY", Bytes: der}); err != nil {
		f.Close()
		return nil, fmt.Errorf("devjwt: write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("devjwt: write %s: %w", path, err)
	}
	return newKey(priv)
}

func newKey(priv *ecdsa.PrivateKey) (*Key, error) {
	pub, err := x509.MarshalPKIXPublicKey(&priv.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("devjwt: encode public key: %w", err)
	}
	sum := sha256.Sum256(pub)
	return &Key{priv: priv, kid: base64.RawURLEncoding.EncodeToString(sum[:12])}, nil
}

func (k *Key) now() time.Time {
	if k.Now != nil {
		return k.Now()
	}
	return time.Now()
}

type header struct {
	Alg string `json:"alg"`
	Typ string `json:"typ,omitempty"`
	Kid string `json:"kid"`
}

type payload struct {
	Iss    string   `json:"iss"`
	Aud    string   `json:"aud"`
	Sub    string   `json:"sub"`
	Tenant string   `json:"tenant"`
	Roles  []string `json:"roles,omitempty"`
	Iat    int64    `json:"iat"`
	Nbf    int64    `json:"nbf"`
	Exp    int64    `json:"exp"`
}

// Mint returns a token for c valid for ttl.
func (k *Key) Mint(c Claims, ttl time.Duration) (string, error) {
	if c.Subject == "" || c.Tenant == "" {
		return "", errors.New("devjwt: a token needs a subject and a tenant")
	}
	if ttl <= 0 {
		return "", fmt.Errorf("devjwt: ttl %s must be positive", ttl)
	}
	now := k.now()
	h, _ := json.Marshal(header{Alg: "ES256", Typ: "JWT", Kid: k.kid})
	p, err := json.Marshal(payload{Iss: Issuer, Aud: Audience, Sub: c.Subject, Tenant: c.Tenant, Roles: c.Roles,
		Iat: now.Unix(), Nbf: now.Unix(), Exp: now.Add(ttl).Unix()})
	if err != nil {
		return "", fmt.Errorf("devjwt: encode claims: %w", err)
	}
	signing := b64(h) + "." + b64(p)
	digest := sha256.Sum256([]byte(signing))
	r, s, err := ecdsa.Sign(rand.Reader, k.priv, digest[:])
	if err != nil {
		return "", fmt.Errorf("devjwt: sign: %w", err)
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return signing + "." + b64(sig), nil
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidToken, fmt.Sprintf(format, args...))
}

// Verify checks token and returns its claims, or an error wrapping ErrInvalidToken that says
// what is wrong.
func (k *Key) Verify(token string) (Claims, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return Claims{}, invalid("not a JWS compact token")
	}
	hb, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil {
		return Claims{}, invalid("header is not base64url")
	}
	var h header
	if err := json.Unmarshal(hb, &h); err != nil {
		return Claims{}, invalid("header is not JSON")
	}
	if h.Alg != "ES256" {
		return Claims{}, invalid("algorithm %q, want ES256", h.Alg)
	}
	if h.Kid != k.kid {
		return Claims{}, invalid("unknown key id %q", h.Kid)
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || len(sig) != 64 {
		return Claims{}, invalid("signature is not a 64-byte ES256 signature")
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if !ecdsa.Verify(&k.priv.PublicKey, digest[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
		return Claims{}, invalid("bad signature")
	}
	pb, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return Claims{}, invalid("payload is not base64url")
	}
	var p payload
	if err := json.Unmarshal(pb, &p); err != nil {
		return Claims{}, invalid("payload is not JSON")
	}
	now := k.now()
	switch {
	case p.Iss != Issuer:
		return Claims{}, invalid("issuer %q, want %q", p.Iss, Issuer)
	case p.Aud != Audience:
		return Claims{}, invalid("audience %q, want %q", p.Aud, Audience)
	case p.Exp == 0 || now.After(time.Unix(p.Exp, 0).Add(Leeway)):
		return Claims{}, invalid("expired at %s", time.Unix(p.Exp, 0).UTC().Format(time.RFC3339))
	case now.Add(Leeway).Before(time.Unix(p.Nbf, 0)):
		return Claims{}, invalid("not valid before %s", time.Unix(p.Nbf, 0).UTC().Format(time.RFC3339))
	case p.Sub == "":
		return Claims{}, invalid("no subject")
	}
	return Claims{Subject: p.Sub, Tenant: p.Tenant, Roles: slices.Clone(p.Roles), ExpiresAt: time.Unix(p.Exp, 0)}, nil
}
