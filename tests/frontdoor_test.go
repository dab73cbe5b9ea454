package tests

import (
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestMakeFunctions runs `make functions` as the README tells users to, and checks that it
// writes one linux/arm64 executable per function main to dist/<function>/bootstrap.
func TestMakeFunctions(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		t.Fatalf("make is not installed (apt-get install make): %v", err)
	}
	mains, err := filepath.Glob(filepath.Join(root, "functions", "cmd", "*", "main.go"))
	if err != nil || len(mains) < 4 {
		t.Fatalf("found function mains %v (%v), want at least the four", mains, err)
	}
	dist := t.TempDir()
	cmd := exec.Command("make", "functions", "DIST="+dist)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("make functions: %v\n%s", err, out)
	}
	for _, m := range mains {
		fn := filepath.Base(filepath.Dir(m))
		path := filepath.Join(dist, fn, "bootstrap")
		if strings.HasPrefix(fn, "gcp-") {
			// GCP functions deploy as source archives, not Lambda bootstraps.
			if _, err := os.Stat(path); err == nil {
				t.Errorf("make functions built %s, a GCP function, as a Lambda bootstrap", path)
			}
			continue
		}
		f, err := elf.Open(path)
		if err != nil {
			t.Errorf("%s: %v", path, err)
			continue
		}
		if f.Machine != elf.EM_AARCH64 || f.Type != elf.ET_EXEC {
			t.Errorf("%s is %v %v, want an arm64 executable", path, f.Machine, f.Type)
		}
		f.Close()
		if fi, err := os.Stat(path); err != nil || fi.Mode()&0o100 == 0 {
			t.Errorf("%s is not executable: %v", path, err)
		}
	}
}

// TestMakeDevWarnsBeforeTheSlowBuild: the quick start's `make dev` says that the first build
// takes minutes before it starts that build, and then runs `ottkit dev`.
func TestMakeDevWarnsBeforeTheSlowBuild(t *testing.T) {
	cmd := exec.Command("make", "-n", "dev")
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("make -n dev: %v\n%s", err, out)
	}
	text := string(out)
	warn, build, run := strings.Index(text, "takes 5 to 10 minutes"), strings.Index(text, "build -o bin/ottkit ./cmd/ottkit"), strings.Index(text, "bin/ottkit dev")
	if warn < 0 || build < 0 || run < 0 || !(warn < build && build < run) {
		t.Errorf("make dev must warn, then build, then run ottkit dev; it runs:\n%s", text)
	}
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	quick := string(readme)[strings.Index(string(readme), "## Quick start"):]
	quick = quick[:strings.Index(quick[3:], "\n## ")+3]
	for _, want := range []string{"make dev ", "make test "} {
		if !strings.Contains(quick, "\n"+want) {
			t.Errorf("the quick start does not give %q", want)
		}
	}
}
