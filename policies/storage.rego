package ottkit

import rego.v1

# Storage rules. With pulumi-aws v6 every S3 setting is its own resource (BucketV2 plus
# BucketServerSideEncryptionConfigurationV2, BucketPublicAccessBlock, BucketPolicy,
# BucketVersioningV2, BucketLifecycleConfigurationV2, BucketLoggingV2), so these are stack rules
# that join each setting to its bucket by name, or by property dependency while the name is
# still unknown.

sse_type := "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2"

pab_type := "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"

bucket_policy_type := "aws:s3/bucketPolicy:BucketPolicy"

versioning_type := "aws:s3/bucketVersioningV2:BucketVersioningV2"

lifecycle_type := "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2"

logging_type := "aws:s3/bucketLoggingV2:BucketLoggingV2"

buckets contains b if {
	some t in bucket_types
	some b in of_type(t)
}

# settings returns the resources of type typ that configure bucket b.
settings(b, typ) := [r |
	some r in of_type(typ)
	configures(r, b)
]

configures(r, b) if {
	r.bucket == b.bucket
}

configures(r, b) if depends_on_via(r, "bucket", b.__urn)

# access_log_target holds for a bucket that receives S3 server access logs.
access_log_target(b) if {
	some r in of_type(logging_type)
	r.targetBucket == b.bucket
}

access_log_target(b) if {
	some r in of_type(logging_type)
	depends_on_via(r, "targetBucket", b.__urn)
}

# log_bucket holds for buckets that hold logs rather than media.
log_bucket(b) if access_log_target(b)

log_bucket(b) if role_of(b) == "logs"

log_bucket(b) if {
	some d in of_type("aws:cloudfront/distribution:Distribution")
	startswith(d.loggingConfig.bucket, concat("", [b.bucket, "."]))
}

media_buckets contains b if {
	some b in buckets
	not log_bucket(b)
}

# METADATA
# title: Media buckets use SSE-KMS with bucket keys
# description: >-
#   Every media bucket (ingest, masters, delivery) has a default encryption configuration
#   using aws:kms (or aws:kms:dsse) with the stack's customer managed key and S3 Bucket Keys
#   enabled. SSE-S3 (AES256) leaves no key policy between the data and anyone with s3:GetObject;
#   bucket keys cut KMS request costs by up to 99%.
# custom:
#   message: >-
#     Add a BucketServerSideEncryptionConfigurationV2 for the bucket with sseAlgorithm
#     "aws:kms", kmsMasterKeyId set to the stack key and bucketKeyEnabled true.
stack_deny_s3_encryption_kms contains msg if {
	some b in media_buckets
	count(settings(b, sse_type)) == 0
	msg := sprintf("%s has no default encryption configuration: it falls back to SSE-S3 (AES256), not SSE-KMS", [named(b)])
}

stack_deny_s3_encryption_kms contains msg if {
	some b in media_buckets
	some c in settings(b, sse_type)
	some rule in c.rules
	some problem in sse_kms_problems(rule)
	msg := sprintf("%s: %s", [named(b), problem])
}

# sse_kms_problems lists what is wrong with one encryption rule: the algorithm alone when it
# is not KMS, else a missing key and missing bucket keys.
sse_kms_problems(rule) := {p} if {
	p := algorithm_problem(rule)
	p != ""
} else := {p |
	some p in [key_problem(rule), bucket_key_problem(rule)]
	p != ""
}

algorithm_problem(rule) := sprintf("default encryption is %q, not aws:kms", [alg]) if {
	alg := object.get(rule, ["applyServerSideEncryptionByDefault", "sseAlgorithm"], "")
	not alg in {"aws:kms", "aws:kms:dsse"}
} else := ""

key_problem(rule) := "SSE-KMS names no kmsMasterKeyId, so S3 uses the AWS managed key aws/s3" if {
	object.get(rule, ["applyServerSideEncryptionByDefault", "kmsMasterKeyId"], "") == ""
} else := ""

bucket_key_problem(rule) := "bucketKeyEnabled is not true" if {
	not object.get(rule, "bucketKeyEnabled", false) == true
} else := ""

# METADATA
# title: Access-log buckets use SSE-S3
# description: >-
#   S3 server access logging cannot deliver to a bucket whose default encryption is SSE-KMS, so
#   a bucket that receives access logs must use SSE-S3 (AES256); otherwise logs are silently
#   lost.
# custom:
#   message: Set sseAlgorithm "AES256" on the log bucket's encryption configuration.
stack_deny_s3_log_bucket_encryption contains msg if {
	some b in buckets
	access_log_target(b)
	some c in settings(b, sse_type)
	some rule in c.rules
	alg := object.get(rule, ["applyServerSideEncryptionByDefault", "sseAlgorithm"], "")
	alg != "AES256"
	msg := sprintf("%s receives S3 access logs but its default encryption is %q: S3 can only deliver access logs to SSE-S3 (AES256) buckets", [named(b), alg])
}

