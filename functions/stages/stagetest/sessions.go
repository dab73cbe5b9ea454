package stagetest

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/ottkit/ottkit/functions/pipeline"
)

// SessionCookie is the name of the fake EdgeSessions' cookie; its value is the session id.
const SessionCookie = "stagetest-session"

// EdgeSessions is an in-memory pipeline.EdgeSessions that remembers what it issued and
// revoked, and judges a session the way the edge would (Allowed).
type EdgeSessions struct {
	Faults
	mu        sync.Mutex
	issued    map[string]pipeline.Session
	revoked   map[string]time.Time
	notBefore map[string]time.Time
}

var _ pipeline.EdgeSessions = (*EdgeSessions)(nil)

// NewEdgeSessions returns an empty EdgeSessions.
func NewEdgeSessions() *EdgeSessions {
	return &EdgeSessions{issued: map[string]pipeline.Session{}, revoked: map[string]time.Time{}, notBefore: map[string]time.Time{}}
}

// Issue implements pipeline.EdgeSessions.
func (e *EdgeSessions) Issue(_ context.Context, s pipeline.Session) (*http.Cookie, error) {
	if err := e.take("Issue"); err != nil {
		return nil, err
	}
	if s.ID == "" || s.Prefix == "" || s.Subject == "" || s.Tenant == "" || !s.Expires.After(s.Issued) {
		return nil, errors.New("stagetest: incomplete session")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, dup := e.issued[s.ID]; dup {
		return nil, errors.New("stagetest: session id issued twice")
	}
	e.issued[s.ID] = s
	return &http.Cookie{Name: SessionCookie, Value: s.ID, Path: s.Prefix, Expires: s.Expires, Secure: true, HttpOnly: true, SameSite: http.SameSiteNoneMode}, nil
}

// RevokeSession implements pipeline.EdgeSessions.
func (e *EdgeSessions) RevokeSession(_ context.Context, id string, until time.Time) error {
	if err := e.take("RevokeSession"); err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.revoked[id] = until
	return nil
}

// RevokeUser implements pipeline.EdgeSessions.
func (e *EdgeSessions) RevokeUser(_ context.Context, tenant, subject string, notBefore time.Time) error {
	if err := e.take("RevokeUser"); err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.notBefore[tenant+"\x00"+subject] = notBefore
	return nil
}

// Session returns the session issued under id.
func (e *EdgeSessions) Session(id string) (pipeline.Session, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	s, ok := e.issued[id]
	return s, ok
}

// Allowed reports whether the edge would serve path under session id at now: issued, not
// expired, under its prefix, not revoked, and issued no earlier than its user's not-before.
func (e *EdgeSessions) Allowed(id, path string, now time.Time) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	s, ok := e.issued[id]
	if !ok || !now.Before(s.Expires) || len(path) < len(s.Prefix) || path[:len(s.Prefix)] != s.Prefix {
		return false
	}
	if until, ok := e.revoked[id]; ok && now.Before(until) {
		return false
	}
	if nb, ok := e.notBefore[s.Tenant+"\x00"+s.Subject]; ok && s.Issued.Before(nb) {
		return false
	}
	return true
}
