package platform

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/ottkit/ottkit/components/offline"
)

// edgeBootstrap is an edge stack before its first key: `ottkit keys rotate` runs after the
// deployment that creates the api's empty signing secret.
func edgeBootstrap(t *testing.T, cfg map[string]string) map[string]string {
	t.Helper()
	cfg["ottkit:edgePublicKeys"] = "{}"
	delete(cfg, "ottkit:edgeSigningKeyId")
	if _, err := ParseSpec(cfg); err != nil {
		t.Fatalf("an edge stack without keys yet does not validate: %v", err)
	}
	return cfg
}

func env(t *testing.T, r offline.Resource, path ...string) map[string]any {
	t.Helper()
	var v any = r.Inputs
	for _, p := range path {
		m, _ := v.(map[string]any)
		v = m[p]
	}
	m, _ := v.(map[string]any)
	return m
}

// TestEdgeTokenWiringAWS: on an edge stack the api alone gets the edge's variables and
// GetSecretValue on exactly the <prefix>-edge-signing secret the stack creates, empty and
// under the stack key; the Worker passes /api/* to API Gateway; browsers are pointed at the
// API on the edge host. A stack without the edge has none of it.
func TestEdgeTokenWiringAWS(t *testing.T) {
	for _, cfg := range []map[string]string{edgeConfig(t), edgeBootstrap(t, edgeConfig(t))} {
		res, err := offline.Run(Program, offline.Options{Stack: "dev-aws", Config: cfg})
		if err != nil {
			t.Fatal(err)
		}
		secret, ok := res.Find("aws:secretsmanager/secret:Secret", "ottkit-dev-edge-signing-secret")
		key, _ := res.Find("aws:kms/key:Key", "ottkit-dev-key-cmk")
		if !ok || secret.Inputs["name"] != "ottkit-dev-edge-signing" || secret.Inputs["kmsKeyId"] != key.Outputs["arn"] {
			t.Fatalf("edge signing secret %v %v: want ottkit-dev-edge-signing under the stack key", ok, secret.Inputs)
		}
		// The only value the program writes is the R2 mirror's token (a credential Pulumi
		// creates, so it is in state anyway); never the signing key.
		for _, v := range res.OfType("aws:secretsmanager/secretVersion:SecretVersion") {
			if v.Inputs["secretId"] == secret.Outputs["id"] || v.Inputs["secretId"] == secret.Outputs["arn"] || !strings.Contains(v.Name, "edge-mirror") {
				t.Errorf("the program writes secret value %s; the signing key must stay out of Pulumi state", v.Name)
			}
		}
		for _, fn := range []string{"api", "complete", "ingest", "transcode"} {
			f, _ := res.Find("aws:lambda/function:Function", "ottkit-dev-fn-"+fn+"-function")
			vars := env(t, f, "environment", "variables")
			if fn != "api" {
				if _, ok := vars["EDGE_SIGNING_SECRET_ARN"]; ok {
					t.Errorf("%s gets the edge secret", fn)
				}
				continue
			}
			if vars["EDGE_SIGNING_SECRET_ARN"] != secret.Outputs["arn"] || vars["EDGE_DOMAIN"] != "edge.acme.example" {
				t.Errorf("api env %v: want the edge secret's ARN and host", vars)
			}
		}
		pol, _ := res.Find("aws:iam/rolePolicy:RolePolicy", "ottkit-dev-fn-api-policy")
		var doc struct {
			Statement []struct{ Action, Resource []string }
		}
		if err := json.Unmarshal([]byte(pol.Inputs["policy"].(string)), &doc); err != nil {
			t.Fatal(err)
		}
		var onEdge []string
		for _, st := range doc.Statement {
			if slices.Contains(st.Resource, secret.Outputs["arn"].(string)) {
				if len(st.Resource) != 1 {
					t.Errorf("statement %v names the edge secret among others", st)
				}
				onEdge = append(onEdge, st.Action...)
			}
		}
		if !slices.Equal(onEdge, []string{"secretsmanager:GetSecretValue"}) {
			t.Errorf("the api's grants on the edge secret: %v, want GetSecretValue alone; secret %v, policy %s", onEdge, secret.Outputs["arn"], pol.Inputs["policy"])
		}
		script, _ := res.Find("cloudflare:index/workersScript:WorkersScript", "ottkit-dev-edge-worker")
		api, _ := res.Find("aws:apigatewayv2/api:Api", "ottkit-dev-api-api")
		var origin any
		for _, b := range script.Inputs["plainTextBindings"].([]any) {
			if b.(map[string]any)["name"] == "API_ORIGIN" {
				origin = b.(map[string]any)["text"]
			}
		}
		if origin == nil || origin != api.Outputs["apiEndpoint"] {
			t.Errorf("API_ORIGIN %v, want API Gateway's endpoint %v", origin, api.Outputs["apiEndpoint"])
		}
		if r, ok := res.Find("cloudflare:index/workersRoute:WorkersRoute", "ottkit-dev-edge-api-route"); !ok || r.Inputs["pattern"] != "edge.acme.example/api/*" {
			t.Errorf("api route %v %v", ok, r.Inputs)
		}
		if res.Outputs["uploadApiUrl"] != "https://edge.acme.example/api" {
			t.Errorf("uploadApiUrl %v, want the API on the edge host", res.Outputs["uploadApiUrl"])
		}
	}

	plain, err := offline.Run(Program, offline.Options{Stack: "dev-aws", Config: validConfig(t)})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := plain.Find("aws:secretsmanager/secret:Secret", "ottkit-dev-edge-signing-secret"); ok {
		t.Error("a stack without the edge creates the edge signing secret")
	}
	f, _ := plain.Find("aws:lambda/function:Function", "ottkit-dev-fn-api-function")
	for k := range env(t, f, "environment", "variables") {
		if strings.HasPrefix(k, "EDGE_") {
			t.Errorf("a stack without the edge gives the api %s", k)
		}
	}
	pol, _ := plain.Find("aws:iam/rolePolicy:RolePolicy", "ottkit-dev-fn-api-policy")
	if strings.Contains(pol.Inputs["policy"].(string), "edge-signing") {
		t.Error("a stack without the edge grants the api the edge secret")
	}
}

