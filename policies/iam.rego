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
		"aws:secretsmanager/secret:Secret",
		"aws:kms/key:Key",
		"aws:kms/keyPolicy:KeyPolicy",
		"aws:cloudwatch/eventBusPolicy:EventBusPolicy",
	}
	doc := document(input.policy)
}

policy_documents contains {"where": sprintf("inline policy %q", [p.name]), "doc": doc} if {
	input.__type == "aws:iam/role:Role"
	some p in object.get(input, "inlinePolicies", [])
	doc := document(p.policy)
}

key_policy if input.__type in {"aws:kms/key:Key", "aws:kms/keyPolicy:KeyPolicy"}

# resource_policy holds for the input when its documents are resource policies (who may use
# the resource) rather than identity policies (what a role may do).
resource_policy if not input.__type in {
	"aws:iam/policy:Policy",
	"aws:iam/rolePolicy:RolePolicy",
	"aws:iam/userPolicy:UserPolicy",
	"aws:iam/groupPolicy:GroupPolicy",
	"aws:iam/role:Role",
}

# trust_policy is the input role's parsed trust policy.
trust_policy := document(input.assumeRolePolicy) if input.__type == "aws:iam/role:Role"

# METADATA
# title: No wildcard actions
# description: >-
#   No Allow statement grants Action "*", a whole service ("s3:*"), or uses NotAction. Every
#   function gets exactly the actions its handler calls.
# custom:
#   message: List the exact actions the principal calls.
#   checkov: [CKV_AWS_62, CKV_AWS_63, CKV2_AWS_40, CKV_AWS_72]
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
#   checkov: [CKV_AWS_355, CKV_AWS_288, CKV_AWS_289, CKV_AWS_290]
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
	"mediaconvert:ListJobs",
]

# METADATA
# title: No AWS managed admin or FullAccess policies
# description: >-
#   No role, user or group attaches AdministratorAccess, PowerUserAccess or an AWS managed
#   *FullAccess policy.
# custom:
#   message: Replace the managed policy with an inline policy listing the actions needed.
#   checkov: [CKV_AWS_274, CKV2_AWS_56]
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

# METADATA
# title: No resource policy grants everyone
# description: >-
#   No bucket, queue, topic, KMS key, secret or event bus policy has an Allow statement for
#   Principal "*" (or {"AWS": "*"}, or a NotPrincipal) unless its condition pins the caller
#   with a positive test on a concrete value: aws:SourceArn, aws:SourceAccount,
#   aws:PrincipalOrgID, aws:PrincipalAccount, aws:PrincipalArn, aws:SourceVpce, aws:SourceIp or
#   kms:CallerAccount/kms:ViaService. Whatever the actions, such a grant lets anyone on the
#   internet use the resource.
# custom:
#   message: >-
#     Name the principal (a service, role or account), or add a condition such as
#     StringEquals aws:SourceAccount or ArnLike aws:SourceArn.
#   checkov: [CKV_AWS_70, CKV_AWS_168, CKV_AWS_387, CKV_AWS_169, CKV_AWS_33]
deny_public_resource_policy contains msg if {
	resource_policy
	some d in policy_documents
	some s in everyone_statements(d.doc)
	msg := sprintf("%s: %s grants %v to everyone (Principal \"*\" with no narrowing condition)", [named(input), d.where, sort(actions_of(s))])
}

# METADATA
# title: Roles cannot be assumed by everyone
# description: >-
#   No role's trust policy lets Principal "*" (or {"AWS": "*"}) assume it without a condition
#   that pins the caller (aws:PrincipalOrgID, aws:PrincipalAccount, aws:PrincipalArn, ...):
#   anyone with an AWS account could otherwise take the role's permissions.
# custom:
#   message: Trust the service or the role that needs the role, by name.
#   checkov: [CKV_AWS_60]
deny_iam_trust_public contains msg if {
	some s in everyone_statements(trust_policy)
	msg := sprintf("%s can be assumed by everyone (%v)", [named(input), sort(actions_of(s))])
}

