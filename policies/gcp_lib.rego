package ottkit

import rego.v1

# Helpers of the GCP rules (gcp_*.rego). Only deny_*/stack_deny_* rules are policies.

gcs_bucket_type := "gcp:storage/bucket:Bucket"

# gcp_role_of is a GCP resource's role in the platform: the last dash-separated part of its
# logical name (components name children <component>-<role>).
gcp_role_of(r) := parts[count(parts) - 1] if {
	parts := split(r.__name, "-")
}

# gcp_iam_member holds for every Google Cloud IAM member resource.
gcp_iam_member(r) if {
	startswith(r.__type, "gcp:")
	endswith(lower(r.__type), "iammember")
}

gcp_public_principals := {"allUsers", "allAuthenticatedUsers"}

gcp_primitive_roles := {"roles/owner", "roles/editor", "roles/viewer"}

# push_subscription holds for a Pub/Sub subscription that pushes to an endpoint.
gcp_push_subscription(r) if {
	r.__type == "gcp:pubsub/subscription:Subscription"
	object.get(r, ["pushConfig", "pushEndpoint"], "") != ""
}
