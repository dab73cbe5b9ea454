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
		// One byte past MaxBody is enough for the stage to refuse the body with its own JSON
		// 413, as every other error of the API is JSON.
		body, err := io.ReadAll(io.LimitReader(r.Body, api.MaxBody+1))
		if err != nil {
			writeResponse(w, api.ErrorResponse(http.StatusBadRequest, api.CodeBadRequest, "the request body could not be read"))
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
		writeResponse(w, resp)
	}
}

// writeResponse writes a stage response as is: headers, cookies, status and body.
func writeResponse(w http.ResponseWriter, resp api.Response) {
	for k, v := range resp.Headers {
		w.Header().Set(k, v)
	}
	for _, ck := range resp.Cookies {
		http.SetCookie(w, ck)
	}
	w.WriteHeader(resp.Status)
	w.Write(resp.Body)
}
