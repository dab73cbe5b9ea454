package cloudflare

import (
	"bytes"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"regexp"
)

// Origin mode: the Worker's credential for the cloud's origin. It is the JSON value of the
// key OriginCredentialKey in the Worker's KV namespace bound as OriginCredentialsBinding,
// written out of band (with the Cloudflare API) so that it lives in neither the stack file
// nor Pulumi state, and survives every redeploy of the Worker (a WorkersScript upload
// replaces the script's bindings, so a secret set beside Pulumi would be dropped).
const (
	// OriginCredentialsBinding is the Worker's binding of the credential namespace.
	OriginCredentialsBinding = "ORIGIN_CREDENTIALS"
	// OriginCredentialKey is the KV key holding the credential.
	OriginCredentialKey = "origin"
)

// Kinds of origin.
const (
	// OriginCloudFront: the Worker signs CloudFront cookies with the edge's own key pair.
	OriginCloudFront = "cloudfront"
	// OriginGCS: the Worker signs GCS XML API requests (V4, GOOG4-HMAC-SHA256) with an HMAC
	// key of the stack's edge reader service account.
	OriginGCS = "gcs"
)

// OriginCredential is the value under OriginCredentialKey. Kind decides which fields are
// set: KeyPairID and PrivateKey (PKCS#8 PEM, RSA-2048) for OriginCloudFront; AccessID and
// Secret for OriginGCS.
type OriginCredential struct {
	Kind       string `json:"kind"`
	KeyPairID  string `json:"keyPairId,omitempty"`
	PrivateKey string `json:"privateKey,omitempty"`
	AccessID   string `json:"accessId,omitempty"`
	Secret     string `json:"secret,omitempty"`
}

var (
	keyPairIDRE = regexp.MustCompile(`^[A-Z0-9]{1,64}$`)
	// An HMAC access id of a service account is GOOG1 followed by 56 or more base32 characters;
	// its secret is 40 characters of base64.
	accessIDRE  = regexp.MustCompile(`^GOOG1[A-Z0-9]{20,}$`)
	hmacSecret  = regexp.MustCompile(`^[A-Za-z0-9+/]{40}$`)
	errNoFields = errors.New("origin credential: fields of the other kind are set")
)

// Validate returns why c cannot be the Worker's origin credential, naming the field.
func (c OriginCredential) Validate() error {
	switch c.Kind {
	case OriginCloudFront:
		if c.AccessID != "" || c.Secret != "" {
			return errNoFields
		}
		if !keyPairIDRE.MatchString(c.KeyPairID) {
			return fmt.Errorf("origin credential: keyPairId %q is not a CloudFront public key id", c.KeyPairID)
		}
		block, _ := pem.Decode([]byte(c.PrivateKey))
		if block == nil || block.Type != "PRIVATE KEY" {
			return errors.New("origin credential: privateKey is not a PKCS#8 PEM (BEGIN PRIVATE KEY)")
		}
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return fmt.Errorf("origin credential: privateKey: %w", err)
		}
		if rk, ok := k.(*rsa.PrivateKey); !ok || rk.N.BitLen() != 2048 {
			return errors.New("origin credential: privateKey must be RSA-2048, the key type CloudFront trusts")
		}
	case OriginGCS:
		if c.KeyPairID != "" || c.PrivateKey != "" {
			return errNoFields
		}
		if !accessIDRE.MatchString(c.AccessID) {
			return fmt.Errorf("origin credential: accessId %q is not a service account HMAC access id (GOOG1…)", c.AccessID)
		}
		if !hmacSecret.MatchString(c.Secret) {
			return errors.New("origin credential: secret must be the 40-character HMAC secret")
		}
	default:
		return fmt.Errorf("origin credential: kind %q must be %s or %s", c.Kind, OriginCloudFront, OriginGCS)
	}
	return nil
}

// Marshal validates c and returns the KV value to store under OriginCredentialKey.
func (c OriginCredential) Marshal() ([]byte, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return json.Marshal(c)
}

// ParseOriginCredential reads and validates a KV value.
func ParseOriginCredential(b []byte) (OriginCredential, error) {
	var c OriginCredential
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return OriginCredential{}, fmt.Errorf("origin credential: %w", err)
	}
	return c, c.Validate()
}
