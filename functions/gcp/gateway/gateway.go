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

// Claim names read for the tenant and the roles, first match wins for the tenant; list claims
// may be JSON arrays or space- or comma-separated strings.
var (
	TenantClaims = []string{"tenant", "custom:tenant", "https://ottkit.dev/tenant"}
	RoleClaims   = []string{"roles", "groups", "cognito:groups", "custom:roles", "https://ottkit.dev/roles"}
)

// Caller decodes the verified claims; nil when the header is absent or has no subject.
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
	for _, name := range TenantClaims {
		if v, ok := claims[name].(string); ok && strings.TrimSpace(v) != "" {
			c.Tenant = strings.TrimSpace(v)
			break
		}
	}
	for _, name := range RoleClaims {
		c.Roles = append(c.Roles, list(claims[name])...)
	}
	return c, nil
}

func list(v any) []string {
	var out []string
	switch x := v.(type) {
	case string:
		for _, f := range strings.FieldsFunc(x, func(r rune) bool { return r == ',' || r == ' ' }) {
			out = append(out, f)
		}
	case []any:
		for _, e := range x {
			if s, ok := e.(string); ok && s != "" {
				out = append(out, s)
			}
		}
	}
	return out
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
	return stage.Serve(r.Context(), api.Request{Method: r.Method, Path: r.URL.Path, Query: query, Body: body, Caller: caller})
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
