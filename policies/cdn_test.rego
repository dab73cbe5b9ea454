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
