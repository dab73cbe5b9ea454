// Package keys rotates a stack's playback signing keys, CloudFront key-group key pairs
// (CloudFrontRotator) and the Cloudflare edge's viewer-token keys (Rotator), in the order that
// never breaks a viewer: add the new public key (deploy, so the CDN trusts it), switch the
// api's signing to it, wait at least the cookie or token lifetime, retire the old key. Private
// halves live only in the cloud's secret store; the stack file holds public keys.
package keys

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/ottkit/ottkit/functions/edge/cloudflare"
)

// SecretStore keeps private key halves by name.
type SecretStore interface {
	// Put creates the secret or replaces its value.
	Put(ctx context.Context, name, value string) error
	Get(ctx context.Context, name string) (string, error)
	Delete(ctx context.Context, name string) error
}

// SigningSecretName is the secret the api reads its current signing key from.
func SigningSecretName(prefix string) string { return prefix + "-edge-signing" }

// KeySecretName is the secret holding one key's private half until it is retired.
func KeySecretName(prefix, keyID string) string { return prefix + "-edge-key-" + keyID }

// signingValue is the signing secret: the key (as cloudflare.ParseKey reads it), when signing
// switched to it, the key it replaced, which retires once every token it signed expired, and
// the key an add is under way for, so that a re-run after a crash finishes that add.
type signingValue struct {
	KeyID    string `json:"keyId"`
	Seed     string `json:"seed"`
	Since    int64  `json:"since"`
	Previous string `json:"previous,omitempty"`
	Pending  string `json:"pending,omitempty"`
}

