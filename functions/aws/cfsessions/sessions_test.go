package cfsessions_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ottkit/ottkit/functions/aws/awstest"
	"github.com/ottkit/ottkit/functions/aws/cfsessions"
	"github.com/ottkit/ottkit/functions/aws/kvsfake"
	"github.com/ottkit/ottkit/functions/aws/manifest"
	"github.com/ottkit/ottkit/functions/edge/cloudfront"
	"github.com/ottkit/ottkit/functions/pipeline"
)

// rec records every call; TestMain holds them to exactly the api's EdgeSessions grants.
var rec = awstest.NewRecorder()

func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 {
		if err := rec.Check(manifest.Function{Name: "api (edge sessions)", Permissions: manifest.EdgeSessions.Permissions}); err != nil {
			fmt.Fprintln(os.Stderr, err)
			code = 1
		}
	}
	os.Exit(code)
}

func setup(t *testing.T) (*kvsfake.Server, string, *cfsessions.Sessions) {
	t.Helper()
	fake := kvsfake.New(t)
	arn := fake.CreateStore("123456789012")
	rec.Name(manifest.SessionStore, arn)
	s := cfsessions.New(fake.Client(awstest.Config(rec)), arn)
	return fake, arn, s
}

var now = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

func session(id string) pipeline.Session {
	return pipeline.Session{ID: id, Prefix: "/assets/abc123/", Tenant: "acme", Subject: "auth0|u1", Issued: now, Expires: now.Add(10 * time.Minute)}
}

