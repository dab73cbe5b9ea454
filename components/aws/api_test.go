package aws

import (
	"encoding/json"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ottkit/ottkit/functions/aws/manifest"
)

const edgeAPIFunctionArn = "arn:aws:lambda:us-east-1:123456789012:function:acme-dev-fn-api"

func edgeAPIArgs() *APIArgs {
	return &APIArgs{
		FunctionArn: pulumi.String(edgeAPIFunctionArn),
		Issuer:      pulumi.String("https://auth.example.com/"),
		Audiences:   pulumi.StringArray{pulumi.String("ottkit-api")},
		KeyArn:      pulumi.String(edgeKeyArn),
		Tags:        edgeTags(),
	}
}

func TestAPIType(t *testing.T) {
	if APIType != "ottkit:aws:API" {
		t.Errorf("APIType = %q, want ottkit:aws:API", APIType)
	}
}

func TestAPIResources(t *testing.T) {
	const n = "acme-dev-api"
	res := edgeRun(t, func(ctx *pulumi.Context) error {
		_, err := NewAPI(ctx, n, edgeAPIArgs())
		return err
	})
	_, children := edgeComponent(t, res, APIType, n)
	want := []string{
		"aws:apigatewayv2/api:Api " + n + "-api",
		"aws:apigatewayv2/authorizer:Authorizer " + n + "-jwt",
		"aws:apigatewayv2/integration:Integration " + n + "-integration",
		"aws:apigatewayv2/route:Route " + n + "-route-get-assets",
		"aws:apigatewayv2/route:Route " + n + "-route-get-assets-id",
		"aws:apigatewayv2/route:Route " + n + "-route-post-assets-id-playback",
		"aws:apigatewayv2/route:Route " + n + "-route-post-uploads",
		"aws:apigatewayv2/route:Route " + n + "-route-post-uploads-complete",
		"aws:apigatewayv2/stage:Stage " + n + "-stage",
		"aws:cloudwatch/logGroup:LogGroup " + n + "-logs",
		"aws:lambda/permission:Permission " + n + "-invoke",
	}
	sort.Strings(want)
	if !reflect.DeepEqual(children, want) {
		t.Errorf("children =\n%s\nwant\n%s", strings.Join(children, "\n"), strings.Join(want, "\n"))
	}

	api := edgeMust(t, res, "aws:apigatewayv2/api:Api", n+"-api")
	authz := edgeMust(t, res, "aws:apigatewayv2/authorizer:Authorizer", n+"-jwt")
	integ := edgeMust(t, res, "aws:apigatewayv2/integration:Integration", n+"-integration")
	stage := edgeMust(t, res, "aws:apigatewayv2/stage:Stage", n+"-stage")
	logs := edgeMust(t, res, "aws:cloudwatch/logGroup:LogGroup", n+"-logs")
	perm := edgeMust(t, res, "aws:lambda/permission:Permission", n+"-invoke")

	checks := []struct {
		what string
		got  any
		want any
	}{
		{"protocol", api.Inputs["protocolType"], "HTTP"},
		{"no CORS by default", api.Inputs["corsConfiguration"], nil},
		{"authorizer type", authz.Inputs["authorizerType"], "JWT"},
		{"authorizer api", authz.Inputs["apiId"], api.ID},
		{"JWT issuer", edgeGet(authz.Inputs, "jwtConfiguration", "issuer"), "https://auth.example.com/"},
		{"JWT audience", edgeGet(authz.Inputs, "jwtConfiguration", "audiences"), []any{"ottkit-api"}},
		{"token source", authz.Inputs["identitySources"], []any{"$request.header.Authorization"}},
		{"integration type", integ.Inputs["integrationType"], "AWS_PROXY"},
		{"integration target", integ.Inputs["integrationUri"], edgeAPIFunctionArn},
		{"payload format", integ.Inputs["payloadFormatVersion"], "2.0"},
		{"stage name", stage.Inputs["name"], "$default"},
		{"auto deploy", stage.Inputs["autoDeploy"], true},
		{"throttle burst", edgeGet(stage.Inputs, "defaultRouteSettings", "throttlingBurstLimit"), float64(DefaultThrottleBurst)},
		{"throttle rate", edgeGet(stage.Inputs, "defaultRouteSettings", "throttlingRateLimit"), DefaultThrottleRate},
		{"access log destination", edgeGet(stage.Inputs, "accessLogSettings", "destinationArn"), logs.Outputs["arn"]},
		{"log group encryption", logs.Inputs["kmsKeyId"], edgeKeyArn},
		{"log group retention", logs.Inputs["retentionInDays"], float64(DefaultLogRetentionDays)},
		{"permission action", perm.Inputs["action"], "lambda:InvokeFunction"},
		{"permission function", perm.Inputs["function"], edgeAPIFunctionArn},
		{"permission principal", perm.Inputs["principal"], "apigateway.amazonaws.com"},
		{"permission source", perm.Inputs["sourceArn"], api.Outputs["executionArn"].(string) + "/*/*"},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s = %#v, want %#v", c.what, c.got, c.want)
		}
	}
	if name, _ := logs.Inputs["name"].(string); !strings.Contains(name, n+"-") {
		t.Errorf("log group %q does not contain the stack prefix, so the key policy refuses it", name)
	}

	var format map[string]string
	if err := json.Unmarshal([]byte(edgeGet(stage.Inputs, "accessLogSettings", "format").(string)), &format); err != nil {
		t.Fatalf("access log format is not JSON: %v", err)
	}
	for _, k := range []string{"requestId", "ip", "routeKey", "status", "authorizerError", "integrationError"} {
		if !strings.HasPrefix(format[k], "$context.") {
			t.Errorf("access log field %s = %q, want a $context variable", k, format[k])
		}
	}

	var keys []string
	for _, r := range res.OfType("aws:apigatewayv2/route:Route") {
		keys = append(keys, r.Inputs["routeKey"].(string))
		if r.Inputs["authorizationType"] != "JWT" || r.Inputs["authorizerId"] != authz.ID {
			t.Errorf("route %v authorization %v by %v, want JWT by %s", r.Inputs["routeKey"], r.Inputs["authorizationType"], r.Inputs["authorizerId"], authz.ID)
		}
		if r.Inputs["target"] != "integrations/"+integ.ID {
			t.Errorf("route %v targets %v, want integrations/%s", r.Inputs["routeKey"], r.Inputs["target"], integ.ID)
		}
	}
	sort.Strings(keys)
	wantKeys := []string{"GET /assets", "GET /assets/{id}", "POST /assets/{id}/playback", "POST /uploads", "POST /uploads/complete"}
	if !reflect.DeepEqual(keys, wantKeys) {
		t.Errorf("routes = %v, want %v", keys, wantKeys)
	}
}

