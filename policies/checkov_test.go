package policies

import (
	"reflect"
	"regexp"
	"sort"
	"testing"
)

// checkovByRule states, per rule, the Checkov checks it enforces. The rules' METADATA
// (custom.checkov) must say the same: the docs and the coverage number are computed from it.
var checkovByRule = map[string][]string{
	"stack_deny_s3_access_logging":        {"CKV_AWS_18"},
	"stack_deny_s3_encryption_kms":        {"CKV_AWS_19", "CKV_AWS_145"},
	"stack_deny_s3_log_bucket_encryption": {"CKV_AWS_19"},
	"deny_s3_public_acl":                  {"CKV_AWS_20", "CKV_AWS_57", "CKV2_AWS_43", "CKV_AWS_375"},
	"stack_deny_s3_versioning":            {"CKV_AWS_21"},
	"stack_deny_s3_public_access_block":   {"CKV_AWS_53", "CKV_AWS_54", "CKV_AWS_55", "CKV_AWS_56", "CKV2_AWS_6"},
	"deny_public_resource_policy":         {"CKV_AWS_70", "CKV_AWS_168", "CKV_AWS_387", "CKV_AWS_169", "CKV_AWS_33"},
	"deny_s3_policy_lockout":              {"CKV_AWS_93"},
	"stack_deny_s3_lifecycle":             {"CKV2_AWS_61"},
	"stack_deny_s3_abort_multipart":       {"CKV_AWS_300"},
	"stack_deny_s3_ingest_notifications":  {"CKV2_AWS_62"},
	"stack_deny_s3_object_ownership":      {"CKV2_AWS_65"},
	"stack_deny_s3_tls_only":              {"CKV_AWS_379"},
	"deny_s3_website":                     {"CKV_AWS_379"},
	"deny_s3_object_kms":                  {"CKV_AWS_186", "CKV_AWS_181"},
	"deny_s3_access_point_public":         {"CKV_AWS_392"},
	"deny_cloudfront_viewer_protocol":     {"CKV_AWS_34"},
	"deny_cloudfront_waf":                 {"CKV_AWS_68"},
	"deny_cloudfront_logging":             {"CKV_AWS_86"},
	"deny_cloudfront_tls":                 {"CKV_AWS_174", "CKV2_AWS_42", "CKV2_AWS_54"},
	"deny_cloudfront_origin_protocol":     {"CKV2_AWS_72", "CKV2_AWS_54"},
	"deny_cloudfront_origin_access":       {"CKV2_AWS_46"},
	"deny_cloudfront_website_origin":      {"CKV2_AWS_46"},
	"deny_cloudfront_response_headers":    {"CKV2_AWS_32"},
	"deny_cloudfront_hsts":                {"CKV_AWS_259"},
	"deny_cloudfront_geo_restriction":     {"CKV_AWS_374"},
	"warn_cloudfront_enabled":             {"CKV_AWS_216"},
	"deny_waf_rules":                      {"CKV_AWS_175", "CKV_AWS_342"},
	"deny_waf_bad_inputs":                 {"CKV_AWS_192", "CKV2_AWS_47"},
	"deny_lambda_env_secrets":             {"CKV_AWS_45"},
	"deny_lambda_tracing":                 {"CKV_AWS_50"},
	"deny_lambda_runtime":                 {"CKV_AWS_363"},
	"deny_lambda_env_kms":                 {"CKV_AWS_173"},
	"deny_lambda_url_auth":                {"CKV_AWS_258"},
	"deny_lambda_url_cors":                {"CKV2_AWS_75"},
	"deny_lambda_public_permission":       {"CKV_AWS_301"},
	"deny_lambda_permission_source":       {"CKV_AWS_364"},
	"stack_deny_lambda_async_dlq":         {"CKV_AWS_116"},
	"deny_sqs_kms":                        {"CKV_AWS_27", "CKV2_AWS_73"},
	"deny_iam_wildcard_action":            {"CKV_AWS_62", "CKV_AWS_63", "CKV2_AWS_40", "CKV_AWS_72"},
	"deny_iam_wildcard_resource":          {"CKV_AWS_355", "CKV_AWS_288", "CKV_AWS_289", "CKV_AWS_290"},
	"deny_iam_managed_admin":              {"CKV_AWS_274", "CKV2_AWS_56"},
	"deny_iam_privilege_escalation":       {"CKV_AWS_286"},
	"deny_iam_credentials_exposure":       {"CKV_AWS_287"},
	"deny_iam_trust_public":               {"CKV_AWS_60"},
	"deny_iam_trust_account":              {"CKV_AWS_61"},
	"deny_iam_trust_oidc":                 {"CKV_AWS_393"},
	"deny_iam_users":                      {"CKV_AWS_40", "CKV_AWS_273", "CKV_AWS_348", "CKV2_AWS_22"},
	"deny_dynamodb_pitr":                  {"CKV_AWS_28"},
	"deny_dynamodb_encryption":            {"CKV_AWS_119", "CKV_AWS_271"},
	"stack_deny_dynamodb_capacity":        {"CKV2_AWS_16"},
	"deny_kms_key_rotation":               {"CKV_AWS_7"},
	"deny_kms_key_enabled":                {"CKV_AWS_227"},
	"stack_deny_kms_key_policy":           {"CKV2_AWS_64"},
	"deny_sns_kms":                        {"CKV_AWS_26"},
	"stack_deny_cross_account":            {"CKV_AWS_385"},
	"deny_scheduler_kms":                  {"CKV_AWS_297"},
	"deny_apigw_route_auth":               {"CKV_AWS_309"},
	"deny_apigw_access_logs":              {"CKV_AWS_76"},
	"deny_log_group_retention":            {"CKV_AWS_66"},
	"deny_log_group_kms":                  {"CKV_AWS_158"},
	"deny_secret_kms":                     {"CKV_AWS_149"},
	"deny_secret_rotation_period":         {"CKV_AWS_304"},
}

