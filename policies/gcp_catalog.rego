package ottkit

import rego.v1

# Firestore rules.

gcp_firestore_type := "gcp:firestore/database:Database"

# METADATA
# title: Firestore has point-in-time recovery
# description: The catalog database can be read as of any minute of the last 7 days.
# custom:
#   message: Set pointInTimeRecoveryEnablement to POINT_IN_TIME_RECOVERY_ENABLED.
deny_firestore_pitr contains msg if {
	input.__type == gcp_firestore_type
	object.get(input, "pointInTimeRecoveryEnablement", "") != "POINT_IN_TIME_RECOVERY_ENABLED"
	msg := sprintf("%s has no point-in-time recovery", [named(input)])
}

# METADATA
# title: Firestore has delete protection
# description: The catalog database cannot be deleted while delete protection is on.
# custom:
#   message: Set deleteProtectionState to DELETE_PROTECTION_ENABLED.
deny_firestore_delete_protection contains msg if {
	input.__type == gcp_firestore_type
	object.get(input, "deleteProtectionState", "") != "DELETE_PROTECTION_ENABLED"
	msg := sprintf("%s has no delete protection", [named(input)])
}

# METADATA
# title: Firestore encrypts with the stack's CMEK
# description: The database is created with a customer-managed key (it cannot be added later).
# custom:
#   message: Set cmekConfig.kmsKeyName to the stack key.
deny_firestore_cmek contains msg if {
	input.__type == gcp_firestore_type
	object.get(input, ["cmekConfig", "kmsKeyName"], "") == ""
	msg := sprintf("%s has no customer-managed key", [named(input)])
}
