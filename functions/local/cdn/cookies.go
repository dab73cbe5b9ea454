package cdn

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"
)

// The cookies CloudFront reads for signed requests.
const (
	CookiePolicy        = "CloudFront-Policy"
	CookieExpires       = "CloudFront-Expires" // a canned policy's expiry, instead of a policy
	CookieSignature     = "CloudFront-Signature"
	CookieKeyPairID     = "CloudFront-Key-Pair-Id"
	CookieHashAlgorithm = "CloudFront-Hash-Algorithm" // SHA1 (the default) or SHA256
)

// Denial is why a request was refused, in CloudFront's terms: Code is what CloudFront's error
// document says (MissingKey, InvalidKey, AccessDenied), Reason the detail for logs.
type Denial struct {
	Code, Reason string
}

func (d *Denial) Error() string { return "cdn: " + d.Code + ": " + d.Reason }

func deny(code, format string, args ...any) *Denial {
	return &Denial{Code: code, Reason: fmt.Sprintf(format, args...)}
}

// KeyGroup is the set of public keys the distribution trusts, by CloudFront public key id
// (the cookies' CloudFront-Key-Pair-Id). Two during a rotation.
type KeyGroup map[string]*rsa.PublicKey

// ParsePublicKey reads an RSA public key in PEM, as CloudFront takes it: PKIX ("PUBLIC KEY")
// or PKCS #1 ("RSA PUBLIC KEY").
func ParsePublicKey(pemText string) (*rsa.PublicKey, error) {
	block, _ := pem.Decode([]byte(pemText))
	if block == nil {
		return nil, errors.New("cdn: public key is not PEM")
	}
	switch block.Type {
	case "PUBLIC KEY":
		k, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("cdn: public key: %w", err)
		}
		rk, ok := k.(*rsa.PublicKey)
		if !ok {
			return nil, fmt.Errorf("cdn: public key is %T, want RSA", k)
		}
		return rk, nil
	case "RSA PUBLIC KEY":
		k, err := x509.ParsePKCS1PublicKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("cdn: public key: %w", err)
		}
		return k, nil
	}
	return nil, fmt.Errorf("cdn: public key PEM block is %q, want PUBLIC KEY or RSA PUBLIC KEY", block.Type)
}

