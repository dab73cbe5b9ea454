package stagetest

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"sync"

	"github.com/ottkit/ottkit/functions/pipeline"
)

// Catalog is an in-memory pipeline.Catalog with the DynamoDB catalog's semantics: conditional
// create and compare-and-swap updates that refuse moves the state machine forbids and any
// write whose Progress is below the stored one's; List by tenant in status-then-creation
// order with opaque tenant-bound page tokens.
type Catalog struct {
	Faults
	mu     sync.Mutex
	assets map[string]pipeline.Asset
}

var _ pipeline.Catalog = (*Catalog)(nil)

// NewCatalog returns an empty catalog.
func NewCatalog() *Catalog { return &Catalog{assets: map[string]pipeline.Asset{}} }

// clone deep-copies a, so callers never share slices or pointers with the stored asset.
func clone(a pipeline.Asset) *pipeline.Asset {
	b, err := json.Marshal(a)
	if err != nil {
		panic(fmt.Sprintf("stagetest: asset %s does not encode: %v", a.ID, err))
	}
	var out pipeline.Asset
	if err := json.Unmarshal(b, &out); err != nil {
		panic(fmt.Sprintf("stagetest: asset %s does not decode: %v", a.ID, err))
	}
	return &out
}

// Create implements pipeline.Catalog.
func (c *Catalog) Create(_ context.Context, a *pipeline.Asset) error {
	if err := c.take("Create"); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.assets[a.ID]; ok {
		return fmt.Errorf("stagetest: create %s: %w", a.ID, pipeline.ErrExists)
	}
	c.assets[a.ID] = *clone(*a)
	return nil
}

// Get implements pipeline.Catalog.
func (c *Catalog) Get(_ context.Context, id string) (*pipeline.Asset, error) {
	if err := c.take("Get"); err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	a, ok := c.assets[id]
	if !ok {
		return nil, fmt.Errorf("stagetest: get %s: %w", id, pipeline.ErrNotFound)
	}
	return clone(a), nil
}

// Update implements pipeline.Catalog.
func (c *Catalog) Update(_ context.Context, from pipeline.Status, a *pipeline.Asset) error {
	if err := c.take("Update"); err != nil {
		return err
	}
	if a.Status != from && !from.CanMoveTo(a.Status) {
		return fmt.Errorf("stagetest: update %s: %s → %s is not an allowed move: %w", a.ID, from, a.Status, pipeline.ErrConflict)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	stored, ok := c.assets[a.ID]
	if !ok {
		return fmt.Errorf("stagetest: update %s: %w", a.ID, pipeline.ErrNotFound)
	}
	if stored.Status != from || stored.Progress() > a.Progress() {
		return fmt.Errorf("stagetest: update %s from %s (stored %s): %w", a.ID, from, stored.Status, pipeline.ErrConflict)
	}
	c.assets[a.ID] = *clone(*a)
	return nil
}

// MaxPageSize caps List's page size, as the DynamoDB catalog does.
const MaxPageSize = 100

type pageToken struct {
	Tenant string `json:"t"`
	After  string `json:"a"`
}

// List implements pipeline.Catalog.
func (c *Catalog) List(_ context.Context, tenant string, limit int, token string) ([]pipeline.Asset, string, error) {
	if err := c.take("List"); err != nil {
		return nil, "", err
	}
	if tenant == "" {
		return nil, "", errors.New("stagetest: list needs a tenant")
	}
	if limit <= 0 || limit > MaxPageSize {
		limit = MaxPageSize
	}
	after := ""
	if token != "" {
		b, err := base64.RawURLEncoding.DecodeString(token)
		var tok pageToken
		if err != nil || json.Unmarshal(b, &tok) != nil || tok.Tenant != tenant || tok.After == "" {
			return nil, "", fmt.Errorf("stagetest: list %s: %w", tenant, pipeline.ErrBadPageToken)
		}
		after = tok.After
	}
	c.mu.Lock()
	var mine []pipeline.Asset
	for _, a := range c.assets {
		if a.Tenant == tenant {
			mine = append(mine, a)
		}
	}
	c.mu.Unlock()
	order := func(a pipeline.Asset) string { return a.IndexKey() + "\x00" + a.ID }
	sort.Slice(mine, func(i, j int) bool { return order(mine[i]) < order(mine[j]) })
	var page []pipeline.Asset
	for _, a := range mine {
		if after != "" && order(a) <= after {
			continue
		}
		if len(page) == limit {
			b, _ := json.Marshal(pageToken{Tenant: tenant, After: order(page[len(page)-1])})
			return page, base64.RawURLEncoding.EncodeToString(b), nil
		}
		page = append(page, *clone(a))
	}
	return page, "", nil
}

// Put stores a as is, without conditions: test setup.
func (c *Catalog) Put(a *pipeline.Asset) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.assets[a.ID] = *clone(*a)
}

// Asset returns a copy of the stored asset id, or nil.
func (c *Catalog) Asset(id string) *pipeline.Asset {
	c.mu.Lock()
	defer c.mu.Unlock()
	a, ok := c.assets[id]
	if !ok {
		return nil
	}
	return clone(a)
}

// Len returns the number of stored assets.
func (c *Catalog) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.assets)
}
