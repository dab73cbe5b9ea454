package ottkit

import rego.v1

# Every api rule passes its passing fixture and fires on its failing one
# (fixtures/<rule>/data.json, loaded as data.fixtures by the Go test runner).

test_deny_apigw_access_logs if {
	count(deny_apigw_access_logs) == 0 with input as data.fixtures.deny_apigw_access_logs.pass
	count(deny_apigw_access_logs) > 0 with input as data.fixtures.deny_apigw_access_logs.fail
}

test_deny_apigw_cors if {
	count(deny_apigw_cors) == 0 with input as data.fixtures.deny_apigw_cors.pass
	count(deny_apigw_cors) > 0 with input as data.fixtures.deny_apigw_cors.fail
}

test_deny_apigw_route_auth if {
	count(deny_apigw_route_auth) == 0 with input as data.fixtures.deny_apigw_route_auth.pass
	count(deny_apigw_route_auth) > 0 with input as data.fixtures.deny_apigw_route_auth.fail
}

test_deny_apigw_throttling if {
	count(deny_apigw_throttling) == 0 with input as data.fixtures.deny_apigw_throttling.pass
	count(deny_apigw_throttling) > 0 with input as data.fixtures.deny_apigw_throttling.fail
}
