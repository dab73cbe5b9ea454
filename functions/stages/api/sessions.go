package api

import (
	"context"
	"encoding/json"
	"time"
)

// SessionRevocationTTL is how long a revoked session id is remembered: the longest a session
// lives (one hour, the ceiling of every stack's playback TTL) plus the edge's clock skew.
const SessionRevocationTTL = time.Hour + time.Minute

// maxSubject bounds a subject in a revocation; JWT subjects are short identifiers.
const maxSubject = 255

type revokeRequest struct {
	// Session revokes one session (the sessionId of a playback grant).
	Session string `json:"session"`
	// Subject revokes every session of the caller's tenant's user with this JWT subject.
	Subject string `json:"subject"`
}

type revokeResponse struct {
	Session string `json:"session,omitempty"`
	Subject string `json:"subject,omitempty"`
	// NotBefore: sessions of Subject issued before it are refused.
	NotBefore *time.Time `json:"notBefore,omitempty"`
	// Until: the session's revocation is kept until then, when it has expired anyway.
	Until *time.Time `json:"until,omitempty"`
}

// revoke serves POST /revocations for the admin role: {"session": id} refuses that session at
// the edge, {"subject": sub} every session the tenant's user sub was issued until now. A user
// is revoked only within the admin's own tenant; a session id is a 128-bit capability that
// only its viewer's grant and the api's logs show.
func (h *Handler) revoke(ctx context.Context, c caller, req Request) (Response, *apiError) {
	if !c.Roles[RoleAdmin] {
		return Response{}, fail(403, CodeForbidden, "revoking sessions needs the "+RoleAdmin+" role")
	}
	b, apiErr := body(req)
	if apiErr != nil {
		return Response{}, apiErr
	}
	var in revokeRequest
	if err := json.Unmarshal(b, &in); err != nil {
		return Response{}, fail(400, CodeBadRequest, "body must be a JSON object {\"session\": id} or {\"subject\": sub}")
	}
	now := h.Now().UTC().Truncate(time.Second)
	switch {
	case (in.Session == "") == (in.Subject == ""):
		return Response{}, fail(400, CodeBadRequest, "give exactly one of session and subject")
	case in.Session != "":
		if !sessionIDPattern(in.Session) {
			return Response{}, fail(400, CodeBadRequest, "session is not a session id")
		}
		until := now.Add(SessionRevocationTTL)
		if err := h.Sessions.RevokeSession(ctx, in.Session, until); err != nil {
			return Response{}, h.internal(ctx, "revoking the session failed", err)
		}
		h.log.InfoContext(ctx, "session revoked", "session", in.Session, "by", c.Subject, "tenant", c.Tenant)
		return jsonResponse(200, revokeResponse{Session: in.Session, Until: &until}), nil
	default:
		if len(in.Subject) > maxSubject {
			return Response{}, fail(400, CodeBadRequest, "subject is longer than 255 bytes")
		}
		// Sessions carry whole seconds: a grant in this second predates the revocation.
		notBefore := now.Add(time.Second)
		if err := h.Sessions.RevokeUser(ctx, c.Tenant, in.Subject, notBefore); err != nil {
			return Response{}, h.internal(ctx, "revoking the user's sessions failed", err)
		}
		h.log.InfoContext(ctx, "user sessions revoked", "subject", in.Subject, "by", c.Subject, "tenant", c.Tenant)
		return jsonResponse(200, revokeResponse{Subject: in.Subject, NotBefore: &notBefore}), nil
	}
}

// sessionIDPattern accepts what NewID produces and what the edge takes as a session id:
// 16 to 43 base64url characters (a UUID is 36 of them).
func sessionIDPattern(id string) bool {
	if len(id) < 16 || len(id) > 43 {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}