// Rotator moves one stack's keys forward one step at a time.
type Rotator struct {
	// Prefix names the stack's secrets ("<customer>-<env>").
	Prefix string
	// File is the stack file (Pulumi.<stack>.yaml).
	File string
	// Secrets is the cloud's secret store.
	Secrets SecretStore
	// TokenLifetime is the longest a viewer token lives (ottkit:playbackTtl).
	TokenLifetime time.Duration
	// KeyCache is how long the api keeps signing with a key it read
	// (cloudflare.DefaultKeyTTL when zero): tokens of the old key are issued until that long
	// after the switch.
	KeyCache time.Duration
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// Wait is how long after a switch the old key retires: every token it signed has expired.
func (r *Rotator) Wait() time.Duration {
	cache := r.KeyCache
	if cache <= 0 {
		cache = cloudflare.DefaultKeyTTL
	}
	return cache + r.TokenLifetime + cloudflare.ClockSkew
}

// Step is one action of a rotation.
type Step struct {
	// Name is generate, add, switch or retire.
	Name string
	// Detail says what the step does and what the operator does next.
	Detail string
}

func (r *Rotator) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

type state struct {
	public  map[string]string
	signing string
	secret  *signingValue // nil before the first key
	// unfinished names a step whose secret was written but not the stack file.
	unfinished string
}

func (r *Rotator) load(ctx context.Context) (state, error) {
	var st state
	doc, err := readStackFile(r.File)
	if err != nil {
		return st, err
	}
	st.public, st.signing, err = edgeKeys(doc)
	if err != nil {
		return st, fmt.Errorf("%s: %w", r.File, err)
	}
	raw, err := r.Secrets.Get(ctx, SigningSecretName(r.Prefix))
	switch {
	case errors.Is(err, ErrNotFound) && len(st.public) == 0:
		return st, nil
	case err != nil:
		return st, fmt.Errorf("read signing secret %s: %w", SigningSecretName(r.Prefix), err)
	case raw == "" && len(st.public) == 0:
		return st, nil
	}
	var v signingValue
	if err := json.Unmarshal([]byte(raw), &v); err != nil {
		return st, fmt.Errorf("signing secret %s: %w", SigningSecretName(r.Prefix), err)
	}
	st.secret = &v
	_, known := st.public[v.KeyID]
	switch {
	case len(st.public) == 0:
		st.unfinished = "generate" // the secret was written, the stack file not
	case v.KeyID == st.signing:
		if _, ok := st.public[v.Previous]; v.Previous != "" && !ok {
			st.unfinished = "retire" // the file lost the old key, its secret may remain
		}
	case known && v.Previous == st.signing:
		st.unfinished = "switch" // the secret signs with the next key, the file does not say so yet
	default:
		return st, fmt.Errorf("%s signs with %q but ottkit:edgeSigningKeyId is %q: deploy the stack file, or restore it", SigningSecretName(r.Prefix), v.KeyID, st.signing)
	}
	return st, nil
}

func (st state) other() string {
	for id := range st.public {
		if id != st.signing {
			return id
		}
	}
	return ""
}

// next returns the step the state calls for.
func (r *Rotator) next(st state) (Step, error) {
	switch {
	case st.unfinished == "generate":
		return Step{"generate", "finish the interrupted generate of " + st.secret.KeyID + ": its public key into the stack file; then deploy"}, nil
	case st.unfinished == "switch":
		return Step{"switch", "finish the interrupted switch to " + st.secret.KeyID + ": ottkit:edgeSigningKeyId follows the signing secret; then deploy"}, nil
	case st.unfinished == "retire":
		return Step{"retire", "finish the interrupted retire of " + st.secret.Previous + ": its secret is deleted"}, nil
	case len(st.public) == 0:
		return Step{"generate", "create the first signing key, store its private half, add its public key to the stack file; then deploy"}, nil
	case len(st.public) == 1:
		return Step{"add", "create the next key, store its private half, add its public key next to " + st.signing + "; then deploy, so the edge trusts both"}, nil
	case len(st.public) == 2 && st.secret.Previous != st.other():
		return Step{"switch", fmt.Sprintf("sign with %s instead of %s (the edge already trusts both); then deploy", st.other(), st.signing)}, nil
	case len(st.public) == 2:
		until := time.Unix(st.secret.Since, 0).Add(r.Wait())
		return Step{"retire", fmt.Sprintf("remove %s once every token it signed expired (from %s); then deploy", st.secret.Previous, until.UTC().Format(time.RFC3339))}, nil
	}
	return Step{}, fmt.Errorf("%s: ottkit:edgePublicKeys has %d keys; want 1, or 2 while rotating", r.File, len(st.public))
}

// Plan returns the steps that remain of a rotation, without doing any.
func (r *Rotator) Plan(ctx context.Context) ([]Step, error) {
	st, s, err := loadNext(ctx, r.load, r.next)
	if err != nil {
		return nil, err
	}
	if s.Name == "generate" || st.unfinished == "retire" {
		return []Step{s}, nil
	}
	return remaining(s, r.Wait()), nil
}

// Next performs the next step and returns it. The retire step refuses until every token the
// old key signed has expired. Secrets are written before the stack file, and each step records
// in the signing secret what it is doing first, so a re-run after a crash finishes the step
// with the same key instead of leaving a private half no stack file names.
func (r *Rotator) Next(ctx context.Context) (Step, error) {
	st, step, err := loadNext(ctx, r.load, r.next)
	if err != nil {
		return Step{}, err
	}
	now := r.now()
	if st.public == nil {
		st.public = map[string]string{}
	}
	switch step.Name {
	case "generate":
		var key cloudflare.Key
		if st.unfinished == "generate" {
			if key, err = cloudflare.ParseKey(mustJSON(st.secret)); err != nil {
				return Step{}, err
			}
		} else {
			if key, err = cloudflare.GenerateKey(keyID(now)); err != nil {
				return Step{}, err
			}
			// The signing secret first: it is what a re-run finds.
			if err := r.putSigning(ctx, key, signingValue{Since: now.Unix()}); err != nil {
				return Step{}, err
			}
		}
		if err := r.putKey(ctx, key); err != nil {
			return Step{}, err
		}
		st.public[key.ID], st.signing = key.Public(), key.ID
	case "add":
		id := st.secret.Pending
		if _, done := st.public[id]; id == "" || done {
			id = keyID(now)
			if _, taken := st.public[id]; taken {
				return Step{}, fmt.Errorf("key id %s exists; try again in a second", id)
			}
			v := *st.secret
			v.Pending = id
			if err := r.Secrets.Put(ctx, SigningSecretName(r.Prefix), mustJSON(v)); err != nil {
				return Step{}, fmt.Errorf("store %s: %w", SigningSecretName(r.Prefix), err)
			}
		}
		var key cloudflare.Key
		raw, err := r.Secrets.Get(ctx, KeySecretName(r.Prefix, id))
		switch {
		case errors.Is(err, ErrNotFound):
			if key, err = cloudflare.GenerateKey(id); err != nil {
				return Step{}, err
			}
			if err := r.putKey(ctx, key); err != nil {
				return Step{}, err
			}
		case err != nil:
			return Step{}, fmt.Errorf("read %s: %w", KeySecretName(r.Prefix, id), err)
		default:
			if key, err = cloudflare.ParseKey(raw); err != nil {
				return Step{}, err
			}
		}
		st.public[id] = key.Public()
	case "switch":
		if st.unfinished == "switch" {
			st.signing = st.secret.KeyID
			break
		}
		next := st.other()
		raw, err := r.Secrets.Get(ctx, KeySecretName(r.Prefix, next))
		if err != nil {
			return Step{}, fmt.Errorf("read %s: %w", KeySecretName(r.Prefix, next), err)
		}
		key, err := cloudflare.ParseKey(raw)
		if err != nil {
			return Step{}, err
		}
		if key.Public() != st.public[next] {
			return Step{}, fmt.Errorf("%s does not hold the private half of ottkit:edgePublicKeys.%s", KeySecretName(r.Prefix, next), next)
		}
		if err := r.putSigning(ctx, key, signingValue{Since: now.Unix(), Previous: st.signing}); err != nil {
			return Step{}, err
		}
		st.signing = next
	case "retire":
		old := st.secret.Previous
		if st.unfinished != "retire" {
			until := time.Unix(st.secret.Since, 0).Add(r.Wait())
			if now.Before(until) {
				return Step{}, fmt.Errorf("tokens signed by %s may be in use until %s: retire it after that", old, until.UTC().Format(time.RFC3339))
			}
			delete(st.public, old)
			if err := r.writeKeys(st); err != nil {
				return Step{}, err
			}
		}
		// The old key's secret goes before the signing secret forgets it, so a crash between
		// the two is finished by the next run.
		if err := r.Secrets.Delete(ctx, KeySecretName(r.Prefix, old)); err != nil {
			return Step{}, fmt.Errorf("delete %s: %w", KeySecretName(r.Prefix, old), err)
		}
		v := *st.secret
		v.Previous = ""
		if err := r.Secrets.Put(ctx, SigningSecretName(r.Prefix), mustJSON(v)); err != nil {
			return Step{}, fmt.Errorf("store %s: %w", SigningSecretName(r.Prefix), err)
		}
		return step, nil
	}
	return step, r.writeKeys(st)
}

// keyID names a key by its creation time.
func keyID(now time.Time) string { return "k" + now.UTC().Format("20060102t150405") }

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func (r *Rotator) putKey(ctx context.Context, key cloudflare.Key) error {
	private, err := key.MarshalSecret()
	if err != nil {
		return err
	}
	if err := r.Secrets.Put(ctx, KeySecretName(r.Prefix, key.ID), private); err != nil {
		return fmt.Errorf("store %s: %w", KeySecretName(r.Prefix, key.ID), err)
	}
	return nil
}

// putSigning stores key as the api's signing key, with v's bookkeeping.
func (r *Rotator) putSigning(ctx context.Context, key cloudflare.Key, v signingValue) error {
	private, err := key.MarshalSecret()
	if err != nil {
		return err
	}
	var k signingValue
	if err := json.Unmarshal([]byte(private), &k); err != nil {
		return err
	}
	v.KeyID, v.Seed = k.KeyID, k.Seed
	if err := r.Secrets.Put(ctx, SigningSecretName(r.Prefix), mustJSON(v)); err != nil {
		return fmt.Errorf("store %s: %w", SigningSecretName(r.Prefix), err)
	}
	return nil
}

func (r *Rotator) writeKeys(st state) error {
	doc, err := readStackFile(r.File)
	if err != nil {
		return err
	}
	if err := setEdgeKeys(doc, st.public, st.signing); err != nil {
		return fmt.Errorf("%s: %w", r.File, err)
	}
	return writeStackFile(r.File, doc)
}

func readStackFile(path string) (*yaml.Node, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s: not a stack file (a YAML mapping with config:)", path)
	}
	return &doc, nil
}

