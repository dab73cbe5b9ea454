package policy_test

import (
	"maps"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	cf "github.com/pulumi/pulumi-cloudflare/sdk/v5/go/cloudflare"
	gcpstorage "github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/storage"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ottkit/ottkit/components/cloudflare"
	"github.com/ottkit/ottkit/components/platform"
	edgeworker "github.com/ottkit/ottkit/functions/edge/cloudflare"
)

const (
	cfAccount = "0123456789abcdef0123456789abcdef"
	cfZone    = "fedcba9876543210fedcba9876543210"
)

func edgeArgs() *cloudflare.EdgeArgs {
	k, err := edgeworker.GenerateKey("k1")
	if err != nil {
		panic(err)
	}
	return &cloudflare.EdgeArgs{Prefix: n, AccountID: cfAccount, ZoneID: cfZone, Hostname: "edge.acme.example",
		PublicKeys: map[string]string{"k1": k.Public()}, RetainData: true}
}

// cloudflareAdditions are Cloudflare misconfigurations beside the reference stack, each
// caught by its rule alone.
func cloudflareAdditions() []addition {
	edgeBindings := func(a *cf.WorkersScriptArgs) {
		a.PlainTextBindings = cf.WorkersScriptPlainTextBindingArray{cf.WorkersScriptPlainTextBindingArgs{Name: pulumi.String("PUBLIC_KEYS"), Text: pulumi.String("{}")}}
		a.KvNamespaceBindings = cf.WorkersScriptKvNamespaceBindingArray{cf.WorkersScriptKvNamespaceBindingArgs{Name: pulumi.String("REVOKED"), NamespaceId: pulumi.String("kv")}}
	}
	script := func(ctx *pulumi.Context, name string, edge bool) error {
		a := &cf.WorkersScriptArgs{AccountId: pulumi.String(cfAccount), Name: pulumi.String(name), Content: pulumi.String("export default {}"), Module: pulumi.Bool(true),
			R2BucketBindings: cf.WorkersScriptR2BucketBindingArray{cf.WorkersScriptR2BucketBindingArgs{Name: pulumi.String("MEDIA"), BucketName: pulumi.String(n + "-media")}}}
		if edge {
			edgeBindings(a)
		}
		_, err := cf.NewWorkersScript(ctx, name+"-worker", a)
		return err
	}
	return []addition{
		{"Cloudflare zone accepting TLS 1.0", func(ctx *pulumi.Context) error {
			_, err := cf.NewZoneSettingsOverride(ctx, n+"-zone", &cf.ZoneSettingsOverrideArgs{ZoneId: pulumi.String(cfZone),
				Settings: &cf.ZoneSettingsOverrideSettingsArgs{MinTlsVersion: pulumi.String("1.0"), AlwaysUseHttps: pulumi.String("on")}})
			return err
		}, "deny_cloudflare_tls"},
		{"Cloudflare zone serving plain HTTP", func(ctx *pulumi.Context) error {
			_, err := cf.NewZoneSettingsOverride(ctx, n+"-zone", &cf.ZoneSettingsOverrideArgs{ZoneId: pulumi.String(cfZone),
				Settings: &cf.ZoneSettingsOverrideSettingsArgs{MinTlsVersion: pulumi.String("1.2"), AlwaysUseHttps: pulumi.String("off")}})
			return err
		}, "deny_cloudflare_tls"},
		{"R2 bucket behind a Worker without the token check", func(ctx *pulumi.Context) error {
			return script(ctx, n+"-files", false)
		}, "deny_cloudflare_r2_public"},
		{"edge Worker routed on one asset only", func(ctx *pulumi.Context) error {
			if err := script(ctx, n+"-edge", true); err != nil {
				return err
			}
			_, err := cf.NewWorkersRoute(ctx, n+"-edge-route", &cf.WorkersRouteArgs{ZoneId: pulumi.String(cfZone),
				Pattern: pulumi.String("edge.acme.example/assets/a1/*"), ScriptName: pulumi.String(n + "-edge")})
			return err
		}, "stack_deny_cloudflare_worker_routes"},
		{"R2 mirror token scoped to the whole account", func(ctx *pulumi.Context) error {
			_, err := cf.NewApiToken(ctx, n+"-edge-mirror-token", &cf.ApiTokenArgs{Name: pulumi.String(n + "-edge-mirror"),
				Policies: cf.ApiTokenPolicyArray{cf.ApiTokenPolicyArgs{
					PermissionGroups: pulumi.ToStringArray([]string{cloudflare.PermissionR2BucketItemRead, cloudflare.PermissionR2BucketItemWrite}),
					Resources:        pulumi.StringMap{"com.cloudflare.api.account." + cfAccount: pulumi.String("*")},
				}}})
			return err
		}, "deny_cloudflare_token_scope"},
		// Origin mode: the edge's origin credential stays out of Pulumi state.
		{"edge Worker holding its origin key as a secret binding", func(ctx *pulumi.Context) error {
			a := &cf.WorkersScriptArgs{AccountId: pulumi.String(cfAccount), Name: pulumi.String(n + "-edge"), Content: pulumi.String("export default {}"), Module: pulumi.Bool(true),
				SecretTextBindings: cf.WorkersScriptSecretTextBindingArray{cf.WorkersScriptSecretTextBindingArgs{Name: pulumi.String("ORIGIN_SIGNING_KEY"), Text: pulumi.String("-----BEGIN PRIVATE KEY-----")}}}
			edgeBindings(a)
			if _, err := cf.NewWorkersScript(ctx, n+"-edge-worker", a); err != nil {
				return err
			}
			_, err := cf.NewWorkersRoute(ctx, n+"-edge-route", &cf.WorkersRouteArgs{ZoneId: pulumi.String(cfZone),
				Pattern: pulumi.String("edge.acme.example/assets/*"), ScriptName: pulumi.String(n + "-edge")})
			return err
		}, "deny_cloudflare_edge_secrets_in_state"},
		{"origin credential written through Pulumi", func(ctx *pulumi.Context) error {
			_, err := cf.NewWorkersKv(ctx, n+"-edge-origin-credential", &cf.WorkersKvArgs{AccountId: pulumi.String(cfAccount),
				NamespaceId: pulumi.String("kv-origin"), Key: pulumi.String(edgeworker.OriginCredentialKey), Value: pulumi.String(`{"kind":"gcs"}`)})
			return err
		}, "deny_cloudflare_edge_secrets_in_state"},
		{"edge reader HMAC key created by the stack", func(ctx *pulumi.Context) error {
			_, err := gcpstorage.NewHmacKey(ctx, n+"-edge-reader-hmac", &gcpstorage.HmacKeyArgs{Project: pulumi.String("acme-media-prod"),
				ServiceAccountEmail: pulumi.String("acme-prod-edge-reader-sa@acme-media-prod.iam.gserviceaccount.com")})
			return err
		}, "deny_gcp_keys_in_state"},
	}
}

