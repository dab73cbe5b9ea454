package keys

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	awscomp "github.com/ottkit/ottkit/components/aws"
	"github.com/ottkit/ottkit/functions/aws/playback"
)

// CloudFrontMargin is added to the wait before a retire, for clocks and requests in flight.
const CloudFrontMargin = time.Minute

// ErrNotTrusted is returned (wrapped) by TrustedKeys for a key the deployed key group does not
// hold.
var ErrNotTrusted = errors.New("not in the deployed key group")

// TrustedKeys finds what a deploy made of a public key.
type TrustedKeys interface {
	// KeyID returns the CloudFront id (the cookies' key pair id) of the public key pemText in
	// the key group named group, or an error wrapping ErrNotTrusted.
	KeyID(ctx context.Context, group, pemText string) (string, error)
}

// cloudFrontSigning is the api's signing secret: playback.ParseKey reads keyPairId and
// privateKey; since (Unix seconds) and previous (the fingerprint of the key signing switched
// from) are the rotation's.
type cloudFrontSigning struct {
	KeyPairID  string `json:"keyPairId"`
	PrivateKey string `json:"privateKey"`
	Since      int64  `json:"since,omitempty"`
	Previous   string `json:"previous,omitempty"`
}

// cloudFrontNext is the pending key's secret: generated, its public half in the stack file,
// not yet signing; {} when no key is pending.
type cloudFrontNext struct {
	PrivateKey string `json:"privateKey,omitempty"`
}

