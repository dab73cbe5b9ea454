// Package lambdazip builds Go main packages into the zip archives that AWS Lambda's
// provided.al2023 runtime runs on arm64, reproducibly and cached by the content of their build
// inputs.
//
// Reproducible means the same source gives the same bytes: the binary is built with -trimpath,
// without a build id or VCS stamp, and zipped with fixed timestamps and modes, so `pulumi up`
// shows no change when nothing changed. Cached means a program that deploys four functions pays
// for the builds once: an archive is stored under the hash of everything the go command reads
// to build it (go version, flags, the source of every package outside the module cache, the
// module versions of the rest), and a later build with the same inputs is a lookup.
package lambdazip

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"
)

// The build every archive gets. Lambda's Go runtime guidance: an executable named bootstrap,
// built for the function's architecture without cgo; lambda.norpc drops the legacy RPC server
// that provided.al2023 never uses.
const (
	GOOS       = "linux"
	GOARCH     = "arm64"
	GOARM64    = "v8.0"
	Executable = "bootstrap"
	Tags       = "lambda.norpc"
	LDFlags    = "-s -w -buildid="
)

// ModTime is the modification time of every zip entry: the earliest time a zip's DOS date can
// hold, so the archive's bytes never depend on when it was built.
var ModTime = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)

// cacheFormat changes whenever the archive layout or the key derivation changes, so archives
// written by an older version of this package are never reused.
const cacheFormat = "ottkit-lambdazip/1"

// CacheDirEnv names the environment variable that overrides the default cache directory.
const CacheDirEnv = "OTTKIT_BUILD_CACHE"

// Archive is one built function archive.
type Archive struct {
	// Package is the import path of the main package that was built.
	Package string
	// Path is the zip file. It lives in the cache and is never rewritten once there.
	Path string
	// SHA256 is the hex SHA-256 of the zip's bytes.
	SHA256 string
	// Base64SHA256 is the same digest in the standard base64 form Lambda reports as CodeSha256.
	Base64SHA256 string
	// InputsHash is the hex hash of the build inputs: the archive's name in the cache.
	InputsHash string
	// Cached reports whether the archive was found in the cache rather than built.
	Cached bool
}

// Builder builds archives. The zero value builds in the current directory into
// DefaultCacheDir; a Builder is safe for concurrent use, and concurrent builds of the same
// inputs run the go command once. A Builder lists a package's dependencies once and lists
// them again only when a local source file, directory or go.mod has changed since, so a
// long-lived Builder (ottkit plan --all) pays for `go list` once per package, not per stack.
type Builder struct {
	// Dir is the directory the go command runs in: any directory of a module that can import
	// the packages to build. "" is the current directory.
	Dir string
	// CacheDir holds the archives. "" is DefaultCacheDir().
	CacheDir string
	// Go is the go command. "" is "go" from PATH, or the one in GOROOT/bin.
	Go string

	mu       sync.Mutex
	inflight map[string]*flight
	goEnvs   map[string]goEnv    // by go command and directory
	listings map[string]*listing // by go command, directory and package
	archives map[string]Archive  // by inputs hash: archives this builder has returned
}

// listing is one package's dependency list and inputs hash, valid while the stamp of its
// local files is unchanged: a program that deploys the same function for many stacks runs
// `go list` once per process, not once per stack.
type listing struct {
	pkgs  []listedPackage
	key   string
	stamp string
}

type flight struct {
	done chan struct{}
	a    Archive
	err  error
}

// DefaultCacheDir returns $OTTKIT_BUILD_CACHE, or ottkit/lambdazip under the user's cache
// directory, which `go test` and `pulumi up` share.
func DefaultCacheDir() (string, error) {
	if d := os.Getenv(CacheDirEnv); d != "" {
		return d, nil
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("lambdazip: no cache directory (set %s): %w", CacheDirEnv, err)
	}
	return filepath.Join(d, "ottkit", "lambdazip"), nil
}

