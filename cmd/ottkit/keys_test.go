package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestKeysRotateDryRun(t *testing.T) {
	dir := t.TempDir()
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
	stack := "config:\n  aws:region: us-east-1\n  ottkit:customer: acme\n  ottkit:edge: cloudflare\n  ottkit:jwtIssuer: https://id.acme.example/\n  ottkit:jwtAudience: [ottkit]\n  ottkit:signingPublicKeys: [x]\n"
	file := filepath.Join(stacks, "Pulumi.edge.yaml")
	if err := os.WriteFile(file, []byte(stack), 0o644); err != nil {
		t.Fatal(err)
	}
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
	if code, _, errOut := ottkit(t, "keys", "rotate", "--stack", "dev-aws", "--kind", "akamai"); code != exitUsage || !strings.Contains(errOut, `--kind "akamai"`) {
		t.Errorf("an unknown --kind: exit %d, %q", code, errOut)
	}
}
