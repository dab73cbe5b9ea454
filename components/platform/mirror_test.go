package platform

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/ottkit/ottkit/components/offline"
)

// fnResource returns the platform's resource of typ for function fn ("ottkit-dev-fn-<fn>-<role>").
func fnResource(t *testing.T, res *offline.Result, typ, fn, role string) offline.Resource {
	t.Helper()
	r, ok := res.Find(typ, "ottkit-dev-fn-"+fn+"-"+role)
	if !ok {
		t.Fatalf("no %s for %s", typ, fn)
	}
	return r
}

func lambdaEnv(t *testing.T, res *offline.Result, fn string) map[string]any {
	t.Helper()
	f := fnResource(t, res, "aws:lambda/function:Function", fn, "function")
	env, _ := f.Inputs["environment"].(map[string]any)
	vars, _ := env["variables"].(map[string]any)
	return vars
}

func rolePolicy(t *testing.T, res *offline.Result, fn string) string {
	t.Helper()
	return fmt.Sprint(fnResource(t, res, "aws:iam/rolePolicy:RolePolicy", fn, "policy").Inputs["policy"])
}

func TestAWSEdgeMirrorWiresOnlyComplete(t *testing.T) {
	res, err := offline.Run(Program, offline.Options{Stack: "dev-aws", Config: edgeConfig(t)})
	if err != nil {
		t.Fatal(err)
	}
	secret, ok := res.Find("aws:secretsmanager/secret:Secret", "ottkit-dev-edge-mirror-secret")
	if !ok {
		t.Fatal("no edge mirror secret")
	}
	key, _ := res.Find("aws:kms/key:Key", "ottkit-dev-key-cmk")
	if secret.Inputs["kmsKeyId"] == nil || secret.Inputs["kmsKeyId"] != key.Outputs["arn"] {
		t.Errorf("secret kmsKeyId %v, want the stack key %v", secret.Inputs["kmsKeyId"], key.Outputs["arn"])
	}
	secretARN := secret.Outputs["arn"].(string)

	token, ok := res.Find("cloudflare:index/apiToken:ApiToken", "ottkit-dev-edge-mirror-token")
	if !ok {
		t.Fatal("no R2 token")
	}
	version, _ := res.Find("aws:secretsmanager/secretVersion:SecretVersion", "ottkit-dev-edge-mirror-value")
	var cred struct{ AccessKeyID, SecretAccessKey string }
	if err := json.Unmarshal([]byte(fmt.Sprint(version.Inputs["secretString"])), &cred); err != nil {
		t.Fatalf("secret string %v: %v", version.Inputs["secretString"], err)
	}
	sum := sha256.Sum256([]byte(token.Outputs["value"].(string)))
	if cred.AccessKeyID != token.ID || cred.SecretAccessKey != hex.EncodeToString(sum[:]) {
		t.Errorf("stored credentials %+v, want the token id %s and the SHA-256 of its value", cred, token.ID)
	}

	env := lambdaEnv(t, res, "complete")
	want := map[string]string{
		"EDGE_MIRROR_BUCKET":     "ottkit-dev-media",
		"EDGE_MIRROR_ENDPOINT":   "https://0123456789abcdef0123456789abcdef.r2.cloudflarestorage.com",
		"EDGE_MIRROR_SECRET_ARN": secretARN,
	}
	for k, v := range want {
		if env[k] != v {
			t.Errorf("complete %s = %v, want %s", k, env[k], v)
		}
	}
	f := fnResource(t, res, "aws:lambda/function:Function", "complete", "function")
	if f.Inputs["timeout"] != 300.0 || f.Inputs["memorySize"] != 256.0 {
		t.Errorf("complete timeout %v memory %v, want the mirror's 300 s and 256 MB", f.Inputs["timeout"], f.Inputs["memorySize"])
	}
	if p := rolePolicy(t, res, "complete"); !strings.Contains(p, "secretsmanager:GetSecretValue") || !strings.Contains(p, secretARN) || !strings.Contains(p, "/assets/*") {
		t.Errorf("complete's policy does not grant the secret and the delivery outputs:\n%s", p)
	}
	for _, fn := range []string{"ingest", "transcode", "api"} {
		if p := rolePolicy(t, res, fn); strings.Contains(p, secretARN) {
			t.Errorf("%s may read the mirror secret:\n%s", fn, p)
		}
		for k := range lambdaEnv(t, res, fn) {
			if strings.HasPrefix(k, "EDGE_MIRROR_") {
				t.Errorf("%s reads %s", fn, k)
			}
		}
	}
	if q, _ := res.Find("aws:sqs/queue:Queue", "ottkit-dev-events-queue"); q.Inputs["visibilityTimeoutSeconds"] != 1800.0 {
		t.Errorf("events queue visibility %v, want 6 × the mirror's 300 s", q.Inputs["visibilityTimeoutSeconds"])
	}

	// Without the edge there is no secret, and complete is the manifest's.
	plain, err := offline.Run(Program, offline.Options{Stack: "dev-aws", Config: validConfig(t)})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := plain.Find("aws:secretsmanager/secret:Secret", "ottkit-dev-edge-mirror-secret"); ok {
		t.Error("a stack without the edge has a mirror secret")
	}
	for k := range lambdaEnv(t, plain, "complete") {
		if strings.HasPrefix(k, "EDGE_MIRROR_") {
			t.Errorf("complete reads %s without an edge", k)
		}
	}
	if p := rolePolicy(t, plain, "complete"); strings.Contains(p, "secretsmanager") || strings.Contains(p, "/assets/*") {
		t.Errorf("complete's policy without an edge grants the mirror's permissions:\n%s", p)
	}
	if f := fnResource(t, plain, "aws:lambda/function:Function", "complete", "function"); f.Inputs["timeout"] != 60.0 {
		t.Errorf("complete timeout %v without an edge, want 60", f.Inputs["timeout"])
	}
}
