package boltfile_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/ottkit/ottkit/functions/local/boltfile"
)

func TestOpenCreatesAndReopens(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "ottkit.db")
	db, err := boltfile.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket([]byte("b"))
		if err != nil {
			return err
		}
		return b.Put([]byte("k"), []byte("v"))
	}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("file mode %v (%v), want 0600", fi.Mode().Perm(), err)
	}
	db, err = boltfile.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.View(func(tx *bolt.Tx) error {
		if got := string(tx.Bucket([]byte("b")).Get([]byte("k"))); got != "v" {
			t.Errorf("after reopen got %q, want v", got)
		}
		return nil
	})
}

func TestOpenCorruptFileLeavesItUntouched(t *testing.T) {
	for name, content := range map[string][]byte{
		"text":      []byte(strings.Repeat("not a database\n", 2000)),
		"truncated": nil,
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "ottkit.db")
			if content == nil {
				db, err := boltfile.Open(path)
				if err != nil {
					t.Fatal(err)
				}
				db.Close()
				full, _ := os.ReadFile(path)
				content = full[:100] // half a meta page
			}
			if err := os.WriteFile(path, content, 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := boltfile.Open(path)
			if !errors.Is(err, boltfile.ErrCorrupt) || !strings.Contains(err.Error(), path) {
				t.Fatalf("Open(corrupt) = %v, want ErrCorrupt naming %s", err, path)
			}
			after, _ := os.ReadFile(path)
			if !bytes.Equal(after, content) {
				t.Errorf("Open changed the corrupt file (%d bytes → %d)", len(content), len(after))
			}
		})
	}
}

func TestOpenLockedFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ottkit.db")
	db, err := boltfile.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_, err = boltfile.Open(path)
	if !errors.Is(err, boltfile.ErrLocked) || !strings.Contains(err.Error(), path) {
		t.Fatalf("second Open = %v, want ErrLocked naming %s", err, path)
	}
}

func TestOpenUnwritableDirectory(t *testing.T) {
	file := filepath.Join(t.TempDir(), "a-file")
	os.WriteFile(file, []byte("x"), 0o600)
	path := filepath.Join(file, "ottkit.db")
	_, err := boltfile.Open(path)
	if err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("Open under a file = %v, want an error naming %s", err, path)
	}
}
