# METADATA
# title: ottkit AWS policy pack
# description: >-
#   Security and compliance rules for the ottkit video-on-demand platform on AWS. Every
#   rule runs unchanged under Pulumi's OPA analyzer (pulumi preview --policy-pack) and in
#   ottkit's offline evaluator (ottkit plan, ottkit policy check).
# scope: package
package ottkit

# Rego v1 keywords through the rego.v1 import: the file parses both as Rego v1 (OPA 1.x, our
# Go evaluator) and as Rego v0, which is how pulumi-policy-opa compiles packs.
import rego.v1

# This file holds helpers shared by every family. Only rules named deny_*, warn_*,
# stack_deny_* and stack_warn_* are policies; everything here is a library routine.

# config returns the policy configuration value key of rule (data.config.<rule>.<key>, as the
# analyzer passes --policy-pack-config properties), or fallback when none is configured.
config(rule, key, fallback) := value if {
	value := data.config[rule][key]
} else := fallback

# as_array turns a value that may be a single item or a list (IAM Action, Resource) into a list.
as_array(x) := x if {
	is_array(x)
} else := [x]

# document parses a policy document that may be a JSON string or already an object. A string
# that is not JSON (an unknown value during preview) gives no document.
document(p) := json.unmarshal(p) if {
	is_string(p)
	json.is_valid(p)
} else := p if {
	is_object(p)
}

# statements returns the Statement list of a policy document.
statements(doc) := as_array(doc.Statement)

# allow_statements are the statements that grant something: Deny statements may use wildcards.
allow_statements(doc) := [s | some s in statements(doc); object.get(s, "Effect", "Allow") == "Allow"]

# truthy holds for true and the strings IAM and Pulumi configuration use for it.
truthy(v) if v == true

truthy(v) if lower(v) == "true"

# falsy holds for false and "false".
falsy(v) if v == false

falsy(v) if lower(v) == "false"

# tags_of returns the tags that will be applied to r: the provider's defaultTags merged with the
# resource's own tags, as pulumi-aws applies them.
tags_of(r) := object.union(provider_default_tags(r), object.get(r, "tags", {}))

provider_default_tags(r) := tags if {
	raw := r.__provider.properties.defaultTags
	dt := decoded(raw)
	tags := object.get(dt, "tags", {})
} else := {}

# decoded returns v, JSON-decoded when it is a JSON string (provider config arrives as JSON text).
decoded(v) := json.unmarshal(v) if {
	is_string(v)
	json.is_valid(v)
} else := v

# region_of returns the AWS region a resource is deployed to: its provider's region.
region_of(r) := r.__provider.properties.region

# by_type indexes the stack's resources by type token, once per evaluation, so joins scan
# only the resources of the type they need.
by_type := {t: [r | some r in input.resources; r.__type == t] |
	some x in input.resources
	t := x.__type
}

# of_type returns the stack's resources of type t.
of_type(t) := object.get(by_type, t, [])

# bucket_types are the S3 bucket resource types.
bucket_types := {"aws:s3/bucketV2:BucketV2", "aws:s3/bucket:Bucket"}

# role_of returns a bucket's role in the platform (ingest, masters, delivery, logs): the
# ottkit:role tag when set, else the last dash-separated part of its logical name, since
# components name children <component>-<role>.
role_of(b) := role if {
	role := b.tags["ottkit:role"]
} else := parts[count(parts) - 1] if {
	parts := split(b.__name, "-")
}

# named returns a resource's type and logical name for messages.
named(r) := sprintf("%s %q", [short_type(r.__type), r.__name])

short_type(t) := parts[count(parts) - 1] if {
	parts := split(t, ":")
}

# depends_on_via holds when r's property prop refers to the resource with URN urn, per the
# engine's property dependencies (present under pulumi preview when values are still unknown).
depends_on_via(r, prop, urn) if {
	some u in r.propertyDependencies[prop]
	u == urn
}

# ends_with_name holds when an ARN or URL ends with the resource name (":name" or "/name").
ends_with_name(ref, name) if {
	is_string(ref)
	name != ""
	endswith(ref, concat("", [":", name]))
}

ends_with_name(ref, name) if {
	is_string(ref)
	name != ""
	endswith(ref, concat("", ["/", name]))
}

# everyone_statements are the Allow statements of doc that grant anyone: Principal "*",
# {"AWS": "*"} or a NotPrincipal, with no condition that narrows who can use them.
everyone_statements(doc) := [s |
	some s in allow_statements(doc)
	grants_everyone(s)
	not narrowed_by_condition(s)
]

grants_everyone(s) if s.Principal == "*"

grants_everyone(s) if {
	some p in as_array(s.Principal.AWS)
	p == "*"
}

grants_everyone(s) if s.NotPrincipal

# narrowed_by_condition holds when a statement's condition pins the caller to an account, an
# organisation, a source resource or a network with a positive operator and a concrete value.
# Negated operators (StringNotEquals), ...IfExists and Null pass requests that lack the key, and
# a value of "*" matches everything, so none of them narrows anything.
narrowed_by_condition(s) if {
	some op, keys in s.Condition
	narrowing_operator(op)
	some key, values in keys
	lower(key) in narrowing_keys
	some v in as_array(values)
	v != "*"
}

narrowing_operator(op) if {
	not contains(lower(op), "not")
	not endswith(lower(op), "ifexists")
	lower(op) != "null"
}

narrowing_keys := {
	"aws:sourcearn", "aws:sourceaccount", "aws:sourceowner", "aws:sourceorgid", "aws:sourceorgpaths",
	"aws:principalorgid", "aws:principalorgpaths", "aws:principalaccount", "aws:principalarn",
	"aws:sourcevpce", "aws:sourcevpc", "aws:sourceip", "aws:userid", "kms:calleraccount",
	"kms:viaservice",
}

# account_of returns the account id in an ARN, or a bare 12-digit account id itself.
account_of(ref) := ref if {
	is_string(ref)
	regex.match(`^[0-9]{12}$`, ref)
} else := parts[4] if {
	is_string(ref)
	startswith(ref, "arn:")
	parts := split(ref, ":")
	count(parts) > 5
	regex.match(`^[0-9]{12}$`, parts[4])
}

# principal_accounts returns the accounts an Allow statement's AWS principals belong to.
principal_accounts(s) := {a |
	some p in principals_of(s, "AWS")
	a := account_of(p)
}

# principals_of returns a statement's principals of one kind (AWS, Service, Federated).
principals_of(s, kind) := as_array(object.get(s.Principal, kind, [])) if {
	is_object(s.Principal)
} else := []

# actions_of returns a statement's actions, lower-cased (IAM action names are case-insensitive).
actions_of(s) := {lower(a) | some a in as_array(object.get(s, "Action", []))}
