package gateway

import (
	"encoding/base64"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/ottkit/ottkit/functions/stages/api"
)

func enc(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func TestCaller(t *testing.T) {
	c, err := Caller(enc(`{"sub":"u1","iss":"https://issuer","tenant":"acme","roles":["uploader","viewer"],"groups":"admins editors"}`))
	if err != nil || c.Subject != "u1" || c.Tenant != "acme" || !slices.Equal(c.Roles, []string{"uploader", "viewer"}) {
		t.Errorf("Caller = %+v, %v; want tenant acme and exactly the roles claim", c, err)
	}
	c, err = Caller(enc(`{"sub":"u2","tenant":"t2","roles":"uploader"}`) + "==")
	if err != nil || c.Tenant != "t2" || !slices.Equal(c.Roles, []string{"uploader"}) {
		t.Errorf("padded, a single role: %+v, %v", c, err)
	}
	// Claims an end user may be able to write grant nothing: only tenant and roles are read,
	// and a role is taken whole.
	for name, h := range map[string]string{
		"custom:tenant":    enc(`{"sub":"u3","custom:tenant":"globex","tenant":"acme"}`),
		"custom:roles":     enc(`{"sub":"u3","tenant":"acme","custom:roles":["uploader"],"cognito:groups":"uploader"}`),
		"former uploader":  enc(`{"sub":"u3","tenant":"acme","roles":"former uploader"}`),
		"comma separated":  enc(`{"sub":"u3","tenant":"acme","roles":"viewer,uploader"}`),
		"no tenant at all": enc(`{"sub":"u3","custom:tenant":"globex"}`),
	} {
		c, err := Caller(h)
		if err != nil || c.Tenant == "globex" || slices.Contains(c.Roles, "uploader") {
			t.Errorf("%s: %+v, %v; want neither globex nor the uploader role", name, c, err)
		}
	}
	for name, h := range map[string]string{
		"tenant not a string": enc(`{"sub":"u4","tenant":["acme","globex"]}`),
		"roles of numbers":    enc(`{"sub":"u4","tenant":"acme","roles":[1]}`),
	} {
		if _, err := Caller(h); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	for name, h := range map[string]string{"absent": "", "no subject": enc(`{"tenant":"acme"}`)} {
		if c, err := Caller(h); c != nil || err != nil {
			t.Errorf("%s: %+v, %v; want no caller", name, c, err)
		}
	}
	for name, h := range map[string]string{"not base64": "***", "not an object": enc(`["sub"]`)} {
		if _, err := Caller(h); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestServeUnderTheLoadBalancerPrefix: the load balancer forwards https://<domain>/api/uploads
// and the gateway appends that whole path, so the stage must see /uploads; the gateway's own
// host (no prefix) still works, and a path that only starts with the letters "api" is not
// stripped.
func TestServeUnderTheLoadBalancerPrefix(t *testing.T) {
	stage := api.New(api.Config{MaxUploadBytes: 1 << 30}, nil, nil, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	claims := enc(`{"sub":"u1","tenant":"acme","roles":["uploader"]}`)
	for path, want := range map[string]int{
		"/api/uploads": http.StatusBadRequest, // routed: the body is not an upload request
		"/uploads":     http.StatusBadRequest,
		"/apiuploads":  http.StatusNotFound,
		"/api":         http.StatusNotFound,
	} {
		req := httptest.NewRequest(http.MethodPost, path, strings.NewReader("not json"))
		req.Header.Set(UserinfoHeader, claims)
		rec := httptest.NewRecorder()
		Handler(stage).ServeHTTP(rec, req)
		if rec.Code != want {
			t.Errorf("POST %s: %d %s, want %d", path, rec.Code, rec.Body.String(), want)
		}
	}
}
