package gateway

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/ottkit/ottkit/functions/stages/api"
)

func enc(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

var defaults = api.ClaimNames{Tenant: api.DefaultTenantClaim, Roles: api.DefaultRolesClaim}

// userinfo is the X-Apigateway-Api-Userinfo header API Gateway sends for a token: its payload,
// as JSON, base64url without padding. The payloads are real identity providers' tokens, the
// ones the AWS api function's tests read.
func userinfo(t *testing.T, provider string) (string, map[string]any) {
	t.Helper()
	b, err := os.ReadFile("../../aws/api/testdata/tokens/" + provider + ".json")
	if err != nil {
		t.Fatal(err)
	}
	var payload map[string]any
	if err := json.Unmarshal(b, &payload); err != nil {
		t.Fatal(err)
	}
	compact, err := json.Marshal(payload)
	if err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(compact), payload
}

// TestCallerFromIdentityProviders reads the caller from the userinfo of real Cognito (ID and
// access), Auth0 and Entra ID tokens, each with the claim names a stack of that provider
// configures (ottkit:tenantClaim, ottkit:rolesClaim), as the AWS test does with the same
// tokens.
func TestCallerFromIdentityProviders(t *testing.T) {
	for _, tt := range []struct {
		token  string
		names  api.ClaimNames
		tenant string
		roles  []string
	}{
		{"cognito-id", api.ClaimNames{Tenant: "custom:tenant", Roles: "cognito:groups"}, "acme", []string{"uploader", "viewer"}},
		{"cognito-access", api.ClaimNames{Tenant: "tenant", Roles: "cognito:groups"}, "acme", []string{"viewer"}},
		// "former uploader" is one group and grants nothing called uploader.
		{"auth0", api.ClaimNames{Tenant: "https://ottkit.example/tenant", Roles: "https://ottkit.example/roles"}, "globex", []string{"former uploader", "viewer"}},
		{"entra-id", api.ClaimNames{Tenant: "extn.ottkitTenant", Roles: "roles"}, "initech", []string{"uploader"}},
	} {
		t.Run(tt.token, func(t *testing.T) {
			header, payload := userinfo(t, tt.token)
			c, err := Caller(header, tt.names)
			if err != nil {
				t.Fatal(err)
			}
			if c.Subject != payload["sub"] || c.Tenant != tt.tenant || !slices.Equal(c.Roles, tt.roles) {
				t.Errorf("caller %+v, want subject %v, tenant %s, roles %q", c, payload["sub"], tt.tenant, tt.roles)
			}
			// With the default names the same token yields another caller (or none of its
			// tenant): the names configured are the ones read.
			if d, err := Caller(header, defaults); err == nil && d.Tenant == tt.tenant && slices.Equal(d.Roles, tt.roles) && tt.names != defaults {
				t.Errorf("default names read the same caller %+v as %+v", d, tt.names)
			}
		})
	}
}

func TestCaller(t *testing.T) {
	c, err := Caller(enc(`{"sub":"u1","iss":"https://issuer","tenant":"acme","roles":["uploader","viewer"],"groups":"admins editors"}`), defaults)
	if err != nil || c.Subject != "u1" || c.Tenant != "acme" || !slices.Equal(c.Roles, []string{"uploader", "viewer"}) {
		t.Errorf("Caller = %+v, %v; want tenant acme and exactly the roles claim", c, err)
	}
	c, err = Caller(enc(`{"sub":"u2","tenant":"t2","roles":"uploader"}`)+"==", defaults)
	if err != nil || c.Tenant != "t2" || !slices.Equal(c.Roles, []string{"uploader"}) {
		t.Errorf("padded, a single role: %+v, %v", c, err)
	}
	// Claims an end user may be able to write grant nothing: only the configured claims are
	// read, and a role is taken whole.
	for name, h := range map[string]string{
		"custom:roles":    enc(`{"sub":"u3","tenant":"acme","custom:roles":["uploader"],"cognito:groups":"uploader"}`),
		"former uploader": enc(`{"sub":"u3","tenant":"acme","roles":"former uploader"}`),
		"comma separated": enc(`{"sub":"u3","tenant":"acme","roles":"viewer,uploader"}`),
	} {
		c, err := Caller(h, defaults)
		if err != nil || c.Tenant != "acme" || slices.Contains(c.Roles, "uploader") {
			t.Errorf("%s: %+v, %v; want tenant acme without the uploader role", name, c, err)
		}
	}
	// Refused, naming the claim: a tenant alias naming another tenant (or any tenant when the
	// tenant claim is absent), claims of the wrong JSON type.
	for name, tt := range map[string]struct {
		header string
		names  api.ClaimNames
		want   string
	}{
		"alias disagrees":     {enc(`{"sub":"u3","custom:tenant":"globex","tenant":"acme"}`), defaults, "custom:tenant"},
		"alias alone":         {enc(`{"sub":"u3","custom:tenant":"globex"}`), defaults, "custom:tenant"},
		"default as alias":    {enc(`{"sub":"u3","custom:tenant":"acme","tenant":"globex"}`), api.ClaimNames{Tenant: "custom:tenant", Roles: "cognito:groups"}, "tenant"},
		"tenant not a string": {enc(`{"sub":"u4","tenant":["acme","globex"]}`), defaults, `tenant must be one string`},
		"roles of numbers":    {enc(`{"sub":"u4","tenant":"acme","roles":[1]}`), defaults, "roles must list strings"},
		"roles an object":     {enc(`{"sub":"u4","tenant":"acme","groups":{"a":1}}`), api.ClaimNames{Tenant: "tenant", Roles: "groups"}, "groups must be"},
	} {
		if c, err := Caller(tt.header, tt.names); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %+v, %v; want an error naming %s", name, c, err, tt.want)
		}
	}
	// The same alias agreeing with the tenant is not ambiguous.
	if c, err := Caller(enc(`{"sub":"u5","custom:tenant":"acme","tenant":"acme"}`), defaults); err != nil || c.Tenant != "acme" {
		t.Errorf("agreeing alias: %+v, %v", c, err)
	}
	for name, h := range map[string]string{"absent": "", "no subject": enc(`{"tenant":"acme"}`)} {
		if c, err := Caller(h, defaults); c != nil || err != nil {
			t.Errorf("%s: %+v, %v; want no caller", name, c, err)
		}
	}
	for name, h := range map[string]string{"not base64": "***", "not an object": enc(`["sub"]`)} {
		if _, err := Caller(h, defaults); err == nil || !strings.Contains(err.Error(), UserinfoHeader) {
			t.Errorf("%s: %v; want an error naming the header", name, err)
		}
	}
}

// TestHandlerStatuses: a header that is not the gateway's is 401, claims that break the rules
// 403 with the reason, as the AWS api function answers.
func TestHandlerStatuses(t *testing.T) {
	h := Handler(api.New(api.Config{}, nil, nil, nil, nil), defaults)
	for _, tt := range []struct {
		header string
		status int
		want   string
	}{
		{"***", http.StatusUnauthorized, ""},
		{enc(`{"sub":"u3","custom:tenant":"globex","tenant":"acme"}`), http.StatusForbidden, "custom:tenant"},
	} {
		req := httptest.NewRequest(http.MethodGet, "/assets", nil)
		req.Header.Set(UserinfoHeader, tt.header)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != tt.status || !strings.Contains(rec.Body.String(), tt.want) {
			t.Errorf("header %q: %d %s, want %d naming %q", tt.header, rec.Code, rec.Body, tt.status, tt.want)
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
		Handler(stage, defaults).ServeHTTP(rec, req)
		if rec.Code != want {
			t.Errorf("POST %s: %d %s, want %d", path, rec.Code, rec.Body.String(), want)
		}
	}
}
