package policies

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
)

// PolicyConfig is the configuration of one rule: an enforcement level override and the
// properties the rule reads as data.config.<rule>.<key>.
type PolicyConfig struct {
	EnforcementLevel Level
	Properties       map[string]any
}

// Config maps rule names, or "all" for a pack-wide enforcement level, to their configuration.
type Config map[string]PolicyConfig

// All is the Config key whose enforcement level applies to every rule not configured itself.
const All = "all"

// ParseConfig reads a policy pack configuration in the format of `pulumi preview
// --policy-pack-config`: each key is a rule name (or "all") and each value either an
// enforcement level string or an object with an optional "enforcementLevel" and the rule's
// properties beside it:
//
//	{"all": "mandatory", "deny_region": {"allowedRegions": ["eu-west-1"]}}
func ParseConfig(b []byte) (Config, error) {
	if strings.TrimSpace(string(b)) == "" {
		return Config{}, nil
	}
	var raw map[string]any
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("policies: policy config is not a JSON object: %w", err)
	}
	out := Config{}
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		var pc PolicyConfig
		switch v := raw[k].(type) {
		case string:
			pc.EnforcementLevel = Level(v)
		case map[string]any:
			props := map[string]any{}
			for pk, pv := range v {
				if pk != "enforcementLevel" {
					props[pk] = pv
					continue
				}
				s, ok := pv.(string)
				if !ok {
					return nil, fmt.Errorf("policies: policy config %q: enforcementLevel %v is not a string", k, pv)
				}
				pc.EnforcementLevel = Level(s)
			}
			if len(props) > 0 {
				pc.Properties = props
			}
		default:
			return nil, fmt.Errorf("policies: policy config %q: %v is neither an enforcement level nor an object", k, raw[k])
		}
		switch pc.EnforcementLevel {
		case "", Mandatory, Advisory, Disabled:
		default:
			return nil, fmt.Errorf("policies: policy config %q: enforcement level %q is not mandatory, advisory or disabled", k, pc.EnforcementLevel)
		}
		if k == All && len(pc.Properties) > 0 {
			return nil, fmt.Errorf("policies: policy config %q takes only an enforcement level", k)
		}
		out[k] = pc
	}
	return out, nil
}

// ReadConfig reads and parses a policy configuration file.
func ReadConfig(file string) (Config, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("policies: reading policy config: %w", err)
	}
	cfg, err := ParseConfig(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return cfg, nil
}

// level returns the enforcement level of rule under cfg: its own override, else the "all"
// override, else the level its name gives it.
func (cfg Config) level(r Rule) Level {
	if c, ok := cfg[r.Name]; ok && c.EnforcementLevel != "" {
		return c.EnforcementLevel
	}
	if c, ok := cfg[All]; ok && c.EnforcementLevel != "" {
		return c.EnforcementLevel
	}
	return r.Level
}

// data returns the configuration properties as the analyzer stores them: data.config.<rule>.
func (cfg Config) data() map[string]any {
	out := map[string]any{}
	for name, c := range cfg {
		if len(c.Properties) > 0 {
			out[name] = c.Properties
		}
	}
	return out
}

// validate checks that every configured name is a rule of the pack or "all".
func (cfg Config) validate(p *Pack) error {
	var unknown []string
	for name := range cfg {
		if name == All {
			continue
		}
		if _, ok := p.Rule(name); !ok {
			unknown = append(unknown, name)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return fmt.Errorf("policies: policy config names unknown rules: %s", strings.Join(unknown, ", "))
	}
	return nil
}

// MarshalJSON writes the configuration in the format ParseConfig reads and `pulumi preview
// --policy-pack-config` accepts.
func (cfg Config) MarshalJSON() ([]byte, error) {
	out := make(map[string]any, len(cfg))
	for name, c := range cfg {
		if len(c.Properties) == 0 {
			out[name] = string(c.EnforcementLevel)
			continue
		}
		obj := make(map[string]any, len(c.Properties)+1)
		for k, v := range c.Properties {
			obj[k] = v
		}
		if c.EnforcementLevel != "" {
			obj["enforcementLevel"] = string(c.EnforcementLevel)
		}
		out[name] = obj
	}
	return json.Marshal(out)
}
