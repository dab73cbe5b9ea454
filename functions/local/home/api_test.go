package home

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ottkit/ottkit/functions/local/devjwt"
	"github.com/ottkit/ottkit/functions/stages/api"
)

// TestAPIErrorsAreJSON: a body over api.MaxBody, for any route, is refused with the API's JSON
// error shape, as every other error is, never a plain-text one a JSON client cannot read.
func TestAPIErrorsAreJSON(t *testing.T) {
	stage := api.New(api.Config{MaxUploadBytes: 1 << 30}, nil, nil, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	serve := serveAPI(stage)
	for _, path := range []string{"/api/uploads", "/api/uploads/complete"} {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(strings.Repeat("a", api.MaxBody+100)))
		serve(rec, req, devjwt.Claims{Subject: "dev", Tenant: "dev", Roles: []string{api.RoleUploader}})
		var body struct{ Error, Message string }
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
			t.Fatalf("%s: %d %q is not JSON: %v", path, rec.Code, rec.Body.String(), err)
		}
		if rec.Code != http.StatusRequestEntityTooLarge || body.Error != api.CodeTooLarge || rec.Header().Get("Content-Type") != "application/json" {
			t.Errorf("%s: %d %+v (%s), want 413 %s as JSON", path, rec.Code, body, rec.Header().Get("Content-Type"), api.CodeTooLarge)
		}
	}
}
