package ottkit

import rego.v1

# Cloud CDN and load balancer rules.

gcp_backend_bucket_type := "gcp:compute/backendBucket:BackendBucket"

# METADATA
# title: SSL policies require TLS 1.2 or newer
# description: >-
#   Every SSL policy sets minTlsVersion TLS_1_2 or TLS_1_3 with the MODERN or RESTRICTED
#   profile (the default allows TLS 1.0 and weak ciphers).
# custom:
#   message: Set minTlsVersion TLS_1_2 and profile MODERN.
deny_gcp_ssl_policy_tls contains msg if {
	input.__type == "gcp:compute/sSLPolicy:SSLPolicy"
	not object.get(input, "minTlsVersion", "TLS_1_0") in {"TLS_1_2", "TLS_1_3"}
	msg := sprintf("%s allows TLS older than 1.2", [named(input)])
}

deny_gcp_ssl_policy_tls contains msg if {
	input.__type == "gcp:compute/sSLPolicy:SSLPolicy"
	not object.get(input, "profile", "COMPATIBLE") in {"MODERN", "RESTRICTED"}
	msg := sprintf("%s allows the COMPATIBLE cipher profile", [named(input)])
}

# METADATA
# title: HTTPS proxies use an SSL policy
# description: A target HTTPS proxy without an SSL policy gets Google's default, which allows TLS 1.0.
# custom:
#   message: Set sslPolicy to the stack's TLS 1.2 policy.
deny_gcp_https_proxy_ssl_policy contains msg if {
	input.__type == "gcp:compute/targetHttpsProxy:TargetHttpsProxy"
	object.get(input, "sslPolicy", "") == ""
	msg := sprintf("%s has no SSL policy", [named(input)])
}

# METADATA
# title: Media is served only with signed cookies
# description: >-
#   Every CDN-enabled backend bucket answers signed requests (signedUrlCacheMaxAgeSec caps how
#   long a viewer caches a signed response), and no signed-request key is in the plan: the keys
#   live only in Secret Manager and the backend bucket's keyset, where `ottkit keys rotate
#   --kind cloudcdn` puts them, never in the program or Pulumi state.
# custom:
#   message: >-
#     Set cdnPolicy.signedUrlCacheMaxAgeSec to the cookie lifetime, and replace any
#     compute.BackendBucketSignedUrlKey with `ottkit keys rotate --kind cloudcdn`.
stack_deny_gcp_cdn_signed_requests contains msg if {
	some b in of_type(gcp_backend_bucket_type)
	object.get(b, "enableCdn", false) == true
	object.get(object.get(b, "cdnPolicy", {}), "signedUrlCacheMaxAgeSec", 0) <= 0
	msg := sprintf("%s serves media without signed requests", [named(b)])
}

stack_deny_gcp_cdn_signed_requests contains msg if {
	some k in of_type("gcp:compute/backendBucketSignedUrlKey:BackendBucketSignedUrlKey")
	msg := sprintf("%s puts a Cloud CDN signing key in Pulumi state", [named(k)])
}

# METADATA
# title: Backend buckets have an edge security policy
# description: A Cloud Armor edge policy (geo rules) sits in front of every CDN-enabled backend bucket.
# custom:
#   message: Set edgeSecurityPolicy to the stack's CLOUD_ARMOR_EDGE policy.
deny_gcp_cdn_edge_policy contains msg if {
	input.__type == gcp_backend_bucket_type
	object.get(input, "enableCdn", false) == true
	object.get(input, "edgeSecurityPolicy", "") == ""
	msg := sprintf("%s has no edge security policy", [named(input)])
}

# METADATA
# title: Plain HTTP only redirects
# description: Every target HTTP proxy's URL map redirects to HTTPS and serves nothing itself.
# custom:
#   message: Give the HTTP proxy a URL map with defaultUrlRedirect.httpsRedirect true.
stack_deny_gcp_http_redirect contains msg if {
	some p in of_type("gcp:compute/targetHttpProxy:TargetHttpProxy")
	some m in of_type("gcp:compute/uRLMap:URLMap")
	gcp_serves(p, m)
	not object.get(m, ["defaultUrlRedirect", "httpsRedirect"], false) == true
	msg := sprintf("%s serves plain HTTP through %s", [named(p), named(m)])
}

gcp_serves(p, m) if ends_with_name(p.urlMap, m.name)

gcp_serves(p, m) if depends_on_via(p, "urlMap", m.__urn)
