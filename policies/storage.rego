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
#   checkov: [CKV_AWS_19, CKV_AWS_145]
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
#   checkov: [CKV_AWS_19]
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
#   ignorePublicAcls and restrictPublicBuckets all true, and so does every public access block
#   in the stack, also one for a bucket the stack does not create. Media is served only
#   through the CDN with origin access control, never from S3 directly.
# custom:
#   message: >-
#     Add a BucketPublicAccessBlock for the bucket with all four settings true.
#   checkov: [CKV_AWS_53, CKV_AWS_54, CKV_AWS_55, CKV_AWS_56, CKV2_AWS_6]
stack_deny_s3_public_access_block contains msg if {
	some b in buckets
	count(settings(b, pab_type)) == 0
	msg := sprintf("%s has no public access block", [named(b)])
}

# Every public access block in the stack is judged, also one for a bucket the stack does not
# create (an existing bucket brought in by name): a false flag opens that bucket all the same.
stack_deny_s3_public_access_block contains msg if {
	some p in of_type(pab_type)
	some flag in ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"]
	not object.get(p, flag, false) == true
	msg := sprintf("%s (bucket %v) does not set %s to true", [named(p), object.get(p, "bucket", "?"), flag])
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
#   checkov: [CKV_AWS_379]
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
#   checkov: [CKV_AWS_21]
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
#   checkov: [CKV2_AWS_61]
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
#   checkov: [CKV_AWS_300]
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
#   checkov: [CKV_AWS_18]
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

ownership_type := "aws:s3/bucketOwnershipControls:BucketOwnershipControls"

acl_type := "aws:s3/bucketAclV2:BucketAclV2"

# METADATA
# title: No public bucket ACLs
# description: >-
#   No bucket ACL (BucketAclV2, or a bucket's own acl and grants) is a canned public ACL
#   (public-read, public-read-write, authenticated-read) or grants anything to the AllUsers or
#   AuthenticatedUsers groups: either would let anyone list, read or write the bucket.
# custom:
#   message: Remove the ACL (keep ACLs disabled with BucketOwnerEnforced), or grant only the owner.
#   checkov: [CKV_AWS_20, CKV_AWS_57, CKV2_AWS_43, CKV_AWS_375]
deny_s3_public_acl contains msg if {
	input.__type in ({acl_type} | bucket_types)
	acl := object.get(input, "acl", "")
	acl in public_canned_acls
	msg := sprintf("%s sets the public canned ACL %q", [named(input), acl])
}

deny_s3_public_acl contains msg if {
	input.__type in ({acl_type} | bucket_types)
	some g in acl_grants(input)
	public_grantee(g)
	msg := sprintf("%s grants %v to everyone (%v)", [named(input), object.get(g, "permission", object.get(g, "permissions", "?")), grantee_uri(g)])
}

public_canned_acls := {"public-read", "public-read-write", "authenticated-read"}

acl_grants(r) := array.concat(
	object.get(r, ["accessControlPolicy", "grants"], []),
	object.get(r, "grants", []),
)

grantee_uri(g) := object.get(g, ["grantee", "uri"], object.get(g, "uri", ""))

public_grantee(g) if endswith(grantee_uri(g), "/global/AllUsers")

public_grantee(g) if endswith(grantee_uri(g), "/global/AuthenticatedUsers")

# METADATA
# title: Bucket ACLs are disabled
# description: >-
#   Every bucket has BucketOwnershipControls with objectOwnership BucketOwnerEnforced, which
#   turns ACLs off: access is decided by bucket policies alone and every object belongs to the
#   account. The one exception is the log bucket (role logs, or the bucket CloudFront logs
#   to): CloudFront standard logging writes with ACLs, so it may use BucketOwnerPreferred.
# custom:
#   message: >-
#     Add BucketOwnershipControls with rule.objectOwnership "BucketOwnerEnforced" (or
#     "BucketOwnerPreferred" for the CloudFront log bucket).
#   checkov: [CKV2_AWS_65]
stack_deny_s3_object_ownership contains msg if {
	some b in buckets
	count(settings(b, ownership_type)) == 0
	msg := sprintf("%s has no ownership controls: ACLs stay enabled", [named(b)])
}

stack_deny_s3_object_ownership contains msg if {
	some b in buckets
	some c in settings(b, ownership_type)
	ownership := object.get(c, ["rule", "objectOwnership"], "")
	ownership != "BucketOwnerEnforced"
	not cloudfront_log_bucket_ownership(b, ownership)
	msg := sprintf("%s: object ownership %q leaves ACLs enabled", [named(b), ownership])
}

cloudfront_log_bucket_ownership(b, "BucketOwnerPreferred") if cloudfront_logs_to(b)

cloudfront_log_bucket_ownership(b, "BucketOwnerPreferred") if role_of(b) == "logs"

cloudfront_logs_to(b) if {
	some d in of_type("aws:cloudfront/distribution:Distribution")
	startswith(object.get(d, ["loggingConfig", "bucket"], ""), concat("", [b.bucket, "."]))
}

# METADATA
# title: Bucket policies cannot lock everyone out
# description: >-
#   No bucket policy denies every action (s3:* or *) to Principal "*" without a condition: such
#   a statement locks out every role, the deployer included, and only the account root user
#   can remove it.
# custom:
#   message: Add a condition to the Deny (e.g. Bool aws:SecureTransport false) or narrow its actions.
#   checkov: [CKV_AWS_93]
deny_s3_policy_lockout contains msg if {
	input.__type == bucket_policy_type
	doc := document(input.policy)
	some s in statements(doc)
	s.Effect == "Deny"
	s.Principal == "*"
	some action in as_array(s.Action)
	action in {"s3:*", "*"}
	count(object.get(s, "Condition", {})) == 0
	msg := sprintf("%s denies %s to everyone without a condition: only the root user could undo it", [named(input), action])
}

# METADATA
# title: Buckets are not websites
# description: >-
#   No bucket has a website configuration. An S3 website endpoint speaks plain HTTP, ignores
#   TLS-only bucket policies and cannot be reached through origin access control; media is
#   served only through CloudFront.
# custom:
#   message: Remove the BucketWebsiteConfigurationV2 (or the bucket's website block).
#   checkov: [CKV_AWS_379]
deny_s3_website contains msg if {
	input.__type == "aws:s3/bucketWebsiteConfigurationV2:BucketWebsiteConfigurationV2"
	msg := sprintf("%s makes bucket %v a website (plain HTTP, no origin access control)", [named(input), object.get(input, "bucket", "?")])
}

deny_s3_website contains msg if {
	input.__type in bucket_types
	count(object.get(input, "website", {})) > 0
	msg := sprintf("%s has a website configuration (plain HTTP, no origin access control)", [named(input)])
}

# METADATA
# title: Upload CORS names its origins
# description: >-
#   A bucket's CORS rules allow only listed https origins: no "*", no wildcard in an origin and
#   no plain http, so only the customer's studio can upload from a browser.
# custom:
#   message: Set allowedOrigins to the studio's https origins (ottkit:uploadOrigins).
deny_s3_cors_origins contains msg if {
	input.__type in {"aws:s3/bucketCorsConfigurationV2:BucketCorsConfigurationV2", "aws:s3/bucketCorsConfiguration:BucketCorsConfiguration"}
	some rule in object.get(input, "corsRules", [])
	some origin in object.get(rule, "allowedOrigins", [])
	problem := origin_problem(origin)
	msg := sprintf("%s allows origin %q: %s", [named(input), origin, problem])
}

# origin_problem says what is wrong with a CORS origin, if anything.
origin_problem(origin) := "any site" if {
	contains(origin, "*")
} else := "plain http" if {
	not startswith(origin, "https://")
}

# METADATA
# title: Objects the stack writes use the stack key
# description: >-
#   An object the program uploads or copies (BucketObjectv2, ObjectCopy) is encrypted with SSE-KMS under a named
#   customer managed key, like every object the platform's functions write.
# custom:
#   message: Set serverSideEncryption "aws:kms" and kmsKeyId to the stack key.
#   checkov: [CKV_AWS_186, CKV_AWS_181]
deny_s3_object_kms contains msg if {
	input.__type in {"aws:s3/bucketObjectv2:BucketObjectv2", "aws:s3/bucketObject:BucketObject", "aws:s3/objectCopy:ObjectCopy"}
	not object_kms(input)
	msg := sprintf("%s is not encrypted with a customer managed KMS key", [named(input)])
}

object_kms(o) if {
	o.serverSideEncryption in {"aws:kms", "aws:kms:dsse"}
	object.get(o, "kmsKeyId", "") != ""
}

# METADATA
# title: Access points block public access
# description: >-
#   Every S3 access point has a public access block configuration with all four settings true.
# custom:
#   message: Set publicAccessBlockConfiguration's four settings to true.
#   checkov: [CKV_AWS_392]
deny_s3_access_point_public contains msg if {
	input.__type == "aws:s3/accessPoint:AccessPoint"
	some flag in ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"]
	not object.get(input, ["publicAccessBlockConfiguration", flag], true) == true
	msg := sprintf("%s does not set %s to true", [named(input), flag])
}

# METADATA
# title: The ingest bucket announces uploads
# description: >-
#   The ingest bucket sends its events (EventBridge or a queue), so every upload reaches the
#   probe; an ingest bucket without notifications collects files nobody checks.
# custom:
#   message: Add a BucketNotification for the ingest bucket with eventbridge true.
#   checkov: [CKV2_AWS_62]
stack_deny_s3_ingest_notifications contains msg if {
	some b in buckets
	role_of(b) == "ingest"
	not notifies(b)
	msg := sprintf("%s sends no event notifications: uploads would never be probed", [named(b)])
}

notifies(b) if {
	some n in settings(b, "aws:s3/bucketNotification:BucketNotification")
	notification_target(n)
}

notification_target(n) if n.eventbridge == true

notification_target(n) if count(object.get(n, "queues", [])) > 0

notification_target(n) if count(object.get(n, "lambdaFunctions", [])) > 0

notification_target(n) if count(object.get(n, "topics", [])) > 0
