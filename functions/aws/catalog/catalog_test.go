package catalog_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/ottkit/ottkit/functions/aws/awstest"
	"github.com/ottkit/ottkit/functions/aws/catalog"
	"github.com/ottkit/ottkit/functions/pipeline"
)

func TestMain(m *testing.M) { os.Exit(awstest.Main(m)) }

func newTable(t *testing.T) *catalog.Table {
	env := awstest.NewEnv(t, nil)
	return catalog.New(env.DynamoDB, env.CatalogTable(t))
}

func newAsset(id, tenant string, created time.Time) *pipeline.Asset {
	return &pipeline.Asset{
		ID: id, Tenant: tenant, Status: pipeline.StatusQueued,
		Source:    pipeline.Object{Bucket: "masters", Key: id + "/a.mp4", Size: 42, ETag: "e"},
		Probe:     &pipeline.ProbeSummary{Container: "mp4", Duration: 90 * time.Second, DurationSeconds: 90, Width: 1920, Height: 1080, Codec: "h264", AudioTracks: 1},
		CreatedAt: created, UpdatedAt: created,
	}
}

func TestCreateGet(t *testing.T) {
	tbl := newTable(t)
	ctx := context.Background()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	a := newAsset("a1", "acme", now)
	if err := tbl.Create(ctx, a); err != nil {
		t.Fatal(err)
	}
	if err := tbl.Create(ctx, newAsset("a1", "other", now)); !errors.Is(err, pipeline.ErrExists) {
		t.Errorf("second Create error = %v, want ErrExists", err)
	}
	got, err := tbl.Get(ctx, "a1")
	if err != nil {
		t.Fatal(err)
	}
	if got.Tenant != "acme" || got.Status != pipeline.StatusQueued || got.Probe == nil || got.Probe.Duration != 90*time.Second || !got.CreatedAt.Equal(now) || got.Source.Key != "a1/a.mp4" {
		t.Errorf("Get = %+v, want the created asset (the duplicate must not overwrite it)", got)
	}
	if _, err := tbl.Get(ctx, "nope"); !errors.Is(err, pipeline.ErrNotFound) {
		t.Errorf("Get(missing) error = %v, want ErrNotFound", err)
	}
}

func TestUpdateIsCompareAndSwap(t *testing.T) {
	tbl := newTable(t)
	ctx := context.Background()
	now := time.Now().UTC()
	if err := tbl.Create(ctx, newAsset("a1", "acme", now)); err != nil {
		t.Fatal(err)
	}
	a, _ := tbl.Get(ctx, "a1")
	if !a.StartJob("job-1", now) {
		t.Fatal("StartJob refused a queued asset")
	}
	tests := []struct {
		name    string
		from    pipeline.Status
		mutate  func(a *pipeline.Asset)
		wantErr error
	}{
		{"queued to transcoding", pipeline.StatusQueued, func(*pipeline.Asset) {}, nil},
		{"the same move again loses the race", pipeline.StatusQueued, func(*pipeline.Asset) {}, pipeline.ErrConflict},
		{"backwards is refused before writing", pipeline.StatusTranscoding, func(a *pipeline.Asset) { a.Status = pipeline.StatusQueued }, pipeline.ErrConflict},
		{"stale attempt count is refused", pipeline.StatusTranscoding, func(a *pipeline.Asset) { a.Status = pipeline.StatusReady; a.Attempts = 0 }, pipeline.ErrConflict},
		{"transcoding to ready", pipeline.StatusTranscoding, func(a *pipeline.Asset) { a.Status = pipeline.StatusReady; a.HLS = "assets/a1/index.m3u8" }, nil},
		{"nothing leaves ready", pipeline.StatusReady, func(a *pipeline.Asset) { a.Status = pipeline.StatusFailed }, pipeline.ErrConflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := *a
			tt.mutate(&b)
			err := tbl.Update(ctx, tt.from, &b)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
				t.Fatalf("Update error = %v, want %v", err, tt.wantErr)
			}
			if err == nil {
				*a = b
			}
		})
	}
	got, err := tbl.Get(ctx, "a1")
	if err != nil || got.Status != pipeline.StatusReady || got.HLS != "assets/a1/index.m3u8" || got.JobID != "job-1" || got.Attempts != 1 {
		t.Errorf("final asset = %+v, %v; want ready with the HLS path, job-1, 1 attempt", got, err)
	}
	missing := newAsset("ghost", "acme", now)
	missing.Status = pipeline.StatusTranscoding
	if err := tbl.Update(ctx, pipeline.StatusQueued, missing); !errors.Is(err, pipeline.ErrNotFound) {
		t.Errorf("Update(missing) error = %v, want ErrNotFound", err)
	}
}

func TestListPaginatesPerTenant(t *testing.T) {
	tbl := newTable(t)
	ctx := context.Background()
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 7 {
		if err := tbl.Create(ctx, newAsset(fmt.Sprintf("acme-%d", i), "acme", base.Add(time.Duration(i)*time.Minute))); err != nil {
			t.Fatal(err)
		}
	}
	if err := tbl.Create(ctx, newAsset("other-0", "other", base)); err != nil {
		t.Fatal(err)
	}

	seen := map[string]bool{}
	token, pages := "", 0
	var firstToken string
	for {
		assets, next, err := tbl.List(ctx, "acme", 3, token)
		if err != nil {
			t.Fatal(err)
		}
		pages++
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

	for name, tok := range map[string]string{"garbage": "!!!", "other tenant's token": firstToken, "not json": "bm90IGpzb24"} {
		t.Run(name, func(t *testing.T) {
			tenant := "acme"
			if name == "other tenant's token" {
				tenant = "other"
			}
			if _, _, err := tbl.List(ctx, tenant, 3, tok); !errors.Is(err, catalog.ErrBadPageToken) {
				t.Errorf("List with %s: %v, want ErrBadPageToken", name, err)
			}
		})
	}
}

func TestProgressIncreasesOnEveryAllowedMove(t *testing.T) {
	for _, from := range pipeline.Statuses {
		for _, to := range pipeline.Statuses {
			if !from.CanMoveTo(to) {
				continue
			}
			a := &pipeline.Asset{Status: from, Attempts: 1}
			if from == pipeline.StatusUploaded || from == pipeline.StatusQueued {
				a.Attempts = 0
			}
			before := catalog.Progress(a)
			b := *a
			if !b.Advance(to, time.Now()) {
				t.Fatalf("Advance(%s → %s) refused a move CanMoveTo allows", from, to)
			}
			if after := catalog.Progress(&b); after <= before {
				t.Errorf("%s → %s: progress %d → %d, want an increase", from, to, before, after)
			}
		}
	}
}
