package ottkit

import rego.v1

# API rules, on API Gateway v2 (HTTP API) routes, stages and APIs.

# METADATA
# title: API routes require authorization
# description: >-
#   Every route has an authorizationType other than NONE (JWT for the customer's identity
#   provider, AWS_IAM or CUSTOM) with an authorizer. Route keys listed in publicRoutes (e.g.
#   "GET /health") are exempt.
# custom:
#   message: Set authorizationType "JWT" and authorizerId to the API's JWT authorizer.
#   checkov: [CKV_AWS_309]
deny_apigw_route_auth contains msg if {
	input.__type == "aws:apigatewayv2/route:Route"
	not input.routeKey in config("deny_apigw_route_auth", "publicRoutes", [])
	object.get(input, "authorizationType", "NONE") == "NONE"
	msg := sprintf("%s: %v answers anyone (authorizationType NONE)", [named(input), input.routeKey])
}

deny_apigw_route_auth contains msg if {
	input.__type == "aws:apigatewayv2/route:Route"
	object.get(input, "authorizationType", "NONE") in {"JWT", "CUSTOM"}
	object.get(input, "authorizerId", "") == ""
	msg := sprintf("%s: authorizationType %s names no authorizer", [named(input), input.authorizationType])
}

# METADATA
# title: API stages log access
# description: >-
#   Every stage writes access logs (accessLogSettings with a destinationArn and a format), so
#   every upload request and playback authorisation can be traced to a caller.
# custom:
#   message: Set accessLogSettings {destinationArn the API's log group ARN, format a JSON line}.
#   checkov: [CKV_AWS_76]
deny_apigw_access_logs contains msg if {
	input.__type == "aws:apigatewayv2/stage:Stage"
	some field in ["destinationArn", "format"]
	object.get(input, ["accessLogSettings", field], "") == ""
	msg := sprintf("%s writes no access logs: accessLogSettings.%s is not set", [named(input), field])
}

# METADATA
# title: API stages throttle
# description: >-
#   Every stage sets a default rate and burst limit (defaultRouteSettings.throttlingRateLimit
#   and throttlingBurstLimit above zero), so one client cannot use up the account's API and
#   Lambda concurrency.
# custom:
#   message: Set defaultRouteSettings throttlingRateLimit and throttlingBurstLimit.
deny_apigw_throttling contains msg if {
	input.__type == "aws:apigatewayv2/stage:Stage"
	some field in ["throttlingRateLimit", "throttlingBurstLimit"]
	not object.get(input, ["defaultRouteSettings", field], 0) > 0
	msg := sprintf("%s does not throttle: defaultRouteSettings.%s is not set", [named(input), field])
}

# METADATA
# title: API CORS names its origins
# description: >-
#   An HTTP API's CORS configuration allows only listed https origins, never "*": with
#   credentials allowed, "*" would let any site call the API as the signed-in viewer.
# custom:
#   message: Set corsConfiguration.allowOrigins to the studio and player origins.
deny_apigw_cors contains msg if {
	input.__type == "aws:apigatewayv2/api:Api"
	some origin in object.get(input, ["corsConfiguration", "allowOrigins"], [])
	problem := origin_problem(origin)
	msg := sprintf("%s allows origin %q: %s", [named(input), origin, problem])
}
