package ottkit

import rego.v1

# Pub/Sub rules.

# METADATA
# title: Push subscriptions dead-letter
# description: >-
#   Every push subscription has a dead-letter topic, so a poison message stops after a few
#   deliveries instead of being retried for the retention period.
# custom:
#   message: Set deadLetterPolicy {deadLetterTopic, maxDeliveryAttempts}.
deny_pubsub_dead_letter contains msg if {
	gcp_push_subscription(input)
	object.get(input, ["deadLetterPolicy", "deadLetterTopic"], "") == ""
	msg := sprintf("%s has no dead-letter topic", [named(input)])
}

# METADATA
# title: Pushes carry an OIDC token
# description: Each push is authenticated with an OIDC token, so the function can refuse anyone else.
# custom:
#   message: Set pushConfig.oidcToken.serviceAccountEmail to the push identity.
deny_pubsub_push_oidc contains msg if {
	gcp_push_subscription(input)
	object.get(input, ["pushConfig", "oidcToken", "serviceAccountEmail"], "") == ""
	msg := sprintf("%s pushes without authentication", [named(input)])
}

# METADATA
# title: Topics encrypt with the stack's CMEK
# description: Every topic names a customer-managed key.
# custom:
#   message: Set kmsKeyName to the stack key.
deny_pubsub_topic_cmek contains msg if {
	input.__type == "gcp:pubsub/topic:Topic"
	object.get(input, "kmsKeyName", "") == ""
	msg := sprintf("%s has no customer-managed key", [named(input)])
}

# METADATA
# title: Subscriptions never expire
# description: >-
#   A subscription without an expiration policy is deleted after 31 idle days, and its
#   messages with it: a quiet month would silently break the pipeline.
# custom:
#   message: Set expirationPolicy.ttl to "".
deny_pubsub_expiration contains msg if {
	input.__type == "gcp:pubsub/subscription:Subscription"
	object.get(input, ["expirationPolicy", "ttl"], "default") != ""
	msg := sprintf("%s expires when idle", [named(input)])
}

# METADATA
# title: Push subscriptions back off
# description: A nacked push is redelivered with exponential backoff, not immediately.
# custom:
#   message: Set retryPolicy {minimumBackoff, maximumBackoff}.
deny_pubsub_retry_policy contains msg if {
	gcp_push_subscription(input)
	object.get(input, ["retryPolicy", "minimumBackoff"], "") == ""
	msg := sprintf("%s redelivers without backoff", [named(input)])
}
