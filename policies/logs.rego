package ottkit

import rego.v1

# Log rules, on every CloudWatch Logs log group and Secrets Manager secret.

# METADATA
# title: Log groups expire
# description: >-
#   Every log group (functions', the API's access log, any other) has retentionInDays set, at
#   least minDays (default 1): a group without retention keeps logs, with viewer IPs in them,
#   forever.
# custom:
#   message: Set retentionInDays (ottkit:logRetentionDays for the platform's groups).
#   checkov: [CKV_AWS_66]
deny_log_group_retention contains msg if {
	input.__type == log_group_type
	days := object.get(input, "retentionInDays", 0)
	days < max([1, config("deny_log_group_retention", "minDays", 1)])
	msg := sprintf("%s keeps logs for %v days (0 is forever)", [named(input), days])
}

# METADATA
# title: Log groups are encrypted with the stack key
# description: Every log group is encrypted with a customer managed KMS key (kmsKeyId).
# custom:
#   message: Set kmsKeyId to the stack key (its policy lets logs.REGION.amazonaws.com use it).
#   checkov: [CKV_AWS_158]
deny_log_group_kms contains msg if {
	input.__type == log_group_type
	object.get(input, "kmsKeyId", "") == ""
	msg := sprintf("%s is not encrypted with a customer managed key", [named(input)])
}

# METADATA
# title: Secrets are encrypted with the stack key
# description: >-
#   Every Secrets Manager secret (the cookie signing key) is encrypted with the stack's
#   customer managed key (kmsKeyId), not aws/secretsmanager.
# custom:
#   message: Set kmsKeyId to the stack key.
#   checkov: [CKV_AWS_149]
deny_secret_kms contains msg if {
	input.__type == "aws:secretsmanager/secret:Secret"
	key := object.get(input, "kmsKeyId", "")
	key in {"", "alias/aws/secretsmanager"}
	msg := sprintf("%s is not encrypted with a customer managed key (kmsKeyId %q)", [named(input), key])
}

# METADATA
# title: Secret rotation runs at least every 90 days
# description: >-
#   A secret rotation rotates at least every maxDays (default 90) days.
# custom:
#   message: Set rotationRules.automaticallyAfterDays to at most 90, or a schedule as often.
#   checkov: [CKV_AWS_304]
deny_secret_rotation_period contains msg if {
	input.__type == "aws:secretsmanager/secretRotation:SecretRotation"
	days := object.get(input, ["rotationRules", "automaticallyAfterDays"], 0)
	max_days := config("deny_secret_rotation_period", "maxDays", 90)
	object.get(input, ["rotationRules", "scheduleExpression"], "") == ""
	not within_days(days, max_days)
	msg := sprintf("%s rotates every %v days, not within %d", [named(input), days, max_days])
}

within_days(days, max_days) if {
	days > 0
	days <= max_days
}
