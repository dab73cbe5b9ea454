package ottkit

import rego.v1

# The origin-mode rules pass their passing fixtures and fire on their failing ones, and on the
# other shapes each guards against.

test_deny_cloudflare_edge_secrets_in_state if {
	count(deny_cloudflare_edge_secrets_in_state) == 0 with input as data.fixtures.deny_cloudflare_edge_secrets_in_state.pass
	count(deny_cloudflare_edge_secrets_in_state) == 1 with input as data.fixtures.deny_cloudflare_edge_secrets_in_state.fail
}

test_deny_cloudflare_edge_secrets_in_state_kv_value if {
	count(deny_cloudflare_edge_secrets_in_state) == 1 with input as {"__type": "cloudflare:index/workersKv:WorkersKv", "__name": "creds", "key": "origin", "value": "{}"}
	count(deny_cloudflare_edge_secrets_in_state) == 0 with input as {"__type": "cloudflare:index/workersKv:WorkersKv", "__name": "flag", "key": "banner", "value": "on"}
}

test_deny_cloudflare_edge_secrets_other_workers if {
	# A Worker that is not the edge (no PUBLIC_KEYS and REVOKED) may keep its own secrets.
	other := json.patch(data.fixtures.deny_cloudflare_edge_secrets_in_state.fail, [{"op": "replace", "path": "/kvNamespaceBindings", "value": []}])
	count(deny_cloudflare_edge_secrets_in_state) == 0 with input as other
}

test_deny_gcp_keys_in_state if {
	count(deny_gcp_keys_in_state) == 0 with input as data.fixtures.deny_gcp_keys_in_state.pass
	count(deny_gcp_keys_in_state) == 1 with input as data.fixtures.deny_gcp_keys_in_state.fail
	count(deny_gcp_keys_in_state) == 1 with input as {"__type": "gcp:serviceaccount/key:Key", "__name": "k", "serviceAccountId": "sa"}
}

test_deny_gcp_reader_unconditioned if {
	count(deny_gcp_reader_unconditioned) == 0 with input as data.fixtures.deny_gcp_reader_unconditioned.pass
	count(deny_gcp_reader_unconditioned) == 1 with input as data.fixtures.deny_gcp_reader_unconditioned.fail
}

test_deny_gcp_reader_unconditioned_wrong_prefix if {
	wide := json.patch(data.fixtures.deny_gcp_reader_unconditioned.pass, [{"op": "replace", "path": "/condition/expression", "value": "resource.name.startsWith(\"projects/_/buckets/acme-prod-delivery-0f3a/objects/\")"}])
	count(deny_gcp_reader_unconditioned) == 1 with input as wide
	widened := json.patch(data.fixtures.deny_gcp_reader_unconditioned.pass, [{"op": "replace", "path": "/condition/expression", "value": "resource.name.startsWith(\"projects/_/buckets/b/objects/assets/\") || true"}])
	count(deny_gcp_reader_unconditioned) == 1 with input as widened
}

test_deny_gcp_reader_unconditioned_unknown_during_preview if {
	preview := json.patch(data.fixtures.deny_gcp_reader_unconditioned.pass, [{"op": "replace", "path": "/condition/expression", "value": pulumi_unknown}])
	count(deny_gcp_reader_unconditioned) == 0 with input as preview
}