// configMap returns the config: mapping of a stack file, creating it when create is set.
func configMap(doc *yaml.Node, create bool) (*yaml.Node, error) {
	root := doc.Content[0]
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == "config" {
			if root.Content[i+1].Kind != yaml.MappingNode {
				return nil, errors.New("config: is not a mapping")
			}
			return root.Content[i+1], nil
		}
	}
	if !create {
		return nil, nil
	}
	m := &yaml.Node{Kind: yaml.MappingNode}
	root.Content = append(root.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: "config"}, m)
	return m, nil
}

const (
	publicKeysKey = "ottkit:edgePublicKeys"
	signingKeyKey = "ottkit:edgeSigningKeyId"
)

// lookup finds key in m under its full or shorthand ("edgePublicKeys") name.
func lookup(m *yaml.Node, key string) (int, *yaml.Node) {
	short := strings.TrimPrefix(key, "ottkit:")
	for i := 0; m != nil && i+1 < len(m.Content); i += 2 {
		if k := m.Content[i].Value; k == key || k == short {
			return i, m.Content[i+1]
		}
	}
	return -1, nil
}

func edgeKeys(doc *yaml.Node) (map[string]string, string, error) {
	m, err := configMap(doc, false)
	if err != nil {
		return nil, "", err
	}
	public := map[string]string{}
	if _, n := lookup(m, publicKeysKey); n != nil {
		if err := n.Decode(&public); err != nil {
			return nil, "", fmt.Errorf("%s: %w", publicKeysKey, err)
		}
	}
	var signing string
	if _, n := lookup(m, signingKeyKey); n != nil {
		signing = n.Value
	}
	if len(public) > 0 {
		if _, ok := public[signing]; !ok {
			return nil, "", fmt.Errorf("%s %q is not a key of %s", signingKeyKey, signing, publicKeysKey)
		}
	}
	return public, signing, nil
}

