package ottkit

import rego.v1

# Function rules, on each Lambda function; log retention joins functions to log groups.

function_type := "aws:lambda/function:Function"

log_group_type := "aws:cloudwatch/logGroup:LogGroup"

# METADATA
# title: Functions use a supported runtime
# description: >-
#   Zip-packaged functions use a runtime from supportedRuntimes (default provided.al2023, the
#   OS-only runtime Go functions run on). Deprecated runtimes stop receiving security patches.
# custom:
#   message: Set runtime to "provided.al2023".
#   checkov: [CKV_AWS_363]
deny_lambda_runtime contains msg if {
	input.__type == function_type
	object.get(input, "packageType", "Zip") == "Zip"
	runtime := object.get(input, "runtime", "")
	not runtime in config("deny_lambda_runtime", "supportedRuntimes", ["provided.al2023"])
	msg := sprintf("%s: runtime %q is not supported", [named(input), runtime])
}

# METADATA
# title: Functions run on arm64
# description: >-
#   Graviton (arm64) functions cost about 20% less per GB-second than x86_64 and Go
#   cross-compiles to them for free.
# custom:
#   message: Set architectures to ["arm64"] and build with GOARCH=arm64.
warn_lambda_arm64 contains msg if {
	input.__type == function_type
	not "arm64" in object.get(input, "architectures", ["x86_64"])
	msg := sprintf("%s runs on x86_64; arm64 is cheaper", [named(input)])
}

# METADATA
# title: Functions trace with X-Ray
# description: Active tracing is on, so a slow or failing hop in the pipeline can be found.
# custom:
#   message: Set tracingConfig.mode to "Active" (the role needs xray:PutTraceSegments).
#   checkov: [CKV_AWS_50]
deny_lambda_tracing contains msg if {
	input.__type == function_type
	object.get(input, ["tracingConfig", "mode"], "PassThrough") != "Active"
	msg := sprintf("%s does not have active X-Ray tracing", [named(input)])
}

# METADATA
# title: Concurrency is capped without draining the account's pool
# description: >-
#   Every SQS event source mapping caps the function it invokes with
#   scalingConfig.maximumConcurrency (at most maxQueueConcurrency, default 1000), so a burst
#   on one queue cannot take the account's unreserved concurrency from every other function;
#   the cap reserves nothing. A reservation (reservedConcurrentExecutions) does take from the
#   pool: Lambda keeps 100 executions unreserved and new accounts often have a quota of 10, so
#   PutFunctionConcurrency fails there, and on a 1,000 quota a few dozen stacks that each
#   reserve 20 exhaust a region. A function may reserve at most maxReservedConcurrency
#   (default 0: none, unless the account's quota was raised and the pack is configured so).
# custom:
#   message: >-
#     Set scalingConfig.maximumConcurrency on the queue's event source mapping; remove
#     reservedConcurrentExecutions, or raise maxReservedConcurrency in the policy
#     configuration for an account whose quota covers it.
deny_lambda_unbounded_concurrency contains msg if {
	input.__type == esm_type
	not non_queue_source(input)
	cap := object.get(input, ["scalingConfig", "maximumConcurrency"], 0)
	not cap >= 2
	msg := sprintf("%s: the queue trigger sets no scalingConfig.maximumConcurrency, so it may use all of the account's unreserved concurrency", [named(input)])
}

deny_lambda_unbounded_concurrency contains msg if {
	input.__type == esm_type
	cap := object.get(input, ["scalingConfig", "maximumConcurrency"], 0)
	max := config("deny_lambda_unbounded_concurrency", "maxQueueConcurrency", 1000)
	cap > max
	msg := sprintf("%s: scalingConfig.maximumConcurrency %d exceeds the maximum %d", [named(input), cap, max])
}

deny_lambda_unbounded_concurrency contains msg if {
	input.__type == function_type
	reserved := object.get(input, "reservedConcurrentExecutions", -1)
	max := config("deny_lambda_unbounded_concurrency", "maxReservedConcurrency", 0)
	reserved > max
	msg := sprintf("%s reserves %d concurrent executions of the account's pool; at most %d allowed", [named(input), reserved, max])
}

# non_queue_source holds for event source mappings that read a stream or broker, where
# scalingConfig does not apply.
non_queue_source(m) if object.get(m, "selfManagedEventSource", null) != null

non_queue_source(m) if {
	arn := object.get(m, "eventSourceArn", "")
	is_string(arn)
	some service in [":kinesis:", ":dynamodb:", ":kafka:", ":mq:", ":docdb"]
	contains(arn, service)
}