// Build returns the archive of the main package pkg (an import path, or a relative path such
// as ./cmd/x resolved in Dir), building it unless an archive with the same inputs is cached.
func (b *Builder) Build(ctx context.Context, pkg string) (Archive, error) {
	if pkg == "" {
		return Archive{}, errors.New("lambdazip: package is empty")
	}
	goCmd := b.goCommand()
	env := buildEnv()
	l, err := b.list(ctx, goCmd, env, pkg)
	if err != nil {
		return Archive{}, err
	}
	key, root := l.key, l.pkgs[len(l.pkgs)-1]
	cacheDir := b.CacheDir
	if cacheDir == "" {
		if cacheDir, err = DefaultCacheDir(); err != nil {
			return Archive{}, err
		}
	}
	if a, ok := b.returned(filepath.Join(cacheDir, key+".zip")); ok {
		return a, nil
	}
	a, err := b.once(key, func() (Archive, error) {
		a := Archive{Package: root.ImportPath, InputsHash: key, Path: filepath.Join(cacheDir, key+".zip")}
		if sum, err := fileSHA256(a.Path); err == nil {
			a.Cached = true
			// Mark it used, so pruning keeps what programs still deploy.
			now := time.Now()
			_ = os.Chtimes(a.Path, now, now)
			return a.withSum(sum), nil
		} else if !errors.Is(err, os.ErrNotExist) {
			return Archive{}, fmt.Errorf("lambdazip: read cached archive: %w", err)
		}
		sum, err := build(ctx, goCmd, b.Dir, env, root.ImportPath, cacheDir, a.Path)
		if err != nil {
			return Archive{}, err
		}
		Prune(cacheDir, time.Now())
		return a.withSum(sum), nil
	})
	if err == nil {
		b.mu.Lock()
		if b.archives == nil {
			b.archives = map[string]Archive{}
		}
		b.archives[a.Path] = a
		b.mu.Unlock()
	}
	return a, err
}

// returned gives the archive this builder already returned at path, while the file is still
// there: archives are never rewritten, so its digest need not be read again.
func (b *Builder) returned(path string) (Archive, bool) {
	b.mu.Lock()
	a, ok := b.archives[path]
	b.mu.Unlock()
	if !ok {
		return Archive{}, false
	}
	fi, err := os.Stat(a.Path)
	if err != nil {
		return Archive{}, false
	}
	// Keep marking it used, as a lookup does, but touch the file at most once an hour.
	if now := time.Now(); now.Sub(fi.ModTime()) > time.Hour {
		_ = os.Chtimes(a.Path, now, now)
	}
	a.Cached = true
	return a, true
}

// list returns pkg's dependencies and inputs hash, running `go env` once per directory and
// `go list` again only when a file of a local package (or its go.mod) has changed since.
func (b *Builder) list(ctx context.Context, goCmd string, env []string, pkg string) (*listing, error) {
	where := goCmd + "\x00" + b.Dir
	id := where + "\x00" + pkg
	b.mu.Lock()
	e, haveEnv := b.goEnvs[where]
	l := b.listings[id]
	b.mu.Unlock()
	if l != nil {
		if stamp, err := localStamp(l.pkgs); err == nil && stamp == l.stamp {
			return l, nil
		}
	}
	if !haveEnv {
		var err error
		if e, err = readGoEnv(ctx, goCmd, b.Dir, env); err != nil {
			return nil, err
		}
	}
	pkgs, err := listDeps(ctx, goCmd, b.Dir, env, pkg)
	if err != nil {
		return nil, err
	}
	// The stamp is taken before the hash, so an edit in between makes the next call list again.
	stamp, err := localStamp(pkgs)
	if err != nil {
		return nil, fmt.Errorf("lambdazip: stat inputs of %s: %w", pkg, err)
	}
	key, err := inputsHash(e, pkgs)
	if err != nil {
		return nil, fmt.Errorf("lambdazip: hash inputs of %s: %w", pkg, err)
	}
	l = &listing{pkgs: pkgs, key: key, stamp: stamp}
	b.mu.Lock()
	if b.goEnvs == nil {
		b.goEnvs, b.listings = map[string]goEnv{}, map[string]*listing{}
	}
	b.goEnvs[where] = e
	b.listings[id] = l
	b.mu.Unlock()
	return l, nil
}

