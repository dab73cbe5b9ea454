// Package firestorecat is the Firestore pipeline.Catalog: one document per asset in the
// stack's named database, holding the asset's JSON fields (the same names as the API's JSON)
// plus two derived fields the catalog needs: indexKey (pipeline.Asset.IndexKey, the listing
// order) and progress (pipeline.Asset.Progress, the no-going-back check).
//
// Create writes with an exists=false precondition, so a duplicate event gets ErrExists.
// Update is a read-write transaction: it reads the stored asset, refuses (ErrConflict) unless
// its status is still from and its progress is not ahead of the new one, and writes; a
// concurrent writer makes the transaction abort and retry, and the retry sees the other
// write and refuses. List queries tenant == t ordered by indexKey then id, which needs the
// composite index (tenant, indexKey) the GCP components declare.
package firestorecat

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"

	"cloud.google.com/go/firestore"
	"google.golang.org/api/iterator"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/ottkit/ottkit/functions/pipeline"
)

// Collection is the collection holding assets.
const Collection = "assets"

// Derived fields stored beside the asset's own.
const (
	FieldIndexKey = "indexKey"
	FieldProgress = "progress"
	FieldTenant   = "tenant"
)

// MaxPageSize caps List's page size.
const MaxPageSize = 100

// Catalog stores assets in Firestore.
type Catalog struct {
	client *firestore.Client
}

var _ pipeline.Catalog = (*Catalog)(nil)

// New returns a Catalog in client's database.
func New(client *firestore.Client) *Catalog { return &Catalog{client: client} }

func (c *Catalog) doc(id string) *firestore.DocumentRef {
	return c.client.Collection(Collection).Doc(id)
}

// Create stores a, or fails with ErrExists.
func (c *Catalog) Create(ctx context.Context, a *pipeline.Asset) error {
	if a.ID == "" {
		return errors.New("firestorecat: create: asset id is empty")
	}
	fields, err := encode(a)
	if err != nil {
		return err
	}
	_, err = c.doc(a.ID).Create(ctx, fields)
	if status.Code(err) == codes.AlreadyExists {
		return fmt.Errorf("firestorecat: create %s: %w", a.ID, pipeline.ErrExists)
	}
	if err != nil {
		return fmt.Errorf("firestorecat: create %s: %w", a.ID, err)
	}
	return nil
}

// Get returns the asset, or ErrNotFound.
func (c *Catalog) Get(ctx context.Context, id string) (*pipeline.Asset, error) {
	if id == "" {
		return nil, fmt.Errorf("firestorecat: get: asset id is empty: %w", pipeline.ErrNotFound)
	}
	snap, err := c.doc(id).Get(ctx)
	if status.Code(err) == codes.NotFound {
		return nil, fmt.Errorf("firestorecat: get %s: %w", id, pipeline.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("firestorecat: get %s: %w", id, err)
	}
	return decode(snap)
}

// Update replaces the stored asset with a if its status is still from and a does not go
// back (see the package comment).
func (c *Catalog) Update(ctx context.Context, from pipeline.Status, a *pipeline.Asset) error {
	if a.Status != from && !from.CanMoveTo(a.Status) {
		return fmt.Errorf("firestorecat: update %s: %s → %s is not an allowed move: %w", a.ID, from, a.Status, pipeline.ErrConflict)
	}
	fields, err := encode(a)
	if err != nil {
		return err
	}
	ref := c.doc(a.ID)
	err = c.client.RunTransaction(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
		snap, err := tx.Get(ref)
		if status.Code(err) == codes.NotFound {
			return fmt.Errorf("firestorecat: update %s: %w", a.ID, pipeline.ErrNotFound)
		}
		if err != nil {
			return err
		}
		stored, err := decode(snap)
		if err != nil {
			return err
		}
		if stored.Status != from || stored.Progress() > a.Progress() {
			return fmt.Errorf("firestorecat: update %s from %s (stored %s): %w", a.ID, from, stored.Status, pipeline.ErrConflict)
		}
		// An update with the exists precondition (not a Set, which may create) needs only
		// datastore.entities.update. Fields the new asset no longer has are deleted, so the
		// document is replaced exactly.
		var updates []firestore.Update
		for k, v := range fields {
			updates = append(updates, firestore.Update{FieldPath: firestore.FieldPath{k}, Value: v})
		}
		for k := range snap.Data() {
			if _, ok := fields[k]; !ok {
				updates = append(updates, firestore.Update{FieldPath: firestore.FieldPath{k}, Value: firestore.Delete})
			}
		}
		return tx.Update(ref, updates)
	})
	if err != nil && !errors.Is(err, pipeline.ErrConflict) && !errors.Is(err, pipeline.ErrNotFound) {
		return fmt.Errorf("firestorecat: update %s: %w", a.ID, err)
	}
	return err
}

