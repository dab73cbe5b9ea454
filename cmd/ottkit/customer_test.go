package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/ottkit/ottkit/components/platform"
)

// customerProject returns a project directory with the repository's Pulumi.yaml and no stacks.
func customerProject(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	py, err := os.ReadFile("../../Pulumi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "Pulumi.yaml"), py, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// customerArgs are `customer new` arguments for a complete customer in its own account, with
// its own playback domain outside dev (the policy pack allows CloudFront's default certificate
// only for dev and test).
func customerArgs(dir, name, env, region string) []string {
	args := []string{"customer", "new", name, "--project-dir", dir, "--cloud", "aws", "--region", region,
		"--env", env, "--jwt-issuer", "https://login." + name + ".example/", "--jwt-audience", name + "-player",
		"--signing-key", "customer/testdata/one.pub.pem",
		"--assume-role-arn", "arn:aws:iam::210987654321:role/ottkit-deployer"}
	if env != "dev" {
		args = append(args, "--domain", "media-"+env+"."+name+".example",
			"--certificate-arn", "arn:aws:acm:us-east-1:210987654321:certificate/4b0c9a36-2f1e-4b8e-9d67-0c1a2b3c4d5e")
	}
	return args
}

func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestCustomerNewCommand(t *testing.T) {
	dir := customerProject(t)
	code, out, errOut := runCLI(t, customerArgs(dir, "acme", "prod", "eu-west-1")...)
	if code != exitOK {
		t.Fatalf("customer new exit %d, stderr %s", code, errOut)
	}
	path := filepath.Join(dir, "stacks", "Pulumi.acme-prod.yaml")
	if !strings.Contains(out, "wrote "+path) || !strings.Contains(out, "ottkit stamp up --customer acme --env prod") {
		t.Errorf("customer new printed %q; want the path and the next step", out)
	}
	spec, err := platform.LoadSpec(dir, "acme-prod")
	if err != nil {
		t.Fatalf("written stack does not load: %v", err)
	}
	want := map[string]any{"Customer": "acme", "Environment": "prod", "Region": "eu-west-1",
		"AssumeRoleArn": "arn:aws:iam::210987654321:role/ottkit-deployer", "JWTIssuer": "https://login.acme.example/"}
	v := reflect.ValueOf(*spec)
	for field, w := range want {
		if got := v.FieldByName(field).Interface(); got != w {
			t.Errorf("spec.%s = %v, want %v", field, got, w)
		}
	}

	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"overwrite", customerArgs(dir, "acme", "prod", "eu-west-1"), "already exists"},
		{"not DNS-safe", customerArgs(dir, "Acme_Corp", "prod", "eu-west-1"), `name "Acme_Corp" is not DNS-safe`},
		{"no region", []string{"customer", "new", "globex", "--project-dir", dir, "--cloud", "aws"}, `required flag(s) "region" not set`},
		{"no cloud", []string{"customer", "new", "globex", "--project-dir", dir, "--region", "eu-west-1"}, `required flag(s) "cloud" not set`},
		{"no name", []string{"customer", "new", "--project-dir", dir, "--cloud", "aws", "--region", "eu-west-1"}, "accepts 1 arg(s)"},
		{"missing identity", []string{"customer", "new", "globex", "--project-dir", dir, "--cloud", "aws", "--region", "eu-west-1"}, "ottkit:jwtIssuer: required"},
		{"no project", customerArgs(t.TempDir(), "globex", "prod", "eu-west-1"), "Pulumi.yaml"},
		{"unknown subcommand", []string{"customer", "add", "globex"}, `unknown subcommand "add"`},
		{"no subcommand", []string{"customer"}, "give a subcommand: new or list"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errOut := runCLI(t, tc.args...)
			if code != exitUsage || !strings.Contains(errOut, tc.want) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", code, errOut, exitUsage, tc.want)
			}
		})
	}
	names, _ := filepath.Glob(filepath.Join(dir, "stacks", "*"))
	if len(names) != 1 {
		t.Errorf("stack files after the rejections: %v, want only acme-prod", names)
	}
}

