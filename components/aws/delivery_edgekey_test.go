package aws

import (
	"sort"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ottkit/ottkit/components/offline"
)

// TestDeliveryEdgeOriginKeys: the Cloudflare edge's keys are CloudFront public keys of their
// own in the one key group, beside the viewer keys, and the key group still guards every
// media behaviour; without them the group holds the viewer keys only.
func TestDeliveryEdgeOriginKeys(t *testing.T) {
	const n = "acme-dev-delivery"
	for _, tc := range []struct {
		name         string
		viewer, edge int
	}{{"viewer key only", 1, 0}, {"edge key", 1, 1}, {"both rotating", 2, 2}} {
		t.Run(tc.name, func(t *testing.T) {
			a := edgeDeliveryArgs(t)
			a.PublicKeys = edgePublicKeys(t)[:tc.viewer]
			a.EdgeOriginPublicKeys = originPublicKeys(t)[:tc.edge]
			res := edgeRun(t, func(ctx *pulumi.Context) error {
				d, err := NewDelivery(ctx, n, a)
				if err != nil {
					return err
				}
				ctx.Export("edgeOriginKeyIds", d.EdgeOriginKeyIds)
				return nil
			})
			var viewer, edge []string
			for _, k := range res.OfType("aws:cloudfront/publicKey:PublicKey") {
				switch {
				case strings.HasPrefix(k.Name, n+"-edge-key-"):
					edge = append(edge, k.ID)
					if !containsString(a.EdgeOriginPublicKeys, k.Inputs["encodedKey"].(string)) {
						t.Errorf("%s holds a key that is not an edge key", k.Name)
					}
				case strings.HasPrefix(k.Name, n+"-key-"):
					viewer = append(viewer, k.ID)
				}
			}
			if len(viewer) != tc.viewer || len(edge) != tc.edge {
				t.Fatalf("%d viewer and %d edge public keys, want %d and %d", len(viewer), len(edge), tc.viewer, tc.edge)
			}
			group := edgeMust(t, res, "aws:cloudfront/keyGroup:KeyGroup", n+"-signers")
			got := edgeStrings(group.Inputs["items"])
			want := append(append([]string{}, viewer...), edge...)
			sort.Strings(got)
			sort.Strings(want)
			if strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("key group items %v, want %v", got, want)
			}
			ids := edgeStrings(res.Outputs["edgeOriginKeyIds"])
			sort.Strings(ids)
			sort.Strings(edge)
			if strings.Join(ids, ",") != strings.Join(edge, ",") {
				t.Errorf("EdgeOriginKeyIds %v, want the edge keys %v", ids, edge)
			}
			dist := edgeMust(t, res, "aws:cloudfront/distribution:Distribution", n+"-cdn")
			for _, b := range dist.Inputs["orderedCacheBehaviors"].([]any) {
				b := b.(map[string]any)
				if strings.HasPrefix(b["pathPattern"].(string), "/assets/") && strings.Join(edgeStrings(b["trustedKeyGroups"]), ",") != group.ID {
					t.Errorf("%v trusts %v, want the key group", b["pathPattern"], b["trustedKeyGroups"])
				}
			}
		})
	}
}

func TestDeliveryEdgeOriginKeysRejected(t *testing.T) {
	viewer, edge := edgePublicKeys(t), originPublicKeys(t)
	for name, tc := range map[string]struct {
		mut  func(*DeliveryArgs)
		want string
	}{
		"three edge keys":     {func(a *DeliveryArgs) { a.EdgeOriginPublicKeys = []string{edge[0], edge[1], edge[0]} }, "EdgeOriginPublicKeys has 3 keys"},
		"not PEM":             {func(a *DeliveryArgs) { a.EdgeOriginPublicKeys = []string{"MIIBIjAN"} }, "EdgeOriginPublicKeys[0]: not PEM"},
		"shared with viewers": {func(a *DeliveryArgs) { a.EdgeOriginPublicKeys = []string{edge[0], viewer[0]} }, "EdgeOriginPublicKeys[1] is PublicKeys[0]"},
	} {
		a := edgeDeliveryArgs(t)
		tc.mut(a)
		var registered int
		_, err := offline.Run(func(ctx *pulumi.Context) error {
			_, err := NewDelivery(ctx, "acme-dev-delivery", a)
			return err
		}, offline.Options{Stack: "test", Transformations: []pulumi.ResourceTransformation{func(*pulumi.ResourceTransformationArgs) *pulumi.ResourceTransformationResult {
			registered++
			return nil
		}}})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error containing %q", name, err, tc.want)
		}
		if registered != 0 {
			t.Errorf("%s: %d resources registered before the error", name, registered)
		}
	}
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