type pageToken struct {
	Tenant string `json:"t"`
	Key    string `json:"k"`
	ID     string `json:"i"`
}

// List returns up to limit of the tenant's assets in IndexKey order, and the next token.
func (c *Catalog) List(ctx context.Context, tenant string, limit int, token string) ([]pipeline.Asset, string, error) {
	if tenant == "" {
		return nil, "", errors.New("firestorecat: list: tenant is empty")
	}
	if limit <= 0 || limit > MaxPageSize {
		limit = MaxPageSize
	}
	q := c.client.Collection(Collection).Where(FieldTenant, "==", tenant).
		OrderBy(FieldIndexKey, firestore.Asc).OrderBy(firestore.DocumentID, firestore.Asc).Limit(limit + 1)
	if token != "" {
		raw, err := base64.RawURLEncoding.DecodeString(token)
		var tok pageToken
		if err != nil || json.Unmarshal(raw, &tok) != nil || tok.Tenant != tenant || tok.Key == "" || tok.ID == "" {
			return nil, "", fmt.Errorf("firestorecat: list %s: %w", tenant, pipeline.ErrBadPageToken)
		}
		q = q.StartAfter(tok.Key, tok.ID)
	}
	it := q.Documents(ctx)
	defer it.Stop()
	var page []pipeline.Asset
	for {
		snap, err := it.Next()
		if errors.Is(err, iterator.Done) {
			return page, "", nil
		}
		if err != nil {
			return nil, "", fmt.Errorf("firestorecat: list %s: %w", tenant, err)
		}
		if len(page) == limit {
			last := page[len(page)-1]
			raw, _ := json.Marshal(pageToken{Tenant: tenant, Key: last.IndexKey(), ID: last.ID})
			return page, base64.RawURLEncoding.EncodeToString(raw), nil
		}
		a, err := decode(snap)
		if err != nil {
			return nil, "", err
		}
		page = append(page, *a)
	}
}

// encode turns a into document fields: its JSON object, with integers kept as integers.
func encode(a *pipeline.Asset) (map[string]any, error) {
	raw, err := json.Marshal(a)
	if err != nil {
		return nil, fmt.Errorf("firestorecat: encode %s: %w", a.ID, err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var fields map[string]any
	if err := dec.Decode(&fields); err != nil {
		return nil, fmt.Errorf("firestorecat: encode %s: %w", a.ID, err)
	}
	fields = numbers(fields).(map[string]any)
	fields[FieldIndexKey] = a.IndexKey()
	fields[FieldProgress] = int64(a.Progress())
	return fields, nil
}

// numbers replaces json.Number with int64 or float64, the types Firestore stores.
func numbers(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = numbers(e)
		}
		return x
	case []any:
		for i, e := range x {
			x[i] = numbers(e)
		}
		return x
	case json.Number:
		if n, err := x.Int64(); err == nil {
			return n
		}
		f, _ := x.Float64()
		return f
	}
	return v
}

func decode(snap *firestore.DocumentSnapshot) (*pipeline.Asset, error) {
	raw, err := json.Marshal(snap.Data())
	if err != nil {
		return nil, fmt.Errorf("firestorecat: decode %s: %w", snap.Ref.ID, err)
	}
	var a pipeline.Asset
	if err := json.Unmarshal(raw, &a); err != nil {
		return nil, fmt.Errorf("firestorecat: decode %s: %w", snap.Ref.ID, err)
	}
	return &a, nil
}
