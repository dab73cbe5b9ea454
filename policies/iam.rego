package ottkit

import rego.v1

# IAM rules, on every policy document in the stack: identity policies (Policy, RolePolicy,
# a role's inline policies) and resource policies (bucket, queue, topic, secret and key
# policies). Only Allow statements are checked; a Deny may use wildcards.

# policy_documents are the parsed documents on the input resource, each with where it is.
policy_documents contains {"where": "policy", "doc": doc} if {
	input.__type in {
		"aws:iam/policy:Policy",
		"aws:iam/rolePolicy:RolePolicy",
		"aws:iam/userPolicy:UserPolicy",
		"aws:iam/groupPolicy:GroupPolicy",
		"aws:s3/bucketPolicy:BucketPolicy",
		"aws:sqs/queuePolicy:QueuePolicy",
		"aws:sqs/queue:Queue",
		"aws:sns/topicPolicy:TopicPolicy",
		"aws:sns/topic:Topic",
		"aws:secretsmanager/secretPolicy:SecretPolicy",
		"aws:kms/key:Key",
	}
	doc := document(input.policy)
}

policy_documents contains {"where": sprintf("inline policy %q", [p.name]), "doc": doc} if {
	input.__type == "aws:iam/role:Role"
	some p in object.get(input, "inlinePolicies", [])
	doc := document(p.policy)
}

key_policy if input.__type == "aws:kms/key:Key"

# METADATA
# title: No wildcard actions
# description: >-
#   No Allow statement grants Action "*", a whole service ("s3:*"), or uses NotAction. Every
#   function gets exactly the actions its handler calls.
# custom:
#   message: List the exact actions the principal calls.
deny_iam_wildcard_action contains msg if {
	some d in policy_documents
	some s in allow_statements(d.doc)
	some action in as_array(object.get(s, "Action", []))
	wildcard_action(action)
	msg := sprintf("%s: %s allows %q", [named(input), d.where, action])
}

deny_iam_wildcard_action contains msg if {
	some d in policy_documents
	some s in allow_statements(d.doc)
	s.NotAction
	msg := sprintf("%s: %s allows everything except NotAction", [named(input), d.where])
}

wildcard_action(a) if a == "*"

wildcard_action(a) if endswith(a, ":*")

# METADATA
# title: No Resource "*" outside the allow-list
# description: >-
#   An Allow statement uses Resource "*" only for actions that AWS cannot scope to a resource
#   (allowedActions, default the X-Ray, CloudWatch PutMetricData and MediaConvert
#   DescribeEndpoints actions). KMS key policies are exempt: there "*" means the key itself.
#   iam:PassRole is checked by its own rule.
# custom:
#   message: Scope the statement to the ARNs of the resources it needs.
deny_iam_wildcard_resource contains msg if {
	not key_policy
	some d in policy_documents
	some s in allow_statements(d.doc)
	"*" in as_array(object.get(s, "Resource", []))
	some action in as_array(object.get(s, "Action", []))
	not wildcard_action(action)
	action != "iam:PassRole"
	not action in config("deny_iam_wildcard_resource", "allowedActions", resource_star_actions)
	msg := sprintf("%s: %s allows %q on Resource \"*\"", [named(input), d.where, action])
}

deny_iam_wildcard_resource contains msg if {
	not key_policy
	some d in policy_documents
	some s in allow_statements(d.doc)
	s.NotResource
	msg := sprintf("%s: %s allows every resource except NotResource", [named(input), d.where])
}

# resource_star_actions mirrors components/iampolicy.ResourceStarActions.
resource_star_actions := [
	"xray:PutTraceSegments",
	"xray:PutTelemetryRecords",
	"xray:GetSamplingRules",
	"xray:GetSamplingTargets",
	"cloudwatch:PutMetricData",
	"mediaconvert:DescribeEndpoints",
]

# METADATA
# title: No AWS managed admin or FullAccess policies
# description: >-
#   No role, user or group attaches AdministratorAccess, PowerUserAccess or an AWS managed
#   *FullAccess policy.
# custom:
#   message: Replace the managed policy with an inline policy listing the actions needed.
deny_iam_managed_admin contains msg if {
	some arn in attached_policy_arns
	broad_managed_policy(arn)
	msg := sprintf("%s attaches the AWS managed policy %s", [named(input), arn])
}

attached_policy_arns contains arn if {
	input.__type == "aws:iam/role:Role"
	some arn in object.get(input, "managedPolicyArns", [])
}

attached_policy_arns contains input.policyArn if {
	input.__type in {
		"aws:iam/rolePolicyAttachment:RolePolicyAttachment",
		"aws:iam/policyAttachment:PolicyAttachment",
		"aws:iam/userPolicyAttachment:UserPolicyAttachment",
		"aws:iam/groupPolicyAttachment:GroupPolicyAttachment",
	}
}

broad_managed_policy(arn) if {
	regex.match(`^arn:aws[a-z-]*:iam::aws:policy/`, arn)
	parts := split(arn, "/")
	name := parts[count(parts) - 1]
	broad_policy_name(name)
}

broad_policy_name(name) if name in {"AdministratorAccess", "PowerUserAccess"}

broad_policy_name(name) if endswith(name, "FullAccess")

# METADATA
# title: iam:PassRole is scoped and conditioned
# description: >-
#   A statement allowing iam:PassRole names the roles (no wildcard in the ARN) and carries an
#   iam:PassedToService condition, so a function can hand MediaConvert its role and nothing
#   else.
# custom:
#   message: >-
#     Set Resource to the role's ARN and add Condition StringEquals iam:PassedToService
#     (e.g. mediaconvert.amazonaws.com).
deny_iam_passrole contains msg if {
	some d in policy_documents
	some s in allow_statements(d.doc)
	"iam:PassRole" in as_array(object.get(s, "Action", []))
	some problem in passrole_problems(s)
	msg := sprintf("%s: %s allows iam:PassRole %s", [named(input), d.where, problem])
}

passrole_problems(s) := {p |
	some p in [wildcard_role_problem(s), passed_to_problem(s)]
	p != ""
}

wildcard_role_problem(s) := "on a wildcard resource" if {
	some r in as_array(object.get(s, "Resource", []))
	contains(r, "*")
} else := ""

passed_to_problem(s) := "without an iam:PassedToService condition" if {
	not passed_to_service(s)
} else := ""

passed_to_service(s) if {
	some test, vars in s.Condition
	test in {"StringEquals", "StringLike"}
	vars["iam:PassedToService"]
}
