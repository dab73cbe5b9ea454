// Package catalog is ottkit dev's asset catalog: a pipeline.Catalog in an embedded bbolt
// database, with the conditional-write semantics of the DynamoDB catalog. Create fails on a
// taken id; Update is a compare-and-swap on the stored status that also refuses to lower
// Asset.Progress, so a duplicate or late event can neither create an asset twice nor move
// one backwards. Writes are bbolt transactions, fsynced on commit, so the catalog survives a
// restart or a crash.
package catalog

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/ottkit/ottkit/functions/pipeline"
)

// MaxPageSize caps List's page size, as the DynamoDB catalog does.
const MaxPageSize = 100

// ErrBadPageToken is pipeline.ErrBadPageToken: a page token this catalog did not issue for this tenant.
var ErrBadPageToken = pipeline.ErrBadPageToken

var (
	assetsBucket = []byte("catalog/assets")
	// tenantBucket is the byTenant index: tenant NUL IndexKey NUL id → nil, which orders a
	// tenant's assets by status then creation time, like the DynamoDB GSI.
	tenantBucket = []byte("catalog/byTenant")
)

// Catalog is a pipeline.Catalog over one bbolt database.
type Catalog struct {
	db *bolt.DB
}

var _ pipeline.Catalog = (*Catalog)(nil)

// New returns the catalog kept in db, creating its buckets if they are absent.
func New(db *bolt.DB) (*Catalog, error) {
	err := db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{assetsBucket, tenantBucket} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("catalog: create buckets in %s: %w", db.Path(), err)
	}
	return &Catalog{db: db}, nil
}

func indexKey(a *pipeline.Asset) []byte {
	return []byte(a.Tenant + "\x00" + a.IndexKey() + "\x00" + a.ID)
}

func validate(a *pipeline.Asset) error {
	if a.ID == "" {
		return errors.New("catalog: asset has no id")
	}
	if !a.Status.Valid() {
		return fmt.Errorf("catalog: asset %s has invalid status %q", a.ID, a.Status)
	}
	return nil
}

func put(tx *bolt.Tx, a *pipeline.Asset) error {
	b, err := json.Marshal(a)
	if err != nil {
		return fmt.Errorf("catalog: marshal asset %s: %w", a.ID, err)
	}
	if err := tx.Bucket(assetsBucket).Put([]byte(a.ID), b); err != nil {
		return err
	}
	if a.Tenant == "" {
		return nil // like the GSI, an asset without a tenant is not listed
	}
	return tx.Bucket(tenantBucket).Put(indexKey(a), nil)
}

func get(tx *bolt.Tx, id string) (*pipeline.Asset, error) {
	v := tx.Bucket(assetsBucket).Get([]byte(id))
	if v == nil {
		return nil, pipeline.ErrNotFound
	}
	var a pipeline.Asset
	if err := json.Unmarshal(v, &a); err != nil {
		return nil, fmt.Errorf("catalog: unmarshal asset %s: %w", id, err)
	}
	return &a, nil
}

// Create stores a new asset. It returns an error wrapping pipeline.ErrExists when an asset with
// the same id is already stored, which is how a duplicate upload event is recognised.
func (c *Catalog) Create(ctx context.Context, a *pipeline.Asset) error {
	if err := validate(a); err != nil {
		return err
	}
	err := c.db.Update(func(tx *bolt.Tx) error {
		if tx.Bucket(assetsBucket).Get([]byte(a.ID)) != nil {
			return pipeline.ErrExists
		}
		return put(tx, a)
	})
	if err != nil {
		return fmt.Errorf("catalog: create asset %s: %w", a.ID, err)
	}
	return nil
}

// Get returns the asset with id, or an error wrapping pipeline.ErrNotFound.
func (c *Catalog) Get(ctx context.Context, id string) (*pipeline.Asset, error) {
	var a *pipeline.Asset
	err := c.db.View(func(tx *bolt.Tx) (err error) {
		a, err = get(tx, id)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("catalog: get asset %s: %w", id, err)
	}
	return a, nil
}

// Update replaces the stored asset with a, on condition that the stored status is still from
// and the stored Progress is not above a's; otherwise it fails with pipeline.ErrConflict
// (pipeline.ErrNotFound if the asset is absent). It refuses, before reading anything, a change
// the state machine does not allow: a.Status must equal from or be a move CanMoveTo permits.
func (c *Catalog) Update(ctx context.Context, from pipeline.Status, a *pipeline.Asset) error {
	if a.Status != from && !from.CanMoveTo(a.Status) {
		return fmt.Errorf("catalog: update asset %s: %s → %s is not an allowed move: %w", a.ID, from, a.Status, pipeline.ErrConflict)
	}
	if err := validate(a); err != nil {
		return err
	}
	err := c.db.Update(func(tx *bolt.Tx) error {
		stored, err := get(tx, a.ID)
		if err != nil {
			return err
		}
		if stored.Status != from || stored.Progress() > a.Progress() {
			return fmt.Errorf("from %s (stored %s): %w", from, stored.Status, pipeline.ErrConflict)
		}
		if stored.Tenant != "" {
			if err := tx.Bucket(tenantBucket).Delete(indexKey(stored)); err != nil {
				return err
			}
		}
		return put(tx, a)
	})
	if err != nil {
		return fmt.Errorf("catalog: update asset %s: %w", a.ID, err)
	}
	return nil
}

// pageToken is what List's opaque token carries: the tenant it was issued for and the index
// key of the last asset returned.
type pageToken struct {
	Tenant string `json:"t"`
	After  string `json:"k"`
}

// List returns up to limit of tenant's assets in index order (by status, then creation time)
// and the token of the next page ("" on the last page). A token issued for another tenant, or
// not issued by List at all, is ErrBadPageToken.
func (c *Catalog) List(ctx context.Context, tenant string, limit int, token string) ([]pipeline.Asset, string, error) {
	if tenant == "" {
		return nil, "", errors.New("catalog: list needs a tenant")
	}
	if limit <= 0 || limit > MaxPageSize {
		limit = MaxPageSize
	}
	prefix := []byte(tenant + "\x00")
	start := prefix
	if token != "" {
		after, err := decodeToken(token, tenant)
		if err != nil {
			return nil, "", err
		}
		start = append([]byte(after), 0) // the smallest key after the last one returned
	}
	var (
		assets []pipeline.Asset
		next   string
	)
	err := c.db.View(func(tx *bolt.Tx) error {
		cur := tx.Bucket(tenantBucket).Cursor()
		for k, _ := cur.Seek(start); k != nil && bytes.HasPrefix(k, prefix); k, _ = cur.Next() {
			if len(assets) == limit {
				next = encodeToken(tenant, string(last(assets)))
				return nil
			}
			id := k[bytes.LastIndexByte(k, 0)+1:]
			a, err := get(tx, string(id))
			if err != nil {
				return err
			}
			assets = append(assets, *a)
		}
		return nil
	})
	if err != nil {
		return nil, "", fmt.Errorf("catalog: list tenant %s: %w", tenant, err)
	}
	return assets, next, nil
}

func last(assets []pipeline.Asset) []byte { return indexKey(&assets[len(assets)-1]) }

func encodeToken(tenant, after string) string {
	b, _ := json.Marshal(pageToken{Tenant: tenant, After: after}) // two strings always marshal
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeToken(s, tenant string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return "", ErrBadPageToken
	}
	var tok pageToken
	if err := json.Unmarshal(b, &tok); err != nil || tok.Tenant != tenant || !bytes.HasPrefix([]byte(tok.After), []byte(tenant+"\x00")) {
		return "", ErrBadPageToken
	}
	return tok.After, nil
}
