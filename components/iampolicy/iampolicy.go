// Package iampolicy builds AWS IAM policy documents and renders them as stable JSON.
//
// Stable means the same statements always give the same bytes: actions, resources and
// condition values are sorted and de-duplicated, so `pulumi up` shows no diff when nothing
// changed. Rendering validates first, so a document that grants Action "*", a service
// wildcard such as "s3:*", or Resource "*" for an action that supports resource-level
// permissions never leaves this package.
package iampolicy

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Effect is a statement's effect.
type Effect string

// The two effects.
const (
	Allow Effect = "Allow"
	Deny  Effect = "Deny"
)

// Principal names who a resource or trust policy statement applies to.
type Principal struct {
	Type        string // "AWS", "Service", "Federated" or "*"
	Identifiers []string
}

// Condition is one condition block entry, e.g. {"StringEquals", "iam:PassedToService",
// ["mediaconvert.amazonaws.com"]}.
type Condition struct {
	Test     string
	Variable string
	Values   []string
}

// Statement is one policy statement.
type Statement struct {
	Sid        string
	Effect     Effect // "" means Allow
	Actions    []string
	Resources  []string
	Principals []Principal
	Conditions []Condition
}

// Document is a policy document.
type Document struct {
	Statements []Statement
}

// ResourceStarActions lists the actions AWS authorises only on Resource "*", with the reason
// each is accepted. Validate rejects Resource "*" in an Allow statement for any other action.
var ResourceStarActions = map[string]string{
	"xray:PutTraceSegments":          "X-Ray defines no resource types: active tracing can only be granted on *",
	"xray:PutTelemetryRecords":       "X-Ray defines no resource types: active tracing can only be granted on *",
	"xray:GetSamplingRules":          "X-Ray SDK sampling: the action has no resource-level permissions",
	"xray:GetSamplingTargets":        "X-Ray SDK sampling: the action has no resource-level permissions",
	"cloudwatch:PutMetricData":       "CloudWatch metrics have no ARN; scope with the cloudwatch:namespace condition instead",
	"mediaconvert:DescribeEndpoints": "account-level endpoint discovery has no resource type",
	// The Service Authorization Reference could not be checked offline for ListJobs' resource
	// types; every published least-privilege policy grants it on *. A queue-scoped grant that
	// AWS does not honour would deny transcode's job look-up on every late redelivery, so the
	// read-only listing is granted on * (the adapter filters by queue and user metadata).
	"mediaconvert:ListJobs": "resource-level support unconfirmed; read-only job listing, filtered by queue in the call",
}

// IsResourceStarAction reports whether action may be granted on Resource "*".
func IsResourceStarAction(action string) bool {
	_, ok := ResourceStarActions[action]
	return ok
}

// AllowStatement returns an Allow statement for actions on resources.
func AllowStatement(sid string, actions []string, resources ...string) Statement {
	return Statement{Sid: sid, Effect: Allow, Actions: actions, Resources: resources}
}

// Validate checks the document as an identity or resource policy: every statement has
// actions, no action is "*" or a service wildcard, and an Allow statement names Resource "*"
// only for actions in ResourceStarActions. The error names the statement.
func (d Document) Validate() error {
	return d.validate(identityPolicy)
}

// policyKind selects the rules a document is checked against.
type policyKind int

const (
	identityPolicy policyKind = iota // Allow on "*" only for ResourceStarActions
	keyPolicy                        // Resource "*" means "this key"
	trustPolicy                      // no resources; every statement names its principals
)

func (d Document) validate(kind policyKind) error {
	if len(d.Statements) == 0 {
		return errors.New("iampolicy: document has no statements")
	}
	var errs []error
	sids := map[string]bool{}
	for i, s := range d.Statements {
		label := fmt.Sprintf("statement %d", i)
		if s.Sid != "" {
			label = fmt.Sprintf("statement %q", s.Sid)
			if sids[s.Sid] {
				errs = append(errs, fmt.Errorf("iampolicy: %s: sid is used twice", label))
			}
			sids[s.Sid] = true
		}
		if s.Effect != "" && s.Effect != Allow && s.Effect != Deny {
			errs = append(errs, fmt.Errorf("iampolicy: %s: effect %q is neither Allow nor Deny", label, s.Effect))
		}
		if len(s.Actions) == 0 {
			errs = append(errs, fmt.Errorf("iampolicy: %s: no actions", label))
		}
		switch {
		case kind == trustPolicy && len(s.Resources) > 0:
			errs = append(errs, fmt.Errorf("iampolicy: %s: a trust policy names no resources", label))
		case kind == trustPolicy && len(s.Principals) == 0:
			errs = append(errs, fmt.Errorf("iampolicy: %s: a trust policy statement needs a principal", label))
		case kind != trustPolicy && len(s.Resources) == 0:
			errs = append(errs, fmt.Errorf("iampolicy: %s: no resources", label))
		}
		deny := s.Effect == Deny
		star := false
		for _, r := range s.Resources {
			if r == "" {
				errs = append(errs, fmt.Errorf("iampolicy: %s: empty resource", label))
			}
			if r == "*" {
				star = true
			}
		}
		for _, a := range s.Actions {
			switch {
			case a == "*" && !deny:
				errs = append(errs, fmt.Errorf("iampolicy: %s: action \"*\" grants everything", label))
			case strings.HasSuffix(a, ":*") && !deny:
				errs = append(errs, fmt.Errorf("iampolicy: %s: action %q is a service wildcard", label, a))
			case !strings.Contains(a, ":") && a != "*":
				errs = append(errs, fmt.Errorf("iampolicy: %s: action %q has no service prefix", label, a))
			case kind == trustPolicy && !strings.HasPrefix(a, "sts:"):
				errs = append(errs, fmt.Errorf("iampolicy: %s: action %q is not an sts action a trust policy can grant", label, a))
			case star && !deny && kind == identityPolicy && !IsResourceStarAction(a):
				errs = append(errs, fmt.Errorf("iampolicy: %s: action %q on resource \"*\": scope it to the resources it needs", label, a))
			}
		}
		for _, c := range s.Conditions {
			if c.Test == "" || c.Variable == "" || len(c.Values) == 0 {
				errs = append(errs, fmt.Errorf("iampolicy: %s: condition needs a test, a variable and values", label))
			}
			for _, v := range c.Values {
				if v == "" {
					errs = append(errs, fmt.Errorf("iampolicy: %s: condition %s has an empty value", label, c.Variable))
				}
			}
		}
		for _, p := range s.Principals {
			if p.Type == "" || len(p.Identifiers) == 0 {
				errs = append(errs, fmt.Errorf("iampolicy: %s: principal needs a type and identifiers", label))
			}
		}
	}
	return errors.Join(errs...)
}

