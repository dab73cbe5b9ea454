package ottkit

import rego.v1

# Every storage rule passes its passing fixture and fires on its failing one
# (fixtures/<rule>/data.json, loaded as data.fixtures by the Go test runner).

test_stack_deny_s3_encryption_kms if {
	count(stack_deny_s3_encryption_kms) == 0 with input as data.fixtures.stack_deny_s3_encryption_kms.pass
	count(stack_deny_s3_encryption_kms) > 0 with input as data.fixtures.stack_deny_s3_encryption_kms.fail
}

test_stack_deny_s3_log_bucket_encryption if {
	count(stack_deny_s3_log_bucket_encryption) == 0 with input as data.fixtures.stack_deny_s3_log_bucket_encryption.pass
	count(stack_deny_s3_log_bucket_encryption) > 0 with input as data.fixtures.stack_deny_s3_log_bucket_encryption.fail
}

test_stack_deny_s3_public_access_block if {
	count(stack_deny_s3_public_access_block) == 0 with input as data.fixtures.stack_deny_s3_public_access_block.pass
	count(stack_deny_s3_public_access_block) > 0 with input as data.fixtures.stack_deny_s3_public_access_block.fail
}

test_stack_deny_s3_tls_only if {
	count(stack_deny_s3_tls_only) == 0 with input as data.fixtures.stack_deny_s3_tls_only.pass
	count(stack_deny_s3_tls_only) > 0 with input as data.fixtures.stack_deny_s3_tls_only.fail
}

test_stack_deny_s3_versioning if {
	count(stack_deny_s3_versioning) == 0 with input as data.fixtures.stack_deny_s3_versioning.pass
	count(stack_deny_s3_versioning) > 0 with input as data.fixtures.stack_deny_s3_versioning.fail
}

test_stack_deny_s3_lifecycle if {
	count(stack_deny_s3_lifecycle) == 0 with input as data.fixtures.stack_deny_s3_lifecycle.pass
	count(stack_deny_s3_lifecycle) > 0 with input as data.fixtures.stack_deny_s3_lifecycle.fail
}

test_stack_deny_s3_abort_multipart if {
	count(stack_deny_s3_abort_multipart) == 0 with input as data.fixtures.stack_deny_s3_abort_multipart.pass
	count(stack_deny_s3_abort_multipart) > 0 with input as data.fixtures.stack_deny_s3_abort_multipart.fail
}

test_stack_deny_s3_access_logging if {
	count(stack_deny_s3_access_logging) == 0 with input as data.fixtures.stack_deny_s3_access_logging.pass
	count(stack_deny_s3_access_logging) > 0 with input as data.fixtures.stack_deny_s3_access_logging.fail
}

# During a preview of a new stack the settings' bucket input is unknown: the join falls back to
# the engine's property dependencies.
test_storage_join_by_property_dependency if {
	masters := [r | some r in data.fixtures.stack_deny_s3_versioning.pass.resources; r.__name == "acme-storage-masters"][0]
	versioning := [r | some r in data.fixtures.stack_deny_s3_versioning.pass.resources; r.__name == "acme-storage-masters-versioning"][0]
	unknown := object.union(versioning, {
		"bucket": "04da6b54-80e4-46f7-96ec-b56ff0331ba9",
		"propertyDependencies": {"bucket": [masters.__urn]},
	})
	count(stack_deny_s3_versioning) == 0 with input as {"resources": [masters, unknown]}
	count(stack_deny_s3_versioning) > 0 with input as {"resources": [masters, object.remove(unknown, ["propertyDependencies"])]}
}
