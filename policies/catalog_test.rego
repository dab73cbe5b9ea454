package ottkit

import rego.v1

# Every catalog rule passes its passing fixture and fires on its failing one
# (fixtures/<rule>/data.json, loaded as data.fixtures by the Go test runner).

test_deny_dynamodb_pitr if {
	count(deny_dynamodb_pitr) == 0 with input as data.fixtures.deny_dynamodb_pitr.pass
	count(deny_dynamodb_pitr) > 0 with input as data.fixtures.deny_dynamodb_pitr.fail
}

test_deny_dynamodb_deletion_protection if {
	count(deny_dynamodb_deletion_protection) == 0 with input as data.fixtures.deny_dynamodb_deletion_protection.pass
	count(deny_dynamodb_deletion_protection) > 0 with input as data.fixtures.deny_dynamodb_deletion_protection.fail
}

test_deny_dynamodb_encryption if {
	count(deny_dynamodb_encryption) == 0 with input as data.fixtures.deny_dynamodb_encryption.pass
	count(deny_dynamodb_encryption) > 0 with input as data.fixtures.deny_dynamodb_encryption.fail
}

test_stack_deny_dynamodb_capacity if {
	count(stack_deny_dynamodb_capacity) == 0 with input as data.fixtures.stack_deny_dynamodb_capacity.pass
	count(stack_deny_dynamodb_capacity) > 0 with input as data.fixtures.stack_deny_dynamodb_capacity.fail
}

# Every replica of a table is encrypted with a named key too.
test_deny_dynamodb_encryption_replicas if {
	table := data.fixtures.deny_dynamodb_encryption.pass
	count(deny_dynamodb_encryption) == 1 with input as object.union(table, {"replicas": [{"regionName": "eu-central-1"}]})
	count(deny_dynamodb_encryption) == 0 with input as object.union(table, {"replicas": [{"regionName": "eu-central-1", "kmsKeyArn": "arn:aws:kms:eu-central-1:123456789012:key/mrk-acme"}]})
}
