package ottkit

import rego.v1

# Origin mode of the Cloudflare edge (components/cloudflare, components/gcp EdgeReader): the
# edge's credential for the cloud's origin stays out of Pulumi state, and the GCS identities
# that read the delivery bucket are limited to assets/.

cf_kv_value_type := "cloudflare:index/workersKv:WorkersKv"

# pulumi_unknown is how an output not yet known during preview reaches the analyzer.
pulumi_unknown := "04da6b54-80e4-46f7-96ec-b56ff0331ba9"

# METADATA
# title: The edge's origin credential never passes through Pulumi
# description: >-
#   The ottkit edge Worker has no secret-text bindings, and no Workers KV value managed by
#   Pulumi holds its origin credential (key "origin"): either would put the private half of
#   the edge's CloudFront key, or its GCS HMAC secret, into Pulumi state. The credential is
#   written to the Worker's ORIGIN_CREDENTIALS namespace with the Cloudflare API, and a
#   redeploy of the Worker keeps it.
# custom:
#   message: >-
#     Remove the secret binding or the WorkersKv value, and write the credential to the
#     ORIGIN_CREDENTIALS namespace out of band (docs/EDGE.md).
deny_cloudflare_edge_secrets_in_state contains msg if {
	input.__type == cf_script_type
	cf_edge_script(input)
	some b in object.get(input, "secretTextBindings", [])
	msg := sprintf("%s: secret binding %s keeps its value in Pulumi state", [named(input), b.name])
}

deny_cloudflare_edge_secrets_in_state contains msg if {
	input.__type == cf_kv_value_type
	input.key == "origin"
	msg := sprintf("%s: writes the edge's origin credential through Pulumi, which keeps it in its state", [named(input)])
}

# METADATA
# title: No service account or HMAC keys in Pulumi state
# description: >-
#   The stack creates no service account key and no Cloud Storage HMAC key: Pulumi stores
#   their private halves (privateKey, secret) in its state. The edge reader's HMAC key is
#   created out of band and written to the edge's origin credential.
# custom:
#   message: Remove the key resource; create the key outside Pulumi (docs/EDGE.md).
deny_gcp_keys_in_state contains msg if {
	input.__type in {"gcp:storage/hmacKey:HmacKey", "gcp:serviceaccount/key:Key"}
	msg := sprintf("%s: its secret would be kept in Pulumi state", [named(input)])
}

# METADATA
# title: Readers of the delivery bucket are limited to assets/
# description: >-
#   Every bucket grant that lets an identity read delivered media (the members named
#   <component>-reads: Cloud CDN's fill agent, the Cloudflare edge reader) carries the IAM
#   condition limiting it to objects under assets/, so a leaked HMAC key or a misused fill
#   identity reads nothing the CDN would not serve.
# custom:
#   message: >-
#     Add a condition titled "objects under assets/" with the expression
#     resource.name.startsWith("projects/_/buckets/<bucket>/objects/assets/").
deny_gcp_reader_unconditioned contains msg if {
	input.__type == "gcp:storage/bucketIAMMember:BucketIAMMember"
	gcp_role_of(input) == "reads"
	not gcp_assets_condition(object.get(input, "condition", {}))
	msg := sprintf("%s: grants %s to %s on the whole bucket, not only objects under assets/", [named(input), input.role, input.member])
}

gcp_assets_condition(c) if {
	c.title == "objects under assets/"
	gcp_assets_expression(c.expression)
}

gcp_assets_expression(e) if {
	startswith(e, "resource.name.startsWith(\"projects/_/buckets/")
	endswith(e, "/objects/assets/\")")
	not contains(e, "||")
}

# During preview the bucket name, and so the expression built from it, may be unknown.
gcp_assets_expression(e) if e == pulumi_unknown
