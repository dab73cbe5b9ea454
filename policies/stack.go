package policies

import (
	"encoding/json"
	"fmt"
	"strings"
)

// ForStack returns the policy configuration a stack's own settings imply, so that choices the
// stack makes explicitly are honoured rather than reported:
//
//   - ottkit:allowedRegions (a JSON list) becomes deny_region's allowedRegions: the customer's
//     data-residency list is what the region rule enforces.
//   - ottkit:geoAllowList (a JSON list) becomes deny_cloudfront_geo_restriction's
//     allowedCountries: the territories the content is licensed for.
//   - ottkit:retainData false (the stack chose to destroy its data with it) turns
//     deny_stateful_retained and deny_dynamodb_deletion_protection advisory: still reported,
//     no longer blocking.
//
// config holds the stack configuration as programs receive it ("ottkit:key" to the value's
// string form). Merge a user's --policy-config over the result.
func ForStack(config map[string]string) (Config, error) {
	out := Config{}
	if raw := strings.TrimSpace(config["ottkit:allowedRegions"]); raw != "" {
		var regions []string
		if err := json.Unmarshal([]byte(raw), &regions); err != nil {
			return nil, fmt.Errorf("policies: ottkit:allowedRegions: not a list of region names: %w", err)
		}
		if len(regions) > 0 {
			list := make([]any, len(regions))
			for i, r := range regions {
				list[i] = r
			}
			out[regionRule(config)] = PolicyConfig{Properties: map[string]any{"allowedRegions": list}}
		}
	}
	if raw := strings.TrimSpace(config["ottkit:geoAllowList"]); raw != "" {
		var countries []string
		if err := json.Unmarshal([]byte(raw), &countries); err != nil {
			return nil, fmt.Errorf("policies: ottkit:geoAllowList: not a list of country codes: %w", err)
		}
		if len(countries) > 0 {
			list := make([]any, len(countries))
			for i, c := range countries {
				list[i] = c
			}
			out["deny_cloudfront_geo_restriction"] = PolicyConfig{Properties: map[string]any{"allowedCountries": list}}
		}
	}
	if v, ok := config["ottkit:retainData"]; ok && strings.TrimSpace(v) == "false" {
		if gcpStack(config) {
			out["deny_gcp_stateful_retained"] = PolicyConfig{EnforcementLevel: Advisory}
			out["deny_firestore_delete_protection"] = PolicyConfig{EnforcementLevel: Advisory}
		} else {
			out["deny_stateful_retained"] = PolicyConfig{EnforcementLevel: Advisory}
			out["deny_dynamodb_deletion_protection"] = PolicyConfig{EnforcementLevel: Advisory}
		}
	}
	return out, nil
}

// Merge returns c with over laid on top: over's enforcement levels win, and its properties
// replace c's property by property.
func (c Config) Merge(over Config) Config {
	out := Config{}
	for k, v := range c {
		out[k] = v
	}
	for k, v := range over {
		base := out[k]
		if v.EnforcementLevel != "" {
			base.EnforcementLevel = v.EnforcementLevel
		}
		if len(v.Properties) > 0 {
			props := map[string]any{}
			for pk, pv := range base.Properties {
				props[pk] = pv
			}
			for pk, pv := range v.Properties {
				props[pk] = pv
			}
			base.Properties = props
		}
		out[k] = base
	}
	return out
}

// gcpStack says whether a stack's configuration deploys to Google Cloud: its rules then take
// the residency list and the retention relaxations.
func gcpStack(config map[string]string) bool {
	return strings.TrimSpace(config["ottkit:cloud"]) == "gcp"
}

func regionRule(config map[string]string) string {
	if gcpStack(config) {
		return "deny_gcp_region"
	}
	return "deny_region"
}
