package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sqs"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ottkit/ottkit/policies"
)

const projectDir = "../.."

// ottkit runs the CLI in-process and returns its exit code, stdout and stderr.
func ottkit(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func writeFile(t *testing.T, name, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func keysOf(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestRootRegistersCommands(t *testing.T) {
	var names []string
	for _, c := range newRootCmd().Commands() {
		names = append(names, c.Name())
	}
	for _, want := range []string{"plan", "policy"} {
		found := false
		for _, n := range names {
			found = found || n == want
		}
		if !found {
			t.Errorf("got commands %v, want %s among them", names, want)
		}
	}
}

func TestPlanReport(t *testing.T) {
	t.Setenv("GITHUB_ACTIONS", "")
	code, out, errOut := ottkit(t, "plan", "--stack", "acme-prod", "--project-dir", projectDir)
	if code != exitOK {
		t.Fatalf("exit %d, want 0; stderr %s\n%s", code, errOut, out)
	}
	for _, want := range []string{"Stack acme-prod:", "Resources by type", "aws:s3/bucketV2:BucketV2",
		"IAM grants by function", "acme-prod-fn-transcode-function (role acme-prod-fn-transcode-role)",
		`when {"StringEquals":{"iam:PassedToService":["mediaconvert.amazonaws.com"]}}`,
		"Outputs", "mastersBucket = ", `config {"deny_cloudfront_geo_restriction":{"allowedCountries":["DE","AT","CH","FR"]},"deny_region":{"allowedRegions":["eu-west-1","eu-central-1"]}}`,
		"Result: PASS (0 mandatory"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
}

func TestPlanJSONShape(t *testing.T) {
	code, out, errOut := ottkit(t, "plan", "--stack", "acme-prod", "--json", "--project-dir", projectDir)
	if code != exitOK {
		t.Fatalf("exit %d, want 0; stderr %s", code, errOut)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if got, want := keysOf(doc), []string{"resources", "stack", "violations"}; !reflect.DeepEqual(got, want) {
		t.Errorf("got keys %v, want %v", got, want)
	}
	if doc["stack"] != "acme-prod" {
		t.Errorf("got stack %v, want acme-prod", doc["stack"])
	}
	if v, ok := doc["violations"].([]any); !ok || len(v) != 0 {
		t.Errorf("got violations %v, want an empty array", doc["violations"])
	}
	resources, _ := doc["resources"].([]any)
	if len(resources) < 20 {
		t.Fatalf("got %d resources, want the whole stack", len(resources))
	}
	for _, x := range resources {
		r := x.(map[string]any)
		if got, want := keysOf(r), []string{"inputs", "name", "parent", "type", "urn"}; !reflect.DeepEqual(got, want) {
			t.Fatalf("got resource keys %v, want %v", got, want)
		}
	}
}

func TestPlanViolationsExitOne(t *testing.T) {
	cfg := writeFile(t, "policy.json", `{"deny_region": {"allowedRegions": ["eu-west-1"]}}`)
	code, out, _ := ottkit(t, "plan", "--stack", "dev-aws", "--json", "--policy-config", cfg, "--project-dir", projectDir)
	if code != exitFailed {
		t.Fatalf("exit %d, want 1", code)
	}
	var doc struct {
		Violations []policies.Violation `json:"violations"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, v := range doc.Violations {
		if v.Policy == "deny_region" {
			found = true
			if v.Level != policies.Mandatory || !strings.HasPrefix(v.URN, "urn:pulumi:dev-aws::ottkit::") || !strings.Contains(v.Message, `"us-east-1"`) {
				t.Errorf("got %+v, want a mandatory violation naming us-east-1 on a dev-aws resource", v)
			}
		}
	}
	if !found {
		t.Errorf("no deny_region violation in %+v", doc.Violations)
	}
}

func TestPlanAll(t *testing.T) {
	code, out, errOut := ottkit(t, "plan", "--all", "--json", "--project-dir", projectDir)
	if code != exitOK {
		t.Fatalf("exit %d, want 0: %s", code, errOut)
	}
	var docs []map[string]any
	if err := json.Unmarshal([]byte(out), &docs); err != nil {
		t.Fatalf("not a JSON array: %v", err)
	}
	files, _ := filepath.Glob(filepath.Join(projectDir, "stacks", "Pulumi.*.yaml"))
	if len(docs) != len(files) || len(docs) == 0 {
		t.Errorf("got %d stacks, want one per stack file (%d)", len(docs), len(files))
	}
}

// TestPlanTestProgram plans a small program with a known flaw through the same command.
func TestPlanTestProgram(t *testing.T) {
	saved := planSource
	t.Cleanup(func() { planSource = saved })
	planSource = stackSource{
		readConfig: func(dir, stack string) (map[string]string, error) {
			return map[string]string{"aws:region": "eu-west-1"}, nil
		},
		program: func(ctx *pulumi.Context) error {
			_, err := sqs.NewQueue(ctx, "jobs", &sqs.QueueArgs{
				Tags: pulumi.StringMap{"ottkit:customer": pulumi.String("t"), "ottkit:environment": pulumi.String("dev")},
			})
			return err
		},
	}
	code, out, _ := ottkit(t, "plan", "--stack", "whatever", "--project-dir", projectDir)
	if code != exitFailed {
		t.Fatalf("exit %d, want 1:\n%s", code, out)
	}
	for _, want := range []string{"✗ mandatory deny_sqs_kms", `Queue "jobs" is not encrypted`, "fix: Set kmsMasterKeyId",
		"stack_deny_sqs_dead_letter", "Result: FAIL (2 mandatory, 0 advisory)"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
}

func TestUsageErrorsExitTwo(t *testing.T) {
	badJSON := writeFile(t, "bad.json", `{`)
	unknownRule := writeFile(t, "unknown.json", `{"deny_everything": "mandatory"}`)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no stack", []string{"plan", "--project-dir", projectDir}, "either --stack NAME or --all"},
		{"stack and all", []string{"plan", "--stack", "acme-prod", "--all", "--project-dir", projectDir}, "either --stack NAME or --all"},
		{"unknown stack", []string{"plan", "--stack", "nope", "--project-dir", projectDir}, "nope"},
		{"bad policy config", []string{"plan", "--stack", "acme-prod", "--policy-config", badJSON, "--project-dir", projectDir}, "--policy-config"},
		{"unknown rule", []string{"plan", "--stack", "acme-prod", "--policy-config", unknownRule, "--project-dir", projectDir}, "deny_everything"},
		{"missing pack", []string{"plan", "--stack", "acme-prod", "--policy-pack", "/nonexistent", "--project-dir", projectDir}, "--policy-pack"},
		{"no project", []string{"plan", "--stack", "acme-prod", "--project-dir", t.TempDir()}, "Pulumi.yaml"},
		{"unknown flag", []string{"plan", "--stak", "acme-prod"}, "unknown flag"},
		{"unknown command", []string{"deploy"}, "unknown command"},
		{"check needs a file", []string{"policy", "check"}, "accepts 1 arg"},
		{"check missing file", []string{"policy", "check", "/nonexistent.json"}, "nonexistent.json"},
		{"check garbage", []string{"policy", "check", badJSON}, "not a JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errOut := ottkit(t, tt.args...)
			if code != exitUsage {
				t.Errorf("exit %d, want 2", code)
			}
			if !strings.Contains(errOut, tt.want) {
				t.Errorf("stderr %q lacks %q", errOut, tt.want)
			}
		})
	}
}

func TestPolicyCheck(t *testing.T) {
	t.Setenv("GITHUB_ACTIONS", "")
	disableAll := writeFile(t, "off.json", `{"all": "disabled"}`)
	tests := []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"preview", []string{"policy", "check", "../../policies/testdata/preview.json"}, exitFailed,
			[]string{"5 resources from pulumi preview --json", "✗ mandatory deny_sqs_kms", `BucketV2 "acme-storage-masters": default encryption is "AES256"`,
				"at urn:pulumi:prod::ottkit::aws:s3/bucketV2:BucketV2::acme-storage-masters"}},
		{"export", []string{"policy", "check", "../../policies/testdata/export.json"}, exitFailed,
			[]string{"from pulumi stack export", "deny_dynamodb_pitr", "API_TOKEN"}},
		{"all disabled", []string{"policy", "check", "--policy-config", disableAll, "../../policies/testdata/export.json"}, exitOK,
			[]string{"✓ no violations", "Result: PASS"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := ottkit(t, tt.args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d: %s", code, tt.code, errOut)
			}
			for _, want := range tt.want {
				if !strings.Contains(out, want) {
					t.Errorf("output lacks %q:\n%s", want, out)
				}
			}
		})
	}
}

func TestPolicyCheckJSONAndAnnotations(t *testing.T) {
	t.Setenv("GITHUB_ACTIONS", "true")
	code, out, _ := ottkit(t, "policy", "check", "--json", "../../policies/testdata/export.json")
	if code != exitFailed {
		t.Fatalf("exit %d, want 1", code)
	}
	var doc checkResult
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	if doc.Source != "export" || doc.Resources != 4 || doc.Stack != "urn:pulumi:prod::ottkit::pulumi:pulumi:Stack::ottkit-prod" {
		t.Errorf("got %+v, want the export's stack and 4 resources", doc)
	}
	_, text, _ := ottkit(t, "policy", "check", "../../policies/testdata/export.json")
	if !strings.Contains(text, "::error title=deny_dynamodb_pitr::Table \"acme-catalog\" has no point-in-time recovery") {
		t.Errorf("no GitHub Actions annotation in:\n%s", text)
	}
}

func TestPolicyDocs(t *testing.T) {
	code, out, _ := ottkit(t, "policy", "docs")
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	p, err := policies.Default()
	if err != nil {
		t.Fatal(err)
	}
	if out != string(p.Markdown()) {
		t.Errorf("policy docs printed something other than the pack's Markdown")
	}
	file := filepath.Join(t.TempDir(), "POLICIES.md")
	if code, _, errOut := ottkit(t, "policy", "docs", "--out", file); code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if b, _ := os.ReadFile(file); string(b) != out {
		t.Errorf("--out wrote something else")
	}
}

func TestPolicyPackFromDirectory(t *testing.T) {
	code, _, errOut := ottkit(t, "policy", "check", "--policy-pack", "../../policies", "../../policies/testdata/export.json")
	if code != exitFailed {
		t.Errorf("exit %d, want 1 with the pack read from disk: %s", code, errOut)
	}
}

func TestPolicyConfig(t *testing.T) {
	code, out, errOut := ottkit(t, "policy", "config", "--stack", "acme-prod", "--project-dir", projectDir)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	cfg, err := policies.ParseConfig([]byte(out))
	if err != nil {
		t.Fatalf("output is not a policy config: %v\n%s", err, out)
	}
	want := policies.Config{
		"deny_region":                     {Properties: map[string]any{"allowedRegions": []any{"eu-west-1", "eu-central-1"}}},
		"deny_cloudfront_geo_restriction": {Properties: map[string]any{"allowedCountries": []any{"DE", "AT", "CH", "FR"}}},
	}
	if !reflect.DeepEqual(cfg, want) {
		t.Errorf("got %#v, want %#v", cfg, want)
	}
	code, out, _ = ottkit(t, "policy", "config", "--stack", "dev-aws", "--project-dir", projectDir)
	if code != exitOK || !strings.Contains(out, `"deny_stateful_retained": "advisory"`) {
		t.Errorf("exit %d, dev-aws config %s: want the retention rules advisory", code, out)
	}
	if code, _, errOut := ottkit(t, "policy", "config", "--project-dir", projectDir); code != exitUsage || !strings.Contains(errOut, "--stack is required") {
		t.Errorf("without --stack: exit %d, stderr %q", code, errOut)
	}
}

func TestPolicyCheckStdin(t *testing.T) {
	b, err := os.ReadFile("../../policies/testdata/preview.json")
	if err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	code := execute([]string{"policy", "check", "--json", "-"}, bytes.NewReader(b), &out, &errOut)
	if code != exitFailed {
		t.Fatalf("exit %d, want 1: %s", code, errOut.String())
	}
	var doc checkResult
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil || doc.Source != "preview" || len(doc.Violations) == 0 {
		t.Errorf("got %+v (%v), want the preview's violations", doc, err)
	}
}

// stackExport is a `pulumi stack export` of stack with one DynamoDB table in region, as
// complete as the catalog rules want, so only the region can be wrong.
func stackExport(t *testing.T, stack, region string) string {
	t.Helper()
	urn := "urn:pulumi:" + stack + "::ottkit::"
	provider := urn + "pulumi:providers:aws::default_6_83_4"
	doc := map[string]any{"version": 3, "deployment": map[string]any{"resources": []any{
		map[string]any{"urn": urn + "pulumi:pulumi:Stack::ottkit-" + stack, "custom": false, "type": "pulumi:pulumi:Stack"},
		map[string]any{"urn": provider, "custom": true, "id": "p-1", "type": "pulumi:providers:aws",
			"inputs": map[string]any{"region": region, "defaultTags": `{"tags":{"ottkit:customer":"acme","ottkit:environment":"prod"}}`}},
		map[string]any{"urn": urn + "aws:dynamodb/table:Table::acme-catalog", "custom": true, "type": "aws:dynamodb/table:Table",
			"parent": urn + "pulumi:pulumi:Stack::ottkit-" + stack, "provider": provider + "::p-1", "retainOnDelete": true,
			"inputs": map[string]any{"name": "acme-catalog", "billingMode": "PAY_PER_REQUEST", "deletionProtectionEnabled": true,
				"pointInTimeRecovery":  map[string]any{"enabled": true},
				"serverSideEncryption": map[string]any{"enabled": true, "kmsKeyArn": "arn:aws:kms:" + region + ":123456789012:key/mrk-1"}}},
	}}}
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return writeFile(t, stack+".json", string(b))
}

// TestPolicyCheckAppliesStackConfig checks an export of acme-prod with its own stack file's
// policy configuration: acme-prod allows only eu-west-1 and eu-central-1.
func TestPolicyCheckAppliesStackConfig(t *testing.T) {
	t.Setenv("GITHUB_ACTIONS", "")
	outside := stackExport(t, "acme-prod", "us-east-2")
	tests := []struct {
		name     string
		args     []string
		code     int
		want     []string
		stackCfg string
	}{
		{"stack config", []string{"--project-dir", projectDir, outside}, exitFailed,
			[]string{"stack policy configuration: " + filepath.Join(projectDir, "stacks", "Pulumi.acme-prod.yaml"), "deny_region", "us-east-2"},
			filepath.Join(projectDir, "stacks", "Pulumi.acme-prod.yaml")},
		{"turned off", []string{"--project-dir", projectDir, "--no-stack-config", outside}, exitOK,
			[]string{"stack policy configuration: none (--no-stack-config)", "Result: PASS"}, ""},
		{"inside the allowed regions", []string{"--project-dir", projectDir, stackExport(t, "acme-prod", "eu-central-1")}, exitOK,
			[]string{"Pulumi.acme-prod.yaml", "Result: PASS"}, filepath.Join(projectDir, "stacks", "Pulumi.acme-prod.yaml")},
		{"no stack file", []string{"--project-dir", projectDir, stackExport(t, "nobody-prod", "us-east-2")}, exitOK,
			[]string{"stack policy configuration: none (no stack file", "Pulumi.nobody-prod.yaml"}, ""},
		{"no project", []string{"--project-dir", t.TempDir(), outside}, exitUsage, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := ottkit(t, append([]string{"policy", "check"}, tt.args...)...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d:\n%s%s", code, tt.code, out, errOut)
			}
			for _, want := range tt.want {
				if !strings.Contains(out, want) {
					t.Errorf("report lacks %q:\n%s", want, out)
				}
			}
			if tt.code == exitUsage {
				return
			}
			_, js, _ := ottkit(t, append([]string{"policy", "check", "--json"}, tt.args...)...)
			var doc checkResult
			if err := json.Unmarshal([]byte(js), &doc); err != nil {
				t.Fatalf("not JSON: %v", err)
			}
			if doc.StackConfig != tt.stackCfg {
				t.Errorf("JSON stackConfig = %q, want %q", doc.StackConfig, tt.stackCfg)
			}
		})
	}
}

// TestPlanRejectsUnknownKey: the program reads only the keys it knows, so plan must check the
// whole file first, or a misspelled key would plan as if it were absent.
func TestPlanRejectsUnknownKey(t *testing.T) {
	dir := t.TempDir()
	project, err := os.ReadFile(filepath.Join(projectDir, "Pulumi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	stack, err := os.ReadFile(filepath.Join(projectDir, "stacks", "Pulumi.dev-aws.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "Pulumi.yaml"), project, 0o644)
	os.MkdirAll(filepath.Join(dir, "stacks"), 0o755)
	os.WriteFile(filepath.Join(dir, "stacks", "Pulumi.typo.yaml"), append(stack, "  ottkit:thumbnailIntervall: 5\n"...), 0o644)
	code, out, errOut := ottkit(t, "plan", "--stack", "typo", "--project-dir", dir)
	if code != exitUsage || !strings.Contains(errOut, "ottkit:thumbnailIntervall: unknown key; did you mean ottkit:thumbnailInterval?") {
		t.Errorf("plan with a misspelled key: exit %d, stderr %q, want 2 naming ottkit:thumbnailIntervall", code, errOut)
	}
	if strings.Contains(out, "Result:") {
		t.Errorf("plan reported a verdict for an invalid stack:\n%s", out)
	}
}

// TestPolicyCheckMissingFile: the README's sample exists, and a missing file says how to make
// one and where the sample is.
func TestPolicyCheckMissingFile(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join(projectDir, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(readme), "\n") {
		if f := strings.Fields(line); len(f) > 5 && f[3] == "policy" && f[4] == "check" {
			if _, err := os.Stat(filepath.Join(projectDir, f[5])); err != nil {
				t.Errorf("the README's %q names a file that does not exist: %v", strings.Join(f[:6], " "), err)
			}
		}
	}
	code, _, errOut := ottkit(t, "policy", "check", filepath.Join(t.TempDir(), "preview.json"))
	if code != exitUsage || !strings.Contains(errOut, "pulumi preview --stack NAME --json >") || !strings.Contains(errOut, "policies/testdata/preview.json") {
		t.Errorf("policy check of a missing file: exit %d, %q", code, errOut)
	}
}
