package ottkit

import rego.v1

# Every cloudflare rule passes its passing fixture and fires on its failing one
# (fixtures/<rule>/data.json, loaded as data.fixtures by the Go test runner).

test_deny_cloudflare_tls if {
	count(deny_cloudflare_tls) == 0 with input as data.fixtures.deny_cloudflare_tls.pass
	count(deny_cloudflare_tls) > 0 with input as data.fixtures.deny_cloudflare_tls.fail
}

test_deny_cloudflare_tls_https_only if {
	z := json.patch(data.fixtures.deny_cloudflare_tls.pass, [{"op": "replace", "path": "/settings/alwaysUseHttps", "value": "off"}])
	count(deny_cloudflare_tls) == 1 with input as z
}

test_deny_cloudflare_r2_public if {
	count(deny_cloudflare_r2_public) == 0 with input as data.fixtures.deny_cloudflare_r2_public.pass
	count(deny_cloudflare_r2_public) > 0 with input as data.fixtures.deny_cloudflare_r2_public.fail
}

test_deny_cloudflare_r2_public_domain if {
	count(deny_cloudflare_r2_public) == 1 with input as {"__type": "cloudflare:index/r2CustomDomain:R2CustomDomain", "__name": "media"}
}

test_stack_deny_cloudflare_worker_routes if {
	count(stack_deny_cloudflare_worker_routes) == 0 with input as data.fixtures.stack_deny_cloudflare_worker_routes.pass
	count(stack_deny_cloudflare_worker_routes) > 0 with input as data.fixtures.stack_deny_cloudflare_worker_routes.fail
}

test_stack_deny_cloudflare_worker_routes_missing if {
	only_script := {"resources": [data.fixtures.stack_deny_cloudflare_worker_routes.pass.resources[0]]}
	count(stack_deny_cloudflare_worker_routes) == 1 with input as only_script
}

test_deny_cloudflare_token_scope if {
	count(deny_cloudflare_token_scope) == 0 with input as data.fixtures.deny_cloudflare_token_scope.pass
	count(deny_cloudflare_token_scope) > 0 with input as data.fixtures.deny_cloudflare_token_scope.fail
}

test_deny_cloudflare_token_scope_account_wide if {
	t := json.patch(data.fixtures.deny_cloudflare_token_scope.pass, [{"op": "replace", "path": "/policies/0/resources", "value": {"com.cloudflare.api.account.0123456789abcdef0123456789abcdef": "*"}}])
	count(deny_cloudflare_token_scope) == 1 with input as t
}
