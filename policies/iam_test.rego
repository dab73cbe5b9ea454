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

test_deny_iam_credentials_exposure if {
	count(deny_iam_credentials_exposure) == 0 with input as data.fixtures.deny_iam_credentials_exposure.pass
	count(deny_iam_credentials_exposure) > 0 with input as data.fixtures.deny_iam_credentials_exposure.fail
}

test_deny_iam_privilege_escalation if {
	count(deny_iam_privilege_escalation) == 0 with input as data.fixtures.deny_iam_privilege_escalation.pass
	count(deny_iam_privilege_escalation) > 0 with input as data.fixtures.deny_iam_privilege_escalation.fail
}

test_deny_iam_trust_account if {
	count(deny_iam_trust_account) == 0 with input as data.fixtures.deny_iam_trust_account.pass
	count(deny_iam_trust_account) > 0 with input as data.fixtures.deny_iam_trust_account.fail
}

test_deny_iam_trust_oidc if {
	count(deny_iam_trust_oidc) == 0 with input as data.fixtures.deny_iam_trust_oidc.pass
	count(deny_iam_trust_oidc) > 0 with input as data.fixtures.deny_iam_trust_oidc.fail
}

test_deny_iam_trust_public if {
	count(deny_iam_trust_public) == 0 with input as data.fixtures.deny_iam_trust_public.pass
	count(deny_iam_trust_public) > 0 with input as data.fixtures.deny_iam_trust_public.fail
}

test_deny_iam_users if {
	count(deny_iam_users) == 0 with input as data.fixtures.deny_iam_users.pass
	count(deny_iam_users) > 0 with input as data.fixtures.deny_iam_users.fail
}

test_deny_public_resource_policy if {
	count(deny_public_resource_policy) == 0 with input as data.fixtures.deny_public_resource_policy.pass
	count(deny_public_resource_policy) > 0 with input as data.fixtures.deny_public_resource_policy.fail
}

# A grant to everyone is judged by its principal and condition, whatever its actions.
test_public_resource_policy_judges_principal_and_condition if {
	base := data.fixtures.deny_public_resource_policy.fail
	grant := {"Effect": "Allow", "Principal": "*", "Action": "sqs:SendMessage", "Resource": "arn:aws:sqs:eu-west-1:123456789012:acme-ingest"}
	flagged := [
		grant,
		object.union(grant, {"Principal": {"AWS": ["arn:aws:iam::123456789012:root", "*"]}}),
		object.union(grant, {"Condition": {"ArnLike": {"aws:SourceArn": "*"}}}),
		object.union(grant, {"Condition": {"ArnLikeIfExists": {"aws:SourceArn": "arn:aws:events:eu-west-1:123456789012:rule/x"}}}),
		object.union(grant, {"Condition": {"Null": {"aws:SourceArn": "false"}}}),
		object.union(grant, {"Condition": {"Bool": {"aws:SecureTransport": "true"}}}),
		object.union(object.remove(grant, ["Principal"]), {"NotPrincipal": {"AWS": "arn:aws:iam::123456789012:root"}}),
	]
	every s in flagged {
		count(deny_public_resource_policy) == 1 with input as object.union(base, {"policy": json.marshal({"Statement": [s]})})
	}
	narrowed := [
		object.union(grant, {"Condition": {"StringEquals": {"aws:SourceAccount": "123456789012"}}}),
		object.union(grant, {"Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}}}),
		object.union(grant, {"Principal": {"Service": "events.amazonaws.com"}}),
		object.union(grant, {"Effect": "Deny"}),
	]
	every s in narrowed {
		count(deny_public_resource_policy) == 0 with input as object.union(base, {"policy": json.marshal({"Statement": [s]})})
	}
}

# Identity policies are not resource policies: a role policy has no principal to judge.
test_public_resource_policy_skips_identity_policies if {
	count(deny_public_resource_policy) == 0 with input as object.union(data.fixtures.deny_iam_privilege_escalation.pass, {"policy": json.marshal({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"}]})})
}
