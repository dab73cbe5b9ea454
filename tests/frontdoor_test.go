package tests

import (
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
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
