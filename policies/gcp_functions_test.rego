package ottkit

import rego.v1

# Every rule of gcp_functions.rego passes its passing fixture and fires on its failing one (recorded from
# the reference GCP stack and its mutation: go test ./tests/policy -run TestGCPMutations
# -record-gcp-fixtures).

test_deny_gcf_public_invoker if {
	count(deny_gcf_public_invoker) == 0 with input as data.fixtures.deny_gcf_public_invoker.pass
	count(deny_gcf_public_invoker) > 0 with input as data.fixtures.deny_gcf_public_invoker.fail
}

test_deny_gcf_ingress if {
	count(deny_gcf_ingress) == 0 with input as data.fixtures.deny_gcf_ingress.pass
	count(deny_gcf_ingress) > 0 with input as data.fixtures.deny_gcf_ingress.fail
}

test_deny_gcf_service_account if {
	count(deny_gcf_service_account) == 0 with input as data.fixtures.deny_gcf_service_account.pass
	count(deny_gcf_service_account) > 0 with input as data.fixtures.deny_gcf_service_account.fail
}

test_deny_gcf_build_service_account if {
	count(deny_gcf_build_service_account) == 0 with input as data.fixtures.deny_gcf_build_service_account.pass
	count(deny_gcf_build_service_account) > 0 with input as data.fixtures.deny_gcf_build_service_account.fail
}
