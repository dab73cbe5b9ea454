package gcfsource

import (
	"archive/zip"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func module(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	for name, body := range map[string]string{
		"go.mod":                    "module example.com/m\n\ngo 1.26\n",
		"go.sum":                    "",
		"functions/a/a.go":          "package a\n",
		"functions/a/a_test.go":     "package a\n",
		"functions/a/testdata/x.go": "package x\n",
		"functions/b/b.go":          "package b\n",
		"functions/b/notes.txt":     "not go",
		"components/c/c.go":         "package c\n",
	} {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func TestBuildIsReproducibleAndCarriesOnlyFunctionSources(t *testing.T) {
	root := module(t)
	a1, err := (&Builder{Root: root, Dir: t.TempDir()}).Build()
	if err != nil {
		t.Fatal(err)
	}
	// Touching a file's time changes nothing; the bytes are the same.
	if err := os.Chtimes(filepath.Join(root, "functions/b/b.go"), epoch, epoch); err != nil {
		t.Fatal(err)
	}
	a2, err := (&Builder{Root: root, Dir: t.TempDir()}).Build()
	if err != nil {
		t.Fatal(err)
	}
	if a1.SHA256 != a2.SHA256 {
		t.Errorf("two builds of the same source differ: %s, %s", a1.SHA256, a2.SHA256)
	}
	want := []string{"go.mod", "go.sum", "functions/a/a.go", "functions/b/b.go"}
	if !slices.Equal(a1.Files, want) {
		t.Errorf("files %v, want %v", a1.Files, want)
	}
	zr, err := zip.OpenReader(a1.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	for _, f := range zr.File {
		if !f.Modified.Equal(epoch) || f.Mode().Perm() != 0o644 {
			t.Errorf("%s: modified %v mode %v, want the fixed epoch and 0644", f.Name, f.Modified, f.Mode())
		}
	}
	// A source change is a new archive.
	if err := os.WriteFile(filepath.Join(root, "functions/a/a.go"), []byte("package a // changed\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	a3, err := (&Builder{Root: root, Dir: t.TempDir()}).Build()
	if err != nil {
		t.Fatal(err)
	}
	if a3.SHA256 == a1.SHA256 {
		t.Error("a changed source gave the same archive")
	}
}

func TestBuildWithoutModule(t *testing.T) {
	if _, err := (&Builder{Root: t.TempDir()}).Build(); err == nil {
		t.Error("a directory without go.mod built an archive")
	}
}
