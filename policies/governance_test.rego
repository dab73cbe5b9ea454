package ottkit

import rego.v1

# Every governance rule passes its passing fixture and fires on its failing one
# (fixtures/<rule>/data.json, loaded as data.fixtures by the Go test runner).

test_deny_required_tags if {
	count(deny_required_tags) == 0 with input as data.fixtures.deny_required_tags.pass
	count(deny_required_tags) > 0 with input as data.fixtures.deny_required_tags.fail
}

test_deny_region if {
	count(deny_region) == 0 with input as data.fixtures.deny_region.pass with data.config as data.fixtures.deny_region.config
	count(deny_region) > 0 with input as data.fixtures.deny_region.fail with data.config as data.fixtures.deny_region.config
}

# With no allowedRegions configured every region is allowed, as with ottkit:allowedRegions.
test_deny_region_unconfigured if {
	count(deny_region) == 0 with input as data.fixtures.deny_region.fail
}

# CloudFront needs its certificate and web ACL in us-east-1, whatever the allowed regions.
test_deny_region_cloudfront_edge if {
	acl := object.union(data.fixtures.deny_region.fail, {
		"__type": "aws:wafv2/webAcl:WebAcl", "scope": "CLOUDFRONT",
		"__provider": {"properties": {"region": "us-east-1"}},
	})
	count(deny_region) == 0 with input as acl with data.config as data.fixtures.deny_region.config
	regional := object.union(acl, {"scope": "REGIONAL"})
	count(deny_region) > 0 with input as regional with data.config as data.fixtures.deny_region.config
	validation := object.union(acl, {"__type": "aws:acm/certificateValidation:CertificateValidation"})
	count(deny_region) == 0 with input as validation with data.config as data.fixtures.deny_region.config
	table := object.union(acl, {"__type": "aws:dynamodb/table:Table"})
	count(deny_region) > 0 with input as table with data.config as data.fixtures.deny_region.config
}

test_deny_required_tags_configured if {
	count(deny_required_tags) == 0 with input as data.fixtures.deny_required_tags.fail
		with data.config as {"deny_required_tags": {"requiredTags": ["ottkit:customer"]}}
}

# Without retainOnDelete in the options (Pulumi's analyzer never sends it) a bucket fails only
# when it is unprotected and forceDestroy is on.
test_deny_stateful_retained_under_analyzer if {
	bucket := {
		"__type": "aws:s3/bucketV2:BucketV2", "__name": "acme-storage-masters",
		"__options": {"protect": false}, "forceDestroy": true,
	}
	count(deny_stateful_retained) > 0 with input as bucket
	count(deny_stateful_retained) == 0 with input as object.union(bucket, {"forceDestroy": false})
	count(deny_stateful_retained) == 0 with input as object.union(bucket, {"__options": {"protect": true}})
}

test_deny_stateful_retained if {
	count(deny_stateful_retained) == 0 with input as data.fixtures.deny_stateful_retained.pass
	count(deny_stateful_retained) > 0 with input as data.fixtures.deny_stateful_retained.fail
}

test_deny_kms_key_rotation if {
	count(deny_kms_key_rotation) == 0 with input as data.fixtures.deny_kms_key_rotation.pass
	count(deny_kms_key_rotation) > 0 with input as data.fixtures.deny_kms_key_rotation.fail
}

test_deny_kms_key_enabled if {
	count(deny_kms_key_enabled) == 0 with input as data.fixtures.deny_kms_key_enabled.pass
	count(deny_kms_key_enabled) > 0 with input as data.fixtures.deny_kms_key_enabled.fail
}

test_stack_deny_kms_key_policy if {
	count(stack_deny_kms_key_policy) == 0 with input as data.fixtures.stack_deny_kms_key_policy.pass
	count(stack_deny_kms_key_policy) > 0 with input as data.fixtures.stack_deny_kms_key_policy.fail
}