// CloudFrontRotator rotates the RSA-2048 key pairs of a stack's CloudFront key group. The
// stack file holds the public keys (ottkit:signingPublicKeys); the private halves live only in
// Secrets Manager: the pending key in <prefix>-cloudfront-next-key, the signing one in the
// api's <prefix>-delivery-signing, with the CloudFront id the switch looks up in the deployed
// key group (CloudFront assigns it at deploy time, so only a deployed key can be switched to).
type CloudFrontRotator struct {
	// Prefix is the stack's resource prefix (<customer>-<env>).
	Prefix string
	// File is the stack file.
	File string
	// Secrets is Secrets Manager.
	Secrets SecretStore
	// Trusted looks keys up in the deployed key group.
	Trusted TrustedKeys
	// CookieLifetime is ottkit:playbackTtl.
	CookieLifetime time.Duration
	// KeyCache is how long the api keeps using a key it read (playback.DefaultKeyTTL when
	// zero): cookies of the old key are issued until that long after the switch.
	KeyCache time.Duration
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

var _ Rotation = (*CloudFrontRotator)(nil)

const signingPublicKeysKey = "ottkit:signingPublicKeys"

func (r *CloudFrontRotator) delivery() string { return r.Prefix + "-delivery" }

// SigningSecret is the api's signing secret.
func (r *CloudFrontRotator) SigningSecret() string {
	return awscomp.SigningSecretName(r.delivery())
}

// NextSecret holds the private half of a key added but not yet signing.
func (r *CloudFrontRotator) NextSecret() string { return r.Prefix + "-cloudfront-next-key" }

func (r *CloudFrontRotator) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

// Wait is how long after a switch the old key retires: every cookie it signed has expired.
func (r *CloudFrontRotator) Wait() time.Duration {
	cache := r.KeyCache
	if cache <= 0 {
		cache = playback.DefaultKeyTTL
	}
	return cache + r.CookieLifetime + CloudFrontMargin
}

type cfKey struct {
	pem, fp string
}

type cfState struct {
	public     []cfKey
	signing    *cloudFrontSigning // nil before the first switch
	signingFP  string
	next       *cloudFrontNext
	nextFP     string
	nextPublic string
}

func (st cfState) index(fp string) int {
	for i, k := range st.public {
		if k.fp == fp {
			return i
		}
	}
	return -1
}

func (r *CloudFrontRotator) load(ctx context.Context) (cfState, error) {
	var st cfState
	doc, err := readStackFile(r.File)
	if err != nil {
		return st, err
	}
	m, err := configMap(doc, false)
	if err != nil {
		return st, fmt.Errorf("%s: %w", r.File, err)
	}
	var pems []string
	if _, n := lookup(m, signingPublicKeysKey); n != nil {
		if err := n.Decode(&pems); err != nil {
			return st, fmt.Errorf("%s: %s: %w", r.File, signingPublicKeysKey, err)
		}
	}
	for i, p := range pems {
		fp, err := awscomp.PublicKeyFingerprint(p)
		if err != nil {
			return st, fmt.Errorf("%s: %s[%d]: %w", r.File, signingPublicKeysKey, i, err)
		}
		st.public = append(st.public, cfKey{pem: p, fp: fp})
	}
	if len(st.public) > 2 {
		return st, fmt.Errorf("%s: %s has %d keys; want 1, or 2 while rotating", r.File, signingPublicKeysKey, len(st.public))
	}

	raw, err := r.Secrets.Get(ctx, r.SigningSecret())
	switch {
	case errors.Is(err, ErrNotFound):
	case err != nil:
		return st, fmt.Errorf("read %s: %w", r.SigningSecret(), err)
	default:
		var v cloudFrontSigning
		if err := json.Unmarshal([]byte(raw), &v); err != nil {
			return st, fmt.Errorf("%s: not {\"keyPairId\",\"privateKey\"} JSON: %w", r.SigningSecret(), err)
		}
		key, err := playback.ParseKey(raw)
		if err != nil {
			return st, err
		}
		if st.signingFP, err = fingerprintOf(&key.PrivateKey.PublicKey); err != nil {
			return st, err
		}
		st.signing = &v
		if st.index(st.signingFP) < 0 {
			return st, fmt.Errorf("%s signs with key %s, which %s in %s does not hold: CloudFront would refuse its cookies once deployed; restore the stack file",
				r.SigningSecret(), st.signingFP, signingPublicKeysKey, r.File)
		}
	}

	raw, err = r.Secrets.Get(ctx, r.NextSecret())
	switch {
	case errors.Is(err, ErrNotFound):
	case err != nil:
		return st, fmt.Errorf("read %s: %w", r.NextSecret(), err)
	default:
		var v cloudFrontNext
		if err := json.Unmarshal([]byte(raw), &v); err != nil {
			return st, fmt.Errorf("%s: not {\"privateKey\"} JSON: %w", r.NextSecret(), err)
		}
		if v.PrivateKey == "" {
			return st, nil // cleared by the last switch: no key pending
		}
		priv, err := parsePrivate(v.PrivateKey)
		if err != nil {
			return st, fmt.Errorf("%s: %w", r.NextSecret(), err)
		}
		st.next = &v
		if st.nextFP, err = fingerprintOf(&priv.PublicKey); err != nil {
			return st, err
		}
		if st.nextPublic, err = publicPEM(&priv.PublicKey); err != nil {
			return st, err
		}
	}
	return st, nil
}

// next returns the step the state calls for.
func (r *CloudFrontRotator) next(st cfState) (Step, error) {
	pending := st.next != nil && st.nextFP != st.signingFP
	switch {
	case len(st.public) == 0 && st.signing == nil:
		return Step{"generate", "create the first RSA-2048 key pair: private half to " + r.NextSecret() + ", public key to " + signingPublicKeysKey + "; then deploy"}, nil
	case len(st.public) == 0:
		return Step{}, fmt.Errorf("%s: %s is empty but %s signs with a key: restore the stack file", r.File, signingPublicKeysKey, r.SigningSecret())
	case st.signing == nil && len(st.public) == 1 && pending && st.nextFP == st.public[0].fp:
		return Step{"switch", "sign with the first key " + st.nextFP + " (deployed, so CloudFront trusts it): its id and private half into " + r.SigningSecret()}, nil
	case st.signing == nil:
		return Step{}, fmt.Errorf("%s has no value and no key of %s in %s has its private half in %s: store the key you made there as {\"keyPairId\",\"privateKey\"}, or empty %s and run rotate to generate one",
			r.SigningSecret(), signingPublicKeysKey, r.File, r.NextSecret(), signingPublicKeysKey)
	case len(st.public) == 1:
		return Step{"add", "create the next key pair: private half to " + r.NextSecret() + ", public key next to " + st.signingFP + " in " + signingPublicKeysKey + "; then deploy, so CloudFront trusts both"}, nil
	}
	other := st.public[0]
	if other.fp == st.signingFP {
		other = st.public[1]
	}
	if st.signing.Previous == other.fp {
		until := time.Unix(st.signing.Since, 0).Add(r.Wait())
		return Step{"retire", fmt.Sprintf("remove %s from %s once every cookie it signed expired (from %s); then deploy", other.fp, signingPublicKeysKey, until.UTC().Format(time.RFC3339))}, nil
	}
	if !pending || st.nextFP != other.fp {
		return Step{}, fmt.Errorf("%s: %s holds %s, whose private half is not in %s: remove it, or store its private half there as {\"privateKey\"}",
			r.File, signingPublicKeysKey, other.fp, r.NextSecret())
	}
	return Step{"switch", fmt.Sprintf("sign with %s instead of %s (once deployed, CloudFront trusts both)", other.fp, st.signingFP)}, nil
}

// Plan implements Rotation.
func (r *CloudFrontRotator) Plan(ctx context.Context) ([]Step, error) {
	st, s, err := loadNext(ctx, r.load, r.next)
	if err != nil {
		return nil, err
	}
	if s.Name == "switch" && st.signing == nil {
		return []Step{s}, nil
	}
	return remaining(s, r.Wait()), nil
}

// Status implements Rotation.
func (r *CloudFrontRotator) Status(ctx context.Context) (Status, error) {
	st, s, err := loadNext(ctx, r.load, r.next)
	if err != nil {
		return Status{}, err
	}
	out := Status{Next: s}
	for _, k := range st.public {
		out.Keys = append(out.Keys, KeyStatus{ID: k.fp, Signing: k.fp == st.signingFP})
	}
	if s.Name == "retire" {
		out.RetireAfter = time.Unix(st.signing.Since, 0).Add(r.Wait())
	}
	return out, nil
}

// Next implements Rotation. Every step writes the secret before the stack file, so that a
// crash between the two leaves a state the next run completes: a pending key whose public half
// is not yet in the file is reused, not replaced.
func (r *CloudFrontRotator) Next(ctx context.Context) (Step, error) {
	st, step, err := loadNext(ctx, r.load, r.next)
	if err != nil {
		return Step{}, err
	}
	now := r.now()
	switch step.Name {
	case "generate", "add":
		public := st.nextPublic
		if st.next == nil || st.nextFP == st.signingFP {
			if public, err = r.generate(ctx); err != nil {
				return Step{}, err
			}
		}
		pems := []string{public}
		if len(st.public) == 1 {
			pems = []string{st.public[0].pem, public}
		}
		return step, r.writeKeys(pems)
	case "switch":
		key := st.public[st.index(st.nextFP)]
		id, err := r.Trusted.KeyID(ctx, awscomp.KeyGroupName(r.delivery()), key.pem)
		if err != nil {
			return Step{}, fmt.Errorf("switch to %s: %w: deploy the stack file first", st.nextFP, err)
		}
		v := cloudFrontSigning{KeyPairID: id, PrivateKey: st.next.PrivateKey, Since: now.Unix()}
		if st.signing != nil {
			v.Previous = st.signingFP
		}
		if _, err := playback.ParseKey(mustJSON(v)); err != nil {
			return Step{}, err
		}
		if err := r.Secrets.Put(ctx, r.SigningSecret(), mustJSON(v)); err != nil {
			return Step{}, fmt.Errorf("store %s: %w", r.SigningSecret(), err)
		}
		// The private half now lives in the signing secret; the pending one is cleared rather
		// than deleted, because a deleted secret keeps its name through the recovery window
		// and the next add needs it. A crash before this leaves a copy the next add replaces.
		if err := r.Secrets.Put(ctx, r.NextSecret(), mustJSON(cloudFrontNext{})); err != nil {
			return Step{}, fmt.Errorf("clear %s: %w", r.NextSecret(), err)
		}
		return step, nil
	case "retire":
		until := time.Unix(st.signing.Since, 0).Add(r.Wait())
		if now.Before(until) {
			return Step{}, fmt.Errorf("cookies signed by %s may be in use until %s: retire it after that", st.signing.Previous, until.UTC().Format(time.RFC3339))
		}
		keep := st.public[st.index(st.signingFP)]
		// The file first: a crash after it leaves a previous that names no key of the file,
		// which the next run reads as no rotation under way.
		if err := r.writeKeys([]string{keep.pem}); err != nil {
			return Step{}, err
		}
		v := *st.signing
		v.Previous = ""
		if err := r.Secrets.Put(ctx, r.SigningSecret(), mustJSON(v)); err != nil {
			return Step{}, fmt.Errorf("store %s: %w", r.SigningSecret(), err)
		}
		return step, nil
	}
	return step, nil
}

// generate makes an RSA-2048 key pair, stores its private half as the pending key and
// returns its public key in PEM.
func (r *CloudFrontRotator) generate(ctx context.Context) (string, error) {
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return "", fmt.Errorf("generate RSA-2048 key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return "", err
	}
	value := mustJSON(cloudFrontNext{PrivateKey: string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))})
	if err := r.Secrets.Put(ctx, r.NextSecret(), value); err != nil {
		return "", fmt.Errorf("store %s: %w", r.NextSecret(), err)
	}
	return publicPEM(&priv.PublicKey)
}

