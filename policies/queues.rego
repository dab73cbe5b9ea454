package ottkit

import rego.v1

# Queue rules. Dead-letter and visibility checks need other resources (the queue a redrive
# policy targets, the function an event source mapping invokes), so they are stack rules.

queue_type := "aws:sqs/queue:Queue"

redrive_type := "aws:sqs/redrivePolicy:RedrivePolicy"

esm_type := "aws:lambda/eventSourceMapping:EventSourceMapping"

queues contains q if {
	some q in of_type(queue_type)
}

# redrive_targets are the deadLetterTargetArn values of every redrive policy in the stack.
redrive_targets contains arn if {
	some q in queues
	policy := decoded(q.redrivePolicy)
	arn := policy.deadLetterTargetArn
}

redrive_targets contains arn if {
	some r in of_type(redrive_type)
	policy := decoded(r.redrivePolicy)
	arn := policy.deadLetterTargetArn
}

has_redrive(q) if object.get(q, "redrivePolicy", "") != ""

has_redrive(q) if {
	some r in of_type(redrive_type)
	ends_with_name(r.queueUrl, q.name)
}

has_redrive(q) if {
	some r in of_type(redrive_type)
	depends_on_via(r, "queueUrl", q.__urn)
}

is_dead_letter_queue(q) if {
	some arn in redrive_targets
	ends_with_name(arn, q.name)
}

is_dead_letter_queue(q) if {
	some r in input.resources
	r.__type in {queue_type, redrive_type}
	depends_on_via(r, "redrivePolicy", q.__urn)
}

is_dead_letter_queue(q) if object.get(q, "redriveAllowPolicy", "") != ""

# METADATA
# title: Every queue has a dead-letter queue
# description: >-
#   Every queue either is a dead-letter queue or redrives to one after maxReceiveCount
#   failures, so a poison message stops after N tries instead of looping (and billing)
#   forever.
# custom:
#   message: >-
#     Create a dead-letter queue and set redrivePolicy {deadLetterTargetArn, maxReceiveCount}
#     on the queue.
stack_deny_sqs_dead_letter contains msg if {
	some q in queues
	not has_redrive(q)
	not is_dead_letter_queue(q)
	msg := sprintf("%s has no redrive policy and is no queue's dead-letter queue", [named(q)])
}

# METADATA
# title: Queues are encrypted with KMS
# description: >-
#   Every queue is encrypted with the stack's customer managed key (kmsMasterKeyId), not only
#   with SQS-managed SSE, so access to message bodies is governed by the key policy.
# custom:
#   message: Set kmsMasterKeyId to the stack key's ARN.
#   checkov: [CKV_AWS_27, CKV2_AWS_73]
deny_sqs_kms contains msg if {
	input.__type == queue_type
	object.get(input, "kmsMasterKeyId", "") == ""
	msg := sprintf("%s is not encrypted with a KMS key", [named(input)])
}

# METADATA
# title: Visibility timeout covers the consumer
# description: >-
#   A queue's visibility timeout is at least multiplier (default 6) times the timeout of the
#   function its event source mapping invokes, as AWS recommends; otherwise a message still
#   being processed becomes visible again and runs twice.
# custom:
#   message: Raise visibilityTimeoutSeconds to at least 6 x the consumer function's timeout.
stack_deny_sqs_visibility_timeout contains msg if {
	some q in queues
	some m in of_type(esm_type)
	mapping_reads(m, q)
	some f in of_type(function_type)
	mapping_invokes(m, f)
	visibility := object.get(q, "visibilityTimeoutSeconds", 30)
	timeout := object.get(f, "timeout", 3)
	multiplier := config("stack_deny_sqs_visibility_timeout", "multiplier", 6)
	visibility < multiplier * timeout
	msg := sprintf("%s: visibility timeout %ds is less than %d x the %ds timeout of %s", [named(q), visibility, multiplier, timeout, named(f)])
}

mapping_reads(m, q) if ends_with_name(m.eventSourceArn, q.name)

mapping_reads(m, q) if depends_on_via(m, "eventSourceArn", q.__urn)

mapping_invokes(m, f) if m.functionName == f.name

mapping_invokes(m, f) if ends_with_name(m.functionName, concat("", ["function:", f.name]))

mapping_invokes(m, f) if depends_on_via(m, "functionName", f.__urn)
