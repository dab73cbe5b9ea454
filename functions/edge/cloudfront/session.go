package cloudfront

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// FunctionCode is the CloudFront Function's source, deployed as is, so an unchanged file is
// an unchanged deployment.
//
//go:embed session.js
var FunctionCode string

// FunctionRuntime is the runtime FunctionCode is written for.
const FunctionRuntime = "cloudfront-js-2.0"

const (
	// CookieName is the session cookie; session.js reads the same name.
	CookieName = "ottkit_session"
	// MaxLifetime is the longest a session may live (the policy pack's one-hour maximum);
	// session.js refuses longer ones.
	MaxLifetime = time.Hour
	// ClockSkew is how far in the future an issue time may be.
	ClockSkew = time.Minute
	// MaxCookieChars bounds the cookie value session.js accepts.
	MaxCookieChars = 512
)

// The entries of the function's KeyValueStore. Keys are "key:<id>" so that no id a cookie
// names can select another kind of entry (SigningKeyEntry above all, whose value is public).
const (
	// SigningKeyEntry holds the id of the key the api signs new sessions with.
	SigningKeyEntry = "signing-key-id"
	keyPrefix       = "key:"
	sessionPrefix   = "session:"
	userPrefix      = "user:"
)

// KeyEntry is the entry holding key id's secret.
func KeyEntry(id string) string { return keyPrefix + id }

// SessionEntry is the entry that revokes session id; its value is the Unix time after which
// the session would have expired anyway, when the entry may be removed.
func SessionEntry(id string) string { return sessionPrefix + id }

// UserEntry is the entry holding a user's not-before (Unix seconds): sessions of the user
// issued earlier are refused.
func UserEntry(userHash string) string { return userPrefix + userHash }

// Parse splits an entry name into its kind ("key", "session", "user") and id; ok is false
// for any other entry.
func Parse(entry string) (kind, id string, ok bool) {
	for _, p := range []string{keyPrefix, sessionPrefix, userPrefix} {
		if strings.HasPrefix(entry, p) {
			return strings.TrimSuffix(p, ":"), entry[len(p):], true
		}
	}
	return "", "", false
}

var (
	kidRE    = regexp.MustCompile(`^[a-z0-9]{1,16}$`)
	idRE     = regexp.MustCompile(`^[A-Za-z0-9_-]{16,43}$`)
	assetRE  = regexp.MustCompile(`^[a-z0-9]{1,64}$`)
	secretRE = regexp.MustCompile(`^[0-9a-f]{64}$`)
	b64      = base64.RawURLEncoding
)

// Key is one HMAC key: its id (in the cookie) and its secret, 64 hex characters whose ASCII
// bytes are the HMAC key (the form session.js reads from the store).
type Key struct {
	ID     string
	Secret string
}

// NewKey generates a key with a fresh 256-bit secret.
func NewKey(id string) (Key, error) {
	k := Key{ID: id}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return k, fmt.Errorf("cloudfront: key secret: %w", err)
	}
	k.Secret = hex.EncodeToString(b)
	return k, k.Validate()
}

// Validate checks the id and the secret's form.
func (k Key) Validate() error {
	if !kidRE.MatchString(k.ID) {
		return fmt.Errorf("cloudfront: key id %q must be 1 to 16 lowercase letters and digits", k.ID)
	}
	if !secretRE.MatchString(k.Secret) {
		return fmt.Errorf("cloudfront: the secret of key %s is not 64 lowercase hex characters", k.ID)
	}
	return nil
}

// Session is what one session cookie grants.
type Session struct {
	// ID is the session's id (NewSessionID), what a revocation names.
	ID string
	// Asset is the asset id; the cookie works under /assets/<Asset>/ only.
	Asset string
	// User is UserHash of the viewer.
	User string
	// Issued and Expires bound the session, at most MaxLifetime apart.
	Issued, Expires time.Time
	// ViewerIP, when set, binds the session to that address: the MAC covers it, and
	// session.js computes the MAC with the address the request comes from.
	ViewerIP string
}

// NewSessionID returns a fresh session id: 128 random bits, base64url.
func NewSessionID() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("cloudfront: session id: %w", err)
	}
	return b64.EncodeToString(b), nil
}

// UserHash names a user in cookies and in the store without revealing the subject: the
// first 128 bits of SHA-256 over tenant, a NUL and subject, base64url.
func UserHash(tenant, subject string) string {
	sum := sha256.Sum256([]byte(tenant + "\x00" + subject))
	return b64.EncodeToString(sum[:16])
}

// Cookie returns the session cookie for s signed with k: host-only, scoped to the asset's
// path, Secure, HttpOnly, SameSite=None (players on another origin send it), expiring with
// the session.
func (k Key) Cookie(s Session) (*http.Cookie, error) {
	if err := k.Validate(); err != nil {
		return nil, err
	}
	value, err := k.value(s)
	if err != nil {
		return nil, err
	}
	return &http.Cookie{
		Name: CookieName, Value: value, Path: "/assets/" + s.Asset + "/",
		Expires: s.Expires.UTC(),
		Secure:  true, HttpOnly: true, SameSite: http.SameSiteNoneMode,
	}, nil
}

func (k Key) value(s Session) (string, error) {
	var errs []error
	if !idRE.MatchString(s.ID) {
		errs = append(errs, fmt.Errorf("session id %q is not 16 to 43 base64url characters", s.ID))
	}
	if !assetRE.MatchString(s.Asset) {
		errs = append(errs, fmt.Errorf("asset %q is not an asset id", s.Asset))
	}
	if !idRE.MatchString(s.User) {
		errs = append(errs, fmt.Errorf("user %q is not a UserHash", s.User))
	}
	if life := s.Expires.Sub(s.Issued); life <= 0 || life > MaxLifetime {
		errs = append(errs, fmt.Errorf("lifetime %s is not in (0, %s]", life, MaxLifetime))
	}
	bind := "n"
	if s.ViewerIP != "" {
		if net.ParseIP(s.ViewerIP) == nil {
			errs = append(errs, fmt.Errorf("viewer address %q is not an IP address", s.ViewerIP))
		}
		bind = "ip"
	}
	if err := errors.Join(errs...); err != nil {
		return "", fmt.Errorf("cloudfront: session: %w", err)
	}
	signed := strings.Join([]string{"1", k.ID, s.ID, s.Asset,
		strconv.FormatInt(s.Issued.Unix(), 10), strconv.FormatInt(s.Expires.Unix(), 10), s.User, bind}, ".")
	input := signed
	if bind == "ip" {
		input += "." + s.ViewerIP
	}
	mac := hmac.New(sha256.New, []byte(k.Secret))
	mac.Write([]byte(input))
	return signed + "." + hex.EncodeToString(mac.Sum(nil)), nil
}
