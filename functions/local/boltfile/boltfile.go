// Package boltfile opens the one embedded database file that ottkit dev keeps its catalog and
// queues in, turning bbolt's failure modes into errors that name the file and say what to do.
// It never repairs, truncates or replaces a file it cannot read: a corrupt file is left exactly
// as it was found.
package boltfile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// ErrLocked reports that another process holds the database file open.
var ErrLocked = errors.New("boltfile: database file is in use by another process")

// ErrCorrupt reports a file that is not a readable bbolt database.
var ErrCorrupt = errors.New("boltfile: database file is corrupt or not a bbolt database")

// LockTimeout is how long Open waits for another process to release the file.
const LockTimeout = 500 * time.Millisecond

// Open opens (creating if absent) the database at path with owner-only permissions. Every
// error names path: ErrLocked when another process has it open, ErrCorrupt when its contents
// are not a database, and the file system's error when the directory is not writable.
func Open(path string) (db *bolt.DB, err error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("boltfile: create directory for %s: %w", path, err)
	}
	// bbolt validates the meta pages on open, but a file damaged deeper down can make it panic
	// instead of returning an error; neither may take the process down or touch the file.
	defer func() {
		if r := recover(); r != nil {
			db, err = nil, fmt.Errorf("%w: %s (%v); it was left untouched: move it aside to start empty", ErrCorrupt, path, r)
		}
	}()
	db, err = bolt.Open(path, 0o600, &bolt.Options{Timeout: LockTimeout})
	switch {
	case errors.Is(err, berrors.ErrTimeout):
		return nil, fmt.Errorf("%w: %s (is another ottkit dev running with this data directory?)", ErrLocked, path)
	case errors.Is(err, berrors.ErrInvalid), errors.Is(err, berrors.ErrChecksum), errors.Is(err, berrors.ErrVersionMismatch):
		return nil, fmt.Errorf("%w: %s (%v); it was left untouched: move it aside to start empty", ErrCorrupt, path, err)
	case err != nil:
		return nil, fmt.Errorf("boltfile: open %s: %w", path, err)
	}
	if err := check(db); err != nil {
		db.Close()
		return nil, fmt.Errorf("%w: %s (%v); it was left untouched: move it aside to start empty", ErrCorrupt, path, err)
	}
	return db, nil
}

// check walks every page once, so damage found later, mid-pipeline, is found now instead.
func check(db *bolt.DB) error {
	return db.View(func(tx *bolt.Tx) error {
		var first error
		for err := range tx.Check() { // drain: the checker blocks until every error is read
			if first == nil {
				first = err
			}
		}
		return first
	})
}