# METADATA
# title: Roles do not trust a whole account
# description: >-
#   A role's trust policy does not name an account (its id or arn:aws:iam::ACCOUNT:root)
#   without a condition narrowing it to principals (aws:PrincipalArn, ...): every user and role
#   of that account allowed sts:AssumeRole could then take the role.
# custom:
#   message: Trust the specific role ARN, or add an aws:PrincipalArn condition.
#   checkov: [CKV_AWS_61]
deny_iam_trust_account contains msg if {
	some s in allow_statements(trust_policy)
	some p in principals_of(s, "AWS")
	whole_account(p)
	not narrowed_by_condition(s)
	msg := sprintf("%s trusts every principal of account %s", [named(input), account_of(p)])
}

whole_account(p) if regex.match(`^[0-9]{12}$`, p)

whole_account(p) if regex.match(`^arn:aws[a-z-]*:iam::[0-9]{12}:root$`, p)

# METADATA
# title: Web identity roles pin the subject
# description: >-
#   A role trusted by an OIDC provider (GitHub Actions, an identity pool) requires the token's
#   subject with a StringEquals or StringLike condition on <provider>:sub whose value is not a
#   bare wildcard; for GitHub Actions the subject names a repository (repo:OWNER/REPO...).
#   Without it, any repository or user of that provider can assume the role.
# custom:
#   message: >-
#     Add Condition StringEquals (or StringLike) "<provider>:sub", e.g.
#     "token.actions.githubusercontent.com:sub": "repo:OWNER/REPO:ref:refs/heads/main".
#   checkov: [CKV_AWS_393]
deny_iam_trust_oidc contains msg if {
	some s in allow_statements(trust_policy)
	some provider in principals_of(s, "Federated")
	oidc_provider(provider)
	not subject_pinned(s, provider)
	msg := sprintf("%s can be assumed with any %s token: no condition pins %s:sub", [named(input), provider_host(provider), provider_host(provider)])
}

oidc_provider(p) if contains(p, ":oidc-provider/")

oidc_provider(p) if p == "cognito-identity.amazonaws.com"

provider_host(p) := host if {
	parts := split(p, ":oidc-provider/")
	count(parts) == 2
	host := parts[1]
} else := p

subject_pinned(s, provider) if {
	some op, keys in s.Condition
	lower(op) in {"stringequals", "stringlike", "forallvalues:stringequals", "forallvalues:stringlike"}
	some key, values in keys
	lower(key) in {lower(concat("", [provider_host(provider), ":sub"])), lower(concat("", [provider_host(provider), ":amr"]))}
	vs := as_array(values)
	count(vs) > 0
	every v in vs {
		concrete_subject(provider, v)
	}
}

concrete_subject(provider, v) if {
	provider_host(provider) == "token.actions.githubusercontent.com"
	regex.match(`^repo:[^*/:]+/[^*:]+`, v)
}

concrete_subject(provider, v) if {
	provider_host(provider) != "token.actions.githubusercontent.com"
	v != "*"
	v != ""
}

# METADATA
# title: No privilege escalation actions
# description: >-
#   No policy allows an action that rewrites permissions (attaching or putting policies,
#   new policy versions, trust policy or permissions boundary changes, group membership) or
#   that runs new code as another role (lambda:UpdateFunctionCode, CreateFunction with
#   PassRole...). The platform's roles only read and write media, messages and the catalog;
#   whoever can call one of these can make any of them an administrator.
# custom:
#   message: Remove the action; permissions are changed by deploying the stack, not at run time.
#   checkov: [CKV_AWS_286]
deny_iam_privilege_escalation contains msg if {
	some d in policy_documents
	some s in allow_statements(d.doc)
	some action in actions_of(s)
	action in escalation_actions
	msg := sprintf("%s: %s allows %s, which can grant itself any permission", [named(input), d.where, action])
}

