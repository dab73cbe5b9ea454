package ottkit

import rego.v1

# GCP governance rules: retention, residency, keys, stateful data.

# METADATA
# title: Function logs have a retention
# description: The stack's log bucket keeps logs for a set number of days (at least minDays).
# custom:
#   message: Set retentionDays on the log bucket.
deny_gcp_log_retention contains msg if {
	input.__type == "gcp:logging/projectBucketConfig:ProjectBucketConfig"
	days := object.get(input, "retentionDays", 0)
	days < config("deny_gcp_log_retention", "minDays", 1)
	msg := sprintf("%s sets no log retention", [named(input)])
}

# METADATA
# title: Data stays in the allowed regions
# description: >-
#   Every regional resource (buckets, the catalog, topics' message storage, keys, functions,
#   queues, secrets) is in one of allowedRegions, when the stack sets ottkit:allowedRegions.
# custom:
#   message: Deploy the resource in an allowed region.
deny_gcp_region contains msg if {
	startswith(input.__type, "gcp:")
	some loc in gcp_locations(input)
	allowed := config("deny_gcp_region", "allowedRegions", [])
	count(allowed) > 0
	not lower(loc) in allowed
	msg := sprintf("%s is in %q, outside the allowed regions %v", [named(input), loc, allowed])
}

gcp_locations(r) := {l |
	some k in ["location", "locationId", "region"]
	l := object.get(r, k, "")
	l != ""
	l != "global"
} | {l |
	some l in object.get(r, ["messageStoragePolicy", "allowedPersistenceRegions"], [])
} | {l |
	some rep in object.get(r, ["replication", "userManaged", "replicas"], [])
	l := rep.location
}

# METADATA
# title: Keys rotate at least every 90 days
# description: Every Cloud KMS key has a rotation period of at most maxSeconds (90 days).
# custom:
#   message: Set rotationPeriod to "7776000s" or less.
deny_gcp_kms_rotation contains msg if {
	input.__type == "gcp:kms/cryptoKey:CryptoKey"
	not gcp_rotates(input)
	msg := sprintf("%s does not rotate within %v s", [named(input), config("deny_gcp_kms_rotation", "maxSeconds", 7776000)])
}

gcp_rotates(k) if {
	p := object.get(k, "rotationPeriod", "")
	endswith(p, "s")
	to_number(trim_suffix(p, "s")) <= config("deny_gcp_kms_rotation", "maxSeconds", 7776000)
}

# METADATA
# title: GCP stateful data survives pulumi destroy
# description: >-
#   Masters, delivery and logs buckets, the catalog database and the stack key are retained
#   on delete (or protected), and buckets holding data are not force-destroyed.
# custom:
#   message: Set the retainOnDelete option (and forceDestroy false on buckets).
deny_gcp_stateful_retained contains msg if {
	gcp_stateful(input)
	not input.__options.protect == true
	not input.__options.retainOnDelete == true
	msg := sprintf("%s holds data but is neither retained on delete nor protected", [named(input)])
}

deny_gcp_stateful_retained contains msg if {
	input.__type == gcs_bucket_type
	gcp_stateful(input)
	object.get(input, "forceDestroy", false) == true
	msg := sprintf("%s holds data but has forceDestroy on", [named(input)])
}

gcp_stateful(r) if {
	r.__type == gcs_bucket_type
	gcp_role_of(r) in {"masters", "delivery", "logs"}
}

gcp_stateful(r) if r.__type in {"gcp:firestore/database:Database", "gcp:kms/cryptoKey:CryptoKey"}
