package sourcearchive

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ottkit/ottkit/functions/gcp/manifest"
)

// root is the module root, three levels up from this package.
var root = filepath.Join("..", "..", "..")

func TestBuildIsReproducibleAndComplete(t *testing.T) {
	a, err := Build(Options{Root: root, Function: manifest.Transcode})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Build(Options{Root: root, Function: manifest.Transcode})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Zip, b.Zip) {
		t.Fatal("two builds of the same source differ")
	}
	if a.Runtime != "go127" || a.EntryPoint != "Transcode" {
		t.Errorf("runtime %s, entry point %s", a.Runtime, a.EntryPoint)
	}
	for _, want := range []string{"go.mod", "go.sum", "function.go", "functions/gcp/entry/transcode/transcode.go", "functions/stages/transcode/transcode.go", "functions/pipeline/ladder.go"} {
		if !slices.Contains(a.Files, want) {
			t.Errorf("archive lacks %s", want)
		}
	}
	for _, f := range a.Files {
		if strings.HasSuffix(f, "_test.go") || strings.Contains(f, "testdata/") || strings.HasPrefix(f, "components/") || strings.HasPrefix(f, "functions/gcp/entry/ingest/") || strings.HasPrefix(f, "functions/aws/") && !strings.HasPrefix(f, "functions/aws/envconfig/") {
			t.Errorf("archive carries %s", f)
		}
	}
	zr, err := zip.NewReader(bytes.NewReader(a.Zip), int64(len(a.Zip)))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, f := range zr.File {
		if !f.Modified.Equal(zr.File[0].Modified) || f.Mode() != 0o644 {
			t.Errorf("%s: time %v mode %v, want the fixed ones", f.Name, f.Modified, f.Mode())
		}
		rc, _ := f.Open()
		var buf bytes.Buffer
		buf.ReadFrom(rc)
		rc.Close()
		path := filepath.Join(dir, filepath.FromSlash(f.Name))
		os.MkdirAll(filepath.Dir(path), 0o755)
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// What the buildpack does first: compile the root package, from the archive alone.
	cmd := exec.Command("go", "build", "-o", os.DevNull, ".")
	cmd.Dir = dir
	// The environment of go test itself, so the dependencies come from the build cache.
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=readonly", "GOWORK=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("the archive does not compile: %v\n%s", err, out)
	}
	t.Logf("transcode archive: %d files, %d bytes, sha256 %x", len(a.Files), len(a.Zip), sha256.Sum256(a.Zip))
}

func TestRuntimes(t *testing.T) {
	dir := t.TempDir()
	write := func(goLine string) {
		os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/m\n\n"+goLine+"\n"), 0o644)
	}
	write("go 1.26.6")
	if rt, err := DefaultRuntime(dir); err != nil || rt != "go127" {
		t.Errorf("DefaultRuntime = %s, %v", rt, err)
	}
	if err := CheckRuntime(dir, "go125"); err == nil || !strings.Contains(err.Error(), "go 1.26") {
		t.Errorf("go125 for a go 1.26 module: %v", err)
	}
	if err := CheckRuntime(dir, "go126"); err != nil {
		t.Errorf("go126: %v", err)
	}
	if err := CheckRuntime(dir, "nodejs22"); err == nil {
		t.Error("accepted nodejs22")
	}
	write("go 1.28")
	if _, err := DefaultRuntime(dir); err == nil {
		t.Error("found a runtime for go 1.28")
	}
	if _, err := Build(Options{Root: root, Function: manifest.Function{Name: "x", EntryPoint: "lower"}}); err == nil {
		t.Error("accepted an unexported entry point")
	}
}

// TestArchiveSizes reports each function's archive (the numbers in the closing note).
func TestArchiveSizes(t *testing.T) {
	for _, fn := range manifest.All() {
		a, err := Build(Options{Root: root, Function: fn})
		if err != nil {
			t.Fatal(err)
		}
		t.Log(fmt.Sprintf("%s: %d files, %d bytes", fn.Name, len(a.Files), len(a.Zip)))
	}
}

func TestBuildRefusesAMissingEntryPoint(t *testing.T) {
	if _, err := Build(Options{Root: root, Function: manifest.Function{Name: "nosuch", EntryPoint: "NoSuch"}}); err == nil || !strings.Contains(err.Error(), "nosuch") {
		t.Errorf("Build = %v, want an error naming the missing entry point", err)
	}
}
