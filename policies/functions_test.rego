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

test_deny_lambda_unbounded_concurrency if {
	count(deny_lambda_unbounded_concurrency) == 0 with input as data.fixtures.deny_lambda_unbounded_concurrency.pass
	count(deny_lambda_unbounded_concurrency) > 0 with input as data.fixtures.deny_lambda_unbounded_concurrency.fail
}

test_deny_lambda_unbounded_concurrency_reservations if {
	fn := {"__type": "aws:lambda/function:Function", "__name": "acme-api-function", "name": "acme-api"}
	count(deny_lambda_unbounded_concurrency) == 0 with input as fn
	count(deny_lambda_unbounded_concurrency) == 0 with input as object.union(fn, {"reservedConcurrentExecutions": -1})
	count(deny_lambda_unbounded_concurrency) > 0 with input as object.union(fn, {"reservedConcurrentExecutions": 5})
	count(deny_lambda_unbounded_concurrency) == 0 with input as object.union(fn, {"reservedConcurrentExecutions": 5})
		with data.config as {"deny_lambda_unbounded_concurrency": {"maxReservedConcurrency": 5}}
}

test_deny_lambda_unbounded_concurrency_sources if {
	esm := data.fixtures.deny_lambda_unbounded_concurrency.fail
	stream := object.union(esm, {"eventSourceArn": "arn:aws:kinesis:eu-west-1:123456789012:stream/clicks"})
	count(deny_lambda_unbounded_concurrency) == 0 with input as stream
	over := object.union(esm, {"scalingConfig": {"maximumConcurrency": 1001}})
	count(deny_lambda_unbounded_concurrency) > 0 with input as over
	one := object.union(esm, {"scalingConfig": {"maximumConcurrency": 1}})
	count(deny_lambda_unbounded_concurrency) > 0 with input as one
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

test_deny_lambda_env_kms if {
	count(deny_lambda_env_kms) == 0 with input as data.fixtures.deny_lambda_env_kms.pass
	count(deny_lambda_env_kms) > 0 with input as data.fixtures.deny_lambda_env_kms.fail
}

test_deny_lambda_permission_source if {
	count(deny_lambda_permission_source) == 0 with input as data.fixtures.deny_lambda_permission_source.pass
	count(deny_lambda_permission_source) > 0 with input as data.fixtures.deny_lambda_permission_source.fail
}

test_deny_lambda_public_permission if {
	count(deny_lambda_public_permission) == 0 with input as data.fixtures.deny_lambda_public_permission.pass
	count(deny_lambda_public_permission) > 0 with input as data.fixtures.deny_lambda_public_permission.fail
}

test_deny_lambda_url_auth if {
	count(deny_lambda_url_auth) == 0 with input as data.fixtures.deny_lambda_url_auth.pass
	count(deny_lambda_url_auth) > 0 with input as data.fixtures.deny_lambda_url_auth.fail
}

test_deny_lambda_url_cors if {
	count(deny_lambda_url_cors) == 0 with input as data.fixtures.deny_lambda_url_cors.pass
	count(deny_lambda_url_cors) > 0 with input as data.fixtures.deny_lambda_url_cors.fail
}

test_stack_deny_lambda_async_dlq if {
	count(stack_deny_lambda_async_dlq) == 0 with input as data.fixtures.stack_deny_lambda_async_dlq.pass
	count(stack_deny_lambda_async_dlq) > 0 with input as data.fixtures.stack_deny_lambda_async_dlq.fail
}
