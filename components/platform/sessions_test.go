package platform

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/ottkit/ottkit/components/offline"
	"github.com/ottkit/ottkit/functions/aws/manifest"
)

// TestProgramWiresEdgeSessions: with ottkit:edgeSessions the api gets the store's ARN, its
// binding, exactly the store grants manifest.EdgeSessions lists on that store, and the
// revocation route; without, none of it.
func TestProgramWiresEdgeSessions(t *testing.T) {
	cfg := validConfig(t)
	cfg["ottkit:edgeSessions"] = "true"
	cfg["ottkit:edgeSessionBinding"] = "ip"
	on, err := offline.Run(Program, offline.Options{Stack: "dev-aws", Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	store := on.OfType("aws:cloudfront/keyValueStore:KeyValueStore")
	if len(store) != 1 {
		t.Fatalf("stores %v, want one", store)
	}
	arn := store[0].Outputs["arn"].(string)
	env, actions, routes := apiWiring(t, on, arn)
	if env["SESSIONS_KVS_ARN"] != arn || env["CLOUDFRONT_SESSIONS"] != "ip" {
		t.Errorf("api env %v, want SESSIONS_KVS_ARN %s and CLOUDFRONT_SESSIONS ip", env, arn)
	}
	var want []string
	for _, p := range manifest.EdgeSessions.Permissions {
		want = append(want, p.Action)
	}
	slices.Sort(want)
	if !slices.Equal(actions, want) {
		t.Errorf("grants on the store %v, want exactly %v", actions, want)
	}
	if !slices.Contains(routes, "POST /revocations") {
		t.Errorf("routes %v lack POST /revocations", routes)
	}

	off, err := offline.Run(Program, offline.Options{Stack: "dev-aws", Config: validConfig(t)})
	if err != nil {
		t.Fatal(err)
	}
	if s := off.OfType("aws:cloudfront/keyValueStore:KeyValueStore"); len(s) != 0 {
		t.Errorf("a store without edge sessions: %v", s)
	}
	env, actions, routes = apiWiring(t, off, "")
	if _, ok := env["SESSIONS_KVS_ARN"]; ok || env["CLOUDFRONT_SESSIONS"] != "off" || len(actions) != 0 || slices.Contains(routes, "POST /revocations") {
		t.Errorf("without edge sessions: env %v, store grants %v, routes %v", env, actions, routes)
	}
}

// apiWiring returns the api function's environment, the actions its policy grants on the
// store storeArn, and the API's routes.
func apiWiring(t *testing.T, res *offline.Result, storeArn string) (map[string]any, []string, []string) {
	t.Helper()
	var env map[string]any
	var actions, routes []string
	for _, r := range res.OfType("aws:lambda/function:Function") {
		if strings.HasSuffix(r.Name, "-fn-api-function") {
			env, _ = r.Inputs["environment"].(map[string]any)["variables"].(map[string]any)
		}
	}
	for _, r := range res.OfType("aws:iam/rolePolicy:RolePolicy") {
		if !strings.HasSuffix(r.Name, "-fn-api-policy") {
			continue
		}
		var doc struct {
			Statement []struct {
				Action   []string
				Resource []string
			}
		}
		if err := json.Unmarshal([]byte(r.Inputs["policy"].(string)), &doc); err != nil {
			t.Fatal(err)
		}
		for _, st := range doc.Statement {
			for _, a := range st.Action {
				if strings.HasPrefix(a, "cloudfront-keyvaluestore:") {
					if !slices.Equal(st.Resource, []string{storeArn}) {
						t.Errorf("%s granted on %v, want only the store %s", a, st.Resource, storeArn)
					}
					actions = append(actions, a)
				}
			}
		}
	}
	for _, r := range res.OfType("aws:apigatewayv2/route:Route") {
		routes = append(routes, r.Inputs["routeKey"].(string))
	}
	slices.Sort(actions)
	return env, actions, routes
}

func TestEdgeSessionsValidation(t *testing.T) {
	for name, tc := range map[string]struct {
		set  map[string]string
		want string
	}{
		"binding without sessions": {set: map[string]string{"ottkit:edgeSessionBinding": "ip"}, want: "ottkit:edgeSessionBinding: means nothing without ottkit:edgeSessions: true"},
		"unknown binding":          {set: map[string]string{"ottkit:edgeSessions": "true", "ottkit:edgeSessionBinding": "device"}, want: `ottkit:edgeSessionBinding: "device" must be none or ip`},
		"not a boolean":            {set: map[string]string{"ottkit:edgeSessions": "yes"}, want: "ottkit:edgeSessions"},
	} {
		cfg := validConfig(t)
		for k, v := range tc.set {
			cfg[k] = v
		}
		_, err := ParseSpec(cfg)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err %v\nwant one containing %q", name, err, tc.want)
			continue
		}
		if n := runCounting(t, Program, cfg); n != 0 {
			t.Errorf("%s: Program registered %d resources", name, n)
		}
	}
	cfg := edgeConfig(t)
	cfg["ottkit:edgeSessions"] = "true"
	cfg["ottkit:cloudflareMode"] = "origin"
	cfg["ottkit:cloudflarePlan"] = "enterprise"
	if _, err := ParseSpec(cfg); err == nil || !strings.Contains(err.Error(), "ottkit:edgeSessions: the Cloudflare Worker of ottkit:cloudflareMode origin") {
		t.Errorf("sessions with an origin-mode Worker: %v", err)
	}
}
