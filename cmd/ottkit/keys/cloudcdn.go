package keys

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/ottkit/ottkit/functions/gcp/cdnsign"
)

// cdnNext is the rotation's own secret (<prefix>-signing-next): the key an add or generate
// is under way for (written before the backend bucket gets it, so a re-run after a crash
// adds the same key), and after a switch the key it replaced and when.
type cdnNext struct {
	KeyName  string `json:"keyName,omitempty"`
	Key      string `json:"key,omitempty"`
	Previous string `json:"previous,omitempty"`
	Since    int64  `json:"since,omitempty"`
}

// CloudCDNRotator moves the Cloud CDN signed-cookie keys of a GCP stack forward one step at a
// time. A key is 16 random bytes: its value goes only to Secret Manager and to the delivery
// backend bucket's keyset (Keys); the stack file holds the key names (ottkit:cdnKeyNames and
// ottkit:cdnSigningKeyName). Cloud CDN trusts a key as soon as addSignedUrlKey's operation is
// done, so no step waits on a deploy.
type CloudCDNRotator struct {
	// Prefix names the stack's secrets ("<customer>-<env>").
	Prefix string
	// File is the stack file.
	File string
	// Secrets is Secret Manager.
	Secrets SecretStore
	// Keys is the delivery backend bucket's keyset.
	Keys KeySet
	// CookieLifetime is the longest a signed cookie lives (ottkit:playbackTtl).
	CookieLifetime time.Duration
	// KeyCache is how long the api keeps signing with a key it read (cdnsign.DefaultKeyTTL
	// when zero).
	KeyCache time.Duration
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// SigningSecret is the secret the api signs with: {"keyName","key"} (cdnsign.ParseKey).
func (r *CloudCDNRotator) SigningSecret() string { return r.Prefix + "-signing" }

// NextSecret is the rotation's bookkeeping secret.
func (r *CloudCDNRotator) NextSecret() string { return r.Prefix + "-signing-next" }

// Wait is how long after a switch the old key retires: the api's key cache (cookies of the
// old key are issued that long after the switch), the cookie lifetime and a margin.
func (r *CloudCDNRotator) Wait() time.Duration {
	cache := r.KeyCache
	if cache <= 0 {
		cache = cdnsign.DefaultKeyTTL
	}
	return cache + r.CookieLifetime + time.Minute
}

func (r *CloudCDNRotator) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

type cdnState struct {
	names   []string // the stack file's
	signing string   // the stack file's
	live    []string // the backend bucket's
	secret  *cdnsign.Key
	next    cdnNext
	// unfinished names a step whose writes to the cloud are done but not to the stack file.
	unfinished string
}

const (
	cdnNamesKey   = "ottkit:cdnKeyNames"
	cdnSigningKey = "ottkit:cdnSigningKeyName"
)

func (r *CloudCDNRotator) load(ctx context.Context) (cdnState, error) {
	var st cdnState
	doc, err := readStackFile(r.File)
	if err != nil {
		return st, err
	}
	m, err := configMap(doc, false)
	if err != nil {
		return st, fmt.Errorf("%s: %w", r.File, err)
	}
	if _, n := lookup(m, cdnNamesKey); n != nil {
		if err := n.Decode(&st.names); err != nil {
			return st, fmt.Errorf("%s: %s: %w", r.File, cdnNamesKey, err)
		}
	}
	if _, n := lookup(m, cdnSigningKey); n != nil {
		st.signing = n.Value
	}
	if len(st.names) > 0 && !slices.Contains(st.names, st.signing) {
		return st, fmt.Errorf("%s: %s %q is not a name of %s", r.File, cdnSigningKey, st.signing, cdnNamesKey)
	}
	if st.live, err = r.Keys.Names(ctx); err != nil {
		return st, err
	}
	raw, err := r.Secrets.Get(ctx, r.NextSecret())
	switch {
	case errors.Is(err, ErrNotFound):
	case err != nil:
		return st, fmt.Errorf("read %s: %w", r.NextSecret(), err)
	default:
		if err := json.Unmarshal([]byte(raw), &st.next); err != nil {
			return st, fmt.Errorf("%s: %w", r.NextSecret(), err)
		}
	}
	raw, err = r.Secrets.Get(ctx, r.SigningSecret())
	switch {
	case errors.Is(err, ErrNotFound):
	case err != nil:
		return st, fmt.Errorf("read %s: %w", r.SigningSecret(), err)
	default:
		k, err := cdnsign.ParseKey([]byte(raw))
		if err != nil {
			return st, fmt.Errorf("%s: %w", r.SigningSecret(), err)
		}
		st.secret = &k
	}
	for _, name := range st.names {
		if !slices.Contains(st.live, name) && name != st.next.KeyName && name != st.next.Previous {
			return st, fmt.Errorf("%s names key %s, which backend bucket keyset %v lacks: restore the key, or the stack file", r.File, name, st.live)
		}
	}
	switch {
	case st.secret == nil && len(st.names) > 0:
		return st, fmt.Errorf("%s names keys %v but %s has no key: restore it, or remove the names to generate a new key", r.File, st.names, r.SigningSecret())
	case st.secret == nil:
	case len(st.names) == 0:
		if st.secret.Name != st.next.KeyName {
			return st, fmt.Errorf("%s signs with %s, which the stack file does not name: restore %s and %s", r.SigningSecret(), st.secret.Name, cdnNamesKey, cdnSigningKey)
		}
		st.unfinished = "generate"
	case st.secret.Name == st.signing:
		if st.next.Previous != "" && !slices.Contains(st.names, st.next.Previous) {
			st.unfinished = "retire" // the file lost the old name, the keyset may still have it
		}
	case slices.Contains(st.names, st.secret.Name) && st.next.Previous == st.signing:
		st.unfinished = "switch"
	default:
		return st, fmt.Errorf("%s signs with %s but %s is %q: restore the stack file", r.SigningSecret(), st.secret.Name, cdnSigningKey, st.signing)
	}
	return st, nil
}

func (st cdnState) other() string {
	for _, n := range st.names {
		if n != st.signing {
			return n
		}
	}
	return ""
}

func (r *CloudCDNRotator) next(st cdnState) (Step, error) {
	switch {
	case st.unfinished == "generate":
		return Step{"generate", "finish the interrupted generate of " + st.secret.Name + ": its name into the stack file"}, nil
	case st.unfinished == "switch":
		return Step{"switch", "finish the interrupted switch to " + st.secret.Name + ": " + cdnSigningKey + " follows the signing secret"}, nil
	case st.unfinished == "retire":
		return Step{"retire", "finish the interrupted retire of " + st.next.Previous + ": it leaves the backend bucket's keyset"}, nil
	case len(st.names) == 0:
		return Step{"generate", "create the first key, store it in " + r.SigningSecret() + ", add it to the backend bucket's keyset, its name to the stack file"}, nil
	case len(st.names) == 1:
		return Step{"add", "create the next key, store it in " + r.NextSecret() + ", add it to the backend bucket's keyset next to " + st.signing}, nil
	case len(st.names) == 2 && st.next.Previous != st.other():
		return Step{"switch", fmt.Sprintf("sign with %s instead of %s (Cloud CDN already accepts both)", st.other(), st.signing)}, nil
	case len(st.names) == 2:
		until := time.Unix(st.next.Since, 0).Add(r.Wait())
		return Step{"retire", fmt.Sprintf("remove %s from the backend bucket's keyset once every cookie it signed expired (from %s)", st.next.Previous, until.UTC().Format(time.RFC3339))}, nil
	}
	return Step{}, fmt.Errorf("%s: %s has %d names; want 1, or 2 while rotating", r.File, cdnNamesKey, len(st.names))
}

// Plan implements Rotation.
func (r *CloudCDNRotator) Plan(ctx context.Context) ([]Step, error) {
	st, s, err := loadNext(ctx, r.load, r.next)
	if err != nil {
		return nil, err
	}
	if s.Name == "generate" || st.unfinished == "retire" {
		return []Step{s}, nil
	}
	steps := remaining(s, r.Wait())
	for i := range steps {
		if i > 0 && steps[i].Name == "switch" {
			steps[i].Detail = "sign with the new key (Cloud CDN accepts it once the add is done)"
		}
		if i > 0 && steps[i].Name == "retire" {
			steps[i].Detail = fmt.Sprintf("after at least %s since the switch, remove the old key from the backend bucket", r.Wait())
		}
	}
	return steps, nil
}

// Status implements Rotation.
func (r *CloudCDNRotator) Status(ctx context.Context) (Status, error) {
	st, s, err := loadNext(ctx, r.load, r.next)
	if err != nil {
		return Status{}, err
	}
	out := Status{Next: s}
	for _, n := range st.names {
		out.Keys = append(out.Keys, KeyStatus{ID: n, Signing: n == st.signing})
	}
	if s.Name == "retire" && st.unfinished == "" {
		out.RetireAfter = time.Unix(st.next.Since, 0).Add(r.Wait())
	}
	return out, nil
}

var _ Rotation = (*CloudCDNRotator)(nil)

// Next implements Rotation. Each step writes Secret Manager first, then the backend bucket,
// then the stack file, and records what it is doing in the next secret before it changes
// anything a viewer depends on, so a re-run after a crash finishes the step with the same key.
// A switch is refused until the backend bucket has the new key, a retire until every cookie
// the old key signed has expired, an add when the backend bucket is full.
func (r *CloudCDNRotator) Next(ctx context.Context) (Step, error) {
	st, step, err := loadNext(ctx, r.load, r.next)
	if err != nil {
		return Step{}, err
	}
	now := r.now()
	switch step.Name {
	case "generate":
		if st.unfinished != "generate" {
			n, err := r.prepare(ctx, st, now)
			if err != nil {
				return Step{}, err
			}
			if err := r.Secrets.Put(ctx, r.SigningSecret(), mustJSON(map[string]string{"keyName": n.KeyName, "key": n.Key})); err != nil {
				return Step{}, fmt.Errorf("store %s: %w", r.SigningSecret(), err)
			}
			st.next = n
		}
		st.names, st.signing = []string{st.next.KeyName}, st.next.KeyName
	case "add":
		n, err := r.prepare(ctx, st, now)
		if err != nil {
			return Step{}, err
		}
		st.names = append(st.names, n.KeyName)
	case "switch":
		if st.unfinished != "switch" {
			name := st.other()
			if st.next.KeyName != name || st.next.Key == "" {
				return Step{}, fmt.Errorf("%s does not hold key %s of %s: restore it, or remove the name from the stack file and add again", r.NextSecret(), name, cdnNamesKey)
			}
			live, err := r.Keys.Names(ctx)
			if err != nil {
				return Step{}, err
			}
			if !slices.Contains(live, name) {
				return Step{}, fmt.Errorf("the backend bucket's keyset %v lacks %s: Cloud CDN would refuse its cookies; run the add again", live, name)
			}
			key := st.next.Key
			// The bookkeeping first: a crash after it and before the signing secret is a
			// plain switch again (the next secret still holds the key), one after both an
			// unfinished switch.
			if err := r.Secrets.Put(ctx, r.NextSecret(), mustJSON(cdnNext{KeyName: name, Key: key, Previous: st.signing, Since: now.Unix()})); err != nil {
				return Step{}, fmt.Errorf("store %s: %w", r.NextSecret(), err)
			}
			if err := r.Secrets.Put(ctx, r.SigningSecret(), mustJSON(map[string]string{"keyName": name, "key": key})); err != nil {
				return Step{}, fmt.Errorf("store %s: %w", r.SigningSecret(), err)
			}
		}
		st.signing = st.secret.Name
		if st.unfinished != "switch" {
			st.signing = st.other()
		}
	case "retire":
		old := st.next.Previous
		if st.unfinished != "retire" {
			until := time.Unix(st.next.Since, 0).Add(r.Wait())
			if now.Before(until) {
				return Step{}, fmt.Errorf("cookies signed by %s may be in use until %s: retire it after that", old, until.UTC().Format(time.RFC3339))
			}
		}
		if slices.Contains(st.live, old) {
			if err := r.Keys.Delete(ctx, old); err != nil {
				return Step{}, err
			}
		}
		st.names = slices.DeleteFunc(st.names, func(n string) bool { return n == old })
		if err := r.writeNames(st); err != nil {
			return Step{}, err
		}
		// The old name leaves the next secret last: until then a re-run finishes the retire.
		if err := r.Secrets.Put(ctx, r.NextSecret(), mustJSON(cdnNext{})); err != nil {
			return Step{}, fmt.Errorf("store %s: %w", r.NextSecret(), err)
		}
		return step, nil
	}
	return step, r.writeNames(st)
}

// prepare makes the next key and puts it on the backend bucket: the next secret names it
// first, so a re-run after a crash adds the same key rather than a second one.
func (r *CloudCDNRotator) prepare(ctx context.Context, st cdnState, now time.Time) (cdnNext, error) {
	n := st.next
	if n.KeyName == "" || n.Key == "" || slices.Contains(st.names, n.KeyName) {
		if n.Previous != "" {
			return cdnNext{}, fmt.Errorf("%s still records the retire of %s: retire it first", r.NextSecret(), n.Previous)
		}
		raw := make([]byte, cdnsign.KeySize)
		if _, err := rand.Read(raw); err != nil {
			return cdnNext{}, err
		}
		n = cdnNext{KeyName: cdnKeyName(now), Key: base64.URLEncoding.EncodeToString(raw)}
		if slices.Contains(st.names, n.KeyName) || slices.Contains(st.live, n.KeyName) {
			return cdnNext{}, fmt.Errorf("key name %s exists; try again in a second", n.KeyName)
		}
		if err := r.Secrets.Put(ctx, r.NextSecret(), mustJSON(n)); err != nil {
			return cdnNext{}, fmt.Errorf("store %s: %w", r.NextSecret(), err)
		}
	}
	if !slices.Contains(st.live, n.KeyName) {
		if len(st.live) >= MaxCDNKeys {
			return cdnNext{}, fmt.Errorf("the backend bucket's keyset %v is full (Cloud CDN holds %d keys): delete a key no stack file names", st.live, MaxCDNKeys)
		}
		if err := r.Keys.Add(ctx, n.KeyName, n.Key); err != nil {
			return cdnNext{}, err
		}
	}
	return n, nil
}

// cdnKeyName names a key by its creation time, as a Compute Engine name.
func cdnKeyName(now time.Time) string { return "k" + now.UTC().Format("20060102-150405") }

func (r *CloudCDNRotator) writeNames(st cdnState) error {
	doc, err := readStackFile(r.File)
	if err != nil {
		return err
	}
	seq := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
	for _, n := range st.names {
		seq.Content = append(seq.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: n})
	}
	if err := setConfig(doc, cdnNamesKey, seq); err != nil {
		return fmt.Errorf("%s: %w", r.File, err)
	}
	if err := setConfig(doc, cdnSigningKey, &yaml.Node{Kind: yaml.ScalarNode, Value: st.signing}); err != nil {
		return fmt.Errorf("%s: %w", r.File, err)
	}
	return writeStackFile(r.File, doc)
}
