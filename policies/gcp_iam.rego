package ottkit

import rego.v1

# Google Cloud IAM rules.

# METADATA
# title: No primitive roles
# description: >-
#   Nothing is granted roles/owner, roles/editor or roles/viewer, which span every service of
#   the project.
# custom:
#   message: Grant a predefined or custom role with only the permissions needed, on the resource.
deny_gcp_primitive_roles contains msg if {
	gcp_iam_member(input)
	input.role in gcp_primitive_roles
	msg := sprintf("%s grants the primitive role %s", [named(input), input.role])
}

# METADATA
# title: No public principals outside buckets and functions
# description: >-
#   No topic, subscription, key, secret, account or project member is allUsers or
#   allAuthenticatedUsers (buckets and functions have their own rules).
# custom:
#   message: Grant a named service account instead.
deny_gcp_public_members contains msg if {
	gcp_iam_member(input)
	not startswith(input.__type, "gcp:storage/")
	not startswith(input.__type, "gcp:cloudrunv2/")
	input.member in gcp_public_principals
	msg := sprintf("%s grants %s to %s", [named(input), input.role, input.member])
}

# METADATA
# title: Data roles are granted on the resource, not the project
# description: >-
#   Storage, Pub/Sub, Secret Manager and Cloud KMS roles are bound on the bucket, topic,
#   secret or key: a project-level grant would reach every other stack's data in the project.
# custom:
#   message: Bind the role with the resource's IAM member resource instead of projects.IAMMember.
deny_gcp_project_data_grants contains msg if {
	input.__type == "gcp:projects/iAMMember:IAMMember"
	some prefix in {"roles/storage.", "roles/pubsub.", "roles/secretmanager.", "roles/cloudkms."}
	startswith(input.role, prefix)
	msg := sprintf("%s grants %s on the whole project", [named(input), input.role])
}

# METADATA
# title: Custom roles cannot escalate
# description: >-
#   No custom role holds a permission that changes IAM policies, creates service account keys
#   or defines roles: a function holding one could grant itself anything.
# custom:
#   message: Remove the permission from the custom role.
deny_gcp_escalating_permissions contains msg if {
	input.__type == "gcp:projects/iAMCustomRole:IAMCustomRole"
	some p in object.get(input, "permissions", [])
	gcp_escalating(p)
	msg := sprintf("%s holds %s", [named(input), p])
}

gcp_escalating(p) if endswith(p, ".setIamPolicy")

gcp_escalating(p) if startswith(p, "iam.serviceAccountKeys.")

gcp_escalating(p) if startswith(p, "iam.roles.")

gcp_escalating(p) if p == "iam.serviceAccounts.getAccessToken"
