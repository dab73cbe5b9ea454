package aws

import (
	"context"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ottkit/ottkit/functions/aws/manifest"
	"github.com/ottkit/ottkit/policies"
)

// TestEdgeComponentsPassThePolicyPack runs the policy pack, as `pulumi preview --policy-pack
// policies` would, over every edge component in its fullest and its plainest configuration:
// no rule may report anything, mandatory or advisory.
func TestEdgeComponentsPassThePolicyPack(t *testing.T) {
	pack, err := policies.Default()
	if err != nil {
		t.Fatal(err)
	}
	ev, err := pack.Prepare(context.Background(), policies.Config{})
	if err != nil {
		t.Fatal(err)
	}
	programs := map[string]pulumi.RunFunc{
		"functions": func(ctx *pulumi.Context) error {
			for _, fn := range manifest.All() {
				if _, err := NewGoFunction(ctx, "acme-dev-fn-"+fn.Name, edgeFunctionArgs(fn)); err != nil {
					return err
				}
			}
			return nil
		},
		"transcoder": func(ctx *pulumi.Context) error {
			_, err := NewTranscoder(ctx, "acme-dev-transcoder", edgeTranscoderArgs())
			return err
		},
		"delivery with everything": func(ctx *pulumi.Context) error {
			_, err := NewDelivery(ctx, "acme-dev-delivery", edgeFullDelivery(t))
			return err
		},
		"plain delivery": func(ctx *pulumi.Context) error {
			_, err := NewDelivery(ctx, "acme-dev-delivery", edgeDeliveryArgs(t))
			return err
		},
		"api": func(ctx *pulumi.Context) error {
			_, err := NewAPI(ctx, "acme-dev-api", edgeAPIArgs())
			return err
		},
	}
	for name, program := range programs {
		t.Run(name, func(t *testing.T) {
			res := edgeRun(t, program)
			vs, err := ev.Evaluate(context.Background(), policies.StackURN(res.Project, res.Stack),
				policies.FromOffline(res, map[string]string{"aws:region": "eu-west-1"}))
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range vs {
				t.Errorf("%s %s on %s: %s", v.Level, v.Policy, v.URN, v.Message)
			}
		})
	}
}