func TestFirstGrantCreatesTheKeyOthersReuse(t *testing.T) {
	fake, arn, s := setup(t)
	s.Now = func() time.Time { return now }
	c, err := s.Issue(t.Context(), session("0b9f7c2e-1111-4222-8333-444455556666"))
	if err != nil {
		t.Fatal(err)
	}
	items := fake.Items(arn)
	kid := items[cloudfront.SigningKeyEntry]
	key := cloudfront.Key{ID: kid, Secret: items[cloudfront.KeyEntry(kid)]}
	if err := key.Validate(); err != nil || len(items) != 2 {
		t.Fatalf("store after the first grant: %v (%v)", items, err)
	}
	want, err := key.Cookie(cloudfront.Session{ID: "0b9f7c2e-1111-4222-8333-444455556666", Asset: "abc123",
		User: cloudfront.UserHash("acme", "auth0|u1"), Issued: now, Expires: now.Add(10 * time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	if c.Value != want.Value || c.Path != "/assets/abc123/" {
		t.Errorf("cookie %s for %s, want %s for /assets/abc123/", c.Value, c.Path, want.Value)
	}

	// A second signer (another Lambda instance) and many concurrent grants use the same key.
	other := cfsessions.New(fake.Client(awstest.Config(rec)), arn)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := other.Issue(context.Background(), session(fmt.Sprintf("0b9f7c2e-1111-4222-8333-44445555666%d", i)))
			if err == nil && !strings.Contains(c.Value, "."+kid+".") {
				err = fmt.Errorf("cookie %s is not under key %s", c.Value, kid)
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if got := fake.Items(arn); len(got) != 2 {
		t.Errorf("concurrent grants changed the store: %v", got)
	}
}

func TestConcurrentFirstGrantsCreateOneKey(t *testing.T) {
	fake, arn, _ := setup(t)
	var wg sync.WaitGroup
	ids := make(chan string, 6)
	for i := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := cfsessions.New(fake.Client(awstest.Config(rec)), arn)
			s.NewKeyID = func(time.Time) string { return "k" + strconv.Itoa(i) }
			c, err := s.Issue(context.Background(), session("0b9f7c2e-1111-4222-8333-444455556666"))
			if err != nil {
				t.Error(err)
				return
			}
			ids <- strings.Split(c.Value, ".")[1]
		}()
	}
	wg.Wait()
	close(ids)
	items := fake.Items(arn)
	for id := range ids {
		if id != items[cloudfront.SigningKeyEntry] {
			t.Errorf("a grant signed with %s, the store's key is %s", id, items[cloudfront.SigningKeyEntry])
		}
	}
	if len(items) != 2 {
		t.Errorf("store %v, want one key and its pointer", items)
	}
}

func TestRotationIsPickedUpAfterTheCache(t *testing.T) {
	fake, arn, s := setup(t)
	clock := now
	s.Now = func() time.Time { return clock }
	if _, err := s.Issue(t.Context(), session("0b9f7c2e-1111-4222-8333-444455556666")); err != nil {
		t.Fatal(err)
	}
	next, err := cloudfront.NewKey("k2")
	if err != nil {
		t.Fatal(err)
	}
	fake.Set(arn, cloudfront.KeyEntry("k2"), next.Secret)
	fake.Set(arn, cloudfront.SigningKeyEntry, "k2")
	kidOf := func() string {
		c, err := s.Issue(t.Context(), session("0b9f7c2e-1111-4222-8333-444455556666"))
		if err != nil {
			t.Fatal(err)
		}
		return strings.Split(c.Value, ".")[1]
	}
	if kid := kidOf(); kid == "k2" {
		t.Error("the new key was used before the cache expired")
	}
	clock = clock.Add(cfsessions.KeyCacheTTL)
	if kid := kidOf(); kid != "k2" {
		t.Errorf("after the cache TTL the signer uses %s, want k2", kid)
	}
}

func TestRevocationsAndTheirExpiry(t *testing.T) {
	fake, arn, s := setup(t)
	s.Now = func() time.Time { return now }
	// Old revocations that no longer refuse anything, one that still does, and a key.
	fake.Set(arn, cloudfront.SessionEntry("old-session-0000000"), strconv.FormatInt(now.Add(-time.Second).Unix(), 10))
	fake.Set(arn, cloudfront.SessionEntry("live-session-000000"), strconv.FormatInt(now.Add(time.Minute).Unix(), 10))
	fake.Set(arn, cloudfront.UserEntry("old-user-0000000000"), strconv.FormatInt(now.Add(-time.Hour-2*time.Minute).Unix(), 10))
	fake.Set(arn, cloudfront.UserEntry("live-user-000000000"), strconv.FormatInt(now.Add(-time.Hour).Unix(), 10))
	fake.Set(arn, cloudfront.KeyEntry("k1"), strings.Repeat("0", 64))
	for i := range 60 { // more than a page and more than a batch
		fake.Set(arn, cloudfront.SessionEntry(fmt.Sprintf("expired-%012d", i)), "1")
	}

	until := now.Add(time.Hour + time.Minute)
	if err := s.RevokeSession(t.Context(), "0b9f7c2e-1111-4222-8333-444455556666", until); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeUser(t.Context(), "acme", "auth0|u1", now.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	items := fake.Items(arn)
	if items[cloudfront.SessionEntry("0b9f7c2e-1111-4222-8333-444455556666")] != strconv.FormatInt(until.Unix(), 10) {
		t.Errorf("session revocation missing: %v", items)
	}
	if items[cloudfront.UserEntry(cloudfront.UserHash("acme", "auth0|u1"))] != strconv.FormatInt(now.Unix()+1, 10) {
		t.Errorf("user revocation missing")
	}
	for _, k := range []string{cloudfront.SessionEntry("live-session-000000"), cloudfront.UserEntry("live-user-000000000"), cloudfront.KeyEntry("k1")} {
		if _, ok := items[k]; !ok {
			t.Errorf("%s was removed; it still matters", k)
		}
	}
	for k := range items {
		if strings.Contains(k, "old-") || strings.Contains(k, "expired-") {
			t.Errorf("%s is still there after two revocations (49 removals each)", k)
		}
	}
}

func TestWritesRetryAStaleETag(t *testing.T) {
	fake, arn, s := setup(t)
	s.Now = func() time.Time { return now }
	// Someone else writes between this signer's Describe and its UpdateKeys, twice.
	n := 0
	fake.Fail = func(op string) string {
		if op == "ListKeys" && n < 2 {
			n++
			fake.Set(arn, cloudfront.SessionEntry(fmt.Sprintf("other-%013d", n)), strconv.FormatInt(now.Add(time.Hour).Unix(), 10))
		}
		return ""
	}
	if err := s.RevokeSession(t.Context(), "0b9f7c2e-1111-4222-8333-444455556666", now.Add(time.Hour)); err != nil {
		t.Fatalf("revoke under contention: %v", err)
	}
	if len(fake.Items(arn)) != 3 {
		t.Errorf("store %v, want both others' entries and the revocation", fake.Items(arn))
	}
}

func TestStoreFailuresAreErrors(t *testing.T) {
	fake, _, s := setup(t)
	fake.Fail = func(string) string { return "InternalServerException" }
	if _, err := s.Issue(t.Context(), session("0b9f7c2e-1111-4222-8333-444455556666")); err == nil {
		t.Error("Issue succeeded against a failing store")
	}
	if err := s.RevokeUser(t.Context(), "acme", "u1", now); err == nil {
		t.Error("RevokeUser succeeded against a failing store")
	}
	fake.Fail = nil
	if _, err := s.Issue(t.Context(), pipeline.Session{ID: "0b9f7c2e-1111-4222-8333-444455556666", Prefix: "/uploads/x/"}); err == nil || !strings.Contains(err.Error(), "/assets/<id>/") {
		t.Errorf("a prefix outside the assets: %v", err)
	}
}
