package cloudflare_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ottkit/ottkit/functions/edge/cloudflare"
)

func TestSecretKeysCachesAndFollowsTheSecret(t *testing.T) {
	a, b := mustKey(t, "a"), mustKey(t, "b")
	current := a
	fetches := 0
	now := time.Unix(1_800_000_000, 0)
	s := &cloudflare.SecretKeys{TTL: time.Minute, Now: func() time.Time { return now },
		Fetch: func(context.Context) (string, error) {
			fetches++
			return current.MarshalSecret()
		}}
	get := func() string {
		k, err := s.Key(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return k.ID
	}
	if get() != "a" || get() != "a" || fetches != 1 {
		t.Fatalf("fetches %d, want one for two reads within the TTL", fetches)
	}
	current = b
	now = now.Add(2 * time.Minute)
	if id := get(); id != "b" || fetches != 2 {
		t.Errorf("after the TTL: key %s after %d fetches, want b after 2", id, fetches)
	}
	bad := &cloudflare.SecretKeys{Fetch: func(context.Context) (string, error) { return "", errors.New("access denied") }}
	if _, err := bad.Key(context.Background()); err == nil || !strings.Contains(err.Error(), "edge signing secret: access denied") {
		t.Errorf("fetch error: %v", err)
	}
}
