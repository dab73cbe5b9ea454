package aws

import (
	"reflect"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ottkit/ottkit/functions/aws/manifest"
	cfsession "github.com/ottkit/ottkit/functions/edge/cloudfront"
)

// TestDeliverySessions: with Sessions, every media behaviour (and the default one) runs the
// published session check, which reads its own KeyValueStore, with the repository's code;
// the API behaviour does not.
func TestDeliverySessions(t *testing.T) {
	const n = "acme-dev-delivery"
	for _, bind := range []bool{false, true} {
		args := edgeDeliveryArgs(t)
		args.API = &DeliveryAPIArgs{Domain: pulumi.String("abc123.execute-api.us-east-1.amazonaws.com")}
		args.Sessions = &DeliverySessionsArgs{BindToViewerIP: bind}
		res := edgeRun(t, func(ctx *pulumi.Context) error {
			d, err := NewDelivery(ctx, n, args)
			if err != nil {
				return err
			}
			ctx.Export("sessionStoreArn", d.SessionStoreArn)
			return nil
		})
		store := edgeMust(t, res, "aws:cloudfront/keyValueStore:KeyValueStore", n+"-sessions")
		check := edgeMust(t, res, "aws:cloudfront/function:Function", n+"-session-check")
		for _, c := range []struct {
			what      string
			got, want any
		}{
			{"runtime", check.Inputs["runtime"], "cloudfront-js-2.0"},
			{"published", check.Inputs["publish"], true},
			{"the repository's code, byte for byte", check.Inputs["code"], cfsession.FunctionCode},
			{"its one store", check.Inputs["keyValueStoreAssociations"], []any{store.Outputs["arn"]}},
			{"store name", store.Inputs["name"], n + "-sessions"},
		} {
			if !reflect.DeepEqual(c.got, c.want) {
				t.Errorf("bind %v: %s = %#v, want %#v", bind, c.what, c.got, c.want)
			}
		}
		if len(cfsession.FunctionCode) > 10*1024 {
			t.Errorf("the session check is %d bytes; CloudFront Functions take 10 KB", len(cfsession.FunctionCode))
		}
		want := []any{map[string]any{"eventType": "viewer-request", "functionArn": check.Outputs["arn"]}}
		cdn := edgeMust(t, res, "aws:cloudfront/distribution:Distribution", n+"-cdn").Inputs
		media := 0
		for _, b := range edgeBehaviours(cdn) {
			if b["targetOriginId"] == "api" {
				if fa := edgeGet(b, "functionAssociations").([]any); len(fa) != 1 || reflect.DeepEqual(fa, want) {
					t.Errorf("the API behaviour runs %v; it must run only its path function", fa)
				}
				continue
			}
			media++
			if got := b["functionAssociations"]; !reflect.DeepEqual(got, want) {
				t.Errorf("behaviour %v runs %v, want the session check", b["pathPattern"], got)
			}
		}
		if media != 4 {
			t.Errorf("%d media behaviours checked, want the default and three ordered", media)
		}
		path := edgeMust(t, res, "aws:cloudfront/function:Function", n+"-api-path").Inputs["code"].(string)
		if forwards := strings.Contains(path, "request.headers['"+manifest.ViewerIPHeader+"'] = { value: event.viewer.ip }"); forwards != bind {
			t.Errorf("bind %v: the API path function forwards the viewer address: %v\n%s", bind, forwards, path)
		}
		if res.Outputs["sessionStoreArn"] != store.Outputs["arn"] || !strings.Contains(store.Outputs["arn"].(string), ":key-value-store/") {
			t.Errorf("SessionStoreArn = %v, want the store's %v", res.Outputs["sessionStoreArn"], store.Outputs["arn"])
		}
	}

	// Without Sessions: no function on the media behaviours, no store.
	res := edgeDeploy(t, edgeDeliveryArgs(t))
	if got := res.OfType("aws:cloudfront/keyValueStore:KeyValueStore"); len(got) != 0 {
		t.Errorf("a store without Sessions: %v", got)
	}
	for _, b := range edgeBehaviours(edgeMust(t, res, "aws:cloudfront/distribution:Distribution", n+"-cdn").Inputs) {
		if b["functionAssociations"] != nil {
			t.Errorf("behaviour %v runs %v without Sessions", b["pathPattern"], b["functionAssociations"])
		}
	}
}
