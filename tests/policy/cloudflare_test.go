package policy_test

import (
	"maps"
	"sort"
	"strings"
	"testing"

	cf "github.com/pulumi/pulumi-cloudflare/sdk/v5/go/cloudflare"
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
	}
}

// TestEdgeComponentIsClean: the Cloudflare edge as components/cloudflare builds it, in both
// modes, beside the reference stack, violates nothing.
func TestEdgeComponentIsClean(t *testing.T) {
	for _, mode := range []string{cloudflare.ModeR2, cloudflare.ModeOrigin} {
		rules, vs := planWith(t, func(ctx *pulumi.Context) error {
			a := edgeArgs()
			if mode == cloudflare.ModeOrigin {
				a.Mode, a.Plan = mode, "enterprise"
				a.OriginURL, a.OriginKeyID, a.OriginSigningKey = pulumi.String("https://media.acme.example"), pulumi.String("K2EDGE"), pulumi.String("pem")
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
