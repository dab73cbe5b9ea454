package ottkit

import rego.v1

# WAF rules, on each WAFv2 web ACL.

web_acl_type := "aws:wafv2/webAcl:WebAcl"

# METADATA
# title: Web ACLs have rules that act
# description: >-
#   A web ACL has at least one rule, every rule has an action (block, captcha, challenge,
#   count) or, for a rule group, an override action, and no two rules share a priority
#   (WAF refuses such an ACL): a web ACL without rules only applies its default action, which
#   is allow.
# custom:
#   message: Add the rate limit and the AWS managed rule groups (ottkit:waf).
#   checkov: [CKV_AWS_175, CKV_AWS_342]
deny_waf_rules contains msg if {
	input.__type == web_acl_type
	count(object.get(input, "rules", [])) == 0
	msg := sprintf("%s has no rules: every request gets the default action", [named(input)])
}

deny_waf_rules contains msg if {
	input.__type == web_acl_type
	some r in object.get(input, "rules", [])
	count(object.get(r, "action", {})) == 0
	count(object.get(r, "overrideAction", {})) == 0
	msg := sprintf("%s: rule %q has neither an action nor an override action", [named(input), r.name])
}

deny_waf_rules contains msg if {
	input.__type == web_acl_type
	some i, a in object.get(input, "rules", [])
	some j, b in object.get(input, "rules", [])
	i < j
	a.priority == b.priority
	msg := sprintf("%s: rules %q and %q share priority %v", [named(input), a.name, b.name, a.priority])
}

# METADATA
# title: Web ACLs block known bad inputs
# description: >-
#   Every web ACL runs the AWS managed rule group AWSManagedRulesKnownBadInputsRuleSet (Log4j
#   JNDI lookups, exploitable paths and hosts) with its own actions (override action none, not
#   count), so known exploit payloads never reach the origins.
# custom:
#   message: >-
#     Add a rule with managedRuleGroupStatement {vendorName AWS, name
#     AWSManagedRulesKnownBadInputsRuleSet} and overrideAction none.
#   checkov: [CKV_AWS_192, CKV2_AWS_47]
deny_waf_bad_inputs contains msg if {
	input.__type == web_acl_type
	not runs_bad_inputs_group(input)
	msg := sprintf("%s does not block known bad inputs (AWSManagedRulesKnownBadInputsRuleSet)", [named(input)])
}

runs_bad_inputs_group(acl) if {
	some r in object.get(acl, "rules", [])
	g := r.statement.managedRuleGroupStatement
	g.vendorName == "AWS"
	g.name == "AWSManagedRulesKnownBadInputsRuleSet"
	not r.overrideAction.count
}
