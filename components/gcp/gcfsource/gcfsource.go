// Package gcfsource builds the source archive Cloud Run functions (2nd gen) build a Go
// function from, reproducibly: the module's go.mod and go.sum and every non-test Go file of
// the module's functions tree, zipped in name order with fixed timestamps and modes, so the
// same source gives the same bytes and `pulumi up` shows no change when nothing changed.
// The four functions share one archive and differ only in their entry point.
package gcfsource

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
)

// Archive is a built archive: where it is and the hex SHA-256 of its bytes.
type Archive struct {
	Path, SHA256 string
	// Files are the archive's file names, in order.
	Files []string
}

// epoch is every entry's modification time (the zip format's earliest).
var epoch = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)

// Builder builds archives of the module rooted at Root (the directory holding go.mod; found
// from the working directory upwards when empty) into Dir (os.TempDir()/ottkit-gcfsource
// when empty). One Builder builds each archive once.
type Builder struct {
	Root, Dir string

	once sync.Once
	a    Archive
	err  error
}

// Trees are the module directories an archive carries besides go.mod and go.sum.
var Trees = []string{"functions"}

// Build returns the archive, building it on first use.
func (b *Builder) Build() (Archive, error) {
	b.once.Do(func() { b.a, b.err = b.build() })
	return b.a, b.err
}

func (b *Builder) build() (Archive, error) {
	root := b.Root
	if root == "" {
		var err error
		if root, err = moduleRoot(); err != nil {
			return Archive{}, err
		}
	}
	files := []string{"go.mod", "go.sum"}
	for _, tree := range Trees {
		err := filepath.WalkDir(filepath.Join(root, tree), func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) {
				return filepath.SkipDir
			}
			if !d.IsDir() && strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, "_test.go") {
				rel, err := filepath.Rel(root, path)
				if err != nil {
					return err
				}
				files = append(files, filepath.ToSlash(rel))
			}
			return nil
		})
		if err != nil {
			return Archive{}, fmt.Errorf("gcfsource: %w", err)
		}
	}
	sort.Strings(files[2:])
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range files {
		data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(name)))
		if err != nil {
			return Archive{}, fmt.Errorf("gcfsource: %w", err)
		}
		h := &zip.FileHeader{Name: name, Method: zip.Deflate, Modified: epoch}
		h.SetMode(0o644)
		w, err := zw.CreateHeader(h)
		if err != nil {
			return Archive{}, fmt.Errorf("gcfsource: %s: %w", name, err)
		}
		if _, err := w.Write(data); err != nil {
			return Archive{}, fmt.Errorf("gcfsource: %s: %w", name, err)
		}
	}
	if err := zw.Close(); err != nil {
		return Archive{}, fmt.Errorf("gcfsource: %w", err)
	}
	sum := sha256.Sum256(buf.Bytes())
	dir := b.Dir
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "ottkit-gcfsource")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Archive{}, fmt.Errorf("gcfsource: %w", err)
	}
	hexSum := hex.EncodeToString(sum[:])
	path := filepath.Join(dir, hexSum+".zip")
	if _, err := os.Stat(path); err != nil {
		tmp, err := os.CreateTemp(dir, "partial-*.zip")
		if err != nil {
			return Archive{}, fmt.Errorf("gcfsource: %w", err)
		}
		_, werr := tmp.Write(buf.Bytes())
		cerr := tmp.Close()
		if err := errors.Join(werr, cerr); err != nil {
			return Archive{}, fmt.Errorf("gcfsource: %w", err)
		}
		if err := os.Rename(tmp.Name(), path); err != nil {
			return Archive{}, fmt.Errorf("gcfsource: %w", err)
		}
	}
	return Archive{Path: path, SHA256: hexSum, Files: files}, nil
}

// moduleRoot finds the directory of the nearest go.mod above the working directory.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("gcfsource: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("gcfsource: no go.mod above the working directory")
		}
		dir = parent
	}
}