// TestCheckovMapping holds every rule's METADATA to the table above.
func TestCheckovMapping(t *testing.T) {
	p := mustPack(t)
	for _, r := range p.Rules {
		got := append([]string(nil), r.Checkov...)
		want := append([]string(nil), checkovByRule[r.Name]...)
		sort.Strings(got)
		sort.Strings(want)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: METADATA custom.checkov = %v, want %v", r.Name, got, want)
		}
	}
	for name := range checkovByRule {
		if _, ok := p.Rule(name); !ok {
			t.Errorf("checkovByRule names %s, which is not a rule of the pack", name)
		}
	}
}

var checkovID = regexp.MustCompile(`^CKV2?_AWS_[0-9]+$`)

// TestCheckovCoverage holds the catalogue to one state per check and the pack to the target:
// at least 80 applicable checks covered and every high-relevance one.
func TestCheckovCoverage(t *testing.T) {
	p := mustPack(t)
	c := p.Checkov()
	known := map[string]CheckovCheck{}
	for i, check := range CheckovChecks {
		if !checkovID.MatchString(check.ID) || check.Title == "" || check.Resources == "" {
			t.Errorf("CheckovChecks[%d] = %+v: want an id, a title and resources", i, check)
		}
		if _, dup := known[check.ID]; dup {
			t.Errorf("%s is listed twice", check.ID)
		}
		known[check.ID] = check
		covered := len(c.Covered[check.ID]) > 0
		states := 0
		for _, s := range []bool{covered, check.LeftOut != "", check.NotApplicable != ""} {
			if s {
				states++
			}
		}
		if states != 1 {
			t.Errorf("%s: covered %v, left out %q, not applicable %q: want exactly one", check.ID, covered, check.LeftOut, check.NotApplicable)
		}
		if check.NotApplicable == "" && check.Relevance == High && !covered {
			t.Errorf("%s is high-relevance but no rule covers it", check.ID)
		}
	}
	for id, rules := range c.Covered {
		if _, ok := known[id]; !ok {
			t.Errorf("%v name %s, which is not in CheckovChecks", rules, id)
		}
	}
	if n := c.CoveredApplicable(); n < 80 {
		t.Errorf("the pack covers %d of %d applicable Checkov checks, want at least 80", n, c.Applicable)
	}
	if c.HighCovered != c.High {
		t.Errorf("%d of %d high-relevance checks covered, want all", c.HighCovered, c.High)
	}
}
