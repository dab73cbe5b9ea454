package platform

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ottkit/ottkit/components/offline"
)

func gcpEdgeConfig(t *testing.T) map[string]string {
	cfg := gcpConfig()
	for k, v := range edgeConfig(t) {
		if strings.Contains(k, "edge") || strings.Contains(k, "cloudflare") {
			cfg[k] = v
		}
	}
	return cfg
}

func TestGCPEdgeMirrorWiresOnlyComplete(t *testing.T) {
	res, err := offline.Run(Program, offline.Options{Stack: "dev-gcp", Config: gcpEdgeConfig(t)})
	if err != nil {
		t.Fatal(err)
	}
	// The GCP stack builds the Cloudflare edge too (it used to be planned on AWS only).
	if _, ok := res.Find("cloudflare:index/workersRoute:WorkersRoute", "acme-prod-edge-route"); !ok {
		t.Fatal("a GCP stack with ottkit:edge cloudflare plans no Worker route")
	}
	secret, ok := res.Find("gcp:secretmanager/secret:Secret", "acme-prod-edge-mirror-secret")
	if !ok {
		t.Fatal("no edge mirror secret")
	}
	secretID := secret.Outputs["id"].(string)
	if !strings.Contains(fmt.Sprint(secret.Inputs["replication"]), "kmsKeyName:projects/acme-media-prod/locations/europe-west1/keyRings/acme-prod-key-ring/cryptoKeys/acme-prod-key") {
		t.Errorf("secret replication %v, want the stack key in the region", secret.Inputs["replication"])
	}
	var members []string
	for _, r := range res.Resources {
		if r.Type == "gcp:secretmanager/secretIamMember:SecretIamMember" && r.Inputs["secretId"] == secretID {
			members = append(members, fmt.Sprint(r.Inputs["member"]))
			role, _ := res.Find("gcp:projects/iAMCustomRole:IAMCustomRole", r.Name+"-role")
			if fmt.Sprint(role.Inputs["permissions"]) != "[secretmanager.versions.access]" {
				t.Errorf("%s grants %v, want secretmanager.versions.access only", r.Name, role.Inputs["permissions"])
			}
		}
	}
	if len(members) != 1 || members[0] != "serviceAccount:acme-prod-fn-complete@acme-media-prod.iam.gserviceaccount.com" {
		t.Errorf("mirror secret members %v, want the complete function's account alone", members)
	}
	f, _ := res.Find("gcp:cloudfunctionsv2/function:Function", "acme-prod-fn-complete-function")
	sc, _ := f.Inputs["serviceConfig"].(map[string]any)
	env, _ := sc["environmentVariables"].(map[string]any)
	for k, v := range map[string]string{
		"EDGE_MIRROR_BUCKET": "acme-prod-media", "EDGE_MIRROR_SECRET": secretID,
		"EDGE_MIRROR_ENDPOINT": "https://0123456789abcdef0123456789abcdef.r2.cloudflarestorage.com",
	} {
		if env[k] != v {
			t.Errorf("complete %s = %v, want %s", k, env[k], v)
		}
	}
	if sc["timeoutSeconds"] != 300.0 || sc["availableMemory"] != "256Mi" {
		t.Errorf("complete timeout %v memory %v, want 300 s and 256Mi", sc["timeoutSeconds"], sc["availableMemory"])
	}
	if sub, _ := res.Find("gcp:pubsub/subscription:Subscription", "acme-prod-complete-push-sub"); sub.Inputs["ackDeadlineSeconds"] != 300.0 {
		t.Errorf("complete push ack deadline %v, want the 300 s timeout", sub.Inputs["ackDeadlineSeconds"])
	}
	for _, fn := range []string{"ingest", "transcode", "api"} {
		g, _ := res.Find("gcp:cloudfunctionsv2/function:Function", "acme-prod-fn-"+fn+"-function")
		if strings.Contains(fmt.Sprint(g.Inputs["serviceConfig"]), "EDGE_MIRROR") {
			t.Errorf("%s reads the mirror's variables", fn)
		}
	}

	plain, err := offline.Run(Program, offline.Options{Stack: "dev-gcp", Config: gcpConfig()})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range plain.Resources {
		if strings.HasPrefix(r.Type, "cloudflare:") || strings.Contains(r.Name, "edge-mirror") {
			t.Errorf("a GCP stack without the edge plans %s %s", r.Type, r.Name)
		}
	}
	if g, _ := plain.Find("gcp:cloudfunctionsv2/function:Function", "acme-prod-fn-complete-function"); strings.Contains(fmt.Sprint(g.Inputs["serviceConfig"]), "EDGE_MIRROR") {
		t.Error("complete reads the mirror's variables without an edge")
	}
}
