package policies

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Snapshot is a set of resources read from the Pulumi CLI's JSON.
type Snapshot struct {
	// Source says which document it came from: "preview" (pulumi preview --json) or "export"
	// (pulumi stack export).
	Source    string
	StackURN  string
	Resources []Resource
}

// secretSig marks a secret value in Pulumi's state JSON (sdk/go/common/resource/sig.Secret).
const secretSig = "4dabf18193072939515e22adb298388d"

// resourceV3 is the part of apitype.ResourceV3 policies need; both documents use it, under
// deployment.resources[] in an export and as steps[].newState in a preview.
type resourceV3 struct {
	URN                  string              `json:"urn"`
	Custom               bool                `json:"custom"`
	Delete               bool                `json:"delete"`
	Type                 string              `json:"type"`
	Inputs               map[string]any      `json:"inputs"`
	Parent               string              `json:"parent"`
	Protect              bool                `json:"protect"`
	RetainOnDelete       bool                `json:"retainOnDelete"`
	Provider             string              `json:"provider"`
	Dependencies         []string            `json:"dependencies"`
	PropertyDependencies map[string][]string `json:"propertyDependencies"`
	IgnoreChanges        []string            `json:"ignoreChanges"`
}

// previewDigest is the document `pulumi preview --json` prints (pkg/backend/display/json.go).
type previewDigest struct {
	Steps []struct {
		Op       string      `json:"op"`
		URN      string      `json:"urn"`
		NewState *resourceV3 `json:"newState"`
	} `json:"steps"`
}

// untypedDeployment is the document `pulumi stack export` prints (apitype.UntypedDeployment
// holding a DeploymentV3).
type untypedDeployment struct {
	Version    int `json:"version"`
	Deployment *struct {
		Resources []resourceV3 `json:"resources"`
	} `json:"deployment"`
}

// DecodeSnapshot reads the JSON of `pulumi preview --json` or of `pulumi stack export` and
// returns the resources policies would see: for a preview, the new state of every resource the
// update keeps or creates; for an export, every resource not pending deletion. Secrets are
// unwrapped when the export shows them in plain text and are "[secret]" otherwise.
func DecodeSnapshot(b []byte) (*Snapshot, error) {
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(b, &probe); err != nil {
		return nil, fmt.Errorf("policies: not a JSON object: %w", err)
	}
	var states []resourceV3
	snap := &Snapshot{}
	switch {
	case probe["steps"] != nil:
		var d previewDigest
		if err := json.Unmarshal(b, &d); err != nil {
			return nil, fmt.Errorf("policies: reading pulumi preview --json output: %w", err)
		}
		snap.Source = "preview"
		index := map[string]int{}
		for i, s := range d.Steps {
			if s.NewState == nil || strings.HasPrefix(s.Op, "delete") || strings.HasPrefix(s.Op, "discard") {
				continue
			}
			if s.NewState.URN == "" {
				return nil, fmt.Errorf("policies: steps[%d]: newState has no urn", i)
			}
			if j, ok := index[s.NewState.URN]; ok {
				states[j] = *s.NewState // a replacement lists the resource twice; keep the last
				continue
			}
			index[s.NewState.URN] = len(states)
			states = append(states, *s.NewState)
		}
	case probe["deployment"] != nil:
		var d untypedDeployment
		if err := json.Unmarshal(b, &d); err != nil {
			return nil, fmt.Errorf("policies: reading pulumi stack export output: %w", err)
		}
		if d.Version != 3 {
			return nil, fmt.Errorf("policies: stack export version %d is not supported (want 3)", d.Version)
		}
		snap.Source = "export"
		for i, r := range d.Deployment.Resources {
			if r.URN == "" || r.Type == "" {
				return nil, fmt.Errorf("policies: deployment.resources[%d] has no urn or type", i)
			}
			if !r.Delete {
				states = append(states, r)
			}
		}
	default:
		return nil, fmt.Errorf("policies: neither pulumi preview --json output (no \"steps\") nor pulumi stack export output (no \"deployment\")")
	}

	providers := map[string]*Provider{}
	for _, s := range states {
		if strings.HasPrefix(s.Type, "pulumi:providers:") {
			providers[s.URN] = &Provider{URN: s.URN, Type: s.Type, Name: nameOf(s.URN), Properties: plainSecrets(s.Inputs)}
		}
		if s.Type == "pulumi:pulumi:Stack" {
			snap.StackURN = s.URN
		}
	}
	for _, s := range states {
		r := Resource{
			URN: s.URN, Type: s.Type, Name: nameOf(s.URN), Parent: s.Parent,
			Properties: plainSecrets(s.Inputs), Protect: s.Protect,
			RetainOnDelete: s.RetainOnDelete, RetainOnDeleteKnown: true,
			IgnoreChanges: s.IgnoreChanges, Dependencies: s.Dependencies, PropertyDependencies: s.PropertyDependencies,
		}
		if s.Custom && s.Provider != "" {
			r.Provider = providers[providerURN(s.Provider)]
		}
		snap.Resources = append(snap.Resources, r)
	}
	if snap.StackURN == "" && len(snap.Resources) > 0 {
		// urn:pulumi:<stack>::<project>::...
		parts := strings.SplitN(strings.TrimPrefix(snap.Resources[0].URN, "urn:pulumi:"), "::", 3)
		if len(parts) == 3 {
			snap.StackURN = StackURN(parts[1], parts[0])
		}
	}
	return snap, nil
}

// nameOf returns the logical name at the end of a URN.
func nameOf(urn string) string {
	if i := strings.LastIndex(urn, "::"); i >= 0 {
		return urn[i+2:]
	}
	return urn
}

// plainSecrets replaces Pulumi's secret envelopes by their plaintext value, or by "[secret]"
// when only the ciphertext is there.
func plainSecrets(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = plainSecret(v)
	}
	return out
}

func plainSecret(v any) any {
	switch t := v.(type) {
	case map[string]any:
		if _, ok := t[secretSig]; ok {
			if pt, ok := t["plaintext"].(string); ok {
				var x any
				if err := json.Unmarshal([]byte(pt), &x); err == nil {
					return plainSecret(x)
				}
				return pt
			}
			return "[secret]"
		}
		return plainSecrets(t)
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = plainSecret(e)
		}
		return out
	}
	return v
}
