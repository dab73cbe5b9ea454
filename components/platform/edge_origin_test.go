package platform

import (
	"path/filepath"
	"strings"
	"testing"

	ottaws "github.com/ottkit/ottkit/components/aws"
	"github.com/ottkit/ottkit/components/cloudflare"
	ottgcp "github.com/ottkit/ottkit/components/gcp"
	"github.com/ottkit/ottkit/components/offline"
	edgeworker "github.com/ottkit/ottkit/functions/edge/cloudflare"
	"github.com/ottkit/ottkit/functions/gcp/manifest"
)

// testStack reads the test-only stack file testdata/Pulumi.<stack>.yaml against the
// repository's Pulumi.yaml, as Pulumi would pass its configuration.
func testStack(t *testing.T, stack string) map[string]string {
	t.Helper()
	dir := t.TempDir()
	py := mustRead(t, filepath.Join(projectDir, "Pulumi.yaml"))
	mustWrite(t, filepath.Join(dir, "Pulumi.yaml"), py)
	mustWrite(t, filepath.Join(dir, "stacks", "Pulumi."+stack+".yaml"), mustRead(t, filepath.Join("testdata", "Pulumi."+stack+".yaml")))
	cfg, err := ReadStackConfig(dir, stack)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// fakeGCPSources stands in for the function source archives, which the GCP plan only hashes.
func fakeGCPSources(t *testing.T) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "fn.zip")
	mustWrite(t, path, []byte("PK\x05\x06"+strings.Repeat("\x00", 18)))
	old := GCPSources
	GCPSources = func(manifest.Function) (ottgcp.SourceArchive, string, error) {
		return ottgcp.SourceArchive{Path: path, SHA256: strings.Repeat("0", 64)}, "go125", nil
	}
	t.Cleanup(func() { GCPSources = old })
}