// localStamp fingerprints the files go list and the inputs hash read outside the module
// cache: each local package directory (a file added or removed changes its modification
// time), each of its source files and each go.mod, by size and modification time.
func localStamp(pkgs []listedPackage) (string, error) {
	h := sha256.New()
	stat := func(path string) error {
		fi, err := os.Stat(path)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s %d %d\n", path, fi.Size(), fi.ModTime().UnixNano())
		return nil
	}
	for _, p := range pkgs {
		if p.Standard || (p.Module != nil && fromModuleCache(p.Module)) {
			continue
		}
		if err := stat(p.Dir); err != nil {
			return "", err
		}
		if m := p.Module; m != nil {
			goMod := m.GoMod
			if m.Replace != nil {
				goMod = m.Replace.GoMod
			}
			if goMod != "" {
				if err := stat(goMod); err != nil {
					return "", err
				}
			}
		}
		for _, group := range [][]string{p.GoFiles, p.SFiles, p.SysoFiles, p.EmbedFiles, p.IgnoredGoFiles} {
			for _, f := range group {
				if err := stat(filepath.Join(p.Dir, f)); err != nil {
					return "", err
				}
			}
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func (a Archive) withSum(sum []byte) Archive {
	a.SHA256 = hex.EncodeToString(sum)
	a.Base64SHA256 = base64.StdEncoding.EncodeToString(sum)
	return a
}

// once runs fn for key unless a call for the same key is under way, in which case it waits
// for that call's result.
func (b *Builder) once(key string, fn func() (Archive, error)) (Archive, error) {
	b.mu.Lock()
	if f, ok := b.inflight[key]; ok {
		b.mu.Unlock()
		<-f.done
		return f.a, f.err
	}
	if b.inflight == nil {
		b.inflight = map[string]*flight{}
	}
	f := &flight{done: make(chan struct{})}
	b.inflight[key] = f
	b.mu.Unlock()

	f.a, f.err = fn()
	close(f.done)
	b.mu.Lock()
	delete(b.inflight, key)
	b.mu.Unlock()
	return f.a, f.err
}

func (b *Builder) goCommand() string {
	if b.Go != "" {
		return b.Go
	}
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return filepath.Join(runtime.GOROOT(), "bin", "go")
}

// buildEnv is the environment of every go command this package runs: the caller's, with
// everything that changes the output pinned.
func buildEnv() []string {
	pinned := map[string]string{
		"GOOS":        GOOS,
		"GOARCH":      GOARCH,
		"GOARM64":     GOARM64,
		"CGO_ENABLED": "0",
		"GOFLAGS":     "-buildvcs=false",
	}
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if _, ok := pinned[k]; !ok {
			env = append(env, kv)
		}
	}
	keys := make([]string, 0, len(pinned))
	for k := range pinned {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		env = append(env, k+"="+pinned[k])
	}
	return env
}

// goEnv is what of `go env` decides the output beyond the pinned variables.
type goEnv struct {
	GOVERSION    string
	GOEXPERIMENT string
	GOMOD        string
}

func readGoEnv(ctx context.Context, goCmd, dir string, env []string) (goEnv, error) {
	out, err := run(ctx, goCmd, dir, env, "env", "-json", "GOVERSION", "GOEXPERIMENT", "GOMOD")
	if err != nil {
		return goEnv{}, err
	}
	var e goEnv
	if err := json.Unmarshal(out, &e); err != nil {
		return goEnv{}, fmt.Errorf("lambdazip: parse go env: %w", err)
	}
	if e.GOMOD == "" || e.GOMOD == os.DevNull {
		where := dir
		if where == "" {
			where = "the current directory"
		}
		return goEnv{}, fmt.Errorf("lambdazip: %s is not inside a Go module", where)
	}
	return e, nil
}

// listedPackage is the part of `go list -json` output the inputs hash reads.
type listedPackage struct {
	ImportPath string
	Name       string
	Dir        string
	Standard   bool
	GoFiles    []string
	SFiles     []string
	SysoFiles  []string
	EmbedFiles []string
	// IgnoredGoFiles are stamped, not hashed: an edit to their build constraints changes
	// what the package compiles.
	IgnoredGoFiles []string
	Module         *listedModule
	Error          *struct{ Err string }
	DepsErrors     []struct{ Err string }
}

type listedModule struct {
	Path      string
	Version   string
	Main      bool
	GoMod     string
	GoVersion string
	Replace   *listedModule
}

var listFields = "ImportPath,Name,Dir,Standard,GoFiles,SFiles,SysoFiles,EmbedFiles,IgnoredGoFiles,Module,Error,DepsErrors"

// listDeps returns pkg and everything it imports, dependencies first, as the build would see
// them (same tags and platform).
func listDeps(ctx context.Context, goCmd, dir string, env []string, pkg string) ([]listedPackage, error) {
	out, err := run(ctx, goCmd, dir, env, "list", "-deps", "-e", "-json="+listFields, "-tags", Tags, pkg)
	if err != nil {
		return nil, err
	}
	var pkgs []listedPackage
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p listedPackage
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			return nil, fmt.Errorf("lambdazip: parse go list output for %s: %w", pkg, err)
		}
		if p.Error != nil {
			return nil, fmt.Errorf("lambdazip: package %s: %s", p.ImportPath, strings.TrimSpace(p.Error.Err))
		}
		for _, e := range p.DepsErrors {
			return nil, fmt.Errorf("lambdazip: package %s: %s", p.ImportPath, strings.TrimSpace(e.Err))
		}
		pkgs = append(pkgs, p)
	}
	if len(pkgs) == 0 {
		return nil, fmt.Errorf("lambdazip: go list found no package %s", pkg)
	}
	if root := pkgs[len(pkgs)-1]; root.Name != "main" {
		return nil, fmt.Errorf("lambdazip: package %s is %q, not a main package", root.ImportPath, root.Name)
	}
	return pkgs, nil
}

