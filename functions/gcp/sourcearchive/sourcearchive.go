// Package sourcearchive builds the source archive a Cloud Run function (Cloud Functions 2nd
// gen) is built from: the module's go.mod and go.sum, the non-test Go files (and embedded
// files) of every package of this module the function imports, and a generated function.go
// at the root whose exported entry point serves the function's entry/<name>.Build. The Go buildpack compiles
// it with the chosen runtime, registering the entry point with the Functions Framework.
//
// The same source gives the same bytes: entries are sorted, carry a fixed time and mode, and
// nothing from the build machine (paths, times, owners) goes in, so an unchanged function
// keeps its archive hash and the deployment sees nothing to update.
package sourcearchive

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ottkit/ottkit/functions/gcp/manifest"
)

// Runtimes are the Cloud Run functions Go runtimes, newest first
// (cloud.google.com/run/docs/runtimes/go).
var Runtimes = []string{"go127", "go126", "go125", "go124", "go123", "go122", "go121"}

// entryDir is where each function's wiring lives (entry/<name>, exporting Build); the
// generated root file imports it.
const entryDir = "functions/gcp/entry"

// Options select what to build.
type Options struct {
	// Root is the module's root directory (where go.mod is).
	Root string
	// Function is the function to package; its EntryPoint names the exported function.
	Function manifest.Function
	// Runtime is a Cloud Run functions runtime id; "" picks DefaultRuntime.
	Runtime string
}

// Archive is a built archive.
type Archive struct {
	// Zip is the archive's bytes.
	Zip []byte
	// Runtime is the runtime it builds with; EntryPoint the function to invoke.
	Runtime, EntryPoint string
	// Files lists the archive's paths, sorted.
	Files []string
}

var goDirective = regexp.MustCompile(`(?m)^go (\d+)\.(\d+)(?:\.\d+)?\s*$`)

// ModuleGo returns the major and minor Go version go.mod at root requires.
func ModuleGo(root string) (int, int, error) {
	data, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		return 0, 0, fmt.Errorf("sourcearchive: %w", err)
	}
	m := goDirective.FindSubmatch(data)
	if m == nil {
		return 0, 0, fmt.Errorf("sourcearchive: %s/go.mod has no go directive", root)
	}
	major, _ := strconv.Atoi(string(m[1]))
	minor, _ := strconv.Atoi(string(m[2]))
	return major, minor, nil
}

func runtimeVersion(rt string) (int, bool) {
	if !slices.Contains(Runtimes, rt) {
		return 0, false
	}
	n, err := strconv.Atoi(strings.TrimPrefix(rt, "go1"))
	return n, err == nil
}

// DefaultRuntime is the newest runtime that can build the module at root.
func DefaultRuntime(root string) (string, error) {
	_, minor, err := ModuleGo(root)
	if err != nil {
		return "", err
	}
	for _, rt := range Runtimes {
		if v, _ := runtimeVersion(rt); v >= minor {
			return rt, nil
		}
	}
	return "", fmt.Errorf("sourcearchive: no Cloud Run functions runtime builds a module that needs go 1.%d (newest known: %s)", minor, Runtimes[0])
}

// CheckRuntime reports whether rt can build the module at root, naming the problem.
func CheckRuntime(root, rt string) error {
	v, ok := runtimeVersion(rt)
	if !ok {
		return fmt.Errorf("sourcearchive: runtime %q is not one of %s", rt, strings.Join(Runtimes, ", "))
	}
	_, minor, err := ModuleGo(root)
	if err != nil {
		return err
	}
	if v < minor {
		return fmt.Errorf("sourcearchive: runtime %s is Go 1.%d, but go.mod needs go 1.%d; use %s or newer", rt, v, minor, fmt.Sprintf("go1%d", minor))
	}
	return nil
}

type listed struct {
	ImportPath string
	Dir        string
	Module     *struct{ Path string }
	GoFiles    []string
	EmbedFiles []string
	Standard   bool
}