# METADATA
# title: Function timeouts stay within the maximum
# description: >-
#   A function's timeout is at most maxTimeoutSeconds (default 300). Long timeouts hide stuck
#   calls and force long queue visibility timeouts.
# custom:
#   message: Lower timeout, or raise maxTimeoutSeconds in the policy configuration.
deny_lambda_timeout contains msg if {
	input.__type == function_type
	timeout := object.get(input, "timeout", 3)
	max := config("deny_lambda_timeout", "maxTimeoutSeconds", 300)
	timeout > max
	msg := sprintf("%s: timeout %ds exceeds the maximum %ds", [named(input), timeout, max])
}

# METADATA
# title: No secrets in plain environment variables
# description: >-
#   Environment variables are readable by anyone with lambda:GetFunctionConfiguration. A
#   variable whose name looks like a secret (SECRET, PASSWORD, TOKEN, PRIVATE_KEY, API_KEY,
#   ACCESS_KEY, CREDENTIAL) and that is not a reference (ending in _ARN, _NAME, _URL,
#   _PARAMETER), or a value that looks like a private key or an access key id, fails.
# custom:
#   message: >-
#     Store the value in Secrets Manager and pass its ARN (e.g. SIGNING_SECRET_ARN); the
#     function reads it at start-up.
#   checkov: [CKV_AWS_45]
deny_lambda_env_secrets contains msg if {
	input.__type == function_type
	some name, _ in object.get(input, ["environment", "variables"], {})
	regex.match(`(?i)(SECRET|PASSWORD|PASSWD|PRIVATE_?KEY|API_?KEY|ACCESS_?KEY|TOKEN|CREDENTIAL)`, name)
	not regex.match(`(?i)_(ARN|NAME|URL|PARAMETER)$`, name)
	msg := sprintf("%s: environment variable %s looks like a secret", [named(input), name])
}

deny_lambda_env_secrets contains msg if {
	input.__type == function_type
	some name, value in object.get(input, ["environment", "variables"], {})
	is_string(value)
	secret_value(value)
	msg := sprintf("%s: environment variable %s holds what looks like a key", [named(input), name])
}

secret_value(v) if contains(v, "PRIVATE KEY-----")

secret_value(v) if regex.match(`^(AKIA|ASIA)[A-Z0-9]{16}$`, v)

# METADATA
# title: Functions log to a group the stack manages
# description: >-
#   Every function has a log group in the stack (/aws/lambda/<name>, or its
#   loggingConfig.logGroup). Without one Lambda creates the group itself, with no retention
#   and no KMS key, outside what deny_log_group_retention and deny_log_group_kms can see.
# custom:
#   message: >-
#     Create the function's LogGroup in the program with retentionInDays (e.g. 30) and the
#     stack key.
stack_deny_lambda_log_retention contains msg if {
	some f in of_type(function_type)
	count(function_log_groups(f)) == 0
	msg := sprintf("%s has no log group in the stack: Lambda would create one that never expires", [named(f)])
}

function_log_groups(f) := [g |
	some g in of_type(log_group_type)
	function_logs_to(f, g)
]

# function_log_groups_names is where a function logs: its loggingConfig.logGroup when set,
# else the group Lambda names after it.
function_log_groups_names(f) := {group} if {
	group := object.get(f, ["loggingConfig", "logGroup"], "")
	group != ""
} else := {concat("", ["/aws/lambda/", f.name])}

function_logs_to(f, g) if {
	is_string(g.name)
	g.name in function_log_groups_names(f)
}

function_logs_to(f, g) if depends_on_via(f, "loggingConfig", g.__urn)

function_url_type := "aws:lambda/functionUrl:FunctionUrl"

permission_type := "aws:lambda/permission:Permission"

# METADATA
# title: Function URLs require IAM auth
# description: >-
#   No Lambda function URL has authorizationType NONE: such a URL is an unauthenticated entry
#   point beside the API (no JWT authorizer, no throttling, no WAF). Players and studios go
#   through the API.
# custom:
#   message: Remove the function URL, or set authorizationType "AWS_IAM".
#   checkov: [CKV_AWS_258]
deny_lambda_url_auth contains msg if {
	input.__type == function_url_type
	object.get(input, "authorizationType", "NONE") != "AWS_IAM"
	msg := sprintf("%s lets anyone invoke function %v (authorizationType %v)", [named(input), object.get(input, "functionName", "?"), object.get(input, "authorizationType", "NONE")])
}

