package ottkit

import rego.v1

# Every iam rule passes its passing fixture and fires on its failing one
# (fixtures/<rule>/data.json, loaded as data.fixtures by the Go test runner).

test_deny_iam_wildcard_action if {
	count(deny_iam_wildcard_action) == 0 with input as data.fixtures.deny_iam_wildcard_action.pass
	count(deny_iam_wildcard_action) > 0 with input as data.fixtures.deny_iam_wildcard_action.fail
}

test_deny_iam_wildcard_resource if {
	count(deny_iam_wildcard_resource) == 0 with input as data.fixtures.deny_iam_wildcard_resource.pass
	count(deny_iam_wildcard_resource) > 0 with input as data.fixtures.deny_iam_wildcard_resource.fail
}

test_deny_iam_managed_admin if {
	count(deny_iam_managed_admin) == 0 with input as data.fixtures.deny_iam_managed_admin.pass
	count(deny_iam_managed_admin) > 0 with input as data.fixtures.deny_iam_managed_admin.fail
}

test_deny_iam_passrole if {
	count(deny_iam_passrole) == 0 with input as data.fixtures.deny_iam_passrole.pass
	count(deny_iam_passrole) > 0 with input as data.fixtures.deny_iam_passrole.fail
}