// JSON validates the document and renders it.
func (d Document) JSON() (string, error) {
	if err := d.Validate(); err != nil {
		return "", err
	}
	return d.render()
}

// KeyPolicyJSON validates and renders a KMS key policy. In a key policy Resource "*" means
// "this key", so the Resource "*" rule does not apply; the wildcard-action rules do.
func (d Document) KeyPolicyJSON() (string, error) {
	if err := d.validate(keyPolicy); err != nil {
		return "", err
	}
	return d.render()
}

// TrustPolicyJSON validates and renders a role's trust (assume-role) policy: statements name
// principals and sts actions, and no resources.
func (d Document) TrustPolicyJSON() (string, error) {
	if err := d.validate(trustPolicy); err != nil {
		return "", err
	}
	return d.render()
}

// ServiceTrust returns the trust policy that lets an AWS service assume a role on behalf of
// one account only: the aws:SourceAccount condition is the confused-deputy guard.
func ServiceTrust(service, account string) Document {
	return Document{Statements: []Statement{{
		Effect:     Allow,
		Principals: []Principal{{Type: "Service", Identifiers: []string{service}}},
		Actions:    []string{"sts:AssumeRole"},
		Conditions: []Condition{{Test: "StringEquals", Variable: "aws:SourceAccount", Values: []string{account}}},
	}}}
}

func (d Document) render() (string, error) {
	doc := struct {
		Version   string      `json:"Version"`
		Statement []statement `json:"Statement"`
	}{Version: "2012-10-17"}
	for _, s := range d.Statements {
		doc.Statement = append(doc.Statement, s.wire())
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return "", fmt.Errorf("iampolicy: render: %w", err)
	}
	return string(b), nil
}

// statement is the wire form. Single values stay arrays: AWS accepts both and arrays keep
// the shape independent of the count.
type statement struct {
	Sid       string                         `json:"Sid,omitempty"`
	Effect    Effect                         `json:"Effect"`
	Principal any                            `json:"Principal,omitempty"`
	Action    []string                       `json:"Action"`
	Resource  []string                       `json:"Resource,omitempty"` // absent only in trust policies
	Condition map[string]map[string][]string `json:"Condition,omitempty"`
}

func (s Statement) wire() statement {
	w := statement{Sid: s.Sid, Effect: s.Effect, Action: sorted(s.Actions), Resource: sorted(s.Resources)}
	if w.Effect == "" {
		w.Effect = Allow
	}
	if len(s.Principals) > 0 {
		if len(s.Principals) == 1 && s.Principals[0].Type == "*" {
			w.Principal = "*"
		} else {
			p := map[string][]string{}
			for _, pr := range s.Principals {
				p[pr.Type] = sorted(append(p[pr.Type], pr.Identifiers...))
			}
			w.Principal = p
		}
	}
	if len(s.Conditions) > 0 {
		w.Condition = map[string]map[string][]string{}
		for _, c := range s.Conditions {
			if w.Condition[c.Test] == nil {
				w.Condition[c.Test] = map[string][]string{}
			}
			w.Condition[c.Test][c.Variable] = sorted(append(w.Condition[c.Test][c.Variable], c.Values...))
		}
	}
	return w
}

// sorted returns a sorted copy of v without duplicates.
func sorted(v []string) []string {
	out := append([]string(nil), v...)
	sort.Strings(out)
	n := 0
	for i, s := range out {
		if i > 0 && s == out[n-1] {
			continue
		}
		out[n] = s
		n++
	}
	return out[:n]
}