# METADATA
# title: Function URL CORS names its origins
# description: >-
#   A function URL's CORS configuration allows only listed https origins, never "*".
# custom:
#   message: Set cors.allowOrigins to the customer's https origins.
#   checkov: [CKV2_AWS_75]
deny_lambda_url_cors contains msg if {
	input.__type == function_url_type
	some origin in object.get(input, ["cors", "allowOrigins"], [])
	problem := origin_problem(origin)
	msg := sprintf("%s allows origin %q: %s", [named(input), origin, problem])
}

# METADATA
# title: Function permissions name who may invoke
# description: >-
#   No Lambda permission has principal "*" (anyone, through a function URL or the Invoke API),
#   and no permission is for functionUrlAuthType NONE.
# custom:
#   message: Grant the service (e.g. apigateway.amazonaws.com) or account that invokes the function.
#   checkov: [CKV_AWS_301]
deny_lambda_public_permission contains msg if {
	input.__type == permission_type
	input.principal == "*"
	msg := sprintf("%s lets everyone %s %v", [named(input), input.action, object.get(input, "function", "?")])
}

deny_lambda_public_permission contains msg if {
	input.__type == permission_type
	object.get(input, "functionUrlAuthType", "") == "NONE"
	msg := sprintf("%s opens an unauthenticated function URL", [named(input)])
}

# METADATA
# title: Service permissions name their source
# description: >-
#   A Lambda permission for an AWS service principal (*.amazonaws.com) sets sourceArn (the
#   API, rule, bucket or topic that invokes) or sourceAccount: otherwise that service acting
#   for any other account (its API, its bucket) can invoke the function, the confused deputy.
# custom:
#   message: Set sourceArn to the invoking resource's ARN (and sourceAccount for S3).
#   checkov: [CKV_AWS_364]
deny_lambda_permission_source contains msg if {
	input.__type == permission_type
	endswith(object.get(input, "principal", ""), ".amazonaws.com")
	object.get(input, "sourceArn", "") == ""
	object.get(input, "sourceAccount", "") == ""
	msg := sprintf("%s lets %s invoke %v on behalf of any account: no sourceArn or sourceAccount", [named(input), input.principal, object.get(input, "function", "?")])
}

# METADATA
# title: Function environments use the stack key
# description: >-
#   A function with environment variables encrypts them with the stack's customer managed key
#   (kmsKeyArn), not the AWS managed aws/lambda key, so the key policy decides who can read
#   the configuration.
# custom:
#   message: Set kmsKeyArn to the stack key.
#   checkov: [CKV_AWS_173]
deny_lambda_env_kms contains msg if {
	input.__type == function_type
	count(object.get(input, ["environment", "variables"], {})) > 0
	object.get(input, "kmsKeyArn", "") == ""
	msg := sprintf("%s encrypts its environment with the AWS managed key: no kmsKeyArn", [named(input)])
}

# METADATA
# title: Asynchronously invoked functions keep failed events
# description: >-
#   A function invoked asynchronously (an EventBridge target, an S3 or SNS notification) has a
#   dead-letter queue (deadLetterConfig.targetArn) or an on-failure destination
#   (FunctionEventInvokeConfig): Lambda drops an event after two retries otherwise. Functions
#   fed by SQS keep failures in the queue's own dead-letter queue.
# custom:
#   message: >-
#     Set deadLetterConfig.targetArn to a queue, or add a FunctionEventInvokeConfig with
#     destinationConfig.onFailure.
#   checkov: [CKV_AWS_116]
stack_deny_lambda_async_dlq contains msg if {
	some f in of_type(function_type)
	invoked_async(f)
	object.get(f, ["deadLetterConfig", "targetArn"], "") == ""
	not failure_destination(f)
	msg := sprintf("%s is invoked asynchronously but keeps no failed events (no dead-letter queue or on-failure destination)", [named(f)])
}

invoked_async(f) if {
	some t in of_type("aws:cloudwatch/eventTarget:EventTarget")
	invokes(t.arn, f)
}

invoked_async(f) if {
	some t in of_type("aws:cloudwatch/eventTarget:EventTarget")
	depends_on_via(t, "arn", f.__urn)
}

invoked_async(f) if {
	some n in of_type("aws:s3/bucketNotification:BucketNotification")
	some l in object.get(n, "lambdaFunctions", [])
	invokes(l.lambdaFunctionArn, f)
}

invoked_async(f) if {
	some s in of_type("aws:sns/topicSubscription:TopicSubscription")
	s.protocol == "lambda"
	invokes(s.endpoint, f)
}

invokes(ref, f) if ends_with_name(ref, concat("", ["function:", f.name]))

invokes(ref, f) if ref == f.name

failure_destination(f) if {
	some c in of_type("aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig")
	invokes(c.functionName, f)
	object.get(c, ["destinationConfig", "onFailure", "destination"], "") != ""
}