func TestAPIOptions(t *testing.T) {
	args := edgeAPIArgs()
	args.CORSOrigins = []string{"https://app.example.com"}
	args.ThrottleBurst = pulumi.Int(20)
	args.ThrottleRate = pulumi.Float64(5)
	res := edgeRun(t, func(ctx *pulumi.Context) error {
		_, err := NewAPI(ctx, "acme-dev-api", args)
		return err
	})
	api := edgeMust(t, res, "aws:apigatewayv2/api:Api", "acme-dev-api-api").Inputs
	stage := edgeMust(t, res, "aws:apigatewayv2/stage:Stage", "acme-dev-api-stage").Inputs
	for _, c := range []struct {
		what      string
		got, want any
	}{
		{"CORS origins", edgeGet(api, "corsConfiguration", "allowOrigins"), []any{"https://app.example.com"}},
		{"CORS credentials", edgeGet(api, "corsConfiguration", "allowCredentials"), true},
		{"burst", edgeGet(stage, "defaultRouteSettings", "throttlingBurstLimit"), 20.0},
		{"rate", edgeGet(stage, "defaultRouteSettings", "throttlingRateLimit"), 5.0},
	} {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s = %#v, want %#v", c.what, c.got, c.want)
		}
	}
}

// TestAPIConnectLater: without FunctionArn the gateway exists alone (no integration, route or
// invoke permission) and its host name is known for a CDN origin; Connect adds the routes once
// the function exists. That order is what breaks the cycle function environment ->
// distribution domain -> API origin.
func TestAPIConnectLater(t *testing.T) {
	const n = "acme-dev-api"
	var domain string
	gateway := edgeRun(t, func(ctx *pulumi.Context) error {
		args := edgeAPIArgs()
		args.FunctionArn = nil
		a, err := NewAPI(ctx, n, args)
		if err != nil {
			return err
		}
		a.Domain.ApplyT(func(d string) string { domain = d; return d })
		return nil
	})
	for _, typ := range []string{"aws:apigatewayv2/integration:Integration", "aws:apigatewayv2/route:Route", "aws:lambda/permission:Permission"} {
		if got := gateway.OfType(typ); len(got) != 0 {
			t.Errorf("gateway alone registered %d %s", len(got), typ)
		}
	}
	if strings.HasPrefix(domain, "https://") || !strings.Contains(domain, ".execute-api.") {
		t.Errorf("Domain = %q, want the API's bare host name", domain)
	}

	connected := edgeRun(t, func(ctx *pulumi.Context) error {
		args := edgeAPIArgs()
		args.FunctionArn = nil
		a, err := NewAPI(ctx, n, args)
		if err != nil {
			return err
		}
		if err := a.Connect(ctx, pulumi.String(edgeAPIFunctionArn)); err != nil {
			return err
		}
		if err := a.Connect(ctx, pulumi.String(edgeAPIFunctionArn)); err == nil || !strings.Contains(err.Error(), "already connected") {
			t.Errorf("second Connect = %v, want already connected", err)
		}
		return nil
	})
	if got := len(connected.OfType("aws:apigatewayv2/route:Route")); got != len(manifest.APIRoutes) {
		t.Errorf("%d routes after Connect, want %d", got, len(manifest.APIRoutes))
	}
	perm := edgeMust(t, connected, "aws:lambda/permission:Permission", n+"-invoke")
	if perm.Inputs["function"] != edgeAPIFunctionArn {
		t.Errorf("permission for %v, want %s", perm.Inputs["function"], edgeAPIFunctionArn)
	}
}

