package main

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/ottkit/ottkit/policies"
)

// functionGrants is what one function's execution role allows.
type functionGrants struct {
	Function string  `json:"function"`
	Role     string  `json:"role"`
	Grants   []grant `json:"grants"`
}

// grant is one statement of the role's policies, or one attached managed policy.
type grant struct {
	Effect    string   `json:"effect"`
	Actions   []string `json:"actions,omitempty"`
	Resources []string `json:"resources,omitempty"`
	Condition string   `json:"condition,omitempty"`
	Managed   string   `json:"managed,omitempty"` // ARN of an attached managed policy
}

// grantsOf joins every Lambda function to its role (by the role name at the end of the
// function's role ARN) and lists what the role's inline policies, RolePolicy resources and
// managed policy attachments allow.
func grantsOf(rs []policies.Resource) []functionGrants {
	roles := map[string]policies.Resource{}
	for _, r := range rs {
		if r.Type == "aws:iam/role:Role" {
			if name, ok := r.Properties["name"].(string); ok {
				roles[name] = r
			}
		}
	}
	var out []functionGrants
	for _, f := range rs {
		if f.Type != "aws:lambda/function:Function" {
			continue
		}
		arn, _ := f.Properties["role"].(string)
		name := arn[strings.LastIndex(arn, "/")+1:]
		fg := functionGrants{Function: f.Name, Role: name}
		if role, ok := roles[name]; ok {
			if inline, ok := role.Properties["inlinePolicies"].([]any); ok {
				for _, p := range inline {
					if m, ok := p.(map[string]any); ok {
						fg.Grants = append(fg.Grants, statementsOf(m["policy"])...)
					}
				}
			}
			if managed, ok := role.Properties["managedPolicyArns"].([]any); ok {
				for _, m := range managed {
					fg.Grants = append(fg.Grants, grant{Effect: "Allow", Managed: fmt.Sprint(m)})
				}
			}
		}
		for _, r := range rs {
			if r.Properties["role"] != name {
				continue
			}
			switch r.Type {
			case "aws:iam/rolePolicy:RolePolicy":
				fg.Grants = append(fg.Grants, statementsOf(r.Properties["policy"])...)
			case "aws:iam/rolePolicyAttachment:RolePolicyAttachment":
				fg.Grants = append(fg.Grants, grant{Effect: "Allow", Managed: fmt.Sprint(r.Properties["policyArn"])})
			}
		}
		out = append(out, fg)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Function < out[j].Function })
	return out
}

// statementsOf parses a policy document (JSON text or object) into grants.
func statementsOf(doc any) []grant {
	if s, ok := doc.(string); ok {
		var parsed any
		if err := json.Unmarshal([]byte(s), &parsed); err != nil {
			return []grant{{Effect: "?", Condition: "policy not known until deployment"}}
		}
		doc = parsed
	}
	m, _ := doc.(map[string]any)
	var stmts []any
	switch s := m["Statement"].(type) {
	case []any:
		stmts = s
	case map[string]any:
		stmts = []any{s}
	}
	var out []grant
	for _, x := range stmts {
		s, _ := x.(map[string]any)
		g := grant{Effect: fmt.Sprint(s["Effect"]), Actions: stringsOf(s["Action"]), Resources: stringsOf(s["Resource"])}
		if c, ok := s["Condition"]; ok {
			b, _ := json.Marshal(c)
			g.Condition = string(b)
		}
		out = append(out, g)
	}
	return out
}

func stringsOf(v any) []string {
	switch t := v.(type) {
	case string:
		return []string{t}
	case []any:
		out := make([]string, 0, len(t))
		for _, e := range t {
			out = append(out, fmt.Sprint(e))
		}
		return out
	}
	return nil
}
