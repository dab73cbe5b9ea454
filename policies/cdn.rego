package ottkit

import rego.v1

# CDN rules, on each CloudFront distribution.

distribution_type := "aws:cloudfront/distribution:Distribution"

# behaviours returns the default cache behaviour and every ordered one, each with a label.
behaviours(d) := array.concat(
	[{"label": "default behaviour", "b": d.defaultCacheBehavior}],
	[{"label": sprintf("behaviour %q", [b.pathPattern]), "b": b} | some b in object.get(d, "orderedCacheBehaviors", [])],
)

# s3_origin_ids are the origin ids of a distribution's S3 origins.
s3_origin_ids(d) := {o.originId |
	some o in object.get(d, "origins", [])
	s3_origin(o)
}

s3_origin(o) if contains(o.domainName, ".s3.")

s3_origin(o) if endswith(o.domainName, ".s3.amazonaws.com")

s3_origin(o) if o.s3OriginConfig

# media_behaviours are the behaviours that serve an S3 origin and are not configured as public.
media_behaviours(d) := [x |
	some x in behaviours(d)
	x.b.targetOriginId in s3_origin_ids(d)
	not object.get(x.b, "pathPattern", "") in config("deny_cloudfront_signed_urls", "publicPathPatterns", [])
]

# METADATA
# title: Viewers always use HTTPS
# description: >-
#   No cache behaviour has viewerProtocolPolicy allow-all: plain HTTP would expose signed
#   cookies and let anyone on the path tamper with manifests.
# custom:
#   message: Set viewerProtocolPolicy to "redirect-to-https" or "https-only" on every behaviour.
deny_cloudfront_viewer_protocol contains msg if {
	input.__type == distribution_type
	some x in behaviours(input)
	object.get(x.b, "viewerProtocolPolicy", "allow-all") == "allow-all"
	msg := sprintf("%s: %s allows plain HTTP (viewerProtocolPolicy allow-all)", [named(input), x.label])
}

# METADATA
# title: Custom certificate with TLSv1.2_2021 or newer
# description: >-
#   The distribution serves the customer's domain with its own ACM certificate (SNI) and a
#   minimum protocol version of TLSv1.2_2021 or newer (allowedProtocols). With the default
#   *.cloudfront.net certificate CloudFront accepts TLSv1, so it is allowed only for
#   distributions whose ottkit:environment tag is in defaultCertificateEnvironments (default
#   dev and test), which have no domain of their own.
# custom:
#   message: >-
#     Set viewerCertificate.acmCertificateArn, sslSupportMethod "sni-only" and
#     minimumProtocolVersion "TLSv1.2_2021" (or a newer policy from allowedProtocols).
deny_cloudfront_tls contains msg if {
	input.__type == distribution_type
	not custom_certificate(input)
	not default_certificate_allowed(input)
	msg := sprintf("%s uses the default CloudFront certificate, which allows TLSv1: attach an ACM certificate", [named(input)])
}

deny_cloudfront_tls contains msg if {
	input.__type == distribution_type
	custom_certificate(input)
	version := object.get(input.viewerCertificate, "minimumProtocolVersion", "TLSv1")
	not version in config("deny_cloudfront_tls", "allowedProtocols", ["TLSv1.2_2021", "TLSv1.2_2025", "TLSv1.3_2025"])
	msg := sprintf("%s: minimumProtocolVersion %q is older than TLSv1.2_2021", [named(input), version])
}

default_certificate_allowed(d) if {
	env := tags_of(d)[config("deny_cloudfront_waf", "environmentTag", "ottkit:environment")]
	lower(env) in config("deny_cloudfront_tls", "defaultCertificateEnvironments", ["dev", "test"])
}

custom_certificate(d) if {
	object.get(d.viewerCertificate, "acmCertificateArn", "") != ""
	not object.get(d.viewerCertificate, "cloudfrontDefaultCertificate", false) == true
}

custom_certificate(d) if {
	object.get(d.viewerCertificate, "iamCertificateId", "") != ""
	not object.get(d.viewerCertificate, "cloudfrontDefaultCertificate", false) == true
}

