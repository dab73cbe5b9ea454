package ottkit

import rego.v1

# Every functions rule passes its passing fixture and fires on its failing one
# (fixtures/<rule>/data.json, loaded as data.fixtures by the Go test runner).

test_deny_lambda_runtime if {
	count(deny_lambda_runtime) == 0 with input as data.fixtures.deny_lambda_runtime.pass
	count(deny_lambda_runtime) > 0 with input as data.fixtures.deny_lambda_runtime.fail
}

test_warn_lambda_arm64 if {
	count(warn_lambda_arm64) == 0 with input as data.fixtures.warn_lambda_arm64.pass
	count(warn_lambda_arm64) > 0 with input as data.fixtures.warn_lambda_arm64.fail
}

test_deny_lambda_tracing if {
	count(deny_lambda_tracing) == 0 with input as data.fixtures.deny_lambda_tracing.pass
	count(deny_lambda_tracing) > 0 with input as data.fixtures.deny_lambda_tracing.fail
}

test_deny_lambda_reserved_concurrency if {
	count(deny_lambda_reserved_concurrency) == 0 with input as data.fixtures.deny_lambda_reserved_concurrency.pass
	count(deny_lambda_reserved_concurrency) > 0 with input as data.fixtures.deny_lambda_reserved_concurrency.fail
}

test_deny_lambda_timeout if {
	count(deny_lambda_timeout) == 0 with input as data.fixtures.deny_lambda_timeout.pass
	count(deny_lambda_timeout) > 0 with input as data.fixtures.deny_lambda_timeout.fail
}

test_deny_lambda_env_secrets if {
	count(deny_lambda_env_secrets) == 0 with input as data.fixtures.deny_lambda_env_secrets.pass
	count(deny_lambda_env_secrets) > 0 with input as data.fixtures.deny_lambda_env_secrets.fail
}

test_stack_deny_lambda_log_retention if {
	count(stack_deny_lambda_log_retention) == 0 with input as data.fixtures.stack_deny_lambda_log_retention.pass
	count(stack_deny_lambda_log_retention) > 0 with input as data.fixtures.stack_deny_lambda_log_retention.fail
}