// FirstKey is the generate step of a stack whose file does not exist yet (ottkit customer
// new): it returns the public key of the pending key, generating and storing one unless a
// pending key that does not sign already exists (a re-run). The next rotate, after the first
// deploy, switches signing to it.
func (r *CloudFrontRotator) FirstKey(ctx context.Context) (string, error) {
	raw, err := r.Secrets.Get(ctx, r.SigningSecret())
	switch {
	case err == nil && raw != "":
		return "", fmt.Errorf("%s already holds a signing key: this stack has keys; use ottkit keys rotate --kind cloudfront", r.SigningSecret())
	case err != nil && !errors.Is(err, ErrNotFound):
		return "", fmt.Errorf("read %s: %w", r.SigningSecret(), err)
	}
	raw, err = r.Secrets.Get(ctx, r.NextSecret())
	switch {
	case errors.Is(err, ErrNotFound):
	case err != nil:
		return "", fmt.Errorf("read %s: %w", r.NextSecret(), err)
	default:
		var v cloudFrontNext
		if err := json.Unmarshal([]byte(raw), &v); err == nil && v.PrivateKey != "" {
			priv, err := parsePrivate(v.PrivateKey)
			if err != nil {
				return "", fmt.Errorf("%s: %w", r.NextSecret(), err)
			}
			return publicPEM(&priv.PublicKey)
		}
	}
	return r.generate(ctx)
}