# METADATA
# title: S3 origins use origin access control
# description: >-
#   Every S3 origin is reached through an origin access control (SigV4, works with SSE-KMS),
#   never through a legacy origin access identity.
# custom:
#   message: >-
#     Create an OriginAccessControl (signingBehavior always, signingProtocol sigv4), set the
#     origin's originAccessControlId and remove s3OriginConfig.originAccessIdentity.
deny_cloudfront_origin_access contains msg if {
	input.__type == distribution_type
	some o in object.get(input, "origins", [])
	s3_origin(o)
	object.get(o, ["s3OriginConfig", "originAccessIdentity"], "") != ""
	msg := sprintf("%s: origin %q uses a legacy origin access identity", [named(input), o.originId])
}

deny_cloudfront_origin_access contains msg if {
	input.__type == distribution_type
	some o in object.get(input, "origins", [])
	s3_origin(o)
	object.get(o, "originAccessControlId", "") == ""
	msg := sprintf("%s: S3 origin %q has no origin access control", [named(input), o.originId])
}

# METADATA
# title: Media requires signed cookies from a trusted key group
# description: >-
#   Every behaviour that serves the media bucket requires signed URLs or cookies verified with
#   a trusted key group (not legacy root-account trusted signers). Path patterns listed in
#   publicPathPatterns are exempt.
# custom:
#   message: Set trustedKeyGroups to the stack's key group on every media behaviour.
deny_cloudfront_signed_urls contains msg if {
	input.__type == distribution_type
	some x in media_behaviours(input)
	count(object.get(x.b, "trustedKeyGroups", [])) == 0
	msg := sprintf("%s: %s serves media without a trusted key group", [named(input), x.label])
}

deny_cloudfront_signed_urls contains msg if {
	input.__type == distribution_type
	some x in behaviours(input)
	count(object.get(x.b, "trustedSigners", [])) > 0
	msg := sprintf("%s: %s uses legacy trusted signers (root-account keys) instead of a key group", [named(input), x.label])
}

# METADATA
# title: Distributions log requests
# description: Every distribution writes standard access logs to the stack's log bucket.
# custom:
#   message: Set loggingConfig.bucket to the log bucket's regional domain name.
deny_cloudfront_logging contains msg if {
	input.__type == distribution_type
	object.get(input, ["loggingConfig", "bucket"], "") == ""
	msg := sprintf("%s has no access logging", [named(input)])
}

# METADATA
# title: Behaviours attach a response headers policy
# description: >-
#   Every cache behaviour attaches a response headers policy (HSTS, nosniff, CORS for players),
#   so security headers do not depend on what the origin returns.
# custom:
#   message: Set responseHeadersPolicyId on every cache behaviour.
deny_cloudfront_response_headers contains msg if {
	input.__type == distribution_type
	some x in behaviours(input)
	object.get(x.b, "responseHeadersPolicyId", "") == ""
	msg := sprintf("%s: %s has no response headers policy", [named(input), x.label])
}

# METADATA
# title: Production distributions have a WAF
# description: >-
#   A distribution whose environment tag (environmentTag, default "ottkit:environment") is one of
#   prodEnvironments (default prod, production) is associated with a WAF web ACL.
# custom:
#   message: Set webAclId to a CLOUDFRONT-scoped WAFv2 web ACL.
deny_cloudfront_waf contains msg if {
	input.__type == distribution_type
	env := tags_of(input)[config("deny_cloudfront_waf", "environmentTag", "ottkit:environment")]
	lower(env) in config("deny_cloudfront_waf", "prodEnvironments", ["prod", "production"])
	object.get(input, "webAclId", "") == ""
	msg := sprintf("%s serves environment %q without a WAF web ACL", [named(input), env])
}

# METADATA
# title: Signed cookies expire within the maximum
# description: >-
#   The playback cookies the API function signs live at most maxSeconds (default 3600, one
#   hour): a leaked cookie opens the asset for no longer than that, and players refresh
#   their cookies through the API long before. The lifetime is read from
#   the function's environment variables named in variables (default PLAYBACK_TTL, the
#   manifest's playback-ttl setting, in seconds).
# custom:
#   message: Lower ottkit:playbackTtl, or raise maxSeconds in the policy configuration.
deny_signed_cookie_lifetime contains msg if {
	input.__type == function_type
	some name in config("deny_signed_cookie_lifetime", "variables", ["PLAYBACK_TTL"])
	raw := input.environment.variables[name]
	max := config("deny_signed_cookie_lifetime", "maxSeconds", 3600)
	not lifetime_within(raw, max)
	msg := sprintf("%s: %s=%v seconds is not a lifetime of at most %d seconds", [named(input), name, raw, max])
}

lifetime_within(raw, max) if {
	seconds := to_number(raw)
	seconds > 0
	seconds <= max
}
