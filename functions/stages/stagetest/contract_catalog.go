package stagetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/ottkit/ottkit/functions/pipeline"
)

func contractAsset(id, tenant string, created time.Time) *pipeline.Asset {
	return &pipeline.Asset{
		ID: id, Tenant: tenant, Status: pipeline.StatusQueued,
		Source:    pipeline.Object{Bucket: "masters", Key: id + "/a.mp4", Size: 42, ETag: "e"},
		Probe:     &pipeline.ProbeSummary{Container: "mp4", Duration: 90 * time.Second, DurationSeconds: 90, Width: 1920, Height: 1080, Codec: "h264", AudioTracks: 1},
		CreatedAt: created, UpdatedAt: created,
	}
}

// CatalogContract checks the semantics every pipeline.Catalog must have for the stages to be
// idempotent: conditional create, compare-and-swap updates that never move an asset backwards,
// and per-tenant listing with tokens bound to the tenant. newCatalog returns an empty catalog.
func CatalogContract(t *testing.T, newCatalog func(t *testing.T) pipeline.Catalog) {
	ctx := context.Background()
	t.Run("CreateGet", func(t *testing.T) {
		c := newCatalog(t)
		now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
		if err := c.Create(ctx, contractAsset("a1", "acme", now)); err != nil {
			t.Fatal(err)
		}
		if err := c.Create(ctx, contractAsset("a1", "other", now)); !errors.Is(err, pipeline.ErrExists) {
			t.Errorf("second Create error = %v, want ErrExists", err)
		}
		got, err := c.Get(ctx, "a1")
		if err != nil {
			t.Fatal(err)
		}
		if got.Tenant != "acme" || got.Status != pipeline.StatusQueued || got.Probe == nil || got.Probe.Duration != 90*time.Second || !got.CreatedAt.Equal(now) || got.Source.Key != "a1/a.mp4" {
			t.Errorf("Get = %+v, want the created asset (the duplicate must not overwrite it)", got)
		}
		if _, err := c.Get(ctx, "nope"); !errors.Is(err, pipeline.ErrNotFound) {
			t.Errorf("Get(missing) error = %v, want ErrNotFound", err)
		}
	})
	t.Run("UpdateIsCompareAndSwap", func(t *testing.T) {
		c := newCatalog(t)
		now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
		if err := c.Create(ctx, contractAsset("a1", "acme", now)); err != nil {
			t.Fatal(err)
		}
		a, err := c.Get(ctx, "a1")
		if err != nil {
			t.Fatal(err)
		}
		if !a.StartJob("job-1", now) {
			t.Fatal("StartJob refused a queued asset")
		}
		steps := []struct {
			name    string
			from    pipeline.Status
			mutate  func(a *pipeline.Asset)
			wantErr error
		}{
			{"queued to transcoding", pipeline.StatusQueued, func(*pipeline.Asset) {}, nil},
			{"the same move again loses the race", pipeline.StatusQueued, func(*pipeline.Asset) {}, pipeline.ErrConflict},
			{"backwards is refused", pipeline.StatusTranscoding, func(a *pipeline.Asset) { a.Status = pipeline.StatusQueued }, pipeline.ErrConflict},
			{"a stale attempt count is refused", pipeline.StatusTranscoding, func(a *pipeline.Asset) { a.Status = pipeline.StatusReady; a.Attempts = 0 }, pipeline.ErrConflict},
			{"transcoding to ready", pipeline.StatusTranscoding, func(a *pipeline.Asset) { a.Status = pipeline.StatusReady; a.HLS = "assets/a1/index.m3u8" }, nil},
			{"nothing leaves ready", pipeline.StatusReady, func(a *pipeline.Asset) { a.Status = pipeline.StatusFailed }, pipeline.ErrConflict},
		}
		for _, st := range steps {
			b := *a
			st.mutate(&b)
			err := c.Update(ctx, st.from, &b)
			if !errors.Is(err, st.wantErr) || (st.wantErr == nil && err != nil) {
				t.Fatalf("%s: Update error = %v, want %v", st.name, err, st.wantErr)
			}
			if err == nil {
				*a = b
			}
		}
		got, err := c.Get(ctx, "a1")
		if err != nil || got.Status != pipeline.StatusReady || got.HLS != "assets/a1/index.m3u8" || got.JobID != "job-1" || got.Attempts != 1 {
			t.Errorf("final asset = %+v, %v; want ready with the HLS path, job-1, 1 attempt", got, err)
		}
		missing := contractAsset("ghost", "acme", now)
		missing.Status = pipeline.StatusTranscoding
		if err := c.Update(ctx, pipeline.StatusQueued, missing); !errors.Is(err, pipeline.ErrNotFound) {
			t.Errorf("Update(missing) error = %v, want ErrNotFound", err)
		}
	})
	t.Run("ConcurrentUpdatesOneWins", func(t *testing.T) {
		c := newCatalog(t)
		now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
		if err := c.Create(ctx, contractAsset("a1", "acme", now)); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		errs := make([]error, 4)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				a, err := c.Get(ctx, "a1")
				if err != nil {
					errs[i] = err
					return
				}
				a.StartJob(fmt.Sprintf("job-%d", i), now)
				errs[i] = c.Update(ctx, pipeline.StatusQueued, a)
			}()
		}
		wg.Wait()
		won := 0
		for i, err := range errs {
			switch {
			case err == nil:
				won++
			case !errors.Is(err, pipeline.ErrConflict):
				t.Errorf("writer %d: %v, want nil or ErrConflict", i, err)
			}
		}
		if won != 1 {
			t.Errorf("%d writers moved queued → transcoding, want exactly 1", won)
		}
	})
	t.Run("ListPaginatesPerTenant", func(t *testing.T) {
		c := newCatalog(t)
		base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		for i := range 7 {
			if err := c.Create(ctx, contractAsset(fmt.Sprintf("acme-%d", i), "acme", base.Add(time.Duration(i)*time.Minute))); err != nil {
				t.Fatal(err)
			}
		}
		if err := c.Create(ctx, contractAsset("other-0", "other", base)); err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		token, firstToken := "", ""
		for pages := 1; ; pages++ {
			assets, next, err := c.List(ctx, "acme", 3, token)
			if err != nil {
				t.Fatal(err)
			}
			if len(assets) > 3 {
				t.Errorf("page %d has %d assets, limit 3", pages, len(assets))
			}
			for _, a := range assets {
				if a.Tenant != "acme" {
					t.Errorf("List(acme) returned %s of tenant %s", a.ID, a.Tenant)
				}
				if seen[a.ID] {
					t.Errorf("%s listed twice", a.ID)
				}
				seen[a.ID] = true
			}
			if firstToken == "" {
				firstToken = next
			}
			if next == "" {
				break
			}
			if pages > 5 {
				t.Fatal("List never ends")
			}
			token = next
		}
		if len(seen) != 7 {
			t.Errorf("listed %d assets, want 7", len(seen))
		}
		for name, tc := range map[string]struct{ tenant, token string }{
			"garbage":                {"acme", "!!!"},
			"not json":               {"acme", "bm90IGpzb24"},
			"another tenant's token": {"other", firstToken},
		} {
			if _, _, err := c.List(ctx, tc.tenant, 3, tc.token); !errors.Is(err, pipeline.ErrBadPageToken) {
				t.Errorf("List with %s: %v, want ErrBadPageToken", name, err)
			}
		}
	})
}
