package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// shellBlocks returns the lines of the ```sh blocks in text, continuation lines joined and
// comments dropped.
func shellBlocks(text string) []string {
	var out []string
	in := false
	cur := ""
	for _, line := range strings.Split(text, "\n") {
		trimmed := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(trimmed, "```sh"):
			in = true
			continue
		case in && strings.HasPrefix(trimmed, "```"):
			in = false
			continue
		case !in:
			continue
		}
		if i := strings.Index(trimmed, "  # "); i >= 0 {
			trimmed = strings.TrimSpace(trimmed[:i])
		}
		if strings.HasPrefix(trimmed, "#") || trimmed == "" {
			continue
		}
		if strings.HasSuffix(trimmed, "\\") {
			cur += strings.TrimSuffix(trimmed, "\\") + " "
			continue
		}
		out = append(out, cur+trimmed)
		cur = ""
	}
	return out
}

// readmeShell runs README command lines the way a user's shell would, from dir: `ottkit ...`
// and `go run ./cmd/ottkit ...` run this CLI in-process on the project in the current
// directory (this test binary is the build those lines make, so `go build` and `export PATH`
// are skipped), `cd DIR` moves, and every other command runs under bash. A for loop or
// other compound command runs whole under bash. It fails the test on the first command that
// fails and returns each ottkit command's stdout.
func readmeShell(t *testing.T, dir string, lines []string) map[string]string {
	t.Helper()
	outputs := map[string]string{}
	var compound []string
	for _, line := range lines {
		if len(compound) > 0 || strings.HasPrefix(line, "for ") {
			compound = append(compound, line)
			if line == "done" {
				bash(t, dir, strings.Join(compound, "\n"))
				compound = nil
			}
			continue
		}
		for _, cmd := range strings.Split(line, " && ") {
			cmd = strings.TrimSpace(cmd)
			fields := strings.Fields(cmd)
			switch {
			case strings.HasPrefix(cmd, "go build ") || strings.HasPrefix(cmd, "export PATH="):
			case fields[0] == "cd":
				dir = filepath.Join(dir, fields[1])
			case fields[0] == "ottkit" || strings.HasPrefix(cmd, "go run ./cmd/ottkit "):
				args := fields[1:]
				if fields[0] == "go" {
					args = fields[3:]
				}
				args = append(args, "--project-dir", dir)
				for i, a := range args {
					if strings.HasPrefix(a, "keys/") {
						args[i] = filepath.Join(dir, a)
					}
				}
				code, out, errOut := runCLI(t, args...)
				if code != exitOK {
					t.Fatalf("%s: exit %d\n%s%s", cmd, code, out, errOut)
				}
				outputs[strings.Join(fields[:min(len(fields), 5)], " ")] = out
			default:
				bash(t, dir, cmd)
			}
		}
	}
	return outputs
}

func bash(t *testing.T, dir, script string) {
	t.Helper()
	c := exec.Command("bash", "-euo", "pipefail", "-c", script)
	c.Dir = dir
	if out, err := c.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", script, err, out)
	}
}

// cleanCheckout is a directory holding what a fresh clone has for the CLI: Pulumi.yaml and
// the shipped stack files, and nothing a user would have made (no keys/).
func cleanCheckout(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "ottkit")
	os.MkdirAll(filepath.Join(dir, "stacks"), 0o755)
	files, _ := filepath.Glob(filepath.Join(projectDir, "stacks", "Pulumi.*.yaml"))
	for _, f := range append(files, filepath.Join(projectDir, "Pulumi.yaml")) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(projectDir, f)
		if err := os.WriteFile(filepath.Join(dir, rel), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func section(t *testing.T, file, heading string) string {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	start := strings.Index(text, "\n## "+heading)
	if start < 0 {
		t.Fatalf("%s has no section %q", file, heading)
	}
	rest := text[start+1:]
	if end := strings.Index(rest[3:], "\n## "); end >= 0 {
		rest = rest[:end+3]
	}
	return rest
}

// TestREADMECustomerCommands runs the README's "One stack per customer" commands from a clean
// checkout, key generation included; only the stamp line needs a cloud account and is left out.
func TestREADMECustomerCommands(t *testing.T) {
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Fatalf("openssl is not installed (apt-get install openssl): %v", err)
	}
	lines := shellBlocks(section(t, filepath.Join(projectDir, "README.md"), "One stack per customer"))
	var offline []string
	for _, l := range lines {
		if !strings.Contains(l, "ottkit stamp ") {
			offline = append(offline, l)
		}
	}
	if len(offline) < 5 || len(offline) == len(lines) {
		t.Fatalf("README customer commands %q: want key generation, customer new/list, plan and one stamp line", lines)
	}
	dir := cleanCheckout(t)
	out := readmeShell(t, dir, offline)
	if _, err := os.Stat(filepath.Join(dir, "stacks", "Pulumi.globex-prod.yaml")); err != nil {
		t.Errorf("customer new wrote no stack file: %v", err)
	}
	if list := out["go run ./cmd/ottkit customer list"]; !strings.Contains(list, "globex-prod") {
		t.Errorf("customer list does not show the new customer:\n%s", list)
	}
	// The private key the commands made is one git would not commit.
	if err := exec.Command("git", "-C", projectDir, "check-ignore", "-q", "--no-index", "keys/globex.key").Run(); err != nil {
		t.Errorf("keys/globex.key is not git-ignored: %v", err)
	}
}

// TestMultiTenantWalkthrough runs examples/multi-tenant's "Follow along from a clean clone"
// and steps 1 to 3 as written, in a scratch directory beside a clean checkout.
func TestMultiTenantWalkthrough(t *testing.T) {
	readme := filepath.Join(exampleDir, "README.md")
	var lines []string
	for _, h := range []string{"Follow along from a clean clone", "1. Signing keys", "2. Create the customers", "3. Review them"} {
		lines = append(lines, shellBlocks(section(t, readme, h))...)
	}
	dir := cleanCheckout(t)
	out := readmeShell(t, dir, lines)
	scratch := filepath.Join(dir, "..", "consultancy")
	// Step 3 shows `ottkit customer list` with its output; the scratch project must print it.
	review := readmeSection(t, "3. Review them")
	shown := review[strings.Index(review, "$ ottkit customer list\n")+len("$ ottkit customer list\n"):]
	shown = shown[:strings.Index(shown, "```")]
	code, got, errOut := runCLI(t, "customer", "list", "--project-dir", scratch)
	if code != exitOK || got != shown {
		t.Errorf("customer list in the scratch project: exit %d %s\n%s\nthe README shows\n%s", code, errOut, got, shown)
	}
	for _, stack := range []string{"acme-prod", "globex-prod", "initech-staging"} {
		if !strings.Contains(got, stack+" ") {
			t.Errorf("customer list in the scratch project lacks %s:\n%s", stack, got)
		}
		if _, err := os.Stat(filepath.Join(scratch, "stacks", "Pulumi."+stack+".yaml")); err != nil {
			t.Errorf("the walk-through wrote no %s stack file in the scratch project: %v", stack, err)
		}
	}
	if _, ok := out["ottkit plan --all"]; !ok {
		t.Errorf("step 3's `ottkit plan --all` did not run; ran %v", keysOfStrings(out))
	}
}

func keysOfStrings(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
