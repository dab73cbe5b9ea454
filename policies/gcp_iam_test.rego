package ottkit

import rego.v1

# Every rule of gcp_iam.rego passes its passing fixture and fires on its failing one (recorded from
# the reference GCP stack and its mutation: go test ./tests/policy -run TestGCPMutations
# -record-gcp-fixtures).

test_deny_gcp_primitive_roles if {
	count(deny_gcp_primitive_roles) == 0 with input as data.fixtures.deny_gcp_primitive_roles.pass
	count(deny_gcp_primitive_roles) > 0 with input as data.fixtures.deny_gcp_primitive_roles.fail
}

test_deny_gcp_public_members if {
	count(deny_gcp_public_members) == 0 with input as data.fixtures.deny_gcp_public_members.pass
	count(deny_gcp_public_members) > 0 with input as data.fixtures.deny_gcp_public_members.fail
}

test_deny_gcp_project_data_grants if {
	count(deny_gcp_project_data_grants) == 0 with input as data.fixtures.deny_gcp_project_data_grants.pass
	count(deny_gcp_project_data_grants) > 0 with input as data.fixtures.deny_gcp_project_data_grants.fail
}

test_deny_gcp_escalating_permissions if {
	count(deny_gcp_escalating_permissions) == 0 with input as data.fixtures.deny_gcp_escalating_permissions.pass
	count(deny_gcp_escalating_permissions) > 0 with input as data.fixtures.deny_gcp_escalating_permissions.fail
}
