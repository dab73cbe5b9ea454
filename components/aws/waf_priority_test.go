package aws

import (
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/wafv2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// TestWebACLRulePrioritiesAreUnique guards what WAF refuses at create time: two rules of one
// web ACL with the same priority (the mock engine accepts them).
func TestWebACLRulePrioritiesAreUnique(t *testing.T) {
	args := webACLArgs("acme-prod-delivery", &DeliveryWAFArgs{}, pulumi.StringMap{})
	rules, ok := args.Rules.(wafv2.WebAclRuleArray)
	if !ok {
		t.Fatalf("rules are %T, want a wafv2.WebAclRuleArray", args.Rules)
	}
	seen := map[int]string{}
	for _, r := range rules {
		rule := r.(*wafv2.WebAclRuleArgs)
		p, ok := rule.Priority.(pulumi.Int)
		if !ok {
			t.Fatalf("rule %v priority is %T, want a plain pulumi.Int", rule.Name, rule.Priority)
		}
		name := string(rule.Name.(pulumi.String))
		if other, dup := seen[int(p)]; dup {
			t.Errorf("rules %s and %s both have priority %d", other, name, p)
		}
		seen[int(p)] = name
	}
	if len(seen) < 4 {
		t.Errorf("web ACL has %d rules, want the API and media rate limits and two managed groups", len(seen))
	}
}
