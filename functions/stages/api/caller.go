package api

import "regexp"

// The roles the API checks.
const (
	// RoleUploader may create uploads.
	RoleUploader = "uploader"
	// RoleAdmin may revoke edge sessions of its tenant's users (POST /revocations).
	RoleAdmin = "admin"
)

// tenantPattern keeps tenants safe as a key segment and a catalog index value.
var tenantPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$`)

// caller is the authenticated principal the handlers act for, checked.
type caller struct {
	Subject string
	Tenant  string
	Roles   map[string]bool
}

// callerOf checks the gateway's caller: a request without one is 401, a tenant that is not
// safe as a key segment is 403.
func callerOf(c *Caller) (caller, *apiError) {
	if c == nil || c.Subject == "" {
		return caller{}, fail(401, CodeUnauthorized, "a valid bearer token is required")
	}
	if !tenantPattern.MatchString(c.Tenant) {
		return caller{}, fail(403, CodeForbidden, "the token carries no valid tenant claim")
	}
	out := caller{Subject: c.Subject, Tenant: c.Tenant, Roles: map[string]bool{}}
	for _, r := range c.Roles {
		out.Roles[r] = true
	}
	return out, nil
}