func marshalled(v any) string { b, _ := json.Marshal(v); return string(b) }

// TestEdgeTokenWiringGCP: the same on GCP, where the grant is a custom role holding exactly
// secretmanager.versions.access bound on the one secret.
func TestEdgeTokenWiringGCP(t *testing.T) {
	edgeGCP := func() map[string]string {
		cfg := gcpConfig()
		for k, v := range edgeConfig(t) {
			if strings.HasPrefix(k, "ottkit:cloudflare") || strings.HasPrefix(k, "ottkit:edge") {
				cfg[k] = v
			}
		}
		return cfg
	}
	for _, cfg := range []map[string]string{edgeGCP(), edgeBootstrap(t, edgeGCP())} {
		res, err := offline.Run(Program, offline.Options{Stack: "acme-gcp", Config: cfg})
		if err != nil {
			t.Fatal(err)
		}
		secret, ok := res.Find("gcp:secretmanager/secret:Secret", "acme-prod-edge-signing-secret")
		if !ok || secret.Inputs["secretId"] != "acme-prod-edge-signing" {
			t.Fatalf("edge signing secret %v %v", ok, secret.Inputs)
		}
		for _, v := range res.OfType("gcp:secretmanager/secretVersion:SecretVersion") {
			if strings.Contains(marshalled(v.Inputs), "edge-signing") {
				t.Error("the program writes a version of the edge secret; the key must stay out of Pulumi state")
			}
		}
		fn, _ := res.Find("gcp:cloudfunctionsv2/function:Function", "acme-prod-fn-api-function")
		vars := env(t, fn, "serviceConfig", "environmentVariables")
		if vars["EDGE_SIGNING_SECRET"] != secret.Outputs["id"] || vars["EDGE_DOMAIN"] != "edge.acme.example" {
			t.Errorf("api env %v: want the edge secret and host", vars)
		}
		members := 0
		for _, m := range res.OfType("gcp:secretmanager/secretIamMember:SecretIamMember") {
			if m.Inputs["secretId"] != secret.Outputs["id"] {
				continue
			}
			members++
			role, ok := res.Find("gcp:projects/iAMCustomRole:IAMCustomRole", strings.TrimSuffix(m.Name, "-member")+"-role")
			perms := marshalled(role.Inputs["permissions"])
			if !strings.Contains(m.Inputs["member"].(string), "acme-prod-fn-api@") || (ok && perms != `["secretmanager.versions.access"]`) {
				t.Errorf("member %s %v role %v %s: want the api's account with versions.access alone", m.Name, m.Inputs["member"], ok, perms)
			}
		}
		if members != 1 {
			t.Errorf("%d members on the edge secret, want the api's one", members)
		}
		if res.Outputs["uploadApiUrl"] != "https://edge.acme.example/api" {
			t.Errorf("uploadApiUrl %v", res.Outputs["uploadApiUrl"])
		}
		if r, ok := res.Find("cloudflare:index/workersRoute:WorkersRoute", "acme-prod-edge-api-route"); !ok || r.Inputs["pattern"] != "edge.acme.example/api/*" {
			t.Errorf("api route %v %v", ok, r.Inputs)
		}
	}
	plain, err := offline.Run(Program, offline.Options{Stack: "acme-gcp", Config: gcpConfig()})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := plain.Find("gcp:secretmanager/secret:Secret", "acme-prod-edge-signing-secret"); ok {
		t.Error("a GCP stack without the edge creates the edge signing secret")
	}
	fn, _ := plain.Find("gcp:cloudfunctionsv2/function:Function", "acme-prod-fn-api-function")
	for k := range env(t, fn, "serviceConfig", "environmentVariables") {
		if strings.HasPrefix(k, "EDGE_") {
			t.Errorf("a GCP stack without the edge gives the api %s", k)
		}
	}
}
