package home

import (
	"io"
	"net/http"
	"strings"

	"github.com/ottkit/ottkit/functions/local/devjwt"
	"github.com/ottkit/ottkit/functions/stages/api"
)

// APIPrefix is where the API is served; the stage sees the path after it, as API Gateway
// passes its routes.
const APIPrefix = "/api"

// serveAPI adapts the api stage to HTTP: the verified claims become the stage's caller, the
// stage's response is written as is.
func serveAPI(h *api.Handler) func(w http.ResponseWriter, r *http.Request, c devjwt.Claims) {
	return func(w http.ResponseWriter, r *http.Request, c devjwt.Claims) {
		body, err := io.ReadAll(io.LimitReader(r.Body, api.MaxBody+1))
		if err != nil {
			http.Error(w, "cannot read the request body", http.StatusBadRequest)
			return
		}
		if len(body) > api.MaxBody {
			http.Error(w, "the request body is too large", http.StatusRequestEntityTooLarge)
			return
		}
		query := map[string]string{}
		for k, v := range r.URL.Query() {
			query[k] = v[0]
		}
		resp := h.Serve(r.Context(), api.Request{
			Method: r.Method, Path: strings.TrimPrefix(r.URL.Path, APIPrefix), Query: query, Body: body,
			Caller: &api.Caller{Subject: c.Subject, Tenant: c.Tenant, Roles: c.Roles},
		})
		for k, v := range resp.Headers {
			w.Header().Set(k, v)
		}
		for _, ck := range resp.Cookies {
			http.SetCookie(w, ck)
		}
		w.WriteHeader(resp.Status)
		w.Write(resp.Body)
	}
}
