package api

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

// token reads a real identity provider's token payload from testdata/tokens.
func token(t testing.TB, name string) map[string]any {
	t.Helper()
	b, err := os.ReadFile("testdata/tokens/" + name + ".json")
	if err != nil {
		t.Fatal(err)
	}
	var p map[string]any
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatal(err)
	}
	return p
}

// gatewayRequest is the request API Gateway passes on for payload: the bearer token in the
// Authorization header and its claims rendered as the JWT authorizer renders them (strings;
// numbers and booleans as text; arrays as "[a b]").
func gatewayRequest(t testing.TB, payload map[string]any) events.APIGatewayV2HTTPRequest {
	t.Helper()
	b, err := json.Marshal(payload)
	if err != nil {
		t.Fatal(err)
	}
	claims := map[string]string{}
	for k, v := range payload {
		switch x := v.(type) {
		case []any:
			items := make([]string, len(x))
			for i, e := range x {
				items[i], _ = e.(string)
			}
			claims[k] = "[" + strings.Join(items, " ") + "]"
		case float64, bool:
			claims[k] = mustJSON(t, x)
		default:
			claims[k], _ = x.(string)
		}
	}
	enc := base64.RawURLEncoding.EncodeToString
	var req events.APIGatewayV2HTTPRequest
	req.Headers = map[string]string{"authorization": "Bearer " + enc([]byte(`{"alg":"RS256","kid":"k1"}`)) + "." + enc(b) + ".c2ln"}
	req.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
		JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: claims},
	}
	return req
}

func mustJSON(t testing.TB, v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestCallerFromIdentityProviders reads the caller from real Cognito (ID and access), Auth0 and
// Entra ID tokens, each with the claim names a stack of that provider configures.
func TestCallerFromIdentityProviders(t *testing.T) {
	for _, tt := range []struct {
		token      string
		names      ClaimNames
		tenant     string
		roles      []string
		isUploader bool
	}{
		{"cognito-id", ClaimNames{Tenant: "custom:tenant", Roles: "cognito:groups"}, "acme", []string{"uploader", "viewer"}, true},
		{"cognito-access", ClaimNames{Tenant: "tenant", Roles: "cognito:groups"}, "acme", []string{"viewer"}, false},
		// API Gateway renders the roles as "[former uploader viewer]"; the group "former
		// uploader" grants nothing called uploader.
		{"auth0", ClaimNames{Tenant: "https://ottkit.example/tenant", Roles: "https://ottkit.example/roles"}, "globex", []string{"former uploader", "viewer"}, false},
		{"entra-id", ClaimNames{Tenant: "extn.ottkitTenant", Roles: "roles"}, "initech", []string{"uploader"}, true},
	} {
		t.Run(tt.token, func(t *testing.T) {
			payload := token(t, tt.token)
			c, err := callerOf(gatewayRequest(t, payload), tt.names)
			if err != nil {
				t.Fatal(err)
			}
			if c.Subject != payload["sub"] || c.Tenant != tt.tenant || !reflect.DeepEqual(c.Roles, tt.roles) {
				t.Errorf("caller = %+v, want subject %v, tenant %s, roles %q", c, payload["sub"], tt.tenant, tt.roles)
			}
			uploader := false
			for _, r := range c.Roles {
				uploader = uploader || r == "uploader"
			}
			if uploader != tt.isUploader {
				t.Errorf("uploader = %v, want %v", uploader, tt.isUploader)
			}
		})
	}
}

// TestCallerRefusesAmbiguousTokens: one tenant claim, one roles claim, and a token whose
// claims disagree (with each other, or with what the authorizer verified) is refused.
func TestCallerRefusesAmbiguousTokens(t *testing.T) {
	cognito := ClaimNames{Tenant: "tenant", Roles: "cognito:groups"}
	for _, tt := range []struct {
		name    string
		payload func(p map[string]any)                    // edits the token
		request func(req *events.APIGatewayV2HTTPRequest) // edits what API Gateway passed
		want    string
	}{
		{"user-written tenant next to the trigger's", func(p map[string]any) { p["custom:tenant"] = "globex" }, nil,
			"claims tenant and custom:tenant name different tenants"},
		{"tenant as a list", func(p map[string]any) { p["tenant"] = []any{"acme", "globex"} }, nil,
			"claim tenant must be one string"},
		{"roles as an object", func(p map[string]any) { p["cognito:groups"] = map[string]any{"uploader": true} }, nil,
			"claim cognito:groups"},
		{"verified claims differ from the token", nil, func(req *events.APIGatewayV2HTTPRequest) {
			req.RequestContext.Authorizer.JWT.Claims["cognito:groups"] = "[uploader]"
		}, "claim cognito:groups of the token does not match the verified claims"},
		{"another subject", nil, func(req *events.APIGatewayV2HTTPRequest) {
			req.RequestContext.Authorizer.JWT.Claims["sub"] = "someone-else"
		}, "claim sub of the token does not match"},
		{"no token in the header", nil, func(req *events.APIGatewayV2HTTPRequest) { delete(req.Headers, "authorization") },
			"the token's claims cannot be read"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := token(t, "cognito-access")
			if tt.payload != nil {
				tt.payload(p)
			}
			req := gatewayRequest(t, p)
			if tt.request != nil {
				tt.request(&req)
			}
			c, err := callerOf(req, cognito)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("callerOf = %+v, %v; want an error containing %q", c, err, tt.want)
			}
		})
	}
}

// TestCallerRoleListsExactly: a role list is read as the token holds it, never split on the
// spaces of API Gateway's rendering, and a plain string is one role.
func TestCallerRoleListsExactly(t *testing.T) {
	for _, tt := range []struct {
		roles any
		want  []string
	}{
		{"former uploader", []string{"former uploader"}},
		{"uploader,viewer", []string{"uploader,viewer"}},
		{[]any{"former uploader"}, []string{"former uploader"}},
		{[]any{"uploader", "viewer"}, []string{"uploader", "viewer"}},
		{[]any{}, nil},
	} {
		p := token(t, "cognito-access")
		p["roles"] = tt.roles
		c, err := callerOf(gatewayRequest(t, p), ClaimNames{Tenant: "tenant", Roles: "roles"})
		if err != nil {
			t.Fatalf("roles %v: %v", tt.roles, err)
		}
		if !reflect.DeepEqual(c.Roles, tt.want) {
			t.Errorf("roles %#v read as %q, want %q", tt.roles, c.Roles, tt.want)
		}
	}
}

// BenchmarkCallerOf measures reading the caller from a real Cognito ID token: decoding the
// verified token's payload and checking it against API Gateway's claims, once per request.
func BenchmarkCallerOf(b *testing.B) {
	req := gatewayRequest(b, token(b, "cognito-id"))
	names := ClaimNames{Tenant: "custom:tenant", Roles: "cognito:groups"}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := callerOf(req, names); err != nil {
			b.Fatal(err)
		}
	}
}
