package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// exampleDir is examples/multi-tenant, relative to this package.
const exampleDir = "../../examples/multi-tenant"

// readmeSection returns the text of the README section whose heading starts with heading, up
// to the next "## " heading.
func readmeSection(t *testing.T, heading string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(exampleDir, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	start := strings.Index(text, "\n## "+heading)
	if start < 0 {
		t.Fatalf("README has no section %q", heading)
	}
	rest := text[start+1:]
	if end := strings.Index(rest[3:], "\n## "); end >= 0 {
		rest = rest[:end+3]
	}
	return rest
}

// readmeCommands returns the shell commands in a README section that start with prefix, with
// continuation lines joined.
func readmeCommands(section, prefix string) [][]string {
	var out [][]string
	var cur string
	for _, line := range strings.Split(section, "\n") {
		line = strings.TrimSpace(line)
		if cur != "" {
			cur += " " + strings.TrimSuffix(line, "\\")
			if !strings.HasSuffix(line, "\\") {
				out = append(out, strings.Fields(cur))
				cur = ""
			}
			continue
		}
		if strings.HasPrefix(line, prefix) {
			cur = strings.TrimSuffix(line, "\\")
			if !strings.HasSuffix(line, "\\") {
				out = append(out, strings.Fields(cur))
				cur = ""
			}
		}
	}
	return out
}

// TestMultiTenantExample replays the walk-through of examples/multi-tenant/README.md: its
// `customer new` commands must write exactly the stack files the example ships, `customer list`
// must print what the README shows, and every customer must pass `plan --all`.
func TestMultiTenantExample(t *testing.T) {
	dir := customerProject(t)
	cmds := readmeCommands(readmeSection(t, "2. Create the customers"), "ottkit customer new")
	if len(cmds) != 3 {
		t.Fatalf("README step 2 has %d `ottkit customer new` commands, want 3", len(cmds))
	}
	for _, c := range cmds {
		args := c[1:] // without "ottkit"
		for i, a := range args {
			if strings.HasPrefix(a, "keys/") {
				args[i] = filepath.Join(exampleDir, a)
			}
		}
		args = append(args, "--project-dir", dir)
		if code, _, errOut := runCLI(t, args...); code != exitOK {
			t.Fatalf("%s: exit %d: %s", strings.Join(c, " "), code, errOut)
		}
	}

	shipped, err := filepath.Glob(filepath.Join(exampleDir, "stacks", "Pulumi.*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	written, err := filepath.Glob(filepath.Join(dir, "stacks", "Pulumi.*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	base := func(paths []string) []string {
		out := make([]string, len(paths))
		for i, p := range paths {
			out[i] = filepath.Base(p)
		}
		return out
	}
	if !slices.Equal(base(shipped), base(written)) {
		t.Fatalf("the example ships %v, the README's commands write %v", base(shipped), base(written))
	}
	for _, name := range base(shipped) {
		want, _ := os.ReadFile(filepath.Join(exampleDir, "stacks", name))
		got, _ := os.ReadFile(filepath.Join(dir, "stacks", name))
		if !bytes.Equal(got, want) {
			t.Errorf("%s: the README's command writes\n%s\nthe example ships\n%s", name, got, want)
		}
	}

	code, out, errOut := runCLI(t, "customer", "list", "--project-dir", dir)
	if code != exitOK {
		t.Fatalf("customer list: exit %d: %s", code, errOut)
	}
	review := readmeSection(t, "3. Review them")
	shown := review[strings.Index(review, "$ ottkit customer list\n")+len("$ ottkit customer list\n"):]
	shown = shown[:strings.Index(shown, "```")]
	if out != shown {
		t.Errorf("customer list prints\n%s\nthe README shows\n%s", out, shown)
	}

	code, _, errOut = runCLI(t, "plan", "--all", "--project-dir", dir)
	if code != exitOK {
		t.Errorf("plan --all over the example's customers: exit %d: %s", code, errOut)
	}
}

// TestMultiTenantWorkflow checks the example's CI workflow does what the README says: plan
// every customer on pull requests, stamp up every customer on pushes to main, and only the
// deploying job may mint cloud credentials.
func TestMultiTenantWorkflow(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(exampleDir, ".github", "workflows", "customers.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var wf struct {
		On struct {
			PullRequest *struct{} `yaml:"pull_request"`
			Push        struct {
				Branches []string `yaml:"branches"`
			} `yaml:"push"`
		} `yaml:"on"`
		Permissions map[string]string `yaml:"permissions"`
		Jobs        map[string]struct {
			If          string            `yaml:"if"`
			Permissions map[string]string `yaml:"permissions"`
			Steps       []struct {
				Uses string `yaml:"uses"`
				Run  string `yaml:"run"`
			} `yaml:"steps"`
		} `yaml:"jobs"`
	}
	if err := yaml.Unmarshal(b, &wf); err != nil {
		t.Fatalf("customers.yml: %v", err)
	}
	if wf.On.PullRequest == nil || !slices.Equal(wf.On.Push.Branches, []string{"main"}) {
		t.Errorf("triggers: pull_request %v, push branches %v; want pull requests and main", wf.On.PullRequest != nil, wf.On.Push.Branches)
	}
	if wf.Permissions["contents"] != "read" || len(wf.Permissions) != 1 {
		t.Errorf("workflow permissions %v, want contents: read only", wf.Permissions)
	}
	runs := func(job string) string {
		var all []string
		for _, s := range wf.Jobs[job].Steps {
			all = append(all, s.Run)
		}
		return strings.Join(all, "\n")
	}
	plan, up := wf.Jobs["plan"], wf.Jobs["up"]
	if !strings.Contains(plan.If, "pull_request") || !strings.Contains(runs("plan"), "ottkit plan --all") {
		t.Errorf("plan job: if %q, runs %q; want `ottkit plan --all` on pull requests", plan.If, runs("plan"))
	}
	if plan.Permissions["id-token"] != "" {
		t.Error("the plan job can mint cloud credentials; it runs offline and must not")
	}
	if !strings.Contains(up.If, "refs/heads/main") || !strings.Contains(runs("up"), "ottkit stamp up --all") {
		t.Errorf("up job: if %q, runs %q; want `ottkit stamp up --all` on main", up.If, runs("up"))
	}
	if up.Permissions["id-token"] != "write" {
		t.Errorf("up job permissions %v, want id-token: write for OIDC", up.Permissions)
	}
}