func setEdgeKeys(doc *yaml.Node, public map[string]string, signing string) error {
	m, err := configMap(doc, true)
	if err != nil {
		return err
	}
	keys := &yaml.Node{Kind: yaml.MappingNode}
	ids := make([]string, 0, len(public))
	for id := range public {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		keys.Content = append(keys.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: id}, &yaml.Node{Kind: yaml.ScalarNode, Value: public[id]})
	}
	set := func(key string, v *yaml.Node) {
		if i, _ := lookup(m, key); i >= 0 {
			m.Content[i+1] = v
			return
		}
		m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: key}, v)
	}
	set(publicKeysKey, keys)
	set(signingKeyKey, &yaml.Node{Kind: yaml.ScalarNode, Value: signing})
	return nil
}

var _ Rotation = (*Rotator)(nil)

// Status implements Rotation.
func (r *Rotator) Status(ctx context.Context) (Status, error) {
	st, s, err := loadNext(ctx, r.load, r.next)
	if err != nil {
		return Status{}, err
	}
	out := Status{Next: s}
	ids := make([]string, 0, len(st.public))
	for id := range st.public {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		out.Keys = append(out.Keys, KeyStatus{ID: id, Signing: id == st.signing})
	}
	if s.Name == "retire" {
		out.RetireAfter = time.Unix(st.secret.Since, 0).Add(r.Wait())
	}
	return out, nil
}
