package api

import (
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"github.com/ottkit/ottkit/functions/stages/api"
)

// Claim names read from the JWT authorizer's claims. API Gateway's HTTP API passes every claim
// as a string; an array claim arrives as "[a b]".
var (
	tenantClaims = []string{"custom:tenant", "tenant"}
	roleClaims   = []string{"cognito:groups", "groups", "roles", "custom:roles"}
)

// callerOf reads the caller from the JWT authorizer's verified claims; nil when the request has
// none (the stage answers 401).
func callerOf(req events.APIGatewayV2HTTPRequest) *api.Caller {
	auth := req.RequestContext.Authorizer
	if auth == nil || auth.JWT == nil || auth.JWT.Claims["sub"] == "" {
		return nil
	}
	claims := auth.JWT.Claims
	c := &api.Caller{Subject: claims["sub"]}
	for _, name := range tenantClaims {
		if v := strings.TrimSpace(claims[name]); v != "" {
			c.Tenant = v
			break
		}
	}
	for _, name := range roleClaims {
		c.Roles = append(c.Roles, splitList(claims[name])...)
	}
	return c
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
