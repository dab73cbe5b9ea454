package ottkit

import rego.v1

# Every rule of gcp_governance.rego passes its passing fixture and fires on its failing one (recorded from
# the reference GCP stack and its mutation: go test ./tests/policy -run TestGCPMutations
# -record-gcp-fixtures).

test_deny_gcp_log_retention if {
	count(deny_gcp_log_retention) == 0 with input as data.fixtures.deny_gcp_log_retention.pass
	count(deny_gcp_log_retention) > 0 with input as data.fixtures.deny_gcp_log_retention.fail
}

test_deny_gcp_region if {
	count(deny_gcp_region) == 0 with input as data.fixtures.deny_gcp_region.pass with data.config as data.fixtures.deny_gcp_region.config
	count(deny_gcp_region) > 0 with input as data.fixtures.deny_gcp_region.fail with data.config as data.fixtures.deny_gcp_region.config
}

# With no allowedRegions configured every region is allowed.
test_deny_gcp_region_unconfigured if {
	count(deny_gcp_region) == 0 with input as data.fixtures.deny_gcp_region.fail
}

test_deny_gcp_kms_rotation if {
	count(deny_gcp_kms_rotation) == 0 with input as data.fixtures.deny_gcp_kms_rotation.pass
	count(deny_gcp_kms_rotation) > 0 with input as data.fixtures.deny_gcp_kms_rotation.fail
}

test_deny_gcp_stateful_retained if {
	count(deny_gcp_stateful_retained) == 0 with input as data.fixtures.deny_gcp_stateful_retained.pass
	count(deny_gcp_stateful_retained) > 0 with input as data.fixtures.deny_gcp_stateful_retained.fail
}
