package ottkit

import rego.v1

# Cloudflare edge rules (components/cloudflare): zone TLS, the Worker's routes over the media
# paths, and R2 buckets readable only through the token-checking Worker.

cf_zone_settings_type := "cloudflare:index/zoneSettingsOverride:ZoneSettingsOverride"

cf_script_type := "cloudflare:index/workersScript:WorkersScript"

cf_route_type := "cloudflare:index/workersRoute:WorkersRoute"

# cf_binding_names returns the names of a Worker script's bindings of one kind.
cf_binding_names(s, kind) := {b.name | some b in object.get(s, kind, [])}

# cf_edge_script holds for a Worker that checks ottkit viewer tokens: it has the public keys
# and the revocation namespace bound.
cf_edge_script(s) if {
	"PUBLIC_KEYS" in cf_binding_names(s, "plainTextBindings")
	"REVOKED" in cf_binding_names(s, "kvNamespaceBindings")
}

# METADATA
# title: Cloudflare zone requires TLS 1.2 and HTTPS
# description: >-
#   The zone the edge runs on accepts TLS 1.2 or newer only and redirects plain HTTP to
#   HTTPS, so viewer tokens never travel in clear and old TLS versions are refused.
# custom:
#   message: Set settings.minTlsVersion to "1.2" (or "1.3") and settings.alwaysUseHttps to "on".
deny_cloudflare_tls contains msg if {
	input.__type == cf_zone_settings_type
	s := object.get(input, "settings", {})
	not object.get(s, "minTlsVersion", "1.0") in {"1.2", "1.3"}
	msg := sprintf("%s: minTlsVersion %v accepts TLS older than 1.2", [named(input), object.get(s, "minTlsVersion", "unset (1.0)")])
}

deny_cloudflare_tls contains msg if {
	input.__type == cf_zone_settings_type
	object.get(object.get(input, "settings", {}), "alwaysUseHttps", "off") != "on"
	msg := sprintf("%s: alwaysUseHttps is not on, so plain HTTP is served", [named(input)])
}

# METADATA
# title: R2 is read only through the token-checking Worker
# description: >-
#   An R2 bucket holding media has no public access: no public or custom domain is attached
#   to it, and any Worker bound to it is the ottkit edge Worker, which checks the viewer token
#   and the revocation list (PUBLIC_KEYS and REVOKED bound) before serving a byte.
# custom:
#   message: >-
#     Remove R2 public or custom domains, and bind R2 buckets only to the edge Worker
#     (components/cloudflare), which has PUBLIC_KEYS and REVOKED bound.
deny_cloudflare_r2_public contains msg if {
	input.__type == cf_script_type
	count(object.get(input, "r2BucketBindings", [])) > 0
	not cf_edge_script(input)
	msg := sprintf("%s: binds R2 bucket(s) %v without the viewer-token check (PUBLIC_KEYS and REVOKED bindings)", [named(input), [b.bucketName | some b in input.r2BucketBindings]])
}

deny_cloudflare_r2_public contains msg if {
	startswith(input.__type, "cloudflare:index/r2")
	t := lower(input.__type)
	some word in ["domain", "public"]
	contains(t, word)
	msg := sprintf("%s: makes an R2 bucket reachable without the edge Worker", [named(input)])
}

# METADATA
# title: The edge Worker's route covers the media paths
# description: >-
#   Every ottkit edge Worker has a route whose pattern covers <host>/assets/* (or the whole
#   host), so no media path of its host reaches the origin or R2 without the token check.
# custom:
#   message: Add a WorkersRoute with pattern "<host>/assets/*" and scriptName the edge Worker's name.
stack_deny_cloudflare_worker_routes contains msg if {
	some s in of_type(cf_script_type)
	cf_edge_script(s)
	not cf_media_route(s.name)
	msg := sprintf("%s: no route with pattern <host>/assets/* or <host>/* runs it, so media paths are served unchecked", [named(s)])
}

cf_media_route(script) if {
	some r in of_type(cf_route_type)
	r.scriptName == script
	some suffix in ["/assets/*", "/*"]
	endswith(r.pattern, suffix)
	not contains(trim_suffix(r.pattern, suffix), "/")
}

cf_token_type := "cloudflare:index/apiToken:ApiToken"

# The permission groups of an R2 token limited to objects: Workers R2 Storage Bucket Item
# Read and Write (global ids).
cf_r2_object_groups := {"6a018a9f2fc74eb6b293b0c548f38b39", "2efd5506f9c8494dacb1fa10a3e7d5b6"}

# METADATA
# title: API tokens the stack creates reach R2 bucket objects only
# description: >-
#   A Cloudflare API token in a stack (the complete function's R2 mirror credentials) allows
#   only the R2 bucket item read and write permission groups, on named R2 buckets, so its
#   secret, kept in the cloud's secret store and in Pulumi state, cannot change zones, Workers,
#   DNS or other buckets.
# custom:
#   message: >-
#     Give the token one allow policy with permission groups Workers R2 Storage Bucket Item
#     Read and Write only, on resources com.cloudflare.edge.r2.bucket.<account>_default_<bucket>.
deny_cloudflare_token_scope contains msg if {
	input.__type == cf_token_type
	some p in object.get(input, "policies", [])
	object.get(p, "effect", "allow") == "allow"
	some g in object.get(p, "permissionGroups", [])
	not g in cf_r2_object_groups
	msg := sprintf("%s: allows permission group %s, beyond R2 bucket object read and write", [named(input), g])
}

deny_cloudflare_token_scope contains msg if {
	input.__type == cf_token_type
	some p in object.get(input, "policies", [])
	object.get(p, "effect", "allow") == "allow"
	some r, _ in object.get(p, "resources", {})
	not regex.match(`^com\.cloudflare\.edge\.r2\.bucket\.[0-9a-f]{32}_[a-z]+_[a-z0-9][a-z0-9-]*$`, r)
	msg := sprintf("%s: allows resource %s, which is not one R2 bucket", [named(input), r])
}
