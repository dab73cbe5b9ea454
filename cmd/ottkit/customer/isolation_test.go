package customer

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/ottkit/ottkit/components/offline"
	"github.com/ottkit/ottkit/components/platform"
)

// TestCustomerStacksAreIsolated runs the real stack program offline on stack files written by
// New, and checks what keeps one customer's platform out of another's:
//   - with ottkit:assumeRoleArn, every AWS resource is created through the stack's explicit
//     provider, which assumes that role and is pinned to its account; none uses the ambient
//     default provider (whatever credentials the operator happens to have);
//   - every physical name the program sets starts with the stack's <customer>-<env> prefix;
//   - every taggable resource carries the customer and environment tags.
func TestCustomerStacksAreIsolated(t *testing.T) {
	dir := newProject(t)
	withRole := acme(dir)
	withoutRole := acme(dir)
	withoutRole.Name, withoutRole.Env, withoutRole.AssumeRoleArn = "globex", "dev", ""
	withoutRole.Domain, withoutRole.CertificateArn = "", ""

	for _, o := range []NewOptions{withRole, withoutRole} {
		t.Run(o.Name, func(t *testing.T) {
			_, spec, err := New(o)
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := platform.ReadStackConfig(dir, spec.Prefix())
			if err != nil {
				t.Fatal(err)
			}
			res, err := offline.Run(platform.Program, offline.Options{Stack: spec.Prefix(), Config: cfg})
			if err != nil {
				t.Fatalf("running the stack program: %v", err)
			}
			aws := 0
			for _, r := range res.Resources {
				if strings.HasPrefix(r.Type, "aws:") {
					aws++
				}
			}
			if aws < 10 {
				t.Fatalf("the program registered %d AWS resources; want a platform (inventory:\n%s)", aws,
					strings.Join(res.Inventory(), "\n"))
			}
			for _, check := range []func(*offline.Result, *platform.Spec) []string{checkProvider, checkNames, checkTags} {
				if bad := check(res, spec); len(bad) > 0 {
					t.Errorf("%d isolation problems:\n%s", len(bad), strings.Join(bad, "\n"))
				}
			}
		})
	}
}

// TestIsolationChecksCatchLeaks breaks one resource of a real run in each way the checks look
// for: each check must notice, or its passing above means nothing.
func TestIsolationChecksCatchLeaks(t *testing.T) {
	dir := newProject(t)
	_, spec, err := New(acme(dir))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := platform.ReadStackConfig(dir, spec.Prefix())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		check func(*offline.Result, *platform.Spec) []string
		leak  func(r *offline.Resource)
		want  string
	}{
		{"default provider", checkProvider, func(r *offline.Resource) { r.Provider = "" }, "do not use the customer's providers"},
		{"other customer's name", checkNames, func(r *offline.Resource) { r.Inputs["bucket"] = "globex-prod-storage-masters" }, `"globex-prod-storage-masters"`},
		{"untagged", checkTags, func(r *offline.Resource) { r.Inputs["tags"] = map[string]any{"owner": "x"} }, "tags map[owner:x]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := offline.Run(platform.Program, offline.Options{Stack: spec.Prefix(), Config: cfg})
			if err != nil {
				t.Fatal(err)
			}
			buckets := 0
			for i := range res.Resources {
				if res.Resources[i].Type == "aws:s3/bucketV2:BucketV2" && strings.HasSuffix(res.Resources[i].Name, "-masters") {
					tc.leak(&res.Resources[i])
					buckets++
					break
				}
			}
			if buckets == 0 {
				t.Fatal("the program registered no bucket to break")
			}
			bad := tc.check(res, spec)
			if len(bad) != 1 || !strings.Contains(bad[0], tc.want) {
				t.Errorf("check found %q, want one problem mentioning %q", bad, tc.want)
			}
		})
	}
}