func (r *CloudFrontRotator) writeKeys(pems []string) error {
	doc, err := readStackFile(r.File)
	if err != nil {
		return err
	}
	list := &yaml.Node{Kind: yaml.SequenceNode}
	for _, p := range pems {
		list.Content = append(list.Content, &yaml.Node{Kind: yaml.ScalarNode, Style: yaml.LiteralStyle, Value: strings.TrimSpace(p) + "\n"})
	}
	if err := setConfig(doc, signingPublicKeysKey, list); err != nil {
		return fmt.Errorf("%s: %w", r.File, err)
	}
	return writeStackFile(r.File, doc)
}

func fingerprintOf(pub *rsa.PublicKey) (string, error) {
	p, err := publicPEM(pub)
	if err != nil {
		return "", err
	}
	return awscomp.PublicKeyFingerprint(p)
}

func publicPEM(pub *rsa.PublicKey) (string, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "", err
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})), nil
}

func parsePrivate(text string) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode([]byte(text))
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, errors.New("privateKey is not a PKCS #8 PEM")
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("privateKey: %w", err)
	}
	priv, ok := k.(*rsa.PrivateKey)
	if !ok || priv.N.BitLen() != 2048 {
		return nil, errors.New("privateKey is not an RSA-2048 key")
	}
	return priv, nil
}
