package lambdazip

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"debug/buildinfo"
	"debug/elf"
	"encoding/hex"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

const lambdaPkg = "github.com/ottkit/ottkit/components/aws/lambdazip/testdata/lambda"

// copyStandalone copies the standalone test module to a fresh directory and returns it.
func copyStandalone(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range []string{"go.mod", "main.go"} {
		b, err := os.ReadFile(filepath.Join("testdata", "standalone", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func readZip(t *testing.T, path string) *zip.Reader {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("archive %s is not a zip: %v", path, err)
	}
	return zr
}

func TestZipIsDeterministic(t *testing.T) {
	a := []File{{Name: "bootstrap", Mode: 0o755, Data: []byte("binary")}, {Name: "a.txt", Mode: 0o644, Data: []byte("x")}}
	b := []File{a[1], a[0]}
	za, err := Zip(a)
	if err != nil {
		t.Fatal(err)
	}
	zb, err := Zip(b)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(za, zb) {
		t.Error("zips of the same files in a different order differ")
	}
	zr, err := zip.NewReader(bytes.NewReader(za), int64(len(za)))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
		if !f.Modified.Equal(ModTime) {
			t.Errorf("%s modified = %v, want %v", f.Name, f.Modified, ModTime)
		}
	}
	if got, want := strings.Join(names, ","), "a.txt,bootstrap"; got != want {
		t.Errorf("entries = %s, want %s", got, want)
	}
	if got, want := zr.File[1].Mode(), os.FileMode(0o755); got != want {
		t.Errorf("bootstrap mode = %v, want %v", got, want)
	}
}

func TestZipRejectsBadFiles(t *testing.T) {
	tests := []struct {
		name  string
		files []File
		want  string
	}{
		{"unnamed", []File{{Mode: 0o644}}, "file 0 has no name"},
		{"duplicate", []File{{Name: "x"}, {Name: "x"}}, `file "x" appears twice`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Zip(tt.files)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Zip error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

// TestBuildIsReproducible builds the same handler twice into separate caches, so both are real
// builds, and checks the archives are byte-identical and hold what Lambda runs.
func TestBuildIsReproducible(t *testing.T) {
	ctx := context.Background()
	var archives []Archive
	for i := 0; i < 2; i++ {
		a, err := (&Builder{CacheDir: t.TempDir()}).Build(ctx, lambdaPkg)
		if err != nil {
			t.Fatal(err)
		}
		if a.Cached {
			t.Fatalf("build %d came from an empty cache", i)
		}
		archives = append(archives, a)
	}
	if archives[0].SHA256 != archives[1].SHA256 {
		t.Errorf("two builds differ: %s != %s", archives[0].SHA256, archives[1].SHA256)
	}
	if archives[0].InputsHash != archives[1].InputsHash {
		t.Errorf("inputs hash differs: %s != %s", archives[0].InputsHash, archives[1].InputsHash)
	}
	b, err := os.ReadFile(archives[0].Path)
	if err != nil {
		t.Fatal(err)
	}
	if got := sha256.Sum256(b); hex.EncodeToString(got[:]) != archives[0].SHA256 {
		t.Errorf("SHA256 field %s does not match the file's %x", archives[0].SHA256, got)
	}

	zr := readZip(t, archives[0].Path)
	if len(zr.File) != 1 || zr.File[0].Name != Executable {
		t.Fatalf("archive entries = %v, want exactly %s", zr.File, Executable)
	}
	f := zr.File[0]
	if got, want := f.Mode(), os.FileMode(0o755); got != want {
		t.Errorf("bootstrap mode = %v, want %v", got, want)
	}
	if !f.Modified.Equal(ModTime) {
		t.Errorf("bootstrap modified = %v, want %v", f.Modified, ModTime)
	}
	rc, err := f.Open()
	if err != nil {
		t.Fatal(err)
	}
	exe, err := io.ReadAll(rc)
	rc.Close()
	if err != nil {
		t.Fatal(err)
	}

	ef, err := elf.NewFile(bytes.NewReader(exe))
	if err != nil {
		t.Fatalf("bootstrap is not ELF: %v", err)
	}
	if ef.Machine != elf.EM_AARCH64 {
		t.Errorf("bootstrap machine = %v, want %v", ef.Machine, elf.EM_AARCH64)
	}
	for _, p := range ef.Progs {
		if p.Type == elf.PT_INTERP {
			t.Error("bootstrap is dynamically linked; want static (CGO_ENABLED=0)")
		}
	}
	if s := ef.Section(".symtab"); s != nil {
		t.Error("bootstrap has a symbol table; want it stripped (-s)")
	}
	if s := ef.Section(".note.go.buildid"); s != nil {
		t.Error("bootstrap carries a Go build id; want none (-buildid=)")
	}

	info, err := buildinfo.Read(bytes.NewReader(exe))
	if err != nil {
		t.Fatal(err)
	}
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	// -ldflags is not recorded with -trimpath; the section checks above cover it.
	want := map[string]string{
		"-trimpath":   "true",
		"-tags":       Tags,
		"CGO_ENABLED": "0",
		"GOOS":        GOOS,
		"GOARCH":      GOARCH,
		"GOARM64":     GOARM64,
	}
	for k, v := range want {
		if settings[k] != v {
			t.Errorf("build setting %s = %q, want %q", k, settings[k], v)
		}
	}
	for k := range settings {
		if strings.HasPrefix(k, "vcs") {
			t.Errorf("build setting %s present; want no VCS stamp", k)
		}
	}
	if info.Path != lambdaPkg {
		t.Errorf("main package = %s, want %s", info.Path, lambdaPkg)
	}
}

// TestBuildDoesNotDependOnLocation builds the same module from two directories.
func TestBuildDoesNotDependOnLocation(t *testing.T) {
	ctx := context.Background()
	var archives []Archive
	for i := 0; i < 2; i++ {
		a, err := (&Builder{Dir: copyStandalone(t), CacheDir: t.TempDir()}).Build(ctx, ".")
		if err != nil {
			t.Fatal(err)
		}
		archives = append(archives, a)
	}
	if archives[0].SHA256 != archives[1].SHA256 {
		t.Errorf("builds from two directories differ: %s != %s", archives[0].SHA256, archives[1].SHA256)
	}
	if archives[0].InputsHash != archives[1].InputsHash {
		t.Errorf("inputs hash depends on the directory: %s != %s", archives[0].InputsHash, archives[1].InputsHash)
	}
}

func TestBuildCachesByInputs(t *testing.T) {
	ctx := context.Background()
	b := &Builder{Dir: copyStandalone(t), CacheDir: t.TempDir()}
	first, err := b.Build(ctx, ".")
	if err != nil {
		t.Fatal(err)
	}
	again, err := b.Build(ctx, ".")
	if err != nil {
		t.Fatal(err)
	}
	if !again.Cached || again.Path != first.Path || again.SHA256 != first.SHA256 {
		t.Errorf("unchanged rebuild = %+v, want a cache hit of %+v", again, first)
	}

	main := filepath.Join(b.Dir, "main.go")
	src, err := os.ReadFile(main)
	if err != nil {
		t.Fatal(err)
	}
	changed := bytes.Replace(src, []byte(`"hello\n"`), []byte(`"hello, again\n"`), 1)
	if err := os.WriteFile(main, changed, 0o644); err != nil {
		t.Fatal(err)
	}
	edited, err := b.Build(ctx, ".")
	if err != nil {
		t.Fatal(err)
	}
	if edited.Cached || edited.InputsHash == first.InputsHash || edited.SHA256 == first.SHA256 {
		t.Errorf("rebuild after an edit = %+v, want a new build unlike %+v", edited, first)
	}

	goMod := filepath.Join(b.Dir, "go.mod")
	mod, err := os.ReadFile(goMod)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(goMod, append(mod, []byte("\ngodebug panicnil=1\n")...), 0o644); err != nil {
		t.Fatal(err)
	}
	modEdited, err := b.Build(ctx, ".")
	if err != nil {
		t.Fatal(err)
	}
	if modEdited.Cached || modEdited.InputsHash == edited.InputsHash {
		t.Errorf("rebuild after a go.mod edit = %+v, want new inputs unlike %+v", modEdited, edited)
	}
}

func TestConcurrentBuildsShareOneResult(t *testing.T) {
	b := &Builder{Dir: copyStandalone(t), CacheDir: t.TempDir()}
	var wg sync.WaitGroup
	results := make([]Archive, 4)
	errs := make([]error, 4)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = b.Build(context.Background(), ".")
		}()
	}
	wg.Wait()
	for i := range results {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if results[i].SHA256 != results[0].SHA256 || results[i].Path != results[0].Path {
			t.Errorf("build %d = %+v, want %+v", i, results[i], results[0])
		}
	}
	entries, err := os.ReadDir(b.CacheDir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Errorf("cache holds %d entries, want 1 archive and no leftovers", len(entries))
	}
}

func TestBuildErrors(t *testing.T) {
	outside := t.TempDir()
	tests := []struct {
		name string
		dir  string
		pkg  string
		want string
	}{
		{"empty package", "", "", "lambdazip: package is empty"},
		{"library package", "", "github.com/ottkit/ottkit/functions/aws/manifest", `is "manifest", not a main package`},
		{"missing package", "", "github.com/ottkit/ottkit/functions/cmd/nosuchfunction", "nosuchfunction"},
		{"outside a module", outside, "./x", "is not inside a Go module"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cache := t.TempDir()
			_, err := (&Builder{Dir: tt.dir, CacheDir: cache}).Build(context.Background(), tt.pkg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Build error = %v, want it to contain %q", err, tt.want)
			}
			if entries, _ := os.ReadDir(cache); len(entries) != 0 {
				t.Errorf("failed build left %d cache entries", len(entries))
			}
		})
	}
}

func TestDefaultCacheDirHonoursEnv(t *testing.T) {
	t.Setenv(CacheDirEnv, "/tmp/ottkit-cache-test")
	got, err := DefaultCacheDir()
	if err != nil {
		t.Fatal(err)
	}
	if got != "/tmp/ottkit-cache-test" {
		t.Errorf("DefaultCacheDir() = %s, want /tmp/ottkit-cache-test", got)
	}
}

// BenchmarkBuildWarm measures what a program pays per function once the archive is cached:
// go env, go list -deps, hashing the module's sources and the archive. "api" is the real api
// function, with the AWS SDK among its dependencies.
func BenchmarkBuildWarm(b *testing.B) {
	for _, bm := range []struct{ name, pkg string }{
		{"minimal", lambdaPkg},
		{"api", "github.com/ottkit/ottkit/functions/cmd/api"},
	} {
		b.Run(bm.name, func(b *testing.B) {
			ctx := context.Background()
			bl := &Builder{CacheDir: b.TempDir()}
			if _, err := bl.Build(ctx, bm.pkg); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				a, err := bl.Build(ctx, bm.pkg)
				if err != nil {
					b.Fatal(err)
				}
				if !a.Cached {
					b.Fatal("warm build was not cached")
				}
			}
		})
	}
}

func TestPruneRemovesOnlyStaleEntries(t *testing.T) {
	dir := t.TempDir()
	now := time.Now()
	old := now.Add(-Retention - time.Hour)
	files := map[string]time.Time{
		"stale.zip":     old,
		"fresh.zip":     now.Add(-time.Hour),
		"notes.txt":     old, // not ours
		"build-crashed": now.Add(-48 * time.Hour),
		"build-running": now.Add(-time.Minute),
	}
	for name, mtime := range files {
		p := filepath.Join(dir, name)
		var err error
		if strings.HasPrefix(name, "build-") {
			err = os.Mkdir(p, 0o755)
		} else {
			err = os.WriteFile(p, []byte("x"), 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, mtime, mtime); err != nil {
			t.Fatal(err)
		}
	}
	Prune(dir, now)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var left []string
	for _, e := range entries {
		left = append(left, e.Name())
	}
	if got, want := strings.Join(left, ","), "build-running,fresh.zip,notes.txt"; got != want {
		t.Errorf("after pruning: %s, want %s", got, want)
	}
}

func TestCacheHitKeepsArchiveFresh(t *testing.T) {
	b := &Builder{Dir: copyStandalone(t), CacheDir: t.TempDir()}
	a, err := b.Build(context.Background(), ".")
	if err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-Retention - time.Hour)
	if err := os.Chtimes(a.Path, old, old); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Build(context.Background(), "."); err != nil {
		t.Fatal(err)
	}
	Prune(b.CacheDir, time.Now())
	if _, err := os.Stat(a.Path); err != nil {
		t.Errorf("an archive just used was pruned: %v", err)
	}
}

// TestBuildListsOnce holds a Builder to one `go env` and one `go list` per package while the
// source is unchanged, and to listing again after an edit.
func TestBuildListsOnce(t *testing.T) {
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Fatal(err)
	}
	tools := t.TempDir()
	calls := filepath.Join(tools, "calls")
	wrapper := filepath.Join(tools, "go")
	script := "#!/bin/sh\necho \"$1\" >> " + calls + "\nexec " + goCmd + " \"$@\"\n"
	if err := os.WriteFile(wrapper, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	b := &Builder{Dir: copyStandalone(t), CacheDir: t.TempDir(), Go: wrapper}
	ctx := context.Background()
	for range 3 {
		if _, err := b.Build(ctx, "."); err != nil {
			t.Fatal(err)
		}
	}
	got := func() string {
		b, err := os.ReadFile(calls)
		if err != nil {
			t.Fatal(err)
		}
		return strings.Join(strings.Fields(string(b)), ",")
	}
	if g, want := got(), "env,list,build"; g != want {
		t.Errorf("three builds ran go %s, want %s", g, want)
	}
	main := filepath.Join(b.Dir, "main.go")
	src, err := os.ReadFile(main)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(main, bytes.Replace(src, []byte(`"hello\n"`), []byte(`"hello, edited\n"`), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	a, err := b.Build(ctx, ".")
	if err != nil {
		t.Fatal(err)
	}
	if g, want := got(), "env,list,build,list,build"; g != want || a.Cached {
		t.Errorf("after an edit go ran %s (cached %v), want %s and a new build", g, a.Cached, want)
	}
}
