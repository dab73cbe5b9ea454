package api

import (
	"regexp"
	"strings"

	"github.com/aws/aws-lambda-go/events"
)

// Claim names read from the JWT authorizer's claims. API Gateway's HTTP API passes every claim
// as a string; an array claim arrives as "[a b]".
var (
	tenantClaims = []string{"custom:tenant", "tenant"}
	roleClaims   = []string{"cognito:groups", "groups", "roles", "custom:roles"}
)

// RoleUploader is the role that may create uploads.
const RoleUploader = "uploader"

// tenantPattern keeps tenants safe as a key segment and a GSI value.
var tenantPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$`)

// caller is the authenticated principal of a request.
type caller struct {
	Subject string
	Tenant  string
	Roles   map[string]bool
}

func callerOf(req events.APIGatewayV2HTTPRequest) (caller, *apiError) {
	auth := req.RequestContext.Authorizer
	if auth == nil || auth.JWT == nil || auth.JWT.Claims["sub"] == "" {
		return caller{}, fail(401, CodeUnauthorized, "a valid bearer token is required")
	}
	claims := auth.JWT.Claims
	c := caller{Subject: claims["sub"], Roles: map[string]bool{}}
	for _, name := range tenantClaims {
		if v := strings.TrimSpace(claims[name]); v != "" {
			c.Tenant = v
			break
		}
	}
	if !tenantPattern.MatchString(c.Tenant) {
		return caller{}, fail(403, CodeForbidden, "the token carries no valid tenant claim")
	}
	for _, name := range roleClaims {
		for _, r := range splitList(claims[name]) {
			c.Roles[r] = true
		}
	}
	return c, nil
}

// splitList parses a list claim: "[a b]", "a,b", `["a","b"]` or a single value.
func splitList(v string) []string {
	v = strings.TrimSpace(v)
	v = strings.TrimPrefix(v, "[")
	v = strings.TrimSuffix(v, "]")
	fields := strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' })
	out := fields[:0]
	for _, f := range fields {
		if f = strings.Trim(f, `"'`); f != "" {
			out = append(out, f)
		}
	}
	return out
}
