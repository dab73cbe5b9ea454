package catalog_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/ottkit/ottkit/functions/local/boltfile"
	"github.com/ottkit/ottkit/functions/local/catalog"
	"github.com/ottkit/ottkit/functions/pipeline"
)

func open(t *testing.T, path string) (*catalog.Catalog, *bolt.DB) {
	t.Helper()
	db, err := boltfile.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	c, err := catalog.New(db)
	if err != nil {
		t.Fatal(err)
	}
	return c, db
}

func newAsset(id, tenant string, created time.Time) *pipeline.Asset {
	return &pipeline.Asset{
		ID: id, Tenant: tenant, Status: pipeline.StatusQueued,
		Source:    pipeline.Object{Bucket: "ingest", Key: "uploads/" + tenant + "/" + id + ".mp4", Size: 10},
		Probe:     &pipeline.ProbeSummary{Container: "mp4", Duration: 90 * time.Second, Width: 1920, Height: 1080},
		CreatedAt: created, UpdatedAt: created,
	}
}

func TestCreateGetSurvivesRestart(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "ottkit.db")
	c, db := open(t, path)
	now := time.Date(2026, 1, 2, 3, 4, 5, 6e6, time.UTC)
	if err := c.Create(ctx, newAsset("a1", "acme", now)); err != nil {
		t.Fatal(err)
	}
	if err := c.Create(ctx, newAsset("a1", "acme", now)); !errors.Is(err, pipeline.ErrExists) {
		t.Errorf("second Create = %v, want ErrExists", err)
	}
	db.Close()

	c, db = open(t, path)
	defer db.Close()
	got, err := c.Get(ctx, "a1")
	if err != nil {
		t.Fatal(err)
	}
	if got.Tenant != "acme" || got.Status != pipeline.StatusQueued || got.Probe.Duration != 90*time.Second || !got.CreatedAt.Equal(now) {
		t.Errorf("after restart got %+v", got)
	}
	if _, err := c.Get(ctx, "nope"); !errors.Is(err, pipeline.ErrNotFound) {
		t.Errorf("Get(absent) = %v, want ErrNotFound", err)
	}
}

func TestUpdateIsCompareAndSwap(t *testing.T) {
	ctx := context.Background()
	c, db := open(t, filepath.Join(t.TempDir(), "ottkit.db"))
	defer db.Close()
	now := time.Now()
	a := newAsset("a1", "acme", now)
	if err := c.Create(ctx, a); err != nil {
		t.Fatal(err)
	}
	next := *a
	next.StartJob("job-1", now)
	if err := c.Update(ctx, pipeline.StatusQueued, &next); err != nil {
		t.Fatalf("queued → transcoding: %v", err)
	}

	tests := []struct {
		name string
		from pipeline.Status
		to   func() *pipeline.Asset
		want error
	}{
		{"stale from", pipeline.StatusQueued, func() *pipeline.Asset { b := *a; b.Status = pipeline.StatusFailed; return &b }, pipeline.ErrConflict},
		{"not a move", pipeline.StatusTranscoding, func() *pipeline.Asset { b := next; b.Status = pipeline.StatusQueued; return &b }, pipeline.ErrConflict},
		{"lower progress", pipeline.StatusTranscoding, func() *pipeline.Asset { b := next; b.Attempts = 0; return &b }, pipeline.ErrConflict},
		{"absent", pipeline.StatusQueued, func() *pipeline.Asset { b := *a; b.ID = "zz"; b.Status = pipeline.StatusFailed; return &b }, pipeline.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := c.Update(ctx, tt.from, tt.to()); !errors.Is(err, tt.want) {
				t.Errorf("Update = %v, want %v", err, tt.want)
			}
			got, _ := c.Get(ctx, "a1")
			if got.Status != pipeline.StatusTranscoding || got.Attempts != 1 {
				t.Errorf("stored asset moved to %s/%d", got.Status, got.Attempts)
			}
		})
	}
}

func TestUpdateRaceHasOneWinner(t *testing.T) {
	ctx := context.Background()
	c, db := open(t, filepath.Join(t.TempDir(), "ottkit.db"))
	defer db.Close()
	a := newAsset("a1", "acme", time.Now())
	c.Create(ctx, a)
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b := *a
			b.StartJob(fmt.Sprintf("job-%d", i), time.Now())
			errs[i] = c.Update(ctx, pipeline.StatusQueued, &b)
		}()
	}
	wg.Wait()
	wins := 0
	for _, err := range errs {
		switch {
		case err == nil:
			wins++
		case !errors.Is(err, pipeline.ErrConflict):
			t.Errorf("loser got %v, want ErrConflict", err)
		}
	}
	if wins != 1 {
		t.Errorf("%d updates from queued won, want exactly 1", wins)
	}
}

func TestListPaginatesPerTenant(t *testing.T) {
	ctx := context.Background()
	c, db := open(t, filepath.Join(t.TempDir(), "ottkit.db"))
	defer db.Close()
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 7 {
		c.Create(ctx, newAsset(fmt.Sprintf("acme-%d", i), "acme", base.Add(time.Duration(i)*time.Minute)))
		c.Create(ctx, newAsset(fmt.Sprintf("other-%d", i), "other", base))
	}
	// Move one asset so its index entry changes: it must be listed once, under its new status.
	a, _ := c.Get(ctx, "acme-0")
	b := *a
	b.StartJob("job", base)
	if err := c.Update(ctx, pipeline.StatusQueued, &b); err != nil {
		t.Fatal(err)
	}
	var got []string
	tok := ""
	pages := 0
	for {
		page, next, err := c.List(ctx, "acme", 3, tok)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, a := range page {
			if a.Tenant != "acme" {
				t.Errorf("List(acme) returned %s of tenant %s", a.ID, a.Tenant)
			}
			got = append(got, a.ID)
		}
		if next == "" {
			break
		}
		tok = next
	}
	want := []string{"acme-1", "acme-2", "acme-3", "acme-4", "acme-5", "acme-6", "acme-0"} // queued < transcoding
	if fmt.Sprint(got) != fmt.Sprint(want) || pages != 3 {
		t.Errorf("listed %v in %d pages, want %v in 3", got, pages, want)
	}

	_, first, _ := c.List(ctx, "acme", 3, "")
	for name, tok := range map[string]string{"garbage": "!!!", "not json": "bm90IGpzb24", "other tenant's token": first} {
		t.Run(name, func(t *testing.T) {
			if _, _, err := c.List(ctx, "other", 3, tok); !errors.Is(err, catalog.ErrBadPageToken) {
				t.Errorf("List(other, %q) = %v, want ErrBadPageToken", tok, err)
			}
		})
	}
}

func BenchmarkUpdate(b *testing.B) {
	ctx := context.Background()
	db, _ := boltfile.Open(filepath.Join(b.TempDir(), "ottkit.db"))
	defer db.Close()
	c, _ := catalog.New(db)
	a := newAsset("a1", "acme", time.Now())
	c.Create(ctx, a)
	b.ReportAllocs()
	for b.Loop() {
		if err := c.Update(ctx, pipeline.StatusQueued, a); err != nil {
			b.Fatal(err)
		}
	}
}
