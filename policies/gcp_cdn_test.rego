package ottkit

import rego.v1

# Every rule of gcp_cdn.rego passes its passing fixture and fires on its failing one (recorded from
# the reference GCP stack and its mutation: go test ./tests/policy -run TestGCPMutations
# -record-gcp-fixtures).

test_deny_gcp_ssl_policy_tls if {
	count(deny_gcp_ssl_policy_tls) == 0 with input as data.fixtures.deny_gcp_ssl_policy_tls.pass
	count(deny_gcp_ssl_policy_tls) > 0 with input as data.fixtures.deny_gcp_ssl_policy_tls.fail
}

test_deny_gcp_https_proxy_ssl_policy if {
	count(deny_gcp_https_proxy_ssl_policy) == 0 with input as data.fixtures.deny_gcp_https_proxy_ssl_policy.pass
	count(deny_gcp_https_proxy_ssl_policy) > 0 with input as data.fixtures.deny_gcp_https_proxy_ssl_policy.fail
}

test_stack_deny_gcp_cdn_signed_requests if {
	count(stack_deny_gcp_cdn_signed_requests) == 0 with input as data.fixtures.stack_deny_gcp_cdn_signed_requests.pass
	count(stack_deny_gcp_cdn_signed_requests) > 0 with input as data.fixtures.stack_deny_gcp_cdn_signed_requests.fail
}

test_stack_deny_gcp_cdn_key_in_state if {
	key := {"__type": "gcp:compute/backendBucketSignedUrlKey:BackendBucketSignedUrlKey", "__name": "p-delivery-signing-key", "backendBucket": "p-delivery-media", "keyValue": "[secret]"}
	pass := data.fixtures.stack_deny_gcp_cdn_signed_requests.pass
	with_key := object.union(pass, {"resources": array.concat(pass.resources, [key])})
	count(stack_deny_gcp_cdn_signed_requests) > 0 with input as with_key
}

test_deny_gcp_cdn_edge_policy if {
	count(deny_gcp_cdn_edge_policy) == 0 with input as data.fixtures.deny_gcp_cdn_edge_policy.pass
	count(deny_gcp_cdn_edge_policy) > 0 with input as data.fixtures.deny_gcp_cdn_edge_policy.fail
}

test_stack_deny_gcp_http_redirect if {
	count(stack_deny_gcp_http_redirect) == 0 with input as data.fixtures.stack_deny_gcp_http_redirect.pass
	count(stack_deny_gcp_http_redirect) > 0 with input as data.fixtures.stack_deny_gcp_http_redirect.fail
}
