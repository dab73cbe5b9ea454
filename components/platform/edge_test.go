package platform

import (
	"strings"
	"testing"

	"github.com/ottkit/ottkit/components/cloudflare"
	"github.com/ottkit/ottkit/components/offline"
	edgeworker "github.com/ottkit/ottkit/functions/edge/cloudflare"
)

func edgeConfig(t *testing.T) map[string]string {
	t.Helper()
	key, err := edgeworker.GenerateKey("k2026a")
	if err != nil {
		t.Fatal(err)
	}
	cfg := validConfig(t)
	cfg["ottkit:edge"] = "cloudflare"
	cfg["ottkit:cloudflareAccountId"] = "0123456789abcdef0123456789abcdef"
	cfg["ottkit:cloudflareZoneId"] = "fedcba9876543210fedcba9876543210"
	cfg["ottkit:cloudflareHostname"] = "edge.acme.example"
	cfg["ottkit:cloudflarePlan"] = "pro"
	cfg["ottkit:edgePublicKeys"] = `{"k2026a":"` + key.Public() + `"}`
	cfg["ottkit:edgeSigningKeyId"] = "k2026a"
	return cfg
}

func TestEdgeSpecParses(t *testing.T) {
	s, err := ParseSpec(edgeConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	if s.Edge.Provider != "cloudflare" || s.Edge.Mode != "r2" || s.Edge.SigningKeyID != "k2026a" || len(s.Edge.PublicKeys) != 1 {
		t.Errorf("edge spec %+v", s.Edge)
	}
}

func TestProgramBuildsTheEdge(t *testing.T) {
	res, err := offline.Run(Program, offline.Options{Stack: "dev-aws", Config: edgeConfig(t)})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := res.Find(cloudflare.EdgeType, "ottkit-dev-edge"); !ok {
		var names []string
		for _, r := range res.Resources {
			if strings.HasPrefix(r.Type, "ottkit:") {
				names = append(names, r.Type+" "+r.Name)
			}
		}
		t.Fatalf("no edge component; components: %v", names)
	}
	r, ok := res.Find("cloudflare:index/workersRoute:WorkersRoute", "ottkit-dev-edge-route")
	if !ok || r.Inputs["pattern"] != "edge.acme.example/assets/*" {
		t.Errorf("route %v %v", ok, r.Inputs)
	}
	// Without the edge, nothing of Cloudflare is planned.
	plain, err := offline.Run(Program, offline.Options{Stack: "dev-aws", Config: validConfig(t)})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range plain.Resources {
		if strings.HasPrefix(r.Type, "cloudflare:") || r.Type == cloudflare.EdgeType {
			t.Errorf("a stack without ottkit:edge plans %s %s", r.Type, r.Name)
		}
	}
}

func TestEdgeValidation(t *testing.T) {
	for name, tc := range map[string]struct {
		set  map[string]string
		drop []string
		want string
	}{
		"unknown edge":       {set: map[string]string{"ottkit:edge": "fastly"}, want: `ottkit:edge: "fastly" must be empty or cloudflare`},
		"keys without edge":  {set: map[string]string{"ottkit:edge": ""}, want: "ottkit:cloudflareZoneId: means nothing without ottkit:edge: cloudflare"},
		"plan without edge":  {set: map[string]string{"ottkit:edge": ""}, want: "ottkit:cloudflarePlan: means nothing without"},
		"bad zone":           {set: map[string]string{"ottkit:cloudflareZoneId": "zone"}, want: "ottkit:cloudflareZoneId:"},
		"no account":         {drop: []string{"ottkit:cloudflareAccountId"}, want: "ottkit:cloudflareAccountId:"},
		"bad host":           {set: map[string]string{"ottkit:cloudflareHostname": "edge"}, want: "ottkit:cloudflareHostname:"},
		"bad plan":           {set: map[string]string{"ottkit:cloudflarePlan": "gold"}, want: "ottkit:cloudflarePlan:"},
		"bad mode":           {set: map[string]string{"ottkit:cloudflareMode": "proxy"}, want: `ottkit:cloudflareMode: "proxy" must be r2 or origin`},
		"origin not ent.":    {set: map[string]string{"ottkit:cloudflareMode": "origin"}, want: "only on Enterprise zones"},
		"no public keys":     {set: map[string]string{"ottkit:edgePublicKeys": "{}"}, want: `ottkit:edgeSigningKeyId: "k2026a" is not a key`},
		"three public keys":  {set: map[string]string{"ottkit:edgePublicKeys": `{"a":"x","b":"x","c":"x"}`}, want: "ottkit:edgePublicKeys: has 3 keys"},
		"bad public key":     {set: map[string]string{"ottkit:edgePublicKeys": `{"k2026a":"abc"}`}, want: "ottkit:edgePublicKeys: key k2026a: must be 32 bytes"},
		"signing key absent": {set: map[string]string{"ottkit:edgeSigningKeyId": "k9"}, want: `ottkit:edgeSigningKeyId: "k9" is not a key`},
		"same host as CDN":   {set: map[string]string{"ottkit:domain": "edge.acme.example", "ottkit:certificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/abc"}, want: "ottkit:cloudflareHostname: \"edge.acme.example\" is ottkit:domain"},
	} {
		cfg := edgeConfig(t)
		for k, v := range tc.set {
			cfg[k] = v
		}
		for _, k := range tc.drop {
			delete(cfg, k)
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
}
