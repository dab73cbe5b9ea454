package pipeline

import (
	"context"
	"net/http"
	"time"
)

// Session is one viewer's grant to play one asset, as an edge that checks sessions (the
// CloudFront Function of ottkit:edgeSessions) sees it on every request.
type Session struct {
	// ID is random (128 bits); a revocation names it.
	ID string
	// Prefix is the asset's path, "/assets/<id>/".
	Prefix string
	// Tenant and Subject are the viewer's; the edge sees only a hash of the two.
	Tenant, Subject string
	// ViewerIP, when set, binds the session to the address the viewer asked from.
	ViewerIP string
	// Issued and Expires bound the session.
	Issued, Expires time.Time
}

// EdgeSessions issues session cookies the edge checks, and revokes sessions there. Revoking
// is effective within the edge store's propagation time (CloudFront KeyValueStore: seconds).
type EdgeSessions interface {
	// Issue returns the cookie that carries s.
	Issue(ctx context.Context, s Session) (*http.Cookie, error)
	// RevokeSession refuses session id from now on; until is the latest the session could
	// expire, after which the revocation may be forgotten.
	RevokeSession(ctx context.Context, id string, until time.Time) error
	// RevokeUser refuses every session of the tenant's subject issued before notBefore.
	RevokeUser(ctx context.Context, tenant, subject string, notBefore time.Time) error
}
