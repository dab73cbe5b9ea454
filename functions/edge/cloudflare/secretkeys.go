package cloudflare

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// DefaultKeyTTL is how long SecretKeys reuses a fetched key. After a rotation's switch an api
// instance may sign with the old key for this long, so ottkit keys retires the old key only
// once the token lifetime plus this TTL (and a minute of skew) has passed since the switch.
const DefaultKeyTTL = 5 * time.Minute

// ErrNoKey is returned (wrapped) while the signing secret has no value, as from the
// deployment that creates it empty until `ottkit keys rotate --kind edge` stores the first key.
var ErrNoKey = errors.New("secret has no value yet")

// SecretKeys is a KeySource reading the signing secret (as `ottkit keys` writes it, see
// MarshalSecret) through Fetch, from any cloud's secret store, and caching it for TTL.
type SecretKeys struct {
	// Fetch returns the secret's current value, "" while it has none (a store's "not found"
	// for a secret without a version belongs there too).
	Fetch func(ctx context.Context) (string, error)
	// Name names the secret in errors.
	Name string
	// TTL is how long a key is reused; DefaultKeyTTL when zero.
	TTL time.Duration
	// Now is the clock; time.Now when nil.
	Now func() time.Time

	mu      sync.Mutex
	key     Key
	fetched time.Time
}

// Key implements KeySource.
func (s *SecretKeys) Key(ctx context.Context) (Key, error) {
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	ttl := s.TTL
	if ttl <= 0 {
		ttl = DefaultKeyTTL
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.key.Private != nil && now().Sub(s.fetched) < ttl {
		return s.key, nil
	}
	what := "edge signing secret"
	if s.Name != "" {
		what += " " + s.Name
	}
	raw, err := s.Fetch(ctx)
	if err != nil {
		return Key{}, fmt.Errorf("%s: %w", what, err)
	}
	if raw == "" {
		return Key{}, fmt.Errorf("%s: %w: `ottkit keys rotate --stack <stack> --kind edge` stores the first key", what, ErrNoKey)
	}
	key, err := ParseKey(raw)
	if err != nil {
		return Key{}, err
	}
	s.key, s.fetched = key, now()
	return key, nil
}
