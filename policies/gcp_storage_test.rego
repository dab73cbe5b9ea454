package ottkit

import rego.v1

# Every rule of gcp_storage.rego passes its passing fixture and fires on its failing one (recorded from
# the reference GCP stack and its mutation: go test ./tests/policy -run TestGCPMutations
# -record-gcp-fixtures).

test_deny_gcs_uniform_access if {
	count(deny_gcs_uniform_access) == 0 with input as data.fixtures.deny_gcs_uniform_access.pass
	count(deny_gcs_uniform_access) > 0 with input as data.fixtures.deny_gcs_uniform_access.fail
}

test_deny_gcs_public_access_prevention if {
	count(deny_gcs_public_access_prevention) == 0 with input as data.fixtures.deny_gcs_public_access_prevention.pass
	count(deny_gcs_public_access_prevention) > 0 with input as data.fixtures.deny_gcs_public_access_prevention.fail
}

test_deny_gcs_cmek if {
	count(deny_gcs_cmek) == 0 with input as data.fixtures.deny_gcs_cmek.pass
	count(deny_gcs_cmek) > 0 with input as data.fixtures.deny_gcs_cmek.fail
}

test_deny_gcs_soft_delete if {
	count(deny_gcs_soft_delete) == 0 with input as data.fixtures.deny_gcs_soft_delete.pass
	count(deny_gcs_soft_delete) > 0 with input as data.fixtures.deny_gcs_soft_delete.fail
}

test_deny_gcs_masters_versioning if {
	count(deny_gcs_masters_versioning) == 0 with input as data.fixtures.deny_gcs_masters_versioning.pass
	count(deny_gcs_masters_versioning) > 0 with input as data.fixtures.deny_gcs_masters_versioning.fail
}

test_deny_gcs_ingest_expiration if {
	count(deny_gcs_ingest_expiration) == 0 with input as data.fixtures.deny_gcs_ingest_expiration.pass
	count(deny_gcs_ingest_expiration) > 0 with input as data.fixtures.deny_gcs_ingest_expiration.fail
}

test_deny_gcs_access_logs if {
	count(deny_gcs_access_logs) == 0 with input as data.fixtures.deny_gcs_access_logs.pass
	count(deny_gcs_access_logs) > 0 with input as data.fixtures.deny_gcs_access_logs.fail
}

test_deny_gcs_public_iam if {
	count(deny_gcs_public_iam) == 0 with input as data.fixtures.deny_gcs_public_iam.pass
	count(deny_gcs_public_iam) > 0 with input as data.fixtures.deny_gcs_public_iam.fail
}