// inputsHash hashes everything the go command reads to build the last of pkgs. Standard
// packages are fixed by the go version and module-cache packages by their module version;
// everything else (the main module, directory replacements) is hashed file by file.
func inputsHash(e goEnv, pkgs []listedPackage) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s\nGOEXPERIMENT=%s\n", cacheFormat, e.GOVERSION, e.GOEXPERIMENT)
	for _, kv := range buildEnv() {
		if k, _, _ := strings.Cut(kv, "="); k == "GOOS" || k == "GOARCH" || k == "GOARM64" ||
			k == "CGO_ENABLED" || k == "GOFLAGS" {
			fmt.Fprintf(h, "%s\n", kv)
		}
	}
	fmt.Fprintf(h, "-trimpath -tags %s -ldflags %q\n", Tags, LDFlags)
	goMods := map[string]bool{}
	for _, p := range pkgs {
		switch {
		case p.Standard:
			fmt.Fprintf(h, "std %s\n", p.ImportPath)
			continue
		case p.Module != nil && fromModuleCache(p.Module):
			m := p.Module
			fmt.Fprintf(h, "mod %s %s@%s", p.ImportPath, m.Path, m.Version)
			if m.Replace != nil {
				fmt.Fprintf(h, " => %s@%s", m.Replace.Path, m.Replace.Version)
			}
			fmt.Fprintf(h, "\n")
			continue
		}
		fmt.Fprintf(h, "src %s\n", p.ImportPath)
		if m := p.Module; m != nil {
			goMod := m.GoMod
			if m.Replace != nil {
				goMod = m.Replace.GoMod
			}
			// go.mod decides the language version and the default GODEBUG settings.
			if goMod != "" && !goMods[goMod] {
				goMods[goMod] = true
				if err := hashFile(h, "go.mod "+m.Path, goMod); err != nil {
					return "", err
				}
			}
		}
		var files []string
		for _, group := range [][]string{p.GoFiles, p.SFiles, p.SysoFiles, p.EmbedFiles} {
			files = append(files, group...)
		}
		sort.Strings(files)
		for _, f := range files {
			if err := hashFile(h, f, filepath.Join(p.Dir, f)); err != nil {
				return "", err
			}
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// fromModuleCache reports whether m's files are immutable: a versioned module, or replaced by
// another versioned module rather than a directory.
func fromModuleCache(m *listedModule) bool {
	if m.Main {
		return false
	}
	if m.Replace != nil {
		return m.Replace.Version != ""
	}
	return m.Version != ""
}

func hashFile(h io.Writer, label, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	fh := sha256.New()
	if _, err := io.Copy(fh, f); err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	_, err = fmt.Fprintf(h, "file %s %x\n", label, fh.Sum(nil))
	return err
}

// build compiles pkg and writes its archive to dst through a temporary file in cacheDir, so a
// reader never sees a partial archive and concurrent processes at worst both build it.
func build(ctx context.Context, goCmd, dir string, env []string, pkg, cacheDir, dst string) ([]byte, error) {
	if err := os.MkdirAll(cacheDir, 0o755); err != nil {
		return nil, fmt.Errorf("lambdazip: create cache directory: %w", err)
	}
	work, err := os.MkdirTemp(cacheDir, "build-")
	if err != nil {
		return nil, fmt.Errorf("lambdazip: create build directory: %w", err)
	}
	defer os.RemoveAll(work)
	bin := filepath.Join(work, Executable)
	if _, err := run(ctx, goCmd, dir, env, "build", "-trimpath", "-tags", Tags,
		"-ldflags", LDFlags, "-o", bin, pkg); err != nil {
		return nil, err
	}
	exe, err := os.ReadFile(bin)
	if err != nil {
		return nil, fmt.Errorf("lambdazip: read built executable: %w", err)
	}
	zipped, err := Zip([]File{{Name: Executable, Mode: 0o755, Data: exe}})
	if err != nil {
		return nil, err
	}
	tmp := filepath.Join(work, "archive.zip")
	if err := os.WriteFile(tmp, zipped, 0o644); err != nil {
		return nil, fmt.Errorf("lambdazip: write archive: %w", err)
	}
	if err := os.Rename(tmp, dst); err != nil {
		return nil, fmt.Errorf("lambdazip: store archive: %w", err)
	}
	sum := sha256.Sum256(zipped)
	return sum[:], nil
}

// Retention is how long an archive no build has used stays in the cache. Every source edit
// adds an archive; pruning after each new build keeps the cache from growing without bound.
const Retention = 30 * 24 * time.Hour

// Prune deletes the archives in cacheDir that no build has used for Retention, and build
// directories that crashed builds left behind for a day. Errors are ignored: a cache that
// cannot be pruned still works.
func Prune(cacheDir string, now time.Time) {
	entries, err := os.ReadDir(cacheDir)
	if err != nil {
		return
	}
	for _, e := range entries {
		info, err := e.Info()
		if err != nil {
			continue
		}
		age := now.Sub(info.ModTime())
		switch {
		case !e.IsDir() && strings.HasSuffix(e.Name(), ".zip") && age > Retention:
			_ = os.Remove(filepath.Join(cacheDir, e.Name()))
		case e.IsDir() && strings.HasPrefix(e.Name(), "build-") && age > 24*time.Hour:
			_ = os.RemoveAll(filepath.Join(cacheDir, e.Name()))
		}
	}
}

// File is one entry of an archive.
type File struct {
	Name string
	Mode os.FileMode
	Data []byte
}

// Zip returns a zip holding files, sorted by name, each deflated with ModTime and its mode, so
// the same files always give the same bytes.
func Zip(files []File) ([]byte, error) {
	sorted := append([]File(nil), files...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for i, f := range sorted {
		if f.Name == "" {
			return nil, fmt.Errorf("lambdazip: file %d has no name", i)
		}
		if i > 0 && sorted[i-1].Name == f.Name {
			return nil, fmt.Errorf("lambdazip: file %q appears twice", f.Name)
		}
		hdr := &zip.FileHeader{Name: f.Name, Method: zip.Deflate, Modified: ModTime}
		hdr.SetMode(f.Mode)
		w, err := zw.CreateHeader(hdr)
		if err != nil {
			return nil, fmt.Errorf("lambdazip: add %s: %w", f.Name, err)
		}
		if _, err := w.Write(f.Data); err != nil {
			return nil, fmt.Errorf("lambdazip: add %s: %w", f.Name, err)
		}
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("lambdazip: finish archive: %w", err)
	}
	return buf.Bytes(), nil
}

func fileSHA256(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return nil, err
	}
	return h.Sum(nil), nil
}

// run runs the go command and returns its standard output; a failure's error carries stderr.
func run(ctx context.Context, goCmd, dir string, env []string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, goCmd, args...)
	cmd.Dir = dir
	cmd.Env = env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("lambdazip: go %s: %w: %s", args[0], err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}
