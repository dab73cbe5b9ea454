package ottkit

import rego.v1

# Catalog rules, on each DynamoDB table.

table_type := "aws:dynamodb/table:Table"

# METADATA
# title: Tables have point-in-time recovery
# description: >-
#   Point-in-time recovery is enabled, so the catalog can be restored to any second of the last
#   35 days after a bad deploy or a buggy handler.
# custom:
#   message: Set pointInTimeRecovery.enabled to true.
deny_dynamodb_pitr contains msg if {
	input.__type == table_type
	not object.get(input, ["pointInTimeRecovery", "enabled"], false) == true
	msg := sprintf("%s has no point-in-time recovery", [named(input)])
}

# METADATA
# title: Tables have deletion protection
# description: Deletion protection is on, so no API call or replacement can drop the catalog.
# custom:
#   message: Set deletionProtectionEnabled to true.
deny_dynamodb_deletion_protection contains msg if {
	input.__type == table_type
	not object.get(input, "deletionProtectionEnabled", false) == true
	msg := sprintf("%s has no deletion protection", [named(input)])
}

# METADATA
# title: Tables are encrypted with the stack key
# description: >-
#   The table is encrypted with a customer managed KMS key (serverSideEncryption enabled with
#   kmsKeyArn), not the AWS owned default key, so access is governed by the key policy.
# custom:
#   message: Set serverSideEncryption {enabled true, kmsKeyArn the stack key's ARN}.
deny_dynamodb_encryption contains msg if {
	input.__type == table_type
	not object.get(input, ["serverSideEncryption", "enabled"], false) == true
	msg := sprintf("%s is not encrypted with a customer managed key", [named(input)])
}

deny_dynamodb_encryption contains msg if {
	input.__type == table_type
	object.get(input, ["serverSideEncryption", "enabled"], false) == true
	object.get(input, ["serverSideEncryption", "kmsKeyArn"], "") == ""
	msg := sprintf("%s names no kmsKeyArn: DynamoDB would use the AWS managed key", [named(input)])
}
