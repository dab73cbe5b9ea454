package firestorefake

import (
	"context"
	"testing"
	"time"

	"cloud.google.com/go/firestore"
	"cloud.google.com/go/firestore/apiv1/firestorepb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"
)

func start(t *testing.T, idx ...Index) (*Server, *firestore.Client) {
	t.Helper()
	s, err := Start("p", "db", idx...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	c, err := s.Client(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return s, c
}

func TestPreconditions(t *testing.T) {
	_, c := start(t)
	ctx := context.Background()
	doc := c.Collection("assets").Doc("a1")
	wr, err := doc.Create(ctx, map[string]any{"n": int64(1)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := doc.Create(ctx, map[string]any{"n": int64(2)}); status.Code(err) != codes.AlreadyExists {
		t.Errorf("second Create: %v, want AlreadyExists", err)
	}
	if _, err := c.Collection("assets").Doc("none").Update(ctx, []firestore.Update{{Path: "n", Value: 1}}); status.Code(err) != codes.NotFound {
		t.Errorf("Update of a missing document: %v, want NotFound", err)
	}
	if _, err := doc.Update(ctx, []firestore.Update{{Path: "n", Value: 3}}, firestore.LastUpdateTime(wr.UpdateTime.Add(-time.Second))); status.Code(err) != codes.FailedPrecondition {
		t.Errorf("Update with a stale update time: %v, want FailedPrecondition", err)
	}
	if _, err := doc.Update(ctx, []firestore.Update{{Path: "n", Value: 3}}, firestore.LastUpdateTime(wr.UpdateTime)); err != nil {
		t.Errorf("Update with the current update time: %v", err)
	}
	snap, err := doc.Get(ctx)
	if err != nil || snap.Data()["n"] != int64(3) {
		t.Errorf("Get = %v, %v", snap.Data(), err)
	}
	if _, err := c.Collection("assets").Doc("none").Get(ctx); status.Code(err) != codes.NotFound {
		t.Errorf("Get of a missing document: %v, want NotFound", err)
	}
}

func TestCommitValidates(t *testing.T) {
	s, _ := start(t)
	ctx := context.Background()
	db := "projects/p/databases/db"
	if _, err := s.Commit(ctx, &firestorepb.CommitRequest{Database: db, Transaction: []byte("nope")}); status.Code(err) != codes.InvalidArgument {
		t.Errorf("unknown transaction: %v", err)
	}
	if _, err := s.Commit(ctx, &firestorepb.CommitRequest{Database: "projects/p/databases/other"}); status.Code(err) != codes.InvalidArgument {
		t.Errorf("wrong database: %v", err)
	}
	bad := &firestorepb.Write{Operation: &firestorepb.Write_Update{Update: &firestorepb.Document{Name: db + "/documents/assets"}}}
	if _, err := s.Commit(ctx, &firestorepb.CommitRequest{Database: db, Writes: []*firestorepb.Write{bad}}); status.Code(err) != codes.InvalidArgument {
		t.Errorf("collection name as a document: %v", err)
	}
	reserved := &firestorepb.Write{Operation: &firestorepb.Write_Update{Update: &firestorepb.Document{Name: db + "/documents/assets/a", Fields: map[string]*firestorepb.Value{"__x": {}}}}}
	if _, err := s.Commit(ctx, &firestorepb.CommitRequest{Database: db, Writes: []*firestorepb.Write{reserved}}); status.Code(err) != codes.InvalidArgument {
		t.Errorf("reserved field: %v", err)
	}
	// All writes or none: the second write's failed precondition leaves the first unwritten.
	ok := &firestorepb.Write{Operation: &firestorepb.Write_Update{Update: &firestorepb.Document{Name: db + "/documents/assets/b"}}}
	stale := &firestorepb.Write{
		Operation:       &firestorepb.Write_Update{Update: &firestorepb.Document{Name: db + "/documents/assets/c"}},
		CurrentDocument: &firestorepb.Precondition{ConditionType: &firestorepb.Precondition_UpdateTime{UpdateTime: timestamppb.Now()}},
	}
	if _, err := s.Commit(ctx, &firestorepb.CommitRequest{Database: db, Writes: []*firestorepb.Write{ok, stale}}); status.Code(err) != codes.FailedPrecondition {
		t.Errorf("stale precondition: %v", err)
	}
	if s.Document("assets/b") != nil {
		t.Error("a failed commit wrote its first document")
	}
}

func TestQueryOrderCursorLimitIndex(t *testing.T) {
	_, c := start(t, Index{Collection: "assets", Fields: []string{"tenant", "k"}})
	ctx := context.Background()
	for id, f := range map[string]map[string]any{
		"a": {"tenant": "t1", "k": "2"}, "b": {"tenant": "t1", "k": "1"}, "c": {"tenant": "t1", "k": "2"}, "d": {"tenant": "t2", "k": "0"},
	} {
		if _, err := c.Collection("assets").Doc(id).Create(ctx, f); err != nil {
			t.Fatal(err)
		}
	}
	ids := func(q firestore.Query) []string {
		t.Helper()
		docs, err := q.Documents(ctx).GetAll()
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, d := range docs {
			out = append(out, d.Ref.ID)
		}
		return out
	}
	q := c.Collection("assets").Where("tenant", "==", "t1").OrderBy("k", firestore.Asc).OrderBy(firestore.DocumentID, firestore.Asc)
	if got := ids(q); len(got) != 3 || got[0] != "b" || got[1] != "a" || got[2] != "c" {
		t.Errorf("ordered %v, want b a c", got)
	}
	if got := ids(q.StartAfter("2", "a").Limit(5)); len(got) != 1 || got[0] != "c" {
		t.Errorf("after (2, a): %v, want c", got)
	}
	if got := ids(q.Limit(1)); len(got) != 1 || got[0] != "b" {
		t.Errorf("limit 1: %v", got)
	}
	_, err := c.Collection("assets").Where("k", "==", "2").OrderBy("tenant", firestore.Asc).Documents(ctx).GetAll()
	if status.Code(err) != codes.FailedPrecondition {
		t.Errorf("query without an index: %v, want FailedPrecondition", err)
	}
}
