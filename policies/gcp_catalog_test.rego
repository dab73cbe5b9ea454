package ottkit

import rego.v1

# Every rule of gcp_catalog.rego passes its passing fixture and fires on its failing one (recorded from
# the reference GCP stack and its mutation: go test ./tests/policy -run TestGCPMutations
# -record-gcp-fixtures).

test_deny_firestore_pitr if {
	count(deny_firestore_pitr) == 0 with input as data.fixtures.deny_firestore_pitr.pass
	count(deny_firestore_pitr) > 0 with input as data.fixtures.deny_firestore_pitr.fail
}

test_deny_firestore_delete_protection if {
	count(deny_firestore_delete_protection) == 0 with input as data.fixtures.deny_firestore_delete_protection.pass
	count(deny_firestore_delete_protection) > 0 with input as data.fixtures.deny_firestore_delete_protection.fail
}

test_deny_firestore_cmek if {
	count(deny_firestore_cmek) == 0 with input as data.fixtures.deny_firestore_cmek.pass
	count(deny_firestore_cmek) > 0 with input as data.fixtures.deny_firestore_cmek.fail
}