// checkProvider returns the problems with how the stack reaches its AWS account. Stacks may
// need more than one provider (CloudFront's certificate and WAF live in us-east-1), but every
// one of them must assume the customer's role and be pinned to its account.
func checkProvider(res *offline.Result, spec *platform.Spec) []string {
	providers := res.OfType("pulumi:providers:aws")
	if spec.AssumeRoleArn == "" {
		for _, p := range providers {
			if p.Inputs["assumeRole"] != nil {
				return []string{fmt.Sprintf("without ottkit:assumeRoleArn provider %s assumes %v", p.Name, p.Inputs["assumeRole"])}
			}
		}
		return nil
	}
	if len(providers) == 0 {
		return []string{"registered no explicit AWS provider"}
	}
	var bad []string
	account := strings.Split(spec.AssumeRoleArn, ":")[4]
	refs := map[string]bool{}
	homeRegion := false
	for _, p := range providers {
		role, _ := p.Inputs["assumeRole"].(map[string]any)
		if role == nil || role["roleArn"] != spec.AssumeRoleArn {
			bad = append(bad, fmt.Sprintf("provider %s assumeRole = %v, want roleArn %s", p.Name, p.Inputs["assumeRole"], spec.AssumeRoleArn))
		}
		if ids, _ := p.Inputs["allowedAccountIds"].([]any); len(ids) != 1 || ids[0] != account {
			bad = append(bad, fmt.Sprintf("provider %s allowedAccountIds = %v, want [%s]", p.Name, p.Inputs["allowedAccountIds"], account))
		}
		homeRegion = homeRegion || p.Inputs["region"] == spec.Region
		// A provider reference is "<provider URN>::<provider ID>".
		refs[p.URN+"::"+p.ID] = true
	}
	if !homeRegion {
		bad = append(bad, fmt.Sprintf("no provider is in the stack's region %s", spec.Region))
	}
	var leaks []string
	for _, r := range res.Resources {
		if !r.Custom || !strings.HasPrefix(r.Type, "aws:") {
			continue
		}
		if !refs[r.Provider] {
			leaks = append(leaks, fmt.Sprintf("%s %s (provider %q)", r.Type, r.Name, r.Provider))
		}
	}
	if len(leaks) > 0 {
		bad = append(bad, fmt.Sprintf("%d AWS resources do not use the customer's providers: %s",
			len(leaks), strings.Join(leaks, "; ")))
	}
	return bad
}

// nameInputs are the inputs that set a resource's physical name, by resource type where it is
// not "name".
var nameInputs = map[string]string{
	"aws:s3/bucketV2:BucketV2":               "bucket",
	"aws:lambda/function:Function":           "functionName",
	"aws:cloudwatch/dashboard:Dashboard":     "dashboardName",
	"aws:cloudwatch/metricAlarm:MetricAlarm": "name",
	"aws:kms/alias:Alias":                    "name",
}

// checkNames returns the resources whose logical or physical name lacks the stack's prefix.
// scopedNames are names that live inside their parent resource, not in the account, so they
// cannot collide across customers.
var scopedNames = map[string]string{
	"aws:apigatewayv2/stage:Stage": "$default", // the HTTP API's auto-deployed stage
}

func checkNames(res *offline.Result, spec *platform.Spec) []string {
	prefix := spec.Prefix() + "-" // or the prefix itself, e.g. the key alias alias/<prefix>
	var bad []string
	named := 0
	for _, r := range res.Resources {
		if !r.Custom || !strings.HasPrefix(r.Type, "aws:") {
			continue
		}
		if !strings.HasPrefix(r.Name, prefix) {
			bad = append(bad, fmt.Sprintf("%s: logical name %q", r.Type, r.Name))
		}
		input := nameInputs[r.Type]
		if input == "" {
			input = "name"
		}
		v, ok := r.Inputs[input].(string)
		if !ok || v == offline.Unknown || scopedNames[r.Type] == v {
			continue
		}
		named++
		name := v
		if r.Type == "aws:kms/alias:Alias" {
			name = strings.TrimPrefix(v, "alias/")
		}
		if r.Type == "aws:cloudwatch/logGroup:LogGroup" {
			// Log group names are paths (/aws/lambda/<function>); the prefix is in the last part.
			name = v[strings.LastIndex(v, "/")+1:]
		}
		if name != spec.Prefix() && !strings.HasPrefix(name, prefix) {
			bad = append(bad, fmt.Sprintf("%s %s: %s %q", r.Type, r.Name, input, v))
		}
	}
	if named == 0 {
		bad = append(bad, "no resource sets a physical name; the prefix check checked nothing")
	}
	sort.Strings(bad)
	return bad
}

// checkTags returns the taggable resources that do not carry the customer and environment.
func checkTags(res *offline.Result, spec *platform.Spec) []string {
	tagged := 0
	var bad []string
	for _, r := range res.Resources {
		if !r.Custom || !strings.HasPrefix(r.Type, "aws:") {
			continue
		}
		raw, taggable := r.Inputs["tags"]
		if !taggable {
			continue
		}
		tagged++
		tags, _ := raw.(map[string]any)
		if tags["ottkit:customer"] != spec.Customer || tags["ottkit:environment"] != spec.Environment {
			bad = append(bad, fmt.Sprintf("%s %s: tags %v, want ottkit:customer=%s, ottkit:environment=%s",
				r.Type, r.Name, raw, spec.Customer, spec.Environment))
		}
	}
	if tagged < 5 {
		bad = append(bad, fmt.Sprintf("only %d resources carry tags; the tag check checked almost nothing", tagged))
	}
	return bad
}
