package ottkit

import rego.v1

# Every rule of gcp_queues.rego passes its passing fixture and fires on its failing one (recorded from
# the reference GCP stack and its mutation: go test ./tests/policy -run TestGCPMutations
# -record-gcp-fixtures).

test_deny_pubsub_dead_letter if {
	count(deny_pubsub_dead_letter) == 0 with input as data.fixtures.deny_pubsub_dead_letter.pass
	count(deny_pubsub_dead_letter) > 0 with input as data.fixtures.deny_pubsub_dead_letter.fail
}

test_deny_pubsub_push_oidc if {
	count(deny_pubsub_push_oidc) == 0 with input as data.fixtures.deny_pubsub_push_oidc.pass
	count(deny_pubsub_push_oidc) > 0 with input as data.fixtures.deny_pubsub_push_oidc.fail
}

test_deny_pubsub_topic_cmek if {
	count(deny_pubsub_topic_cmek) == 0 with input as data.fixtures.deny_pubsub_topic_cmek.pass
	count(deny_pubsub_topic_cmek) > 0 with input as data.fixtures.deny_pubsub_topic_cmek.fail
}

test_deny_pubsub_expiration if {
	count(deny_pubsub_expiration) == 0 with input as data.fixtures.deny_pubsub_expiration.pass
	count(deny_pubsub_expiration) > 0 with input as data.fixtures.deny_pubsub_expiration.fail
}

test_deny_pubsub_retry_policy if {
	count(deny_pubsub_retry_policy) == 0 with input as data.fixtures.deny_pubsub_retry_policy.pass
	count(deny_pubsub_retry_policy) > 0 with input as data.fixtures.deny_pubsub_retry_policy.fail
}
