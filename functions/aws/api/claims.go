package api

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"github.com/ottkit/ottkit/functions/stages/api"
)

// Default claim names (api.DefaultTenantClaim and api.DefaultRolesClaim).
const (
	DefaultTenantClaim = api.DefaultTenantClaim
	DefaultRolesClaim  = api.DefaultRolesClaim
)

// ClaimNames say which claim of the verified token is the caller's tenant and which its roles.
type ClaimNames = api.ClaimNames

// errNoToken means the request carries no verified token: the stage answers 401.
var errNoToken = errors.New("api: no verified token")

// callerOf reads the caller from the request. API Gateway's JWT authorizer has verified the
// bearer token and passes its claims rendered as strings (an array as "[a b]", which cannot
// tell the group "former uploader" from the groups "former" and "uploader"). So the claims are
// read from the verified token itself, with their JSON types, and every claim used must render
// exactly as the authorizer passed it: a token whose claims disagree is refused.
func callerOf(req events.APIGatewayV2HTTPRequest, names ClaimNames) (*api.Caller, error) {
	auth := req.RequestContext.Authorizer
	if auth == nil || auth.JWT == nil || auth.JWT.Claims["sub"] == "" {
		return nil, errNoToken
	}
	rendered := auth.JWT.Claims
	payload, err := tokenPayload(bearer(req.Headers))
	if err != nil {
		return nil, fmt.Errorf("the token's claims cannot be read: %w", err)
	}
	check := func(name string) error {
		v, inToken := payload[name]
		r, inGateway := rendered[name]
		if !inToken && !inGateway {
			return nil
		}
		if got, ok := gatewayRendering(v); !inToken || !inGateway || !ok || got != r {
			return fmt.Errorf("claim %s of the token does not match the verified claims", name)
		}
		return nil
	}
	for _, name := range append([]string{"sub", names.Tenant, names.Roles}, api.TenantClaimAliases...) {
		if err := check(name); err != nil {
			return nil, err
		}
	}
	return names.Caller(rendered["sub"], payload)
}

// bearer returns the token of the Authorization header (API Gateway's v2 payload lower-cases
// header names), without its "Bearer " prefix, which the JWT authorizer does not require.
func bearer(headers map[string]string) string {
	v := strings.TrimSpace(headers["authorization"])
	if len(v) > 7 && strings.EqualFold(v[:7], "bearer ") {
		v = strings.TrimSpace(v[7:])
	}
	return v
}

// tokenPayload decodes a JWT's payload. It does not verify the signature: API Gateway's
// authorizer already did, for this very header, before the request reached the function.
func tokenPayload(token string) (map[string]any, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, errors.New("the bearer token is not a JWT")
	}
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return nil, fmt.Errorf("the JWT payload is not base64url: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var payload map[string]any
	if err := dec.Decode(&payload); err != nil {
		return nil, fmt.Errorf("the JWT payload is not a JSON object: %w", err)
	}
	return payload, nil
}

// gatewayRendering is how API Gateway's HTTP API passes a claim to the function: strings as
// they are, numbers and booleans as their text, an array of those as "[a b c]". Objects and
// nested arrays have no rendering a claim here may use.
func gatewayRendering(v any) (string, bool) {
	switch t := v.(type) {
	case string:
		return t, true
	case json.Number:
		return t.String(), true
	case bool:
		return fmt.Sprint(t), true
	case []any:
		items := make([]string, len(t))
		for i, x := range t {
			s, ok := gatewayRendering(x)
			if _, nested := x.([]any); !ok || nested {
				return "", false
			}
			items[i] = s
		}
		return "[" + strings.Join(items, " ") + "]", true
	}
	return "", false
}
