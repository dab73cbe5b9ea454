package ottkit

import rego.v1

# Every queues rule passes its passing fixture and fires on its failing one
# (fixtures/<rule>/data.json, loaded as data.fixtures by the Go test runner).

test_stack_deny_sqs_dead_letter if {
	count(stack_deny_sqs_dead_letter) == 0 with input as data.fixtures.stack_deny_sqs_dead_letter.pass
	count(stack_deny_sqs_dead_letter) > 0 with input as data.fixtures.stack_deny_sqs_dead_letter.fail
}

test_deny_sqs_kms if {
	count(deny_sqs_kms) == 0 with input as data.fixtures.deny_sqs_kms.pass
	count(deny_sqs_kms) > 0 with input as data.fixtures.deny_sqs_kms.fail
}

test_stack_deny_sqs_visibility_timeout if {
	count(stack_deny_sqs_visibility_timeout) == 0 with input as data.fixtures.stack_deny_sqs_visibility_timeout.pass
	count(stack_deny_sqs_visibility_timeout) > 0 with input as data.fixtures.stack_deny_sqs_visibility_timeout.fail
}

# A separate aws.sqs.RedrivePolicy resource counts as the queue's redrive policy.
test_stack_deny_sqs_dead_letter_redrive_resource if {
	queues := data.fixtures.stack_deny_sqs_dead_letter.fail.resources
	redrive := {
		"__type": "aws:sqs/redrivePolicy:RedrivePolicy", "__name": "acme-ingest-redrive",
		"__urn": "urn:pulumi:prod::ottkit::aws:sqs/redrivePolicy:RedrivePolicy::acme-ingest-redrive",
		"queueUrl": "https://sqs.eu-west-1.amazonaws.com/123456789012/acme-ingest",
		"redrivePolicy": json.marshal({"deadLetterTargetArn": "arn:aws:sqs:eu-west-1:123456789012:acme-ingest-dlq", "maxReceiveCount": 5}),
	}
	count(stack_deny_sqs_dead_letter) == 0 with input as {"resources": array.concat(queues, [redrive])}
}
