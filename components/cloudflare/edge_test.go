package cloudflare_test

import (
	"encoding/json"
	"sort"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ottkit/ottkit/components/cloudflare"
	"github.com/ottkit/ottkit/components/offline"
	edgeworker "github.com/ottkit/ottkit/functions/edge/cloudflare"
)

const (
	account = "0123456789abcdef0123456789abcdef"
	zone    = "fedcba9876543210fedcba9876543210"
)

func publicKey(t *testing.T, id string) map[string]string {
	t.Helper()
	k, err := edgeworker.GenerateKey(id)
	if err != nil {
		t.Fatal(err)
	}
	return map[string]string{id: k.Public()}
}

func r2Args(t *testing.T) *cloudflare.EdgeArgs {
	return &cloudflare.EdgeArgs{Prefix: "acme-prod", AccountID: account, ZoneID: zone, Hostname: "media.acme.example",
		PublicKeys: publicKey(t, "k2026a"), RetainData: true}
}

func run(t *testing.T, args *cloudflare.EdgeArgs) *offline.Result {
	t.Helper()
	res, err := offline.Run(func(ctx *pulumi.Context) error {
		_, err := cloudflare.NewEdge(ctx, "acme-prod-edge", args)
		return err
	}, offline.Options{Stack: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func children(t *testing.T, res *offline.Result) []string {
	t.Helper()
	c, ok := res.Find(cloudflare.EdgeType, "acme-prod-edge")
	if !ok {
		t.Fatalf("no %s registered", cloudflare.EdgeType)
	}
	var out []string
	for _, r := range res.Resources {
		if r.Parent == c.URN {
			out = append(out, r.Type+" "+r.Name)
		}
	}
	sort.Strings(out)
	return out
}

func must(t *testing.T, res *offline.Result, typ, name string) offline.Resource {
	t.Helper()
	r, ok := res.Find(typ, name)
	if !ok {
		t.Fatalf("no %s %s", typ, name)
	}
	return r
}

func bindings(t *testing.T, script offline.Resource, kind string) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	list, _ := script.Inputs[kind].([]any)
	for _, b := range list {
		m := b.(map[string]any)
		out[m["name"].(string)] = m
	}
	return out
}

func TestEdgeR2Mode(t *testing.T) {
	args := r2Args(t)
	res := run(t, args)
	want := []string{
		"cloudflare:index/apiToken:ApiToken acme-prod-edge-mirror-token",
		"cloudflare:index/r2Bucket:R2Bucket acme-prod-edge-media",
		"cloudflare:index/record:Record acme-prod-edge-dns",
		"cloudflare:index/workersKvNamespace:WorkersKvNamespace acme-prod-edge-revoked",
		"cloudflare:index/workersRoute:WorkersRoute acme-prod-edge-route",
		"cloudflare:index/workersScript:WorkersScript acme-prod-edge-worker",
		"cloudflare:index/zoneSettingsOverride:ZoneSettingsOverride acme-prod-edge-zone",
	}
	if got := children(t, res); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("children:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	script := must(t, res, "cloudflare:index/workersScript:WorkersScript", "acme-prod-edge-worker")
	if script.Inputs["content"] != edgeworker.WorkerModule || script.Inputs["module"] != true {
		t.Error("the script is not the embedded Worker module as an ES module")
	}
	if script.Inputs["compatibilityDate"] != cloudflare.CompatibilityDate {
		t.Errorf("compatibilityDate %v", script.Inputs["compatibilityDate"])
	}
	plain := bindings(t, script, "plainTextBindings")
	if plain["MODE"]["text"] != "r2" {
		t.Errorf("MODE %v", plain["MODE"])
	}
	var keys map[string]string
	if err := json.Unmarshal([]byte(plain["PUBLIC_KEYS"]["text"].(string)), &keys); err != nil || keys["k2026a"] != args.PublicKeys["k2026a"] {
		t.Errorf("PUBLIC_KEYS %v (%v)", plain["PUBLIC_KEYS"], err)
	}
	if _, ok := plain["ORIGIN"]; ok {
		t.Error("r2 mode binds ORIGIN")
	}
	if r2 := bindings(t, script, "r2BucketBindings"); r2["MEDIA"]["bucketName"] != "acme-prod-media" {
		t.Errorf("MEDIA binding %v", r2)
	}
	kv := must(t, res, "cloudflare:index/workersKvNamespace:WorkersKvNamespace", "acme-prod-edge-revoked")
	if b := bindings(t, script, "kvNamespaceBindings"); b["REVOKED"]["namespaceId"] != kv.ID {
		t.Errorf("REVOKED binding %v, want namespace %s", b["REVOKED"], kv.ID)
	}
	if bucket := must(t, res, "cloudflare:index/r2Bucket:R2Bucket", "acme-prod-edge-media"); !bucket.RetainOnDelete {
		t.Error("the R2 bucket is not retained with RetainData")
	}
	route := must(t, res, "cloudflare:index/workersRoute:WorkersRoute", "acme-prod-edge-route")
	if route.Inputs["pattern"] != "media.acme.example/assets/*" || route.Inputs["scriptName"] != "acme-prod-edge" || route.Inputs["zoneId"] != zone {
		t.Errorf("route %v", route.Inputs)
	}
	dns := must(t, res, "cloudflare:index/record:Record", "acme-prod-edge-dns")
	if dns.Inputs["proxied"] != true || dns.Inputs["name"] != "media.acme.example" {
		t.Errorf("DNS record %v: want the proxied media host", dns.Inputs)
	}
	z := must(t, res, "cloudflare:index/zoneSettingsOverride:ZoneSettingsOverride", "acme-prod-edge-zone")
	s, _ := z.Inputs["settings"].(map[string]any)
	if s["minTlsVersion"] != "1.2" || s["alwaysUseHttps"] != "on" || s["ssl"] != "strict" {
		t.Errorf("zone settings %v", s)
	}
}

func TestEdgeOriginMode(t *testing.T) {
	for _, tc := range []struct {
		origin    cloudflare.OriginArgs
		wantPlain map[string]string
	}{
		{cloudflare.OriginArgs{Kind: edgeworker.OriginCloudFront, URL: pulumi.String("https://d111111abcdef8.cloudfront.net")},
			map[string]string{"MODE": "origin", "ORIGIN_KIND": "cloudfront", "ORIGIN": "https://d111111abcdef8.cloudfront.net"}},
		{cloudflare.OriginArgs{Kind: edgeworker.OriginGCS, URL: pulumi.String(cloudflare.GCSXMLEndpoint), Bucket: pulumi.String("acme-prod-delivery")},
			map[string]string{"MODE": "origin", "ORIGIN_KIND": "gcs", "ORIGIN": "https://storage.googleapis.com", "ORIGIN_BUCKET": "acme-prod-delivery"}},
	} {
		t.Run(tc.origin.Kind, func(t *testing.T) {
			args := r2Args(t)
			args.Mode, args.Plan = cloudflare.ModeOrigin, "enterprise"
			origin := tc.origin
			args.Origin = &origin
			res := run(t, args)
			want := []string{
				"cloudflare:index/record:Record acme-prod-edge-dns",
				"cloudflare:index/workersKvNamespace:WorkersKvNamespace acme-prod-edge-origin-credentials",
				"cloudflare:index/workersKvNamespace:WorkersKvNamespace acme-prod-edge-revoked",
				"cloudflare:index/workersRoute:WorkersRoute acme-prod-edge-route",
				"cloudflare:index/workersScript:WorkersScript acme-prod-edge-worker",
				"cloudflare:index/zoneSettingsOverride:ZoneSettingsOverride acme-prod-edge-zone",
			}
			if got := children(t, res); strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Fatalf("children:\n%s\nwant (no R2 bucket):\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			script := must(t, res, "cloudflare:index/workersScript:WorkersScript", "acme-prod-edge-worker")
			plain := bindings(t, script, "plainTextBindings")
			for name, v := range tc.wantPlain {
				if plain[name]["text"] != v {
					t.Errorf("binding %s = %v, want %q", name, plain[name]["text"], v)
				}
			}
			if len(plain) != len(tc.wantPlain)+1 { // + PUBLIC_KEYS
				t.Errorf("plain bindings %v", plain)
			}
			if sec := bindings(t, script, "secretTextBindings"); len(sec) != 0 {
				t.Errorf("secret bindings %v: the origin credential must not pass through Pulumi", sec)
			}
			if r2 := bindings(t, script, "r2BucketBindings"); len(r2) != 0 {
				t.Errorf("origin mode binds R2: %v", r2)
			}
			creds := must(t, res, "cloudflare:index/workersKvNamespace:WorkersKvNamespace", "acme-prod-edge-origin-credentials")
			if creds.Inputs["title"] != "acme-prod-edge-origin" {
				t.Errorf("credential namespace title %v", creds.Inputs["title"])
			}
			kv := bindings(t, script, "kvNamespaceBindings")
			if kv[edgeworker.OriginCredentialsBinding]["namespaceId"] != creds.ID || kv["REVOKED"]["namespaceId"] == creds.ID {
				t.Errorf("KV bindings %v: want %s on %s and REVOKED apart", kv, edgeworker.OriginCredentialsBinding, creds.ID)
			}
			for _, r := range res.Resources {
				if r.Type == "cloudflare:index/workersKv:WorkersKv" {
					t.Errorf("a KV value is planned (%s): the credential would be in Pulumi state", r.Name)
				}
			}
		})
	}
}

// The Worker's code comes from the embedded module alone, so two runs plan the same content.
func TestEdgeContentIsReproducible(t *testing.T) {
	a := must(t, run(t, r2Args(t)), "cloudflare:index/workersScript:WorkersScript", "acme-prod-edge-worker")
	b := must(t, run(t, r2Args(t)), "cloudflare:index/workersScript:WorkersScript", "acme-prod-edge-worker")
	if a.Inputs["content"] != b.Inputs["content"] {
		t.Error("two runs plan different Worker content")
	}
}

func TestEdgeRejectsBadArgsBeforeAnyResource(t *testing.T) {
	cases := map[string]struct {
		mut  func(*cloudflare.EdgeArgs)
		want string
	}{
		"account":         {func(a *cloudflare.EdgeArgs) { a.AccountID = "acct" }, "AccountID"},
		"zone":            {func(a *cloudflare.EdgeArgs) { a.ZoneID = strings.ToUpper(zone) }, "ZoneID"},
		"hostname":        {func(a *cloudflare.EdgeArgs) { a.Hostname = "https://media.acme.example" }, "Hostname"},
		"mode":            {func(a *cloudflare.EdgeArgs) { a.Mode = "proxy" }, "Mode"},
		"plan":            {func(a *cloudflare.EdgeArgs) { a.Plan = "gold" }, "Plan"},
		"origin not ent.": {func(a *cloudflare.EdgeArgs) { a.Mode, a.Plan = cloudflare.ModeOrigin, "business" }, "only on Enterprise zones"},
		"origin missing":  {func(a *cloudflare.EdgeArgs) { a.Mode, a.Plan = cloudflare.ModeOrigin, "enterprise" }, "Origin: origin mode needs the origin"},
		"origin kind": {func(a *cloudflare.EdgeArgs) {
			a.Mode, a.Plan, a.Origin = cloudflare.ModeOrigin, "enterprise", &cloudflare.OriginArgs{Kind: "s3", URL: pulumi.String("https://x")}
		}, `Origin.Kind: "s3"`},
		"origin no url": {func(a *cloudflare.EdgeArgs) {
			a.Mode, a.Plan, a.Origin = cloudflare.ModeOrigin, "enterprise", &cloudflare.OriginArgs{Kind: edgeworker.OriginCloudFront}
		}, "Origin.URL: is required"},
		"gcs no bucket": {func(a *cloudflare.EdgeArgs) {
			a.Mode, a.Plan, a.Origin = cloudflare.ModeOrigin, "enterprise", &cloudflare.OriginArgs{Kind: edgeworker.OriginGCS, URL: pulumi.String(cloudflare.GCSXMLEndpoint)}
		}, "Origin.Bucket: is required"},
		"origin in r2": {func(a *cloudflare.EdgeArgs) {
			a.Origin = &cloudflare.OriginArgs{Kind: edgeworker.OriginCloudFront, URL: pulumi.String("https://x")}
		}, "mean nothing in mode r2"},
		"api origin path": {func(a *cloudflare.EdgeArgs) { a.APIOrigin = pulumi.String("https://api.example.com/api") }, "APIOrigin"},
		"api origin http": {func(a *cloudflare.EdgeArgs) { a.APIOrigin = pulumi.String("http://api.example.com") }, "APIOrigin"},
		"three keys": {func(a *cloudflare.EdgeArgs) {
			a.PublicKeys = map[string]string{"a": a.PublicKeys["k2026a"], "b": a.PublicKeys["k2026a"], "c": a.PublicKeys["k2026a"]}
		}, "has 3 keys"},
		"short key": {func(a *cloudflare.EdgeArgs) { a.PublicKeys = map[string]string{"k": "c2hvcnQ"} }, "32 bytes"},
		"bad kid":   {func(a *cloudflare.EdgeArgs) { a.PublicKeys = map[string]string{"a b": a.PublicKeys["k2026a"]} }, `key id "a b"`},
	}
	for name, tc := range cases {
		args := r2Args(t)
		tc.mut(args)
		var n atomic.Int32
		_, err := offline.Run(func(ctx *pulumi.Context) error {
			_, err := cloudflare.NewEdge(ctx, "acme-prod-edge", args)
			return err
		}, offline.Options{Stack: "test", Transformations: []pulumi.ResourceTransformation{func(*pulumi.ResourceTransformationArgs) *pulumi.ResourceTransformationResult {
			n.Add(1)
			return nil
		}}})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err %v, want one containing %q", name, err, tc.want)
		}
		if n.Load() != 0 {
			t.Errorf("%s: %d resources registered before the error", name, n.Load())
		}
	}
	if _, err := cloudflare.NewEdge(nil, "x", nil); err == nil || !strings.Contains(err.Error(), "args are required") {
		t.Errorf("nil args: %v", err)
	}
}

// TestEdgeAPIPassThrough: with APIOrigin the Worker binds it and runs on <host>/api/* too; a
// key set that is still empty (before `ottkit keys rotate` generates the first key) deploys
// a Worker that refuses every token.
func TestEdgeAPIPassThrough(t *testing.T) {
	args := r2Args(t)
	args.APIOrigin = pulumi.String("https://abc123.execute-api.eu-west-1.amazonaws.com")
	args.PublicKeys = nil
	res := run(t, args)
	script := must(t, res, "cloudflare:index/workersScript:WorkersScript", "acme-prod-edge-worker")
	plain := bindings(t, script, "plainTextBindings")
	if plain["API_ORIGIN"]["text"] != "https://abc123.execute-api.eu-west-1.amazonaws.com" || plain["PUBLIC_KEYS"]["text"] != "{}" {
		t.Errorf("bindings %v: want API_ORIGIN and empty PUBLIC_KEYS", plain)
	}
	route := must(t, res, "cloudflare:index/workersRoute:WorkersRoute", "acme-prod-edge-api-route")
	if route.Inputs["pattern"] != "media.acme.example/api/*" || route.Inputs["scriptName"] != "acme-prod-edge" {
		t.Errorf("api route %v", route.Inputs)
	}
	if _, ok := res.Find("cloudflare:index/workersRoute:WorkersRoute", "acme-prod-edge-api-route"); !ok {
		t.Error("no api route")
	}
	if _, ok := run(t, r2Args(t)).Find("cloudflare:index/workersRoute:WorkersRoute", "acme-prod-edge-api-route"); ok {
		t.Error("an api route without APIOrigin")
	}
}
