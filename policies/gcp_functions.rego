package ottkit

import rego.v1

# Cloud Run functions rules.

gcf_type := "gcp:cloudfunctionsv2/function:Function"

# METADATA
# title: Functions are not invokable by anyone
# description: run.invoker on a function's service goes to named identities only, never allUsers.
# custom:
#   message: Grant run.invoker to the push, tasks or gateway identity instead.
deny_gcf_public_invoker contains msg if {
	input.__type in {"gcp:cloudrunv2/serviceIamMember:ServiceIamMember", "gcp:cloudfunctionsv2/functionIamMember:FunctionIamMember"}
	input.member in gcp_public_principals
	msg := sprintf("%s lets %s invoke the function", [named(input), input.member])
}

# METADATA
# title: Functions take internal traffic only
# description: >-
#   Functions fed by Pub/Sub and Cloud Tasks accept internal traffic only; only the api
#   function, called by API Gateway, accepts traffic from outside.
# custom:
#   message: Set serviceConfig.ingressSettings to ALLOW_INTERNAL_ONLY.
deny_gcf_ingress contains msg if {
	input.__type == gcf_type
	gcf_role(input) != "api"
	object.get(input, ["serviceConfig", "ingressSettings"], "ALLOW_ALL") != "ALLOW_INTERNAL_ONLY"
	msg := sprintf("%s accepts traffic from outside the project", [named(input)])
}

# gcf_role is a function's role: the last part of its physical name (<prefix>-fn-<role>).
gcf_role(f) := parts[count(parts) - 1] if {
	parts := split(object.get(f, "name", f.__name), "-")
}

# METADATA
# title: Functions run as their own service account
# description: >-
#   Each function names its own service account; the default compute account holds Editor in
#   most projects.
# custom:
#   message: Set serviceConfig.serviceAccountEmail to the function's account.
deny_gcf_service_account contains msg if {
	input.__type == gcf_type
	email := object.get(input, ["serviceConfig", "serviceAccountEmail"], "")
	gcp_default_account(email)
	msg := sprintf("%s runs as %q", [named(input), email])
}

gcp_default_account("")

gcp_default_account(email) if endswith(email, "-compute@developer.gserviceaccount.com")

gcp_default_account(email) if endswith(email, "@appspot.gserviceaccount.com")

# METADATA
# title: Function builds run as a dedicated account
# description: >-
#   Builds run as an account that may read the sources and write the image repository only,
#   not as the default Cloud Build or compute account.
# custom:
#   message: Set buildConfig.serviceAccount to the stack's build account.
deny_gcf_build_service_account contains msg if {
	input.__type == gcf_type
	object.get(input, ["buildConfig", "serviceAccount"], "") == ""
	msg := sprintf("%s builds with the default account", [named(input)])
}
