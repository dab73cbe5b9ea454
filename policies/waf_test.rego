package ottkit

import rego.v1

# Every waf rule passes its passing fixture and fires on its failing one
# (fixtures/<rule>/data.json, loaded as data.fixtures by the Go test runner).

test_deny_waf_bad_inputs if {
	count(deny_waf_bad_inputs) == 0 with input as data.fixtures.deny_waf_bad_inputs.pass
	count(deny_waf_bad_inputs) > 0 with input as data.fixtures.deny_waf_bad_inputs.fail
}

test_deny_waf_rules if {
	count(deny_waf_rules) == 0 with input as data.fixtures.deny_waf_rules.pass
	count(deny_waf_rules) > 0 with input as data.fixtures.deny_waf_rules.fail
}

# Two rules with one priority make an ACL WAF refuses.
test_deny_waf_rules_unique_priorities if {
	acl := data.fixtures.deny_waf_rules.pass
	clash := [object.union(r, {"priority": 0}) | some r in acl.rules]
	count(deny_waf_rules) == 1 with input as object.union(acl, {"rules": clash})
}