# METADATA
# title: Buckets block all public access
# description: >-
#   Every bucket has a BucketPublicAccessBlock with blockPublicAcls, blockPublicPolicy,
#   ignorePublicAcls and restrictPublicBuckets all true. Media is served only through the CDN
#   with origin access control, never from S3 directly.
# custom:
#   message: >-
#     Add a BucketPublicAccessBlock for the bucket with all four settings true.
stack_deny_s3_public_access_block contains msg if {
	some b in buckets
	count(settings(b, pab_type)) == 0
	msg := sprintf("%s has no public access block", [named(b)])
}

stack_deny_s3_public_access_block contains msg if {
	some b in buckets
	some p in settings(b, pab_type)
	some flag in ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"]
	not object.get(p, flag, false) == true
	msg := sprintf("%s: public access block %q does not set %s to true", [named(b), p.__name, flag])
}

# METADATA
# title: Bucket policies deny plain HTTP
# description: >-
#   Every bucket has a bucket policy with a Deny statement for all principals on s3:* when
#   aws:SecureTransport is false, so no request without TLS is ever served.
# custom:
#   message: >-
#     Add a BucketPolicy statement {Effect Deny, Principal *, Action s3:*, Resource bucket and
#     bucket/*, Condition Bool aws:SecureTransport false}.
stack_deny_s3_tls_only contains msg if {
	some b in buckets
	not tls_enforced(b)
	msg := sprintf("%s has no bucket policy statement denying requests without TLS (aws:SecureTransport false)", [named(b)])
}

tls_enforced(b) if {
	some p in settings(b, bucket_policy_type)
	doc := document(p.policy)
	some s in statements(doc)
	s.Effect == "Deny"
	some action in as_array(s.Action)
	action in {"s3:*", "*"}
	some v in as_array(s.Condition.Bool["aws:SecureTransport"])
	falsy(v)
}

# METADATA
# title: Masters buckets are versioned
# description: >-
#   The masters bucket keeps the only copy of every accepted source, so versioning is enabled:
#   an overwrite or delete keeps the previous version.
# custom:
#   message: Add a BucketVersioningV2 for the masters bucket with status "Enabled".
stack_deny_s3_versioning contains msg if {
	some b in buckets
	role_of(b) in config("stack_deny_s3_versioning", "roles", ["masters"])
	not versioned(b)
	msg := sprintf("%s holds masters but versioning is not enabled", [named(b)])
}

versioned(b) if {
	some v in settings(b, versioning_type)
	v.versioningConfiguration.status == "Enabled"
}

# METADATA
# title: Media buckets have a lifecycle
# description: >-
#   Every media bucket has a lifecycle configuration with at least one enabled rule (ingest
#   uploads expire, masters move to archive tiers, delivery uses Intelligent-Tiering), so
#   storage does not grow without bound.
# custom:
#   message: Add a BucketLifecycleConfigurationV2 with at least one rule whose status is "Enabled".
stack_deny_s3_lifecycle contains msg if {
	some b in media_buckets
	not has_enabled_lifecycle(b)
	msg := sprintf("%s has no enabled lifecycle rule", [named(b)])
}

has_enabled_lifecycle(b) if {
	some c in settings(b, lifecycle_type)
	some rule in c.rules
	rule.status == "Enabled"
}

# METADATA
# title: Incomplete multipart uploads are aborted
# description: >-
#   Every media bucket's lifecycle aborts incomplete multipart uploads within the configured
#   number of days (maxDays, default 7). Abandoned parts of large video uploads are billed
#   forever otherwise and never show up in a listing.
# custom:
#   message: >-
#     Add an enabled lifecycle rule with abortIncompleteMultipartUpload.daysAfterInitiation
#     between 1 and the configured maxDays.
stack_deny_s3_abort_multipart contains msg if {
	some b in media_buckets
	has_enabled_lifecycle(b) # a bucket without one is stack_deny_s3_lifecycle's to report
	some c in settings(b, lifecycle_type)
	max := config("stack_deny_s3_abort_multipart", "maxDays", 7)
	not aborts_multipart(c, max)
	msg := sprintf("%s: lifecycle %q does not abort incomplete multipart uploads within %d days", [named(b), c.__name, max])
}

aborts_multipart(c, max) if {
	some rule in c.rules
	rule.status == "Enabled"
	days := rule.abortIncompleteMultipartUpload.daysAfterInitiation
	days >= 1
	days <= max
}

# METADATA
# title: Media buckets log access
# description: >-
#   Every media bucket sends S3 server access logs to a separate log bucket, so every read of
#   a master or upload can be audited.
# custom:
#   message: Add a BucketLoggingV2 for the bucket whose targetBucket is the stack's log bucket.
stack_deny_s3_access_logging contains msg if {
	some b in media_buckets
	not logs_access(b)
	msg := sprintf("%s has no server access logging to a separate bucket", [named(b)])
}

logs_access(b) if {
	some l in settings(b, logging_type)
	l.targetBucket != ""
	l.targetBucket != b.bucket
}
