package policies

import (
	"fmt"
	"strings"

	"github.com/ottkit/ottkit/components/offline"
)

// StackURN returns the URN Pulumi gives a stack's root resource.
func StackURN(project, stack string) string {
	return fmt.Sprintf("urn:pulumi:%s::%s::pulumi:pulumi:Stack::%s-%s", stack, project, project, stack)
}

// ParseStackURN returns the project and stack a URN names (any resource's URN, the stack's
// included): urn:pulumi:STACK::PROJECT::TYPE::NAME.
func ParseStackURN(urn string) (project, stack string, err error) {
	rest, ok := strings.CutPrefix(urn, "urn:pulumi:")
	if !ok {
		return "", "", fmt.Errorf("policies: %q is not a Pulumi URN", urn)
	}
	parts := strings.SplitN(rest, "::", 3)
	if len(parts) < 3 || parts[0] == "" || parts[1] == "" {
		return "", "", fmt.Errorf("policies: URN %q names no stack and project", urn)
	}
	return parts[1], parts[0], nil
}

// FromOffline turns what a program registered under the offline engine into the resources the
// analyzer would see. config is the stack configuration the program ran with ("aws:region" and
// the other "<package>:" keys): resources created without an explicit provider get the default
// provider Pulumi would create from it, so rules see the region and default tags.
//
// The names providers generate in Check (autonaming) are filled in the way a real preview has
// them: the mock reports a resource's physical name (name, or bucket for S3 buckets) in its
// outputs; when the program left that input empty it is copied to the inputs, as the
// provider's Check would.
func FromOffline(res *offline.Result, config map[string]string) []Resource {
	providers := map[string]*Provider{}
	for _, r := range res.Resources {
		if strings.HasPrefix(r.Type, "pulumi:providers:") {
			providers[r.URN] = &Provider{URN: r.URN, Type: r.Type, Name: r.Name, Properties: r.Inputs}
		}
	}
	defaults := map[string]*Provider{}
	defaultProvider := func(pkg string) *Provider {
		if p, ok := defaults[pkg]; ok {
			return p
		}
		props := map[string]any{}
		for k, v := range config {
			if key, ok := strings.CutPrefix(k, pkg+":"); ok {
				props[key] = v
			}
		}
		typ := "pulumi:providers:" + pkg
		p := &Provider{URN: fmt.Sprintf("urn:pulumi:%s::%s::%s::default", res.Stack, res.Project, typ),
			Type: typ, Name: "default", Properties: props}
		defaults[pkg] = p
		return p
	}

	out := make([]Resource, 0, len(res.Resources))
	for _, r := range res.Resources {
		x := Resource{
			URN: r.URN, Type: r.Type, Name: r.Name, Parent: r.Parent,
			Properties:     withAutoNames(r),
			Protect:        r.Protect,
			RetainOnDelete: r.RetainOnDelete, RetainOnDeleteKnown: true,
			IgnoreChanges: r.IgnoreChanges,
			Dependencies:  r.DependsOn,
		}
		if r.Custom && !strings.HasPrefix(r.Type, "pulumi:providers:") {
			if p := providers[providerURN(r.Provider)]; p != nil {
				x.Provider = p
			} else if pkg, _, ok := strings.Cut(r.Type, ":"); ok {
				x.Provider = defaultProvider(pkg)
			}
		}
		out = append(out, x)
	}
	return out
}

// providerURN returns the URN part of a provider reference "URN::ID".
func providerURN(ref string) string {
	if i := strings.LastIndex(ref, "::"); i >= 0 {
		return ref[:i]
	}
	return ref
}

// autoNamed are the properties providers fill in during Check when the program leaves them
// empty, by type-token prefix.
var autoNamed = map[string]string{
	"aws:s3/bucketV2:":                    "bucket",
	"aws:s3/bucket:":                      "bucket",
	"aws:sqs/queue:":                      "name",
	"aws:sns/topic:":                      "name",
	"aws:lambda/function:":                "name",
	"aws:iam/role:":                       "name",
	"aws:iam/policy:":                     "name",
	"aws:dynamodb/table:":                 "name",
	"aws:cloudwatch/logGroup:":            "name",
	"aws:cloudwatch/eventRule:":           "name",
	"aws:mediaconvert/queue:":             "name",
	"aws:secretsmanager/secret:":          "name",
	"aws:cloudfront/keyValueStore:":       "name",
	"aws:cloudfront/keyGroup:":            "name",
	"aws:cloudfront/publicKey:":           "name",
	"aws:wafv2/webAcl:":                   "name",
	"aws:apigatewayv2/api:":               "name",
	"aws:cloudfront/cachePolicy:":         "name",
	"aws:cloudfront/originAccessControl:": "name",
}

func withAutoNames(r offline.Resource) map[string]any {
	props := r.Inputs
	for prefix, key := range autoNamed {
		if !strings.HasPrefix(r.Type, prefix) {
			continue
		}
		if _, set := props[key]; set {
			break
		}
		v, ok := r.Outputs[key].(string)
		if !ok {
			break
		}
		cp := make(map[string]any, len(props)+1)
		for k, x := range props {
			cp[k] = x
		}
		cp[key] = v
		return cp
	}
	return props
}
