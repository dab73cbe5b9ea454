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

test_deny_s3_access_point_public if {
	count(deny_s3_access_point_public) == 0 with input as data.fixtures.deny_s3_access_point_public.pass
	count(deny_s3_access_point_public) > 0 with input as data.fixtures.deny_s3_access_point_public.fail
}

test_deny_s3_cors_origins if {
	count(deny_s3_cors_origins) == 0 with input as data.fixtures.deny_s3_cors_origins.pass
	count(deny_s3_cors_origins) > 0 with input as data.fixtures.deny_s3_cors_origins.fail
}

test_deny_s3_object_kms if {
	count(deny_s3_object_kms) == 0 with input as data.fixtures.deny_s3_object_kms.pass
	count(deny_s3_object_kms) > 0 with input as data.fixtures.deny_s3_object_kms.fail
}

test_deny_s3_policy_lockout if {
	count(deny_s3_policy_lockout) == 0 with input as data.fixtures.deny_s3_policy_lockout.pass
	count(deny_s3_policy_lockout) > 0 with input as data.fixtures.deny_s3_policy_lockout.fail
}

test_deny_s3_public_acl if {
	count(deny_s3_public_acl) == 0 with input as data.fixtures.deny_s3_public_acl.pass
	count(deny_s3_public_acl) > 0 with input as data.fixtures.deny_s3_public_acl.fail
}

test_deny_s3_website if {
	count(deny_s3_website) == 0 with input as data.fixtures.deny_s3_website.pass
	count(deny_s3_website) > 0 with input as data.fixtures.deny_s3_website.fail
}

test_stack_deny_s3_ingest_notifications if {
	count(stack_deny_s3_ingest_notifications) == 0 with input as data.fixtures.stack_deny_s3_ingest_notifications.pass
	count(stack_deny_s3_ingest_notifications) > 0 with input as data.fixtures.stack_deny_s3_ingest_notifications.fail
}

test_stack_deny_s3_object_ownership if {
	count(stack_deny_s3_object_ownership) == 0 with input as data.fixtures.stack_deny_s3_object_ownership.pass
	count(stack_deny_s3_object_ownership) > 0 with input as data.fixtures.stack_deny_s3_object_ownership.fail
}

# A public access block with a false flag is flagged even when its bucket is not in the stack.
test_stack_deny_s3_public_access_block_outside_the_stack if {
	pab := [r | some r in data.fixtures.stack_deny_s3_public_access_block.pass.resources; r.__type == pab_type][0]
	outside := object.union(pab, {"bucket": "someone-elses-bucket", "blockPublicPolicy": false})
	count(stack_deny_s3_public_access_block) == 1 with input as {"resources": [outside]}
	count(stack_deny_s3_public_access_block) == 0 with input as {"resources": [object.union(outside, {"blockPublicPolicy": true})]}
}
