package ottkit

import rego.v1

# Every governance rule passes its passing fixture and fires on its failing one
# (fixtures/<rule>/data.json, loaded as data.fixtures by the Go test runner).

test_deny_required_tags if {
	count(deny_required_tags) == 0 with input as data.fixtures.deny_required_tags.pass
	count(deny_required_tags) > 0 with input as data.fixtures.deny_required_tags.fail
}

test_deny_region if {
	count(deny_region) == 0 with input as data.fixtures.deny_region.pass
	count(deny_region) > 0 with input as data.fixtures.deny_region.fail
}

test_deny_stateful_retained if {
	count(deny_stateful_retained) == 0 with input as data.fixtures.deny_stateful_retained.pass
	count(deny_stateful_retained) > 0 with input as data.fixtures.deny_stateful_retained.fail
}

test_deny_kms_key_rotation if {
	count(deny_kms_key_rotation) == 0 with input as data.fixtures.deny_kms_key_rotation.pass
	count(deny_kms_key_rotation) > 0 with input as data.fixtures.deny_kms_key_rotation.fail
}
