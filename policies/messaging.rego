package ottkit

import rego.v1

# Messaging rules: SNS topics, EventBridge targets and schedules, and the accounts every
# resource policy and target may reach.

# METADATA
# title: Topics are encrypted with the stack key
# description: >-
#   Every SNS topic has server-side encryption with a customer managed key (kmsMasterKeyId),
#   not the AWS managed alias/aws/sns, so asset events and alarms are readable only by those
#   the key policy allows.
# custom:
#   message: Set kmsMasterKeyId to the stack key.
#   checkov: [CKV_AWS_26]
deny_sns_kms contains msg if {
	input.__type == "aws:sns/topic:Topic"
	key := object.get(input, "kmsMasterKeyId", "")
	key in {"", "alias/aws/sns"}
	msg := sprintf("%s is not encrypted with a customer managed key (kmsMasterKeyId %q)", [named(input), key])
}

# METADATA
# title: Schedules are encrypted with the stack key
# description: An EventBridge Scheduler schedule encrypts its payload with a customer managed key (kmsKeyArn).
# custom:
#   message: Set kmsKeyArn to the stack key.
#   checkov: [CKV_AWS_297]
deny_scheduler_kms contains msg if {
	input.__type == "aws:scheduler/schedule:Schedule"
	object.get(input, "kmsKeyArn", "") == ""
	msg := sprintf("%s encrypts its target input with an AWS owned key: no kmsKeyArn", [named(input)])
}

# home_accounts are the accounts the stack deploys to, as its own ARNs show: its functions'
# roles and the resources its queue, topic and key policies protect.
home_accounts contains a if {
	some f in of_type("aws:lambda/function:Function")
	a := account_of(f.role)
}

home_accounts contains a if {
	some t in {"aws:sqs/queuePolicy:QueuePolicy", "aws:sns/topicPolicy:TopicPolicy"}
	some p in of_type(t)
	some s in statements(document(p.policy))
	some r in as_array(object.get(s, "Resource", []))
	a := account_of(r)
}

# trusted_accounts are the accounts grants and targets may name.
trusted_accounts := home_accounts | {a | some a in config("stack_deny_cross_account", "trustedAccounts", [])}

cross_account_policy_types := {
	"aws:s3/bucketPolicy:BucketPolicy",
	"aws:sqs/queuePolicy:QueuePolicy",
	"aws:sns/topicPolicy:TopicPolicy",
	"aws:kms/key:Key",
	"aws:kms/keyPolicy:KeyPolicy",
	"aws:secretsmanager/secretPolicy:SecretPolicy",
	"aws:secretsmanager/secret:Secret",
	"aws:cloudwatch/eventBusPolicy:EventBusPolicy",
}

# METADATA
# title: Nothing is granted to or sent to another account
# description: >-
#   No resource policy (bucket, queue, topic, key, secret, event bus) allows a principal of
#   another account, no Lambda permission names one, and no EventBridge target (or its role)
#   is in one. The stack's accounts are those its own ARNs show (its functions' roles, the
#   resources its policies protect), plus trustedAccounts; a stack whose accounts are not
#   known yet is not judged.
# custom:
#   message: >-
#     Remove the grant or the target, or list the account in trustedAccounts if the customer
#     runs that account.
#   checkov: [CKV_AWS_385]
stack_deny_cross_account contains msg if {
	count(home_accounts) > 0
	some t in cross_account_policy_types
	some p in of_type(t)
	some s in allow_statements(document(p.policy))
	some a in principal_accounts(s)
	not a in trusted_accounts
	msg := sprintf("%s grants %v to account %s, outside the stack's accounts %v", [named(p), sort(actions_of(s)), a, sort(trusted_accounts)])
}

stack_deny_cross_account contains msg if {
	count(home_accounts) > 0
	some p in of_type("aws:lambda/permission:Permission")
	some ref in [object.get(p, "principal", ""), object.get(p, "sourceAccount", "")]
	a := account_of(ref)
	not a in trusted_accounts
	msg := sprintf("%s lets account %s invoke the function, outside the stack's accounts %v", [named(p), a, sort(trusted_accounts)])
}

stack_deny_cross_account contains msg if {
	count(home_accounts) > 0
	some t in of_type("aws:cloudwatch/eventTarget:EventTarget")
	some ref in [object.get(t, "arn", ""), object.get(t, "roleArn", "")]
	a := account_of(ref)
	not a in trusted_accounts
	msg := sprintf("%s sends events to %s in account %s, outside the stack's accounts %v", [named(t), ref, a, sort(trusted_accounts)])
}