// TestEdgeComponentIsClean: the Cloudflare edge as components/cloudflare builds it, in R2
// mode and in origin mode over either cloud, beside the reference stack, violates nothing.
func TestEdgeComponentIsClean(t *testing.T) {
	for _, mode := range []string{cloudflare.ModeR2, edgeworker.OriginCloudFront, edgeworker.OriginGCS} {
		rules, vs := planWith(t, func(ctx *pulumi.Context) error {
			a := edgeArgs()
			switch mode {
			case edgeworker.OriginCloudFront:
				a.Mode, a.Plan = cloudflare.ModeOrigin, "enterprise"
				a.Origin = &cloudflare.OriginArgs{Kind: mode, URL: pulumi.String("https://d111111abcdef8.cloudfront.net")}
			case edgeworker.OriginGCS:
				a.Mode, a.Plan = cloudflare.ModeOrigin, "enterprise"
				a.Origin = &cloudflare.OriginArgs{Kind: mode, URL: pulumi.String(cloudflare.GCSXMLEndpoint), Bucket: pulumi.String(n + "-delivery")}
			}
			_, err := cloudflare.NewEdge(ctx, n+"-edge", a)
			return err
		})
		got := make([]string, 0, len(rules))
		for r := range rules {
			got = append(got, r)
		}
		sort.Strings(got)
		if len(got) > 0 {
			t.Errorf("%s mode: violates %s: %v", mode, strings.Join(got, ", "), vs)
		}
	}
}

// TestOriginStacksAreClean: the test-only origin-mode stacks (components/platform/testdata),
// on AWS and on GCP, plan with no violation of the pack.
func TestOriginStacksAreClean(t *testing.T) {
	for _, stack := range []string{"acme-edge-aws", "acme-edge-gcp"} {
		t.Run(stack, func(t *testing.T) {
			dir := t.TempDir()
			for src, dst := range map[string]string{
				filepath.Join(projectDir, "Pulumi.yaml"):                                                 filepath.Join(dir, "Pulumi.yaml"),
				filepath.Join(projectDir, "components", "platform", "testdata", "Pulumi."+stack+".yaml"): filepath.Join(dir, "stacks", "Pulumi."+stack+".yaml"),
			} {
				b, err := os.ReadFile(src)
				if err != nil {
					t.Fatal(err)
				}
				if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(dst, b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			rules, vs, rs := planStackIn(t, dir, stack, platform.Program)
			if len(rules) > 0 {
				t.Errorf("violates %v: %v", rules, vs)
			}
			var reader bool
			for _, r := range rs {
				reader = reader || r.Type == "ottkit:gcp:EdgeReader"
			}
			if reader != (stack == "acme-edge-gcp") {
				t.Errorf("edge reader planned: %v", reader)
			}
		})
	}
}

// TestEdgeStacksAreClean: both reference stacks with a Cloudflare edge in front (the Worker,
// its /api/* pass-through, the api's signing secret and grant), before and after the first
// key, violate nothing.
func TestEdgeStacksAreClean(t *testing.T) {
	k, err := edgeworker.GenerateKey("k1")
	if err != nil {
		t.Fatal(err)
	}
	for _, stack := range []string{reference, gcpReference} {
		for _, keys := range []map[string]string{{"ottkit:edgePublicKeys": `{"k1":"` + k.Public() + `"}`, "ottkit:edgeSigningKeyId": "k1"}, {}} {
			cfg, err := platform.ReadStackConfig(projectDir, stack)
			if err != nil {
				t.Fatal(err)
			}
			cfg["ottkit:edge"], cfg["ottkit:cloudflarePlan"] = "cloudflare", "pro"
			cfg["ottkit:cloudflareAccountId"], cfg["ottkit:cloudflareZoneId"] = cfAccount, cfZone
			cfg["ottkit:cloudflareHostname"] = "edge.acme.example"
			maps.Copy(cfg, keys)
			rules, vs, rs := planConfig(t, stack, cfg, platform.Program)
			if len(rules) != 0 {
				t.Errorf("%s with an edge (%d keys): violates %v", stack, len(keys)/2, vs)
			}
			secret := false
			for _, r := range rs {
				secret = secret || strings.HasSuffix(r.Name, "-edge-signing-secret")
			}
			if !secret {
				t.Errorf("%s with an edge plans no edge signing secret", stack)
			}
		}
	}
}
