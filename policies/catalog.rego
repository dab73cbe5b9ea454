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
#   checkov: [CKV_AWS_28]
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
#   kmsKeyArn), not the AWS owned default key, so access is governed by the key policy; so is
#   every replica (replicas[].kmsKeyArn, or a TableReplica's kmsKeyArn).
# custom:
#   message: Set serverSideEncryption {enabled true, kmsKeyArn the stack key's ARN}.
#   checkov: [CKV_AWS_119, CKV_AWS_271]
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

deny_dynamodb_encryption contains msg if {
	input.__type == table_type
	some r in object.get(input, "replicas", [])
	object.get(r, "kmsKeyArn", "") == ""
	msg := sprintf("%s: replica in %v names no kmsKeyArn", [named(input), object.get(r, "regionName", "?")])
}

deny_dynamodb_encryption contains msg if {
	input.__type == "aws:dynamodb/tableReplica:TableReplica"
	object.get(input, "kmsKeyArn", "") == ""
	msg := sprintf("%s names no kmsKeyArn", [named(input)])
}

# METADATA
# title: Tables scale with demand
# description: >-
#   A table bills on demand (billingMode PAY_PER_REQUEST), or its provisioned read and write
#   capacity is under Application Auto Scaling: a fixed capacity throttles the catalog the day
#   a title goes viral.
# custom:
#   message: Set billingMode "PAY_PER_REQUEST" (or add appautoscaling targets for the table).
#   checkov: [CKV2_AWS_16]
stack_deny_dynamodb_capacity contains msg if {
	some t in of_type(table_type)
	object.get(t, "billingMode", "PROVISIONED") == "PROVISIONED"
	some dimension in ["dynamodb:table:ReadCapacityUnits", "dynamodb:table:WriteCapacityUnits"]
	not autoscaled(t, dimension)
	msg := sprintf("%s has fixed provisioned capacity: %s is not auto scaled", [named(t), dimension])
}

autoscaled(t, dimension) if {
	some a in of_type("aws:appautoscaling/target:Target")
	a.scalableDimension == dimension
	a.resourceId == concat("", ["table/", t.name])
}
