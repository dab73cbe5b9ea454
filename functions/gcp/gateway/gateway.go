// Package gateway turns the HTTP requests API Gateway forwards to the api function into the
// api stage's Request, and its Response back into HTTP.
//
// API Gateway checks the viewer's JWT (issuer, audience, signature, expiry) before it
// forwards a request, and passes the verified claims in X-Apigateway-Api-Userinfo as
// base64url-encoded JSON. The header is trusted because only the gateway's service account
// may invoke the function (run.invoker, see manifest.API's trigger); a request without it
// has no caller and the stage answers 401.
package gateway

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/ottkit/ottkit/functions/stages/api"
)

// UserinfoHeader carries the claims API Gateway verified.
const UserinfoHeader = "X-Apigateway-Api-Userinfo"

// TenantClaim and RolesClaim are the only claims read for the caller's tenant and roles,
// the defaults of ottkit:tenantClaim and ottkit:rolesClaim on AWS: claims an identity
// provider sets and an end user cannot write (docs/IDENTITY.md). Exactly one claim each, never
// a union or a fallback: a viewer who can write some other claim (Cognito's custom:roles by
// default, for one) must not gain a tenant or a role through it.
const (
	TenantClaim = "tenant"
	RolesClaim  = "roles"
)

// Caller decodes the verified claims; nil when the header is absent or has no subject. The
// tenant claim must be a string; the roles claim a JSON array of strings or a single string
// taken whole, so a group named "former uploader" never grants "uploader".
func Caller(header string) (*api.Caller, error) {
	if header == "" {
		return nil, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(header, "="))
	if err != nil {
		return nil, fmt.Errorf("gateway: %s is not base64url: %w", UserinfoHeader, err)
	}
	var claims map[string]any
	if err := json.Unmarshal(raw, &claims); err != nil {
		return nil, fmt.Errorf("gateway: %s is not a JSON object: %w", UserinfoHeader, err)
	}
	sub, _ := claims["sub"].(string)
	if sub == "" {
		return nil, nil
	}
	c := &api.Caller{Subject: sub}
	switch v := claims[TenantClaim].(type) {
	case nil:
	case string:
		c.Tenant = v
	default:
		return nil, fmt.Errorf("gateway: claim %q is %T, want a string", TenantClaim, v)
	}
	switch v := claims[RolesClaim].(type) {
	case nil:
	case string:
		if v != "" {
			c.Roles = []string{v}
		}
	case []any:
		for _, e := range v {
			r, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("gateway: claim %q holds a %T, want strings", RolesClaim, e)
			}
			c.Roles = append(c.Roles, r)
		}
	default:
		return nil, fmt.Errorf("gateway: claim %q is %T, want a list of strings", RolesClaim, v)
	}
	return c, nil
}

// Handler serves the stage over HTTP.
func Handler(stage *api.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		write(w, serve(stage, r))
	})
}

func serve(stage *api.Handler, r *http.Request) api.Response {
	body, err := io.ReadAll(io.LimitReader(r.Body, api.MaxBody+1))
	if err != nil {
		return api.ErrorResponse(http.StatusBadRequest, api.CodeBadRequest, "the request body could not be read")
	}
	caller, err := Caller(r.Header.Get(UserinfoHeader))
	if err != nil {
		return api.ErrorResponse(http.StatusUnauthorized, api.CodeUnauthorized, "the gateway's claims could not be read")
	}
	query := map[string]string{}
	for k, v := range r.URL.Query() {
		if len(v) > 0 {
			query[k] = v[0]
		}
	}
	return stage.Serve(r.Context(), api.Request{Method: r.Method, Path: r.URL.Path, Query: query, Body: body, Caller: caller,
		Host: r.Header.Get(api.EdgeHostHeader)})
}

func write(w http.ResponseWriter, resp api.Response) {
	for k, v := range resp.Headers {
		w.Header().Set(k, v)
	}
	for _, c := range resp.Cookies {
		http.SetCookie(w, c)
	}
	w.WriteHeader(resp.Status)
	w.Write(resp.Body)
}
