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
#   checkov: [CKV_AWS_34]
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
#   checkov: [CKV_AWS_174, CKV2_AWS_42, CKV2_AWS_54]
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
#   checkov: [CKV2_AWS_46]
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
#   checkov: [CKV_AWS_86]
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
#   checkov: [CKV2_AWS_32]
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
#   checkov: [CKV_AWS_68]
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

# METADATA
# title: Custom origins use HTTPS with TLS 1.2
# description: >-
#   Every origin that is not S3 (an API, a packager, a bucket website) is reached with
#   originProtocolPolicy https-only and originSslProtocols limited to TLSv1.2: http-only or
#   match-viewer sends viewer requests, cookies included, over plain HTTP, and SSLv3 or TLSv1
#   are broken.
# custom:
#   message: Set customOriginConfig.originProtocolPolicy "https-only" and originSslProtocols ["TLSv1.2"].
#   checkov: [CKV2_AWS_72, CKV2_AWS_54]
deny_cloudfront_origin_protocol contains msg if {
	input.__type == distribution_type
	some o in object.get(input, "origins", [])
	c := o.customOriginConfig
	policy := object.get(c, "originProtocolPolicy", "")
	policy != "https-only"
	msg := sprintf("%s: origin %q uses originProtocolPolicy %q, not https-only", [named(input), o.originId, policy])
}

deny_cloudfront_origin_protocol contains msg if {
	input.__type == distribution_type
	some o in object.get(input, "origins", [])
	some p in object.get(o.customOriginConfig, "originSslProtocols", [])
	p != "TLSv1.2"
	msg := sprintf("%s: origin %q allows %s", [named(input), o.originId, p])
}

# METADATA
# title: No S3 website origins
# description: >-
#   No origin is an S3 website endpoint (*.s3-website-REGION.amazonaws.com or
#   *.s3-website.REGION.amazonaws.com). A website endpoint is plain HTTP, public by design and
#   outside origin access control, so the signed-cookie and origin-access rules cannot protect
#   it.
# custom:
#   message: Use the bucket's REST endpoint (BUCKET.s3.REGION.amazonaws.com) with origin access control.
#   checkov: [CKV2_AWS_46]
deny_cloudfront_website_origin contains msg if {
	input.__type == distribution_type
	some o in object.get(input, "origins", [])
	regex.match(`\.s3-website[.-]`, o.domainName)
	msg := sprintf("%s: origin %q is the S3 website endpoint %s", [named(input), o.originId, o.domainName])
}

# METADATA
# title: Playback stays in the licensed territories
# description: >-
#   When the stack names the countries its content is licensed for (allowedCountries, which
#   ottkit plan and ottkit policy config take from ottkit:geoAllowList), every distribution
#   has a geo restriction whitelist within them: a distribution without one plays worldwide.
#   With requireRestriction true every distribution needs a geo restriction, licensed list or
#   not; with neither (the default, worldwide rights) the rule has nothing to check.
# custom:
#   message: Set ottkit:geoAllowList to the licensed countries (restrictions.geoRestriction whitelist).
#   checkov: [CKV_AWS_374]
deny_cloudfront_geo_restriction contains msg if {
	input.__type == distribution_type
	count(licensed_countries) > 0
	geo := object.get(input, ["restrictions", "geoRestriction"], {})
	object.get(geo, "restrictionType", "none") != "whitelist"
	msg := sprintf("%s plays outside the licensed countries %v: geo restriction is %q, not a whitelist", [named(input), sort(licensed_countries), object.get(geo, "restrictionType", "none")])
}

deny_cloudfront_geo_restriction contains msg if {
	input.__type == distribution_type
	count(licensed_countries) > 0
	input.restrictions.geoRestriction.restrictionType == "whitelist"
	extra := {c | some c in input.restrictions.geoRestriction.locations} - licensed_countries
	count(extra) > 0
	msg := sprintf("%s plays in %v, outside the licensed countries %v", [named(input), sort(extra), sort(licensed_countries)])
}

