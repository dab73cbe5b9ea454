package ottkit

import rego.v1

# Every logs rule passes its passing fixture and fires on its failing one
# (fixtures/<rule>/data.json, loaded as data.fixtures by the Go test runner).

test_deny_log_group_kms if {
	count(deny_log_group_kms) == 0 with input as data.fixtures.deny_log_group_kms.pass
	count(deny_log_group_kms) > 0 with input as data.fixtures.deny_log_group_kms.fail
}

test_deny_log_group_retention if {
	count(deny_log_group_retention) == 0 with input as data.fixtures.deny_log_group_retention.pass
	count(deny_log_group_retention) > 0 with input as data.fixtures.deny_log_group_retention.fail
}

test_deny_secret_kms if {
	count(deny_secret_kms) == 0 with input as data.fixtures.deny_secret_kms.pass
	count(deny_secret_kms) > 0 with input as data.fixtures.deny_secret_kms.fail
}

test_deny_secret_rotation_period if {
	count(deny_secret_rotation_period) == 0 with input as data.fixtures.deny_secret_rotation_period.pass
	count(deny_secret_rotation_period) > 0 with input as data.fixtures.deny_secret_rotation_period.fail
}