func TestCustomerListCommand(t *testing.T) {
	dir := customerProject(t)
	for _, c := range [][3]string{{"acme", "prod", "eu-west-1"}, {"globex", "staging", "us-east-2"}} {
		if code, _, errOut := runCLI(t, customerArgs(dir, c[0], c[1], c[2])...); code != exitOK {
			t.Fatalf("customer new %v: %s", c, errOut)
		}
	}
	code, out, errOut := runCLI(t, "customer", "list", "--project-dir", dir)
	if code != exitOK {
		t.Fatalf("customer list exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		"acme-prod       acme      prod     aws    eu-west-1  media-prod.acme.example       ok",
		"globex-staging  globex    staging  aws    us-east-2  media-staging.globex.example  ok",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("customer list output lacks %q:\n%s", want, out)
		}
	}

	// A broken file shows up with its problem, and the exit status says so.
	bad := filepath.Join(dir, "stacks", "Pulumi.initech-prod.yaml")
	if err := os.WriteFile(bad, []byte("config:\n  aws:region: mars-1\n  ottkit:customer: initech\n  ottkit:environment: prod\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut = runCLI(t, "customer", "list", "--project-dir", dir)
	if code == exitOK || !strings.Contains(errOut, "1 of 3 stack file(s) do not validate") {
		t.Errorf("exit %d, stderr %q; want non-zero and the count", code, errOut)
	}
	if !strings.Contains(out, "initech-prod    initech   prod     -      mars-1     -                             invalid: ottkit:") {
		t.Errorf("customer list does not show the broken stack:\n%s", out)
	}
}

// TestPlanAllCoversEveryCustomer runs `ottkit plan --all` over stacks written by `customer new`:
// every customer's stack is planned offline, with the policy pack, in one command.
func TestPlanAllCoversEveryCustomer(t *testing.T) {
	dir := customerProject(t)
	customers := [][3]string{{"acme", "prod", "eu-west-1"}, {"globex", "staging", "us-east-2"}, {"initech", "prod", "eu-central-1"}}
	for _, c := range customers {
		if code, _, errOut := runCLI(t, customerArgs(dir, c[0], c[1], c[2])...); code != exitOK {
			t.Fatalf("customer new %v: %s", c, errOut)
		}
	}
	code, out, errOut := runCLI(t, "plan", "--all", "--json", "--project-dir", dir)
	if code == exitUsage {
		t.Fatalf("plan --all exit %d: %s", code, errOut)
	}
	var results []struct {
		Stack     string `json:"stack"`
		Resources []struct {
			Type string `json:"type"`
			Name string `json:"name"`
		} `json:"resources"`
		Violations []struct {
			Policy, Level, Message string
		} `json:"violations"`
	}
	if err := json.Unmarshal([]byte(out), &results); err != nil {
		t.Fatalf("plan --all --json output is not a JSON array: %v\n%s", err, out)
	}
	var stacks []string
	for _, r := range results {
		stacks = append(stacks, r.Stack)
		if len(r.Resources) < 10 {
			t.Errorf("%s planned %d resources, want the platform", r.Stack, len(r.Resources))
		}
		for _, res := range r.Resources {
			// Each plan holds only its own customer's resources.
			if res.Type != "pulumi:pulumi:Stack" && !strings.HasPrefix(res.Name, r.Stack) {
				t.Errorf("%s plan holds %s %s", r.Stack, res.Type, res.Name)
			}
		}
	}
	if want := []string{"acme-prod", "globex-staging", "initech-prod"}; !slices.Equal(stacks, want) {
		t.Errorf("plan --all planned %v, want %v", stacks, want)
	}
	if code != exitOK {
		var vs []string
		for _, r := range results {
			for _, v := range r.Violations {
				if v.Level == "mandatory" {
					vs = append(vs, r.Stack+": "+v.Policy+": "+v.Message)
				}
			}
		}
		t.Errorf("plan --all exit %d: mandatory policy violations on stacks customer new wrote:\n%s",
			code, strings.Join(vs, "\n"))
	}
}

func TestCustomerNewWarnsAboutDefaultCertificate(t *testing.T) {
	dir := customerProject(t)
	for _, tc := range []struct {
		env      string
		wantNote bool
	}{{"prod", true}, {"dev", false}, {"test", false}} {
		t.Run(tc.env, func(t *testing.T) {
			args := customerArgs(dir, "globex", "dev", "eu-west-1") // no domain
			args[slices.Index(args, "--env")+1] = tc.env
			code, _, errOut := runCLI(t, args...)
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			if got := strings.Contains(errOut, "deny_cloudfront_tls"); got != tc.wantNote {
				t.Errorf("note about the default certificate: %v, want %v (stderr %q)", got, tc.wantNote, errOut)
			}
		})
	}
}