func plan(t *testing.T, stack string, cfg map[string]string) *offline.Result {
	t.Helper()
	res, err := offline.Run(Program, offline.Options{Stack: stack, Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func bindingsOf(t *testing.T, res *offline.Result, name, kind string) map[string]map[string]any {
	t.Helper()
	script, ok := res.Find("cloudflare:index/workersScript:WorkersScript", name)
	if !ok {
		t.Fatalf("no Worker %s", name)
	}
	out := map[string]map[string]any{}
	list, _ := script.Inputs[kind].([]any)
	for _, b := range list {
		m := b.(map[string]any)
		out[m["name"].(string)] = m
	}
	return out
}

func countType(res *offline.Result, typ string) int {
	return len(res.OfType(typ))
}

// TestOriginModeOnAWS: the test-only stack acme-edge-aws plans the edge's own CloudFront key
// in the key group beside the viewer key, a Worker reading the distribution with the
// credential namespace bound and no R2 bucket; r2 mode plans neither the key nor the namespace.
func TestOriginModeOnAWS(t *testing.T) {
	cfg := testStack(t, "acme-edge-aws")
	res := plan(t, "acme-edge-aws", cfg)
	const n = "acme-prod"
	spec, err := ParseSpec(cfg)
	if err != nil {
		t.Fatal(err)
	}
	// Keys are named by fingerprint, so a rotation keeps the other key's CloudFront id.
	edgeName, err := ottaws.PublicKeyName(n+"-delivery-edge", spec.Edge.OriginPublicKeys[0])
	if err != nil {
		t.Fatal(err)
	}
	edgeKey, ok := res.Find("aws:cloudfront/publicKey:PublicKey", edgeName)
	if !ok {
		t.Fatalf("no edge key %s; public keys: %v", edgeName, res.OfType("aws:cloudfront/publicKey:PublicKey"))
	}
	viewerName, err := ottaws.PublicKeyName(n+"-delivery", spec.SigningPublicKeys[0])
	if err != nil {
		t.Fatal(err)
	}
	if edgeKey.Inputs["encodedKey"] != spec.Edge.OriginPublicKeys[0] {
		t.Error("the edge key is not ottkit:edgeOriginPublicKeys[0]")
	}
	viewerKey, _ := res.Find("aws:cloudfront/publicKey:PublicKey", viewerName)
	group, _ := res.Find("aws:cloudfront/keyGroup:KeyGroup", n+"-delivery-signers")
	items := group.Inputs["items"].([]any)
	if len(items) != 2 || !containsAny(items, viewerKey.ID) || !containsAny(items, edgeKey.ID) {
		t.Errorf("key group items %v, want the viewer key %s and the edge key %s", items, viewerKey.ID, edgeKey.ID)
	}
	dist, _ := res.Find("aws:cloudfront/distribution:Distribution", n+"-delivery-cdn")
	plain := bindingsOf(t, res, n+"-edge-worker", "plainTextBindings")
	if plain["MODE"]["text"] != "origin" || plain["ORIGIN_KIND"]["text"] != edgeworker.OriginCloudFront ||
		plain["ORIGIN"]["text"] != "https://"+dist.Outputs["domainName"].(string) {
		t.Errorf("Worker bindings %v; want origin mode over https://%v", plain, dist.Outputs["domainName"])
	}
	creds, ok := res.Find("cloudflare:index/workersKvNamespace:WorkersKvNamespace", n+"-edge-origin-credentials")
	if !ok {
		t.Fatal("no origin credential namespace")
	}
	if kv := bindingsOf(t, res, n+"-edge-worker", "kvNamespaceBindings"); kv[edgeworker.OriginCredentialsBinding]["namespaceId"] != creds.ID {
		t.Errorf("KV bindings %v", kv)
	}
	if countType(res, "cloudflare:index/r2Bucket:R2Bucket") != 0 {
		t.Error("origin mode plans an R2 bucket")
	}
	if res.Outputs["edgeOriginCredentialsId"] != creds.ID || len(res.Outputs["edgeOriginKeyIds"].([]any)) != 1 || res.Outputs["edgeOriginKeyIds"].([]any)[0] != edgeKey.ID {
		t.Errorf("outputs edgeOriginCredentialsId %v edgeOriginKeyIds %v", res.Outputs["edgeOriginCredentialsId"], res.Outputs["edgeOriginKeyIds"])
	}

	r2 := map[string]string{}
	for k, v := range cfg {
		r2[k] = v
	}
	r2["ottkit:cloudflareMode"] = "r2"
	delete(r2, "ottkit:edgeOriginPublicKeys")
	res = plan(t, "acme-edge-aws", r2)
	if got := countType(res, "aws:cloudfront/publicKey:PublicKey"); got != 1 {
		t.Errorf("r2 mode plans %d CloudFront public keys, want the viewer key only", got)
	}
	if _, ok := res.Find("cloudflare:index/workersKvNamespace:WorkersKvNamespace", n+"-edge-origin-credentials"); ok {
		t.Error("r2 mode plans the origin credential namespace")
	}
	if countType(res, "cloudflare:index/r2Bucket:R2Bucket") != 1 {
		t.Error("r2 mode plans no R2 bucket")
	}
	if _, ok := res.Outputs["edgeOriginKeyIds"]; ok {
		t.Error("r2 mode exports edgeOriginKeyIds")
	}
}

// TestOriginModeOnGCP: the test-only stack acme-edge-gcp plans the edge reader (its account,
// a role holding storage.objects.get only, and the grant on the delivery bucket under the
// assets/ condition), a Worker reading the bucket through the XML API, and no HMAC key
// (its secret would be in Pulumi state); r2 mode plans no reader.
func TestOriginModeOnGCP(t *testing.T) {
	fakeGCPSources(t)
	cfg := testStack(t, "acme-edge-gcp")
	res := plan(t, "acme-edge-gcp", cfg)
	const n = "acme-prod"
	if _, ok := res.Find(ottgcp.EdgeReaderType, n+"-edge-reader"); !ok {
		t.Fatal("no edge reader")
	}
	grant, _ := res.Find("gcp:storage/bucketIAMMember:BucketIAMMember", n+"-edge-reader-reads")
	bucket := res.Outputs["deliveryBucket"].(string)
	if grant.Inputs["bucket"] != bucket {
		t.Errorf("the reader is granted on %v, want the delivery bucket %s", grant.Inputs["bucket"], bucket)
	}
	cond, _ := grant.Inputs["condition"].(map[string]any)
	if cond["expression"] != `resource.name.startsWith("projects/_/buckets/`+bucket+`/objects/assets/")` {
		t.Errorf("condition %v", cond)
	}
	role, _ := res.Find("gcp:projects/iAMCustomRole:IAMCustomRole", n+"-edge-reader-role")
	if p := role.Inputs["permissions"].([]any); len(p) != 1 || p[0] != "storage.objects.get" {
		t.Errorf("reader role %v", p)
	}
	if countType(res, "gcp:storage/hmacKey:HmacKey") != 0 {
		t.Error("an HMAC key is planned: its secret would be in Pulumi state")
	}
	plain := bindingsOf(t, res, n+"-edge-worker", "plainTextBindings")
	if plain["ORIGIN_KIND"]["text"] != edgeworker.OriginGCS || plain["ORIGIN"]["text"] != cloudflare.GCSXMLEndpoint || plain["ORIGIN_BUCKET"]["text"] != bucket {
		t.Errorf("Worker bindings %v", plain)
	}
	acct, _ := res.Find("gcp:serviceaccount/account:Account", n+"-edge-reader-account")
	if res.Outputs["edgeReaderEmail"] != acct.Outputs["email"] || res.Outputs["edgeOriginCredentialsId"] == nil {
		t.Errorf("outputs edgeReaderEmail %v edgeOriginCredentialsId %v", res.Outputs["edgeReaderEmail"], res.Outputs["edgeOriginCredentialsId"])
	}

	cfg["ottkit:cloudflareMode"] = "r2"
	res = plan(t, "acme-edge-gcp", cfg)
	if _, ok := res.Find(ottgcp.EdgeReaderType, n+"-edge-reader"); ok {
		t.Error("r2 mode plans the edge reader")
	}
	if _, ok := res.Find("cloudflare:index/workersScript:WorkersScript", n+"-edge-worker"); !ok {
		t.Error("a GCP stack with the edge in r2 mode plans no Worker")
	}
}

func TestOriginModeValidation(t *testing.T) {
	aws := func() map[string]string { return testStack(t, "acme-edge-aws") }
	viewer := func(cfg map[string]string) string {
		return strings.TrimSuffix(strings.TrimPrefix(cfg["ottkit:signingPublicKeys"], "["), "]")
	}
	for name, tc := range map[string]struct {
		cfg  func() map[string]string
		set  map[string]string
		drop []string
		want string
	}{
		"origin without the edge key": {aws, nil, []string{"ottkit:edgeOriginPublicKeys"}, "ottkit:edgeOriginPublicKeys: required in origin mode on aws"},
		"origin not enterprise":       {aws, map[string]string{"ottkit:cloudflarePlan": "business"}, nil, "allow only on Enterprise zones; ottkit:cloudflarePlan is \"business\""},
		"edge key in r2 mode":         {aws, map[string]string{"ottkit:cloudflareMode": "r2"}, nil, "ottkit:edgeOriginPublicKeys: means nothing in ottkit:cloudflareMode r2"},
		"edge key without the edge": {func() map[string]string {
			c := validConfig(t)
			c["ottkit:edgeOriginPublicKeys"] = aws()["ottkit:edgeOriginPublicKeys"]
			return c
		}, nil, nil, "ottkit:edgeOriginPublicKeys: means nothing without ottkit:edge: cloudflare"},
		"edge key not PEM":  {aws, map[string]string{"ottkit:edgeOriginPublicKeys": `["MIIB"]`}, nil, "ottkit:edgeOriginPublicKeys[0]: is not PEM"},
		"three edge keys":   {aws, map[string]string{"ottkit:edgeOriginPublicKeys": `["a","b","c"]`}, nil, "ottkit:edgeOriginPublicKeys: has 3 keys"},
		"viewer key reused": {aws, nil, nil, "ottkit:edgeOriginPublicKeys[0]: is ottkit:signingPublicKeys[0]"},
		"edge key on gcp": {func() map[string]string {
			c := testStack(t, "acme-edge-gcp")
			c["ottkit:edgeOriginPublicKeys"] = aws()["ottkit:edgeOriginPublicKeys"]
			return c
		}, nil, nil, "ottkit:edgeOriginPublicKeys: only applies to ottkit:cloud aws"},
	} {
		cfg := tc.cfg()
		for k, v := range tc.set {
			cfg[k] = v
		}
		for _, k := range tc.drop {
			delete(cfg, k)
		}
		if name == "viewer key reused" {
			cfg["ottkit:edgeOriginPublicKeys"] = "[" + viewer(cfg) + "]"
		}
		_, err := ParseSpec(cfg)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err %v\nwant one containing %q", name, err, tc.want)
			continue
		}
		if name != "edge key on gcp" {
			if n := runCounting(t, Program, cfg); n != 0 {
				t.Errorf("%s: Program registered %d resources", name, n)
			}
		}
	}
	if _, err := ParseSpec(aws()); err != nil {
		t.Errorf("the test-only stack acme-edge-aws does not validate: %v", err)
	}
}

func containsAny(list []any, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
