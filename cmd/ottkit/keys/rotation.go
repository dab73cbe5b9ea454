package keys

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/ottkit/ottkit/components/platform"
)

// The kinds of key ottkit keys rotates.
const (
	KindCloudFront = "cloudfront"
	KindCloudCDN   = "cloudcdn"
	KindEdge       = "edge"
)

// ErrNotFound is returned (wrapped) by a SecretStore's Get for a secret that does not exist or
// has no value yet.
var ErrNotFound = errors.New("secret not found")

// Rotation is one kind of a stack's playback signing keys, moved through
// add → switch → retire one step at a time.
type Rotation interface {
	// Plan returns the steps that remain, changing nothing.
	Plan(ctx context.Context) ([]Step, error)
	// Next performs the next step, refusing one that could refuse a viewer.
	Next(ctx context.Context) (Step, error)
	// Status describes the keys and what comes next.
	Status(ctx context.Context) (Status, error)
}

// Status is where a rotation stands.
type Status struct {
	// Keys are the keys the stack file names, in its order.
	Keys []KeyStatus
	// Next is the step rotate would take now.
	Next Step
	// RetireAfter is the earliest time the retire step is allowed; zero unless one is due.
	RetireAfter time.Time
}

// KeyStatus is one key of a stack.
type KeyStatus struct {
	// ID names the key: its id, key name or fingerprint.
	ID string
	// Signing is set for the key the api signs with.
	Signing bool
}

// String renders the status for a terminal.
func (s Status) String() string {
	var b strings.Builder
	for _, k := range s.Keys {
		role := "trusted"
		if k.Signing {
			role = "trusted, signing"
		}
		fmt.Fprintf(&b, "key %s (%s)\n", k.ID, role)
	}
	if len(s.Keys) == 0 {
		b.WriteString("no keys\n")
	}
	fmt.Fprintf(&b, "next: %s: %s\n", s.Next.Name, s.Next.Detail)
	if !s.RetireAfter.IsZero() {
		fmt.Fprintf(&b, "retire allowed from %s\n", s.RetireAfter.UTC().Format(time.RFC3339))
	}
	return b.String()
}

// remaining lists the steps of a rotation from the step at on, with details for the later
// ones that do not depend on the state.
func remaining(at Step, wait time.Duration) []Step {
	order := []string{"add", "switch", "retire"}
	if at.Name == "generate" {
		return []Step{at, {Name: "switch", Detail: "once the deploy trusts the key, sign with it"}}
	}
	steps := []Step{at}
	i := slices.Index(order, at.Name)
	if i < 0 {
		return steps
	}
	for _, name := range order[i+1:] {
		steps = append(steps, Step{Name: name, Detail: map[string]string{
			"switch": "once the deploy trusts the new key, sign with it",
			"retire": fmt.Sprintf("after at least %s since the switch, remove the old key; then deploy", wait),
		}[name]})
	}
	return steps
}

// configValues renders a stack file's config: mapping the way Pulumi hands it to a program
// (strings as they are, other values as JSON; keys without a namespace in ottkit's).
func configValues(doc *yaml.Node) (map[string]string, error) {
	m, err := configMap(doc, false)
	if err != nil || m == nil {
		return map[string]string{}, err
	}
	out := map[string]string{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		key, node := m.Content[i].Value, m.Content[i+1]
		if !strings.Contains(key, ":") {
			key = platform.Namespace + ":" + key
		}
		var v any
		if err := node.Decode(&v); err != nil {
			return nil, fmt.Errorf("%s: %w", key, err)
		}
		if s, ok := v.(string); ok && node.Kind == yaml.ScalarNode {
			out[key] = s
			continue
		}
		b, err := json.Marshal(jsonable(v))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", key, err)
		}
		out[key] = string(b)
	}
	return out, nil
}

// jsonable turns YAML's map[string]any trees (and map[any]any from odd keys) into JSON-able
// values.
func jsonable(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			t[k] = jsonable(e)
		}
		return t
	case map[any]any:
		m := make(map[string]any, len(t))
		for k, e := range t {
			m[fmt.Sprint(k)] = jsonable(e)
		}
		return m
	case []any:
		for i, e := range t {
			t[i] = jsonable(e)
		}
	}
	return v
}

// writeStackFile validates doc as a stack configuration (platform.ParseSpec, the program's own
// check) and replaces path with it atomically: a crash leaves the old file or the new one.
func writeStackFile(path string, doc *yaml.Node) error {
	cfg, err := configValues(doc)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if _, err := platform.ParseSpec(cfg); err != nil {
		return fmt.Errorf("%s would not be a valid stack file, so it was left as it is: %w", path, err)
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2) // as the stack files are written
	if err := enc.Encode(doc); err != nil {
		return err
	}
	if err := enc.Close(); err != nil {
		return err
	}
	out := buf.Bytes()
	info, err := os.Stat(path)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(out); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(info.Mode().Perm()); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// setConfig sets key (full name; a shorthand entry is replaced in place) in the config:
// mapping of doc.
func setConfig(doc *yaml.Node, key string, v *yaml.Node) error {
	m, err := configMap(doc, true)
	if err != nil {
		return err
	}
	if i, _ := lookup(m, key); i >= 0 {
		m.Content[i+1] = v
		return nil
	}
	m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: key}, v)
	return nil
}

// loadNext reads a rotation's state with load and works out its next step with next: where
// every rotator's Plan, Next and Status begin.
func loadNext[S any](ctx context.Context, load func(context.Context) (S, error), next func(S) (Step, error)) (S, Step, error) {
	st, err := load(ctx)
	if err != nil {
		return st, Step{}, err
	}
	step, err := next(st)
	return st, step, err
}