func TestAPIValidation(t *testing.T) {
	tests := []struct {
		name   string
		aName  string
		mutate func(a *APIArgs)
		want   string
	}{
		{"nil args", "acme-dev-api", nil, "args are required"},
		{"bad name", "Acme", func(a *APIArgs) {}, `name "Acme" must be lowercase`},
		{"no issuer", "acme-dev-api", func(a *APIArgs) { a.Issuer = nil }, "Issuer is required"},
		{"no audiences", "acme-dev-api", func(a *APIArgs) { a.Audiences = nil }, "Audiences is required"},
		{"no key", "acme-dev-api", func(a *APIArgs) { a.KeyArn = nil }, "KeyArn is required"},
		{"bad origin", "acme-dev-api", func(a *APIArgs) { a.CORSOrigins = []string{"*"} }, `CORSOrigins[0]: "*" is not an https origin`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var args *APIArgs
			if tt.mutate != nil {
				args = edgeAPIArgs()
				tt.mutate(args)
			}
			res, err := edgeRunFailing(t, func(ctx *pulumi.Context) error {
				_, err := NewAPI(ctx, tt.aName, args)
				return err
			})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("NewAPI error = %v, want it to contain %q", err, tt.want)
			}
			if len(res.Resources) != 0 {
				t.Errorf("a rejected API registered %v", res.Inventory())
			}
		})
	}
}

func TestRouteSlug(t *testing.T) {
	seen := map[string]string{}
	for _, r := range manifest.APIRoutes {
		s := routeSlug(r)
		if prev, ok := seen[s]; ok {
			t.Errorf("routes %q and %q share the slug %q", prev, r, s)
		}
		seen[s] = r
	}
	if got := routeSlug("POST /assets/{id}/playback"); got != "post-assets-id-playback" {
		t.Errorf("routeSlug = %q, want post-assets-id-playback", got)
	}
}
