package ottkit

import rego.v1

# Every cdn rule passes its passing fixture and fires on its failing one
# (fixtures/<rule>/data.json, loaded as data.fixtures by the Go test runner).

test_deny_cloudfront_viewer_protocol if {
	count(deny_cloudfront_viewer_protocol) == 0 with input as data.fixtures.deny_cloudfront_viewer_protocol.pass
	count(deny_cloudfront_viewer_protocol) > 0 with input as data.fixtures.deny_cloudfront_viewer_protocol.fail
}

test_deny_cloudfront_tls if {
	count(deny_cloudfront_tls) == 0 with input as data.fixtures.deny_cloudfront_tls.pass
	count(deny_cloudfront_tls) > 0 with input as data.fixtures.deny_cloudfront_tls.fail
}

test_deny_cloudfront_origin_access if {
	count(deny_cloudfront_origin_access) == 0 with input as data.fixtures.deny_cloudfront_origin_access.pass
	count(deny_cloudfront_origin_access) > 0 with input as data.fixtures.deny_cloudfront_origin_access.fail
}

test_deny_cloudfront_signed_urls if {
	count(deny_cloudfront_signed_urls) == 0 with input as data.fixtures.deny_cloudfront_signed_urls.pass
	count(deny_cloudfront_signed_urls) > 0 with input as data.fixtures.deny_cloudfront_signed_urls.fail
}

test_deny_cloudfront_logging if {
	count(deny_cloudfront_logging) == 0 with input as data.fixtures.deny_cloudfront_logging.pass
	count(deny_cloudfront_logging) > 0 with input as data.fixtures.deny_cloudfront_logging.fail
}

test_deny_cloudfront_response_headers if {
	count(deny_cloudfront_response_headers) == 0 with input as data.fixtures.deny_cloudfront_response_headers.pass
	count(deny_cloudfront_response_headers) > 0 with input as data.fixtures.deny_cloudfront_response_headers.fail
}

test_deny_cloudfront_waf if {
	count(deny_cloudfront_waf) == 0 with input as data.fixtures.deny_cloudfront_waf.pass
	count(deny_cloudfront_waf) > 0 with input as data.fixtures.deny_cloudfront_waf.fail
}

# A dev distribution without a domain may use the default certificate; a prod one may not.
test_deny_cloudfront_tls_default_certificate if {
	prod := object.union(data.fixtures.deny_cloudfront_tls.pass, {"viewerCertificate": {"cloudfrontDefaultCertificate": true}})
	count(deny_cloudfront_tls) > 0 with input as prod
	dev := object.union(prod, {"tags": {"ottkit:environment": "dev"}})
	count(deny_cloudfront_tls) == 0 with input as dev
}

test_deny_cloudfront_signed_urls_public_path if {
	count(deny_cloudfront_signed_urls) == 0 with input as data.fixtures.deny_cloudfront_signed_urls.fail
		with data.config as {"deny_cloudfront_signed_urls": {"publicPathPatterns": ["assets/*"]}}
}

test_deny_signed_cookie_lifetime if {
	count(deny_signed_cookie_lifetime) == 0 with input as data.fixtures.deny_signed_cookie_lifetime.pass
	count(deny_signed_cookie_lifetime) > 0 with input as data.fixtures.deny_signed_cookie_lifetime.fail
}

test_deny_signed_cookie_lifetime_not_a_number if {
	bad := object.union(data.fixtures.deny_signed_cookie_lifetime.pass, {"environment": {"variables": {"PLAYBACK_TTL": "1h"}}})
	count(deny_signed_cookie_lifetime) > 0 with input as bad
	count(deny_signed_cookie_lifetime) == 0 with input as data.fixtures.deny_signed_cookie_lifetime.fail
		with data.config as {"deny_signed_cookie_lifetime": {"maxSeconds": 604800}}
}

test_deny_cloudfront_hsts if {
	count(deny_cloudfront_hsts) == 0 with input as data.fixtures.deny_cloudfront_hsts.pass
	count(deny_cloudfront_hsts) > 0 with input as data.fixtures.deny_cloudfront_hsts.fail
}

test_deny_cloudfront_origin_protocol if {
	count(deny_cloudfront_origin_protocol) == 0 with input as data.fixtures.deny_cloudfront_origin_protocol.pass
	count(deny_cloudfront_origin_protocol) > 0 with input as data.fixtures.deny_cloudfront_origin_protocol.fail
}

test_deny_cloudfront_website_origin if {
	count(deny_cloudfront_website_origin) == 0 with input as data.fixtures.deny_cloudfront_website_origin.pass
	count(deny_cloudfront_website_origin) > 0 with input as data.fixtures.deny_cloudfront_website_origin.fail
}

test_warn_cloudfront_enabled if {
	count(warn_cloudfront_enabled) == 0 with input as data.fixtures.warn_cloudfront_enabled.pass
	count(warn_cloudfront_enabled) > 0 with input as data.fixtures.warn_cloudfront_enabled.fail
}

test_deny_cloudfront_geo_restriction if {
	fx := data.fixtures.deny_cloudfront_geo_restriction
	count(deny_cloudfront_geo_restriction) == 0 with input as fx.pass with data.config as fx.config
	count(deny_cloudfront_geo_restriction) > 0 with input as fx.fail with data.config as fx.config
}

# Without licensed countries the rule checks nothing, unless a restriction is required.
test_deny_cloudfront_geo_restriction_worldwide if {
	worldwide := object.union(data.fixtures.deny_cloudfront_geo_restriction.pass, {"restrictions": {"geoRestriction": {"restrictionType": "none"}}})
	count(deny_cloudfront_geo_restriction) == 0 with input as worldwide
	count(deny_cloudfront_geo_restriction) > 0 with input as worldwide with data.config as {"deny_cloudfront_geo_restriction": {"allowedCountries": ["DE"]}}
	count(deny_cloudfront_geo_restriction) > 0 with input as worldwide with data.config as {"deny_cloudfront_geo_restriction": {"requireRestriction": true}}
}

test_stack_deny_cloudfront_sessions if {
	count(stack_deny_cloudfront_sessions) == 0 with input as data.fixtures.stack_deny_cloudfront_sessions.pass
	count(stack_deny_cloudfront_sessions) == 1 with input as data.fixtures.stack_deny_cloudfront_sessions.fail
}

test_stack_deny_cloudfront_sessions_needs_a_check if {
	# Without a session check, behaviours without functions are fine.
	no_check := {"resources": [r | some r in data.fixtures.stack_deny_cloudfront_sessions.fail.resources; r.__type != "aws:cloudfront/function:Function"]}
	count(stack_deny_cloudfront_sessions) == 0 with input as no_check
}
