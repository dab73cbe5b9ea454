package policy_test

import (
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudfront"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ottkit/ottkit/components/offline"
	"github.com/ottkit/ottkit/components/platform"
	cfsession "github.com/ottkit/ottkit/functions/edge/cloudfront"
	"github.com/ottkit/ottkit/policies"
)

var recordSessionFixtures = flag.Bool("record-session-fixtures", false,
	"write policies/fixtures/stack_deny_cloudfront_sessions/data.json from the edge-sessions stack and its mutation")

// planSessions runs the reference stack with ottkit:edgeSessions on (bound to the viewer's
// address) and the transformations, and evaluates the whole pack.
func planSessions(t *testing.T, transformations ...pulumi.ResourceTransformation) ([]policies.Violation, []policies.Resource) {
	t.Helper()
	cfg, err := platform.ReadStackConfig(projectDir, reference)
	if err != nil {
		t.Fatal(err)
	}
	cfg["ottkit:edgeSessions"] = "true"
	cfg["ottkit:edgeSessionBinding"] = "ip"
	res, err := offline.Run(platform.Program, offline.Options{Project: "ottkit", Stack: reference, Config: cfg, Transformations: transformations})
	if err != nil {
		t.Fatal(err)
	}
	base, err := policies.ForStack(cfg)
	if err != nil {
		t.Fatal(err)
	}
	pack, err := policies.Default()
	if err != nil {
		t.Fatal(err)
	}
	e, err := pack.Prepare(context.Background(), base)
	if err != nil {
		t.Fatal(err)
	}
	rs := policies.FromOffline(res, cfg)
	vs, err := e.Evaluate(context.Background(), policies.StackURN("ottkit", reference), rs)
	if err != nil {
		t.Fatal(err)
	}
	return vs, rs
}

// TestEdgeSessionsStack: the reference stack with edge sessions passes the whole pack, and a
// media behaviour that lost the session check is caught by stack_deny_cloudfront_sessions
// alone.
func TestEdgeSessionsStack(t *testing.T) {
	clean, cleanRes := planSessions(t)
	if len(clean) != 0 {
		t.Fatalf("the edge-sessions stack violates the pack: %v", clean)
	}
	dropCheck := func(args *pulumi.ResourceTransformationArgs) *pulumi.ResourceTransformationResult {
		if args.Type != "aws:cloudfront/distribution:Distribution" || args.Name != n+"-delivery-cdn" {
			return nil
		}
		d, err := props[cloudfront.DistributionArgs](args)
		if err != nil {
			t.Error(err)
			return nil
		}
		// The DASH manifests' behaviour without the check.
		if err := orderedBehaviours(d, func(b *cloudfront.DistributionOrderedCacheBehaviorArgs) {
			if p, ok := b.PathPattern.(pulumi.String); ok && p == "/assets/*.mpd" {
				b.FunctionAssociations = nil
			}
		}); err != nil {
			t.Error(err)
			return nil
		}
		return &pulumi.ResourceTransformationResult{Props: args.Props, Opts: args.Opts}
	}
	vs, rs := planSessions(t, dropCheck)
	rules := map[string]bool{}
	for _, v := range vs {
		rules[v.Policy] = true
	}
	var got []string
	for r := range rules {
		got = append(got, r)
	}
	sort.Strings(got)
	if strings.Join(got, ",") != "stack_deny_cloudfront_sessions" || len(vs) != 1 {
		t.Fatalf("caught by %v, want stack_deny_cloudfront_sessions alone, once; violations: %v", got, vs)
	}
	if *recordSessionFixtures {
		fx := map[string]any{"pass": sessionFixture(cleanRes), "fail": sessionFixture(rs)}
		b, err := json.MarshalIndent(fx, "", " ")
		if err != nil {
			t.Fatal(err)
		}
		dir := filepath.Join(projectDir, "policies", "fixtures", "stack_deny_cloudfront_sessions")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "data.json"), append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// sessionAdditions: a session check (a CloudFront Function reading a KeyValueStore) created
// beside the reference stack but associated with none of its behaviours.
func sessionAdditions() []addition {
	return []addition{{"session check on no behaviour", func(ctx *pulumi.Context) error {
		store, err := cloudfront.NewKeyValueStore(ctx, n+"-extra-sessions", &cloudfront.KeyValueStoreArgs{Name: pulumi.String(n + "-extra-sessions")})
		if err != nil {
			return err
		}
		_, err = cloudfront.NewFunction(ctx, n+"-extra-session-check", &cloudfront.FunctionArgs{
			Name: pulumi.String(n + "-extra-session-check"), Runtime: pulumi.String("cloudfront-js-2.0"),
			Code: pulumi.String(cfsession.FunctionCode), Publish: pulumi.Bool(true),
			KeyValueStoreAssociations: pulumi.StringArray{store.Arn},
		})
		return err
	}, "stack_deny_cloudfront_sessions"}}
}

// sessionFixture is the stack input of the rule's resources: the distribution and the
// CloudFront Functions.
func sessionFixture(rs []policies.Resource) map[string]any {
	var list []any
	for _, r := range rs {
		if r.Type == "aws:cloudfront/distribution:Distribution" || r.Type == "aws:cloudfront/function:Function" {
			list = append(list, r.Input())
		}
	}
	return map[string]any{"resources": list}
}
