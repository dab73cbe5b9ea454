package ottkit

import rego.v1

# Every messaging rule passes its passing fixture and fires on its failing one
# (fixtures/<rule>/data.json, loaded as data.fixtures by the Go test runner).

test_deny_scheduler_kms if {
	count(deny_scheduler_kms) == 0 with input as data.fixtures.deny_scheduler_kms.pass
	count(deny_scheduler_kms) > 0 with input as data.fixtures.deny_scheduler_kms.fail
}

test_deny_sns_kms if {
	count(deny_sns_kms) == 0 with input as data.fixtures.deny_sns_kms.pass
	count(deny_sns_kms) > 0 with input as data.fixtures.deny_sns_kms.fail
}

test_stack_deny_cross_account if {
	count(stack_deny_cross_account) == 0 with input as data.fixtures.stack_deny_cross_account.pass
	count(stack_deny_cross_account) > 0 with input as data.fixtures.stack_deny_cross_account.fail
}