escalation_actions := {
	"iam:attachgrouppolicy", "iam:attachrolepolicy", "iam:attachuserpolicy",
	"iam:putgrouppolicy", "iam:putrolepolicy", "iam:putuserpolicy",
	"iam:createpolicy", "iam:createpolicyversion", "iam:setdefaultpolicyversion",
	"iam:updateassumerolepolicy", "iam:addusertogroup", "iam:createrole",
	"iam:putrolepermissionsboundary", "iam:putuserpermissionsboundary",
	"iam:deleterolepermissionsboundary", "iam:deleteuserpermissionsboundary",
	"lambda:updatefunctioncode", "lambda:createfunction", "lambda:addpermission",
	"lambda:createeventsourcemapping", "glue:updatedevendpoint", "glue:createdevendpoint",
	"cloudformation:createstack", "cloudformation:updatestack", "ec2:runinstances",
	"ssm:sendcommand", "ssm:startsession",
}

# METADATA
# title: No credential-minting actions
# description: >-
#   No policy allows an action that creates or reveals long-lived or federated credentials
#   (iam:CreateAccessKey, login profiles, service-specific credentials,
#   sts:GetFederationToken, sts:GetSessionToken, ec2:GetPasswordData,
#   redshift:GetClusterCredentials, ...), on any resource: a function never needs another
#   principal's secrets.
# custom:
#   message: Remove the action; use the function's own role credentials.
#   checkov: [CKV_AWS_287]
deny_iam_credentials_exposure contains msg if {
	some d in policy_documents
	some s in allow_statements(d.doc)
	some action in actions_of(s)
	action in credential_actions
	msg := sprintf("%s: %s allows %s, which hands out credentials", [named(input), d.where, action])
}

credential_actions := {
	"iam:createaccesskey", "iam:updateaccesskey", "iam:createloginprofile", "iam:updateloginprofile",
	"iam:createservicespecificcredential", "iam:resetservicespecificcredential",
	"sts:getfederationtoken", "sts:getsessiontoken", "ec2:getpassworddata",
	"redshift:getclustercredentials", "redshift-serverless:getcredentials", "sso:getrolecredentials",
	"cognito-identity:getcredentialsforidentity", "cognito-identity:getopenidtokenfordeveloperidentity",
	"lightsail:getinstanceaccessdetails", "lightsail:getrelationaldatabasemasteruserpassword",
	"gamelift:requestuploadcredentials", "chime:createapikey", "connect:getfederationtoken",
	"ecr:getauthorizationtoken", "rds-db:connect", "mediapackage:rotatechannelcredentials",
	"mediapackage:rotateingestendpointcredentials",
}

# METADATA
# title: No IAM users or access keys
# description: >-
#   The stack creates no IAM users, user policies, login profiles, group memberships or access
#   keys: people sign in through the identity provider (SSO) and workloads use roles, so no
#   long-lived credential exists to leak. Policies attach to roles only.
# custom:
#   message: Use a role (for workloads) or IAM Identity Center (for people) instead.
#   checkov: [CKV_AWS_40, CKV_AWS_273, CKV_AWS_348, CKV2_AWS_22]
deny_iam_users contains msg if {
	input.__type in {
		"aws:iam/user:User",
		"aws:iam/userPolicy:UserPolicy",
		"aws:iam/userPolicyAttachment:UserPolicyAttachment",
		"aws:iam/userLoginProfile:UserLoginProfile",
		"aws:iam/userGroupMembership:UserGroupMembership",
		"aws:iam/groupMembership:GroupMembership",
		"aws:iam/accessKey:AccessKey",
		"aws:iam/serviceSpecificCredential:ServiceSpecificCredential",
		"aws:iam/signingCertificate:SigningCertificate",
		"aws:iam/sshKey:SshKey",
	}
	msg := sprintf("%s gives an IAM user permissions or long-lived credentials", [named(input)])
}

deny_iam_users contains msg if {
	input.__type == "aws:iam/policyAttachment:PolicyAttachment"
	count(object.get(input, "users", [])) > 0
	msg := sprintf("%s attaches a policy to IAM users %v", [named(input), input.users])
}