// Build builds the archive of opts.Function.
func Build(opts Options) (*Archive, error) {
	fn := opts.Function
	if fn.EntryPoint == "" || !regexp.MustCompile(`^[A-Z][A-Za-z0-9]*$`).MatchString(fn.EntryPoint) {
		return nil, fmt.Errorf("sourcearchive: function %q: entry point %q is not an exported Go name", fn.Name, fn.EntryPoint)
	}
	root, err := filepath.Abs(opts.Root)
	if err != nil {
		return nil, fmt.Errorf("sourcearchive: %w", err)
	}
	rt := opts.Runtime
	if rt == "" {
		if rt, err = DefaultRuntime(root); err != nil {
			return nil, err
		}
	}
	if err := CheckRuntime(root, rt); err != nil {
		return nil, err
	}
	pkg := entryDir + "/" + fn.Name
	module, pkgs, err := deps(root, pkg)
	if err != nil {
		return nil, err
	}
	files := map[string][]byte{}
	for _, name := range []string{"go.mod", "go.sum"} {
		data, err := os.ReadFile(filepath.Join(root, name))
		if err != nil {
			return nil, fmt.Errorf("sourcearchive: %w", err)
		}
		files[name] = data
	}
	for _, p := range pkgs {
		rel, err := filepath.Rel(root, p.Dir)
		if err != nil || strings.HasPrefix(rel, "..") {
			return nil, fmt.Errorf("sourcearchive: package %s is outside %s", p.ImportPath, root)
		}
		for _, f := range append(slices.Clone(p.GoFiles), p.EmbedFiles...) {
			data, err := os.ReadFile(filepath.Join(p.Dir, f))
			if err != nil {
				return nil, fmt.Errorf("sourcearchive: %w", err)
			}
			files[filepath.ToSlash(filepath.Join(rel, f))] = data
		}
	}
	if !declares(files, pkg, "Build") {
		return nil, fmt.Errorf("sourcearchive: function %q: package %s declares no func Build", fn.Name, pkg)
	}
	files["function.go"] = entryFile(module, fn)

	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	slices.Sort(names)
	epoch := time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, name := range names {
		h := &zip.FileHeader{Name: name, Method: zip.Deflate, Modified: epoch}
		h.SetMode(0o644)
		w, err := zw.CreateHeader(h)
		if err != nil {
			return nil, fmt.Errorf("sourcearchive: %w", err)
		}
		if _, err := w.Write(files[name]); err != nil {
			return nil, fmt.Errorf("sourcearchive: %w", err)
		}
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("sourcearchive: %w", err)
	}
	return &Archive{Zip: buf.Bytes(), Runtime: rt, EntryPoint: fn.EntryPoint, Files: names}, nil
}

// declares reports whether the package in dir (archive-relative) declares func name.
func declares(files map[string][]byte, dir, name string) bool {
	decl := []byte("\nfunc " + name + "(")
	for path, data := range files {
		if filepath.ToSlash(filepath.Dir(path)) == dir && bytes.Contains(data, decl) {
			return true
		}
	}
	return false
}

// deps lists the module's packages pkg imports, with pkg.
func deps(root, pkg string) (string, []listed, error) {
	cmd := exec.Command("go", "list", "-deps", "-json=ImportPath,Dir,Module,GoFiles,EmbedFiles,Standard", "./"+pkg)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64", "GOFLAGS=-mod=readonly")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", nil, fmt.Errorf("sourcearchive: go list in %s: %w: %s", root, err, strings.TrimSpace(stderr.String()))
	}
	var module string
	var pkgs []listed
	dec := json.NewDecoder(bufio.NewReader(bytes.NewReader(out)))
	for {
		var p listed
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return "", nil, fmt.Errorf("sourcearchive: go list output: %w", err)
		}
		if p.Standard || p.Module == nil {
			continue
		}
		if strings.HasSuffix(p.ImportPath, "/"+pkg) {
			module = p.Module.Path
		}
		pkgs = append(pkgs, p)
	}
	if module == "" {
		return "", nil, fmt.Errorf("sourcearchive: go list did not report %s", pkg)
	}
	var own []listed
	for _, p := range pkgs {
		if p.Module.Path == module {
			own = append(own, p)
		}
	}
	return module, own, nil
}

// entryFile is the root package the buildpack compiles: the entry point serves the
// function's stage through runmain.Lazy.
func entryFile(module string, fn manifest.Function) []byte {
	return []byte(fmt.Sprintf(`// Package function is the Cloud Run functions entry point of ottkit's %[1]s function,
// generated by functions/gcp/sourcearchive.
package function

import (
	"net/http"

	"%[2]s/functions/gcp/entry"
	fn "%[2]s/functions/gcp/entry/%[1]s"
	"%[2]s/functions/gcp/runmain"
)

var handler = runmain.Lazy(fn.Build(entry.Endpoints{}))

// %[3]s is the function's entry point (GOOGLE_FUNCTION_TARGET).
func %[3]s(w http.ResponseWriter, r *http.Request) { handler(w, r) }
`, fn.Name, module, fn.EntryPoint))
}