deny_cloudfront_geo_restriction contains msg if {
	input.__type == distribution_type
	count(licensed_countries) == 0
	config("deny_cloudfront_geo_restriction", "requireRestriction", false) == true
	object.get(input, ["restrictions", "geoRestriction", "restrictionType"], "none") == "none"
	msg := sprintf("%s plays in every country: no geo restriction", [named(input)])
}

licensed_countries := {c | some c in config("deny_cloudfront_geo_restriction", "allowedCountries", [])}

# METADATA
# title: Response headers enforce HSTS
# description: >-
#   Every response headers policy sets Strict-Transport-Security with override on,
#   includeSubdomains and a max-age of at least a year (minMaxAgeSeconds, default 31536000),
#   so browsers never fall back to HTTP; requirePreload (default false) also demands preload,
#   which only makes sense once the customer's apex domain is on the preload list.
# custom:
#   message: >-
#     Set securityHeadersConfig.strictTransportSecurity {accessControlMaxAgeSec 63072000,
#     includeSubdomains true, override true}.
#   checkov: [CKV_AWS_259]
deny_cloudfront_hsts contains msg if {
	input.__type == "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy"
	some problem in hsts_problems(object.get(input, ["securityHeadersConfig", "strictTransportSecurity"], {}))
	msg := sprintf("%s: %s", [named(input), problem])
}

hsts_problems(h) := {"no Strict-Transport-Security header"} if {
	count(h) == 0
} else := {p |
	some p in [
		hsts_max_age_problem(h),
		hsts_flag_problem(h, "includeSubdomains"),
		hsts_flag_problem(h, "override"),
		hsts_preload_problem(h),
	]
	p != ""
}

hsts_max_age_problem(h) := sprintf("HSTS max-age %v is below %d seconds", [age, min]) if {
	min := config("deny_cloudfront_hsts", "minMaxAgeSeconds", 31536000)
	age := object.get(h, "accessControlMaxAgeSec", 0)
	age < min
} else := ""

hsts_flag_problem(h, flag) := sprintf("HSTS %s is not true", [flag]) if {
	not object.get(h, flag, false) == true
} else := ""

hsts_preload_problem(h) := "HSTS preload is not true" if {
	config("deny_cloudfront_hsts", "requirePreload", false) == true
	not object.get(h, "preload", false) == true
} else := ""

# METADATA
# title: Distributions are enabled
# description: >-
#   A distribution is enabled. Advisory: a disabled one serves nothing but still holds its
#   domain and certificate, usually a leftover.
# custom:
#   message: Set enabled to true, or remove the distribution.
#   checkov: [CKV_AWS_216]
warn_cloudfront_enabled contains msg if {
	input.__type == distribution_type
	object.get(input, "enabled", false) != true
	msg := sprintf("%s is disabled", [named(input)])
}

cloudfront_function_type := "aws:cloudfront/function:Function"

# METADATA
# title: Edge sessions are checked on every media behaviour
# description: >-
#   On a stack with an edge session check (a CloudFront Function that reads a KeyValueStore,
#   ottkit:edgeSessions), every behaviour of every distribution that serves the delivery
#   bucket runs a viewer-request function, so no media path is served on the signed cookies
#   alone, without the revocable session the check requires.
# custom:
#   message: >-
#     Associate the session check (eventType viewer-request) with the default behaviour and
#     every ordered behaviour that targets the S3 origin.
stack_deny_cloudfront_sessions contains msg if {
	some f in of_type(cloudfront_function_type)
	count(object.get(f, "keyValueStoreAssociations", [])) > 0
	some d in of_type(distribution_type)
	some x in media_behaviours(d)
	not viewer_request_function(x.b)
	msg := sprintf("%s: %s runs no viewer-request function, so it serves media without the session check %s", [named(d), x.label, named(f)])
}

viewer_request_function(b) if {
	some a in object.get(b, "functionAssociations", [])
	a.eventType == "viewer-request"
}
