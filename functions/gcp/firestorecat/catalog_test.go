package firestorecat

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/ottkit/ottkit/functions/gcp/firestorefake"
	"github.com/ottkit/ottkit/functions/pipeline"
	"github.com/ottkit/ottkit/functions/stages/stagetest"
)

// Index is the composite index the catalog's List needs, as the components declare it.
var Index = firestorefake.Index{Collection: Collection, Fields: []string{FieldTenant, FieldIndexKey}}

func newCatalog(t testing.TB, indexes ...firestorefake.Index) (*firestorefake.Server, *Catalog) {
	t.Helper()
	fake, err := firestorefake.Start("ottkit-test", "ottkit-dev", indexes...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fake.Close)
	client, err := fake.Client(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	return fake, New(client)
}

func TestCatalogContract(t *testing.T) {
	stagetest.CatalogContract(t, func(t *testing.T) pipeline.Catalog {
		_, c := newCatalog(t, Index)
		return c
	})
}

func asset(id string) *pipeline.Asset {
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	return &pipeline.Asset{
		ID: id, Tenant: "acme", Status: pipeline.StatusQueued,
		Source:    pipeline.Object{Bucket: "ingest", Key: "uploads/acme/u1/a.mp4", VersionID: "1764579600000000", Size: 1 << 40},
		Probe:     &pipeline.ProbeSummary{Duration: 90 * time.Second, DurationSeconds: 90, FrameRate: 29.97, Width: 1920, Height: 1080},
		CreatedAt: now, UpdatedAt: now,
	}
}

func TestStoredFields(t *testing.T) {
	fake, c := newCatalog(t, Index)
	ctx := context.Background()
	a := asset("a1")
	if err := c.Create(ctx, a); err != nil {
		t.Fatal(err)
	}
	d := fake.Document("assets/a1")
	if d == nil {
		t.Fatal("no document assets/a1")
	}
	if got := d.Fields[FieldIndexKey].GetStringValue(); got != a.IndexKey() {
		t.Errorf("indexKey %q, want %q", got, a.IndexKey())
	}
	if got := d.Fields[FieldProgress].GetIntegerValue(); got != int64(a.Progress()) {
		t.Errorf("progress %d, want %d", got, a.Progress())
	}
	if got := d.Fields["source"].GetMapValue().GetFields()["size"].GetIntegerValue(); got != 1<<40 {
		t.Errorf("source.size %d, want an exact integer", got)
	}
	got, err := c.Get(ctx, "a1")
	if err != nil || got.Probe.FrameRate != 29.97 || got.Source.Size != 1<<40 || !got.CreatedAt.Equal(a.CreatedAt) {
		t.Errorf("Get = %+v, %v", got, err)
	}
}

func TestUpdateLosesToAWriteDuringItsTransaction(t *testing.T) {
	fake, c := newCatalog(t, Index)
	ctx := context.Background()
	a := asset("a1")
	if err := c.Create(ctx, a); err != nil {
		t.Fatal(err)
	}
	other := *a
	other.StartJob("job-other", a.CreatedAt)
	once := false
	// The competing write lands between the transaction's read and its commit.
	fake.BeforeCommit(func() {
		if once {
			return
		}
		once = true
		if err := c.Update(ctx, pipeline.StatusQueued, &other); err != nil {
			t.Errorf("competing update: %v", err)
		}
	})
	mine := *a
	mine.StartJob("job-mine", a.CreatedAt)
	if err := c.Update(ctx, pipeline.StatusQueued, &mine); !errors.Is(err, pipeline.ErrConflict) {
		t.Fatalf("Update after a competing write: %v, want ErrConflict", err)
	}
	got, _ := c.Get(ctx, "a1")
	if got.JobID != "job-other" {
		t.Errorf("stored job %q, want the winner's", got.JobID)
	}
	if calls := fake.Calls(); calls["Commit"] < 3 || calls["BeginTransaction"]+calls["BatchGetDocuments"] < 3 {
		t.Errorf("calls %v: want the aborted transaction retried", calls)
	}
}

func TestListNeedsTheIndex(t *testing.T) {
	_, c := newCatalog(t)
	ctx := context.Background()
	if err := c.Create(ctx, asset("a1")); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.List(ctx, "acme", 10, ""); status.Code(errors.Unwrap(err)) != codes.FailedPrecondition || !strings.Contains(err.Error(), "index") {
		t.Errorf("List without the composite index: %v, want FAILED_PRECONDITION naming the index", err)
	}
}
