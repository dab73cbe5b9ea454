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
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/ottkit/ottkit/functions/stages/api"
)

// UserinfoHeader carries the claims API Gateway verified.
const UserinfoHeader = "X-Apigateway-Api-Userinfo"

// PathPrefix is where the delivery load balancer serves the API (its URL map sends /api and
// /api/* to the gateway, components/gcp). The gateway appends the request path to the
// function's address as it came (APPEND_PATH_TO_ADDRESS), so /api/uploads arrives as is and
// the prefix is taken off here, as CloudFront's function takes it off on AWS; a request to
// the gateway's own host has no prefix.
const PathPrefix = "/api"

// ErrClaims wraps the error of a payload that is not base64url JSON: the request did not
// come from API Gateway.
var ErrClaims = errors.New("gateway: the verified claims cannot be read")

// Caller decodes the verified claims with names (the stack's ottkit:tenantClaim and
// ottkit:rolesClaim) and the rules of api.ClaimNames.Caller, the same as on AWS; nil when the
// header is absent or has no subject. API Gateway passes the token's payload as it is, JSON
// types included, so no claim needs checking against another rendering.
func Caller(header string, names api.ClaimNames) (*api.Caller, error) {
	if header == "" {
		return nil, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(header, "="))
	if err != nil {
		return nil, fmt.Errorf("%w: %s is not base64url: %w", ErrClaims, UserinfoHeader, err)
	}
	var claims map[string]any
	if err := json.Unmarshal(raw, &claims); err != nil {
		return nil, fmt.Errorf("%w: %s is not a JSON object: %w", ErrClaims, UserinfoHeader, err)
	}
	sub, _ := claims["sub"].(string)
	if sub == "" {
		return nil, nil
	}
	return names.Caller(sub, claims)
}

// Handler serves the stage over HTTP, reading the caller's tenant and roles from the claims
// names name. A token whose claims break the rules is answered 403 with the reason, as on AWS.
func Handler(stage *api.Handler, names api.ClaimNames) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		write(w, serve(stage, names, r))
	})
}

func serve(stage *api.Handler, names api.ClaimNames, r *http.Request) api.Response {
	body, err := io.ReadAll(io.LimitReader(r.Body, api.MaxBody+1))
	if err != nil {
		return api.ErrorResponse(http.StatusBadRequest, api.CodeBadRequest, "the request body could not be read")
	}
	caller, err := Caller(r.Header.Get(UserinfoHeader), names)
	if errors.Is(err, ErrClaims) {
		return api.ErrorResponse(http.StatusUnauthorized, api.CodeUnauthorized, "the gateway's claims could not be read")
	}
	if err != nil {
		return api.ErrorResponse(http.StatusForbidden, api.CodeForbidden, err.Error())
	}
	query := map[string]string{}
	for k, v := range r.URL.Query() {
		if len(v) > 0 {
			query[k] = v[0]
		}
	}
	path := r.URL.Path
	if path == PathPrefix || strings.HasPrefix(path, PathPrefix+"/") {
		path = strings.TrimPrefix(path, PathPrefix)
	}
	return stage.Serve(r.Context(), api.Request{Method: r.Method, Path: path, Query: query, Body: body, Caller: caller,
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
