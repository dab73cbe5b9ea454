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

# A Deny may use wildcards: it only takes permissions away.
test_deny_iam_wildcard_action_allows_deny_wildcards if {
	doc := json.marshal({"Statement": [{"Effect": "Deny", "Action": "s3:*", "Resource": "*", "Principal": "*"}]})
	count(deny_iam_wildcard_action) == 0 with input as object.union(data.fixtures.deny_iam_wildcard_action.pass, {"policy": doc})
	count(deny_iam_wildcard_resource) == 0 with input as object.union(data.fixtures.deny_iam_wildcard_action.pass, {"policy": doc})
}

test_deny_iam_wildcard_action_not_action if {
	doc := json.marshal({"Statement": [{"Effect": "Allow", "NotAction": "iam:*", "Resource": "arn:aws:s3:::b"}]})
	count(deny_iam_wildcard_action) > 0 with input as object.union(data.fixtures.deny_iam_wildcard_action.pass, {"policy": doc})
}

# In a key policy Resource "*" means the key itself.
test_deny_iam_wildcard_resource_key_policy if {
	count(deny_iam_wildcard_resource) == 0 with input as data.fixtures.deny_kms_key_rotation.pass
	role := object.union(data.fixtures.deny_kms_key_rotation.pass, {"__type": "aws:iam/rolePolicy:RolePolicy"})
	count(deny_iam_wildcard_resource) > 0 with input as role
}

# A role's inline policies are checked like RolePolicy documents.
test_deny_iam_inline_policies if {
	doc := json.marshal({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})
	role := object.union(data.fixtures.deny_iam_managed_admin.pass, {"inlinePolicies": [{"name": "all", "policy": doc}]})
	count(deny_iam_wildcard_action) > 0 with input as role
}
