package ottkit

import rego.v1

# Cloud Storage rules, on each bucket.

# METADATA
# title: Buckets use uniform bucket-level access
# description: >-
#   Object ACLs are off (uniformBucketLevelAccess), so IAM alone decides who reads an object
#   and the prefix conditions of the functions' grants apply.
# custom:
#   message: Set uniformBucketLevelAccess to true.
deny_gcs_uniform_access contains msg if {
	input.__type == gcs_bucket_type
	not object.get(input, "uniformBucketLevelAccess", false) == true
	msg := sprintf("%s allows object ACLs", [named(input)])
}

# METADATA
# title: Buckets enforce public access prevention
# description: >-
#   publicAccessPrevention is "enforced": no IAM binding or ACL can make the bucket or an
#   object public. Media reaches viewers only through Cloud CDN's signed requests.
# custom:
#   message: Set publicAccessPrevention to "enforced".
deny_gcs_public_access_prevention contains msg if {
	input.__type == gcs_bucket_type
	object.get(input, "publicAccessPrevention", "inherited") != "enforced"
	msg := sprintf("%s does not enforce public access prevention", [named(input)])
}

# METADATA
# title: Buckets encrypt with the stack's CMEK
# description: New objects are encrypted with a customer-managed Cloud KMS key by default.
# custom:
#   message: Set encryption.defaultKmsKeyName to the stack key.
deny_gcs_cmek contains msg if {
	input.__type == gcs_bucket_type
	object.get(input, ["encryption", "defaultKmsKeyName"], "") == ""
	msg := sprintf("%s has no default customer-managed key", [named(input)])
}

# METADATA
# title: Buckets keep deleted objects restorable
# description: >-
#   Soft delete keeps deleted and overwritten objects for at least minSeconds (default 7
#   days), so a bad handler or a mistaken delete can be undone.
# custom:
#   message: Set softDeletePolicy.retentionDurationSeconds to at least 604800.
deny_gcs_soft_delete contains msg if {
	input.__type == gcs_bucket_type
	min := config("deny_gcs_soft_delete", "minSeconds", 604800)
	got := object.get(input, ["softDeletePolicy", "retentionDurationSeconds"], 0)
	got < min
	msg := sprintf("%s keeps deleted objects %v s, less than %v s", [named(input), got, min])
}

# METADATA
# title: Masters are versioned
# description: The masters bucket keeps object versions, so an overwrite never loses a source.
# custom:
#   message: Set versioning.enabled to true on the masters bucket.
deny_gcs_masters_versioning contains msg if {
	input.__type == gcs_bucket_type
	gcp_role_of(input) == "masters"
	not object.get(input, ["versioning", "enabled"], false) == true
	msg := sprintf("%s is not versioned", [named(input)])
}

# METADATA
# title: Uploads expire
# description: The ingest bucket deletes objects after an age, so abandoned uploads cost nothing.
# custom:
#   message: Add a lifecycle rule {action Delete, condition age N} to the ingest bucket.
deny_gcs_ingest_expiration contains msg if {
	input.__type == gcs_bucket_type
	gcp_role_of(input) == "ingest"
	not gcs_expiring(input)
	msg := sprintf("%s has no expiration rule", [named(input)])
}

gcs_expiring(b) if {
	some r in object.get(b, "lifecycleRules", [])
	r.action.type == "Delete"
	object.get(r, ["condition", "age"], 0) > 0
}

# METADATA
# title: Media buckets write usage logs
# description: Ingest, masters and delivery log their requests to the stack's logs bucket.
# custom:
#   message: Set logging.logBucket to the logs bucket.
deny_gcs_access_logs contains msg if {
	input.__type == gcs_bucket_type
	gcp_role_of(input) in {"ingest", "masters", "delivery"}
	object.get(input, ["logging", "logBucket"], "") == ""
	msg := sprintf("%s writes no usage logs", [named(input)])
}

# METADATA
# title: No bucket is granted to the public
# description: No bucket IAM member is allUsers or allAuthenticatedUsers.
# custom:
#   message: Remove the public member; serve media through Cloud CDN with signed cookies.
deny_gcs_public_iam contains msg if {
	input.__type in {"gcp:storage/bucketIAMMember:BucketIAMMember", "gcp:storage/bucketIAMBinding:BucketIAMBinding"}
	some m in array.concat([object.get(input, "member", "")], object.get(input, "members", []))
	m in gcp_public_principals
	msg := sprintf("%s grants %s to %s", [named(input), input.role, m])
}