// Verifier checks CloudFront signed cookies the way CloudFront does for a cache behaviour
// with a trusted key group. It is written from CloudFront's documentation, not from the
// signer (functions/aws/playback), so each tests the other.
type Verifier struct {
	// Domain is the distribution's host name: a request for /assets/x is, to the policy,
	// https://<Domain>/assets/x, as CloudFront (which serves viewers over HTTPS) sees it.
	Domain string
	// Keys is the trusted key group.
	Keys KeyGroup
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// policy is a custom policy: exactly one statement.
type policy struct {
	Statement []statement `json:"Statement"`
}

type statement struct {
	// Resource is the URL pattern (* any run of characters, ? one); absent, it matches any
	// URL of the distribution.
	Resource  *string `json:"Resource"`
	Condition struct {
		DateLessThan    *epoch `json:"DateLessThan"`
		DateGreaterThan *epoch `json:"DateGreaterThan"`
		IPAddress       *struct {
			SourceIP string `json:"AWS:SourceIp"`
		} `json:"IpAddress"`
	} `json:"Condition"`
}

type epoch struct {
	Seconds *int64 `json:"AWS:EpochTime"`
}

// Verify returns nil when r carries signed cookies that allow it, and a *Denial otherwise.
func (v *Verifier) Verify(r *http.Request) error {
	cookie := func(name string) string {
		c, err := r.Cookie(name)
		if err != nil {
			return ""
		}
		return c.Value
	}
	keyID := cookie(CookieKeyPairID)
	if keyID == "" {
		return deny("MissingKey", "no %s cookie", CookieKeyPairID)
	}
	key, ok := v.Keys[keyID]
	if !ok {
		return deny("InvalidKey", "key %q is not in the trusted key group", keyID)
	}
	sigText := cookie(CookieSignature)
	if sigText == "" {
		return deny("AccessDenied", "no %s cookie", CookieSignature)
	}
	sig, err := decode(sigText)
	if err != nil {
		return deny("AccessDenied", "%s is not CloudFront base64: %v", CookieSignature, err)
	}

	var doc []byte
	if p := cookie(CookiePolicy); p != "" {
		if doc, err = decode(p); err != nil {
			return deny("AccessDenied", "%s is not CloudFront base64: %v", CookiePolicy, err)
		}
	} else if e := cookie(CookieExpires); e != "" {
		if strings.Trim(e, "0123456789") != "" {
			return deny("AccessDenied", "%s %q is not a Unix time", CookieExpires, e)
		}
		// A canned policy is not sent: it is rebuilt, byte for byte, from the URL and expiry.
		doc = []byte(fmt.Sprintf(`{"Statement":[{"Resource":"%s","Condition":{"DateLessThan":{"AWS:EpochTime":%s}}}]}`, v.url(r), e))
	} else {
		return deny("AccessDenied", "neither %s nor %s cookie", CookiePolicy, CookieExpires)
	}

	hash, sum := crypto.SHA1, func(b []byte) []byte { s := sha1.Sum(b); return s[:] }
	switch alg := cookie(CookieHashAlgorithm); alg {
	case "", "SHA1":
	case "SHA256":
		hash, sum = crypto.SHA256, func(b []byte) []byte { s := sha256.Sum256(b); return s[:] }
	default:
		return deny("AccessDenied", "%s %q is not SHA1 or SHA256", CookieHashAlgorithm, alg)
	}
	if err := rsa.VerifyPKCS1v15(key, hash, sum(doc), sig); err != nil {
		return deny("AccessDenied", "signature does not verify with key %q", keyID)
	}
	return v.check(r, doc)
}

// check applies a signed policy to the request.
func (v *Verifier) check(r *http.Request, doc []byte) error {
	var p policy
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return deny("AccessDenied", "policy is not a CloudFront policy: %v", err)
	}
	if len(p.Statement) != 1 {
		return deny("AccessDenied", "policy has %d statements; CloudFront takes exactly one", len(p.Statement))
	}
	s := p.Statement[0]
	url := v.url(r)
	if s.Resource != nil && !match(*s.Resource, url) {
		return deny("AccessDenied", "policy resource %q does not match %s", *s.Resource, url)
	}
	now := time.Now
	if v.Now != nil {
		now = v.Now
	}
	t := now().Unix()
	c := s.Condition
	if c.DateLessThan == nil || c.DateLessThan.Seconds == nil {
		return deny("AccessDenied", "policy has no DateLessThan")
	}
	if t >= *c.DateLessThan.Seconds {
		return deny("AccessDenied", "policy expired at %s", time.Unix(*c.DateLessThan.Seconds, 0).UTC().Format(time.RFC3339))
	}
	if c.DateGreaterThan != nil && c.DateGreaterThan.Seconds != nil && t <= *c.DateGreaterThan.Seconds {
		return deny("AccessDenied", "policy is valid only after %s", time.Unix(*c.DateGreaterThan.Seconds, 0).UTC().Format(time.RFC3339))
	}
	if c.IPAddress != nil {
		_, network, err := net.ParseCIDR(c.IPAddress.SourceIP)
		if err != nil {
			return deny("AccessDenied", "policy source IP %q is not a CIDR", c.IPAddress.SourceIP)
		}
		host, _, err := net.SplitHostPort(r.RemoteAddr)
		if err != nil {
			host = r.RemoteAddr
		}
		if ip := net.ParseIP(host); ip == nil || !network.Contains(ip) {
			return deny("AccessDenied", "client %s is outside the policy's %s", host, c.IPAddress.SourceIP)
		}
	}
	return nil
}

// url is the request's URL as CloudFront compares it with a policy's Resource.
func (v *Verifier) url(r *http.Request) string {
	u := "https://" + v.Domain + r.URL.EscapedPath()
	if r.URL.RawQuery != "" {
		u += "?" + r.URL.RawQuery
	}
	return u
}

// decode reads CloudFront's base64: the standard alphabet with - _ ~ in place of + = /.
func decode(s string) ([]byte, error) {
	return base64.StdEncoding.DecodeString(strings.NewReplacer("-", "+", "_", "=", "~", "/").Replace(s))
}

// match reports whether s matches pattern, where * matches any run of characters (slashes
// included) and ? exactly one.
func match(pattern, s string) bool {
	p, i := 0, 0
	star, mark := -1, 0
	for i < len(s) {
		switch {
		case p < len(pattern) && (pattern[p] == '?' || pattern[p] == s[i]):
			p++
			i++
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, i
			p++
		case star >= 0:
			p = star + 1
			mark++
			i = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}
