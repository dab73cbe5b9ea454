package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ottkit/ottkit/functions/aws/awstest"
)

// TestMain runs moto: the keys commands read and write Secrets Manager and read CloudFront.
func TestMain(m *testing.M) { os.Exit(awstest.Main(m)) }

// useMoto points the AWS SDK's default configuration (what the commands load) at moto.
func useMoto(t *testing.T) {
	t.Setenv("AWS_ENDPOINT_URL", awstest.MotoEndpoint(t))
	t.Setenv("AWS_ACCESS_KEY_ID", "testing")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "testing")
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
}

// keysProject is a project directory with the repository's Pulumi.yaml and one stack file.
func keysProject(t *testing.T, name, stack string) (dir, file string) {
	t.Helper()
	dir = t.TempDir()
	proj, err := os.ReadFile(filepath.Join(projectDir, "Pulumi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "Pulumi.yaml"), proj, 0o644); err != nil {
		t.Fatal(err)
	}
	stacks := filepath.Join(dir, "stacks")
	if err := os.Mkdir(stacks, 0o755); err != nil {
		t.Fatal(err)
	}
	file = filepath.Join(stacks, "Pulumi."+name+".yaml")
	if err := os.WriteFile(file, []byte(stack), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, file
}

func TestKeysRotateDryRun(t *testing.T) {
	useMoto(t)
	customer := "k" + strings.ToLower(awstest.UniqueName("d")[2:])
	stack := "config:\n  aws:region: us-east-1\n  ottkit:customer: " + customer + "\n  ottkit:edge: cloudflare\n  ottkit:jwtIssuer: https://id.acme.example/\n  ottkit:jwtAudience: [ottkit]\n  ottkit:signingPublicKeys: [x]\n"
	dir, file := keysProject(t, "edge", stack)
	code, out, errOut := ottkit(t, "keys", "rotate", "--stack", "edge", "--kind", "edge", "--project-dir", dir, "--dry-run")
	if code != exitOK || !strings.HasPrefix(out, "1. generate") {
		t.Fatalf("exit %d, out %q, err %q", code, out, errOut)
	}
	if b, _ := os.ReadFile(file); string(b) != stack {
		t.Errorf("--dry-run changed the stack file:\n%s", b)
	}
	code, _, errOut = ottkit(t, "keys", "rotate", "--stack", "dev-aws", "--kind", "edge", "--project-dir", projectDir, "--dry-run")
	if code != exitUsage || !strings.Contains(errOut, "has no edge") {
		t.Errorf("a stack without an edge: exit %d, %q", code, errOut)
	}
	if code, _, errOut := ottkit(t, "keys", "rotate"); code != exitUsage || !strings.Contains(errOut, "--stack is required") {
		t.Errorf("no --stack: exit %d, %q", code, errOut)
	}
	if code, _, errOut := ottkit(t, "keys", "status", "--stack", "dev-aws"); code != exitUsage || !strings.Contains(errOut, "--kind is required") || !strings.Contains(errOut, "cloudfront") {
		t.Errorf("no --kind: exit %d, %q", code, errOut)
	}
	if code, _, errOut := ottkit(t, "keys", "status", "--stack", "dev-gcp", "--kind", "cloudfront", "--project-dir", projectDir); code != exitUsage || !strings.Contains(errOut, "CloudFront keys belong to aws stacks") {
		t.Errorf("cloudfront keys of a gcp stack: exit %d, %q", code, errOut)
	}
	if code, _, errOut := ottkit(t, "keys", "status", "--stack", "dev-aws", "--kind", "cloudcdn", "--project-dir", projectDir); code != exitUsage || !strings.Contains(errOut, "Cloud CDN keys belong to gcp stacks") {
		t.Errorf("cloudcdn keys of an aws stack: exit %d, %q", code, errOut)
	}
	if code, _, errOut := ottkit(t, "keys", "rotate", "--stack", "dev-aws", "--kind", "akamai"); code != exitUsage || !strings.Contains(errOut, `--kind "akamai"`) {
		t.Errorf("an unknown --kind: exit %d, %q", code, errOut)
	}
}

// TestKeysCloudFront runs the cloudfront kind from the command line against moto: a stack file
// without keys gets its first key pair, status shows it, and the switch is refused until a
// deploy has put the key in the stack's key group.
func TestKeysCloudFront(t *testing.T) {
	useMoto(t)
	b, err := os.ReadFile(filepath.Join(projectDir, "stacks", "Pulumi.dev-aws.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	cut := strings.Index(text, "  ottkit:signingPublicKeys:")
	end := strings.Index(text, "-----END PUBLIC KEY-----\n") + len("-----END PUBLIC KEY-----\n")
	if cut < 0 || end < cut {
		t.Fatal("dev-aws has no signing key to take out")
	}
	customer := "k" + strings.ToLower(awstest.UniqueName("c")[2:])
	stack := strings.Replace(text[:cut]+text[end:], "ottkit:customer: ottkit", "ottkit:customer: "+customer, 1)
	dir, file := keysProject(t, "fresh", stack)
	args := []string{"--stack", "fresh", "--kind", "cloudfront", "--project-dir", dir}

	code, out, errOut := ottkit(t, append([]string{"keys", "rotate", "--dry-run"}, args...)...)
	if code != exitOK || !strings.HasPrefix(out, "1. generate") || !strings.Contains(out, "2. switch") {
		t.Fatalf("dry run: exit %d, out %q, err %q", code, out, errOut)
	}
	code, out, errOut = ottkit(t, append([]string{"keys", "rotate"}, args...)...)
	if code != exitOK || !strings.HasPrefix(out, "generate:") {
		t.Fatalf("rotate: exit %d, out %q, err %q", code, out, errOut)
	}
	after, _ := os.ReadFile(file)
	if !strings.Contains(string(after), "ottkit:signingPublicKeys:") || !strings.Contains(string(after), "BEGIN PUBLIC KEY") || strings.Contains(string(after), "PRIVATE") {
		t.Fatalf("the stack file after generate:\n%s", after)
	}
	code, out, errOut = ottkit(t, append([]string{"keys", "status"}, args...)...)
	if code != exitOK || !strings.Contains(out, "(trusted)") || !strings.Contains(out, "next: switch") {
		t.Errorf("status: exit %d, out %q, err %q", code, out, errOut)
	}
	code, _, errOut = ottkit(t, append([]string{"keys", "rotate"}, args...)...)
	if code != exitUsage || !strings.Contains(errOut, "deploy the stack file first") {
		t.Errorf("switch before a deploy: exit %d, err %q", code, errOut)
	}
}
