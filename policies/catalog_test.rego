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
