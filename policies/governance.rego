package ottkit

import rego.v1

# Governance rules: tags, data residency, retention of stateful resources, key rotation.

# taggable_types are the resource types the platform creates that accept tags.
taggable_types := {
	"aws:s3/bucketV2:BucketV2",
	"aws:s3/bucket:Bucket",
	"aws:sqs/queue:Queue",
	"aws:sns/topic:Topic",
	"aws:lambda/function:Function",
	"aws:lambda/eventSourceMapping:EventSourceMapping",
	"aws:dynamodb/table:Table",
	"aws:cloudfront/distribution:Distribution",
	"aws:kms/key:Key",
	"aws:cloudwatch/logGroup:LogGroup",
	"aws:cloudwatch/eventRule:EventRule",
	"aws:cloudwatch/metricAlarm:MetricAlarm",
	"aws:iam/role:Role",
	"aws:iam/policy:Policy",
	"aws:secretsmanager/secret:Secret",
	"aws:wafv2/webAcl:WebAcl",
	"aws:apigatewayv2/api:Api",
	"aws:apigatewayv2/stage:Stage",
	"aws:mediaconvert/queue:Queue",
	"aws:acm/certificate:Certificate",
}

# METADATA
# title: Resources carry the required tags
# description: >-
#   Every taggable resource carries each tag in requiredTags (default ottkit:customer and
#   ottkit:environment, which platform.Spec.Tags sets), on the resource or through the
#   provider's defaultTags, so cost and ownership can be attributed per customer environment.
# custom:
#   message: Add the missing tags to the stack's tags (the provider's defaultTags) or to the resource.
deny_required_tags contains msg if {
	input.__type in taggable_types
	tags := tags_of(input)
	some key in config("deny_required_tags", "requiredTags", ["ottkit:customer", "ottkit:environment"])
	object.get(tags, key, "") == ""
	msg := sprintf("%s is missing the required tag %q", [named(input), key])
}

# METADATA
# title: Resources stay in the allowed regions
# description: >-
#   Every regional AWS resource is deployed through a provider whose region is in
#   allowedRegions (data residency). An empty list (the default) allows any region, as
#   ottkit:allowedRegions does; ottkit plan passes the stack's ottkit:allowedRegions. Global
#   services (CloudFront, IAM, Route 53) are exempt, and so are the ACM certificates (and their
#   validations) and CLOUDFRONT-scoped web ACLs CloudFront requires in us-east-1.
# custom:
#   message: Deploy the stack to an allowed region, or add the region to allowedRegions.
deny_region contains msg if {
	startswith(input.__type, "aws:")
	not global_service(input)
	not cloudfront_edge_resource(input)
	region := region_of(input)
	allowed := config("deny_region", "allowedRegions", [])
	count(allowed) > 0
	not region in allowed
	msg := sprintf("%s is in region %q, outside the allowed regions %v", [named(input), region, allowed])
}

global_service(r) if startswith(r.__type, "aws:cloudfront/")

global_service(r) if startswith(r.__type, "aws:iam/")

global_service(r) if startswith(r.__type, "aws:route53/")

cloudfront_edge_resource(r) if {
	r.__type in {"aws:acm/certificate:Certificate", "aws:acm/certificateValidation:CertificateValidation"}
	region_of(r) == "us-east-1"
}

cloudfront_edge_resource(r) if {
	r.__type == "aws:wafv2/webAcl:WebAcl"
	r.scope == "CLOUDFRONT"
	region_of(r) == "us-east-1"
}

# METADATA
# title: Stateful resources survive pulumi destroy
# description: >-
#   The masters bucket (bucketRoles), the catalog table and KMS keys are kept on pulumi destroy
#   (retainOnDelete) or protected. Pulumi's analyzer does not pass retainOnDelete to policies:
#   under pulumi preview the rule then requires protect, or for a bucket at least that
#   forceDestroy is off.
# custom:
#   message: Register the resource with pulumi.RetainOnDelete(true) (or pulumi.Protect(true)).
deny_stateful_retained contains msg if {
	stateful(input)
	not input.__options.protect == true
	object.get(input.__options, "retainOnDelete", null) == false
	msg := sprintf("%s holds data but is neither retained on delete nor protected", [named(input)])
}

deny_stateful_retained contains msg if {
	stateful(input)
	not input.__options.protect == true
	object.get(input.__options, "retainOnDelete", null) == null
	object.get(input, "forceDestroy", false) == true
	msg := sprintf("%s holds data but is not protected and has forceDestroy on", [named(input)])
}

stateful(r) if {
	r.__type in bucket_types
	role_of(r) in config("deny_stateful_retained", "bucketRoles", ["masters"])
}

stateful(r) if r.__type == "aws:dynamodb/table:Table"

stateful(r) if r.__type == "aws:kms/key:Key"

# METADATA
# title: KMS keys rotate
# description: Automatic yearly rotation is on for every symmetric KMS key.
# custom:
#   message: Set enableKeyRotation to true.
#   checkov: [CKV_AWS_7]
deny_kms_key_rotation contains msg if {
	input.__type == "aws:kms/key:Key"
	object.get(input, "customerMasterKeySpec", "SYMMETRIC_DEFAULT") == "SYMMETRIC_DEFAULT"
	not object.get(input, "enableKeyRotation", false) == true
	msg := sprintf("%s does not rotate automatically", [named(input)])
}

# METADATA
# title: KMS keys are enabled
# description: >-
#   No KMS key is created disabled (isEnabled false): every bucket, queue, topic, table and log
#   group encrypted with it would stop working.
# custom:
#   message: Set isEnabled to true (or leave it unset).
#   checkov: [CKV_AWS_227]
deny_kms_key_enabled contains msg if {
	input.__type == "aws:kms/key:Key"
	object.get(input, "isEnabled", true) == false
	msg := sprintf("%s is disabled", [named(input)])
}

# METADATA
# title: KMS keys have an explicit key policy
# description: >-
#   Every KMS key has its own key policy (the key's policy, or a KeyPolicy for it) naming who
#   administers and who uses it. The default policy gives the whole account's IAM full use of
#   the key, so any role with kms:* could read every master.
# custom:
#   message: Set the key's policy (the StackKey component writes one per stack).
#   checkov: [CKV2_AWS_64]
stack_deny_kms_key_policy contains msg if {
	some k in of_type("aws:kms/key:Key")
	object.get(k, "policy", "") == ""
	not has_key_policy(k)
	msg := sprintf("%s has the default key policy: every IAM principal of the account allowed kms:* can use it", [named(k)])
}

has_key_policy(k) if {
	some p in of_type("aws:kms/keyPolicy:KeyPolicy")
	p.keyId in {object.get(k, "keyId", null), object.get(k, "arn", null)}
}

has_key_policy(k) if {
	some p in of_type("aws:kms/keyPolicy:KeyPolicy")
	depends_on_via(p, "keyId", k.__urn)
}
