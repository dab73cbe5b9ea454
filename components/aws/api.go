package aws

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/apigatewayv2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lambda"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ottkit/ottkit/functions/aws/manifest"
)

// APIType is the type token of API.
const APIType = "ottkit:aws:API"

// Defaults of APIArgs.
const (
	DefaultThrottleBurst = 100
	DefaultThrottleRate  = 50.0
)

// APIArgs configures an API.
type APIArgs struct {
	// FunctionArn is the api GoFunction's ARN. nil creates the gateway alone (API, JWT
	// authorizer, stage, access logs) and leaves the routes to Connect: a program that serves
	// the API through the CDN needs the API's host name for the distribution before the
	// function, whose environment names the distribution's domain, exists.
	FunctionArn pulumi.StringInput
	// Issuer is the JWT issuer URL (the identity provider's "iss"). Required.
	Issuer pulumi.StringInput
	// Audiences are the accepted JWT "aud" values. Required.
	Audiences pulumi.StringArrayInput
	// KeyArn encrypts the access log group. Required.
	KeyArn pulumi.StringInput
	// CORSOrigins are the https origins of the web apps calling the API with credentials.
	// Plain so they are checked before anything is created. Empty sets no CORS
	// configuration: browsers on other origins cannot call the API.
	CORSOrigins []string
	// ThrottleBurst and ThrottleRate (requests per second) limit the whole stage. Defaults
	// DefaultThrottleBurst and DefaultThrottleRate.
	ThrottleBurst pulumi.IntInput
	ThrottleRate  pulumi.Float64Input
	// LogRetentionDays is the access log group's retention. Default DefaultLogRetentionDays.
	LogRetentionDays pulumi.IntInput
	// Tags go on every taggable child.
	Tags pulumi.StringMap
}

// API is the platform's HTTP API: API Gateway (HTTP protocol) with a JWT authorizer on every
// route the api function declares (manifest.APIRoutes; a path without a route never reaches
// the function), proxying to the api function with payload format 2.0, a throttled $default stage
// that deploys itself and writes JSON access logs to an encrypted log group, and the one
// permission that lets this API, and no other, invoke the function.
type API struct {
	pulumi.ResourceState

	Api   *apigatewayv2.Api
	Stage *apigatewayv2.Stage

	ApiId        pulumi.StringOutput `pulumi:"apiId"`
	Endpoint     pulumi.StringOutput `pulumi:"endpoint"`
	ExecutionArn pulumi.StringOutput `pulumi:"executionArn"`
	// Domain is the API's host name (Endpoint without https://), a CDN origin.
	Domain pulumi.StringOutput `pulumi:"domain"`

	name       string
	authorizer *apigatewayv2.Authorizer
	connected  bool
}

// NewAPI creates the HTTP API in front of the api function.
func NewAPI(ctx *pulumi.Context, name string, args *APIArgs, opts ...pulumi.ResourceOption) (*API, error) {
	if err := validateAPI(name, args); err != nil {
		return nil, err
	}
	a := &API{}
	if err := ctx.RegisterComponentResource(APIType, name, a, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(a)

	var cors *apigatewayv2.ApiCorsConfigurationArgs
	if len(args.CORSOrigins) > 0 {
		cors = &apigatewayv2.ApiCorsConfigurationArgs{
			AllowOrigins:     pulumi.ToStringArray(args.CORSOrigins),
			AllowMethods:     pulumi.StringArray{pulumi.String("GET"), pulumi.String("POST"), pulumi.String("OPTIONS")},
			AllowHeaders:     pulumi.StringArray{pulumi.String("authorization"), pulumi.String("content-type")},
			AllowCredentials: pulumi.Bool(true),
			MaxAge:           pulumi.Int(3600),
		}
	}
	var err error
	a.Api, err = apigatewayv2.NewApi(ctx, name+"-api", &apigatewayv2.ApiArgs{
		Name:              pulumi.String(name),
		Description:       pulumi.String("ottkit " + name + ": uploads, catalog and playback"),
		ProtocolType:      pulumi.String("HTTP"),
		CorsConfiguration: cors,
		Tags:              args.Tags,
	}, parent)
	if err != nil {
		return nil, err
	}

	authorizer, err := apigatewayv2.NewAuthorizer(ctx, name+"-jwt", &apigatewayv2.AuthorizerArgs{
		ApiId:           a.Api.ID(),
		Name:            pulumi.String(name + "-jwt"),
		AuthorizerType:  pulumi.String("JWT"),
		IdentitySources: pulumi.StringArray{pulumi.String("$request.header.Authorization")},
		JwtConfiguration: &apigatewayv2.AuthorizerJwtConfigurationArgs{
			Issuer:    args.Issuer,
			Audiences: args.Audiences,
		},
	}, parent)
	if err != nil {
		return nil, err
	}

	a.name, a.authorizer = name, authorizer

	logs, err := cloudwatch.NewLogGroup(ctx, name+"-logs", &cloudwatch.LogGroupArgs{
		Name:            pulumi.String(APIAccessLogGroupName(name)),
		RetentionInDays: intInputOr(args.LogRetentionDays, DefaultLogRetentionDays),
		KmsKeyId:        args.KeyArn,
		Tags:            args.Tags,
	}, parent)
	if err != nil {
		return nil, err
	}
	format, err := apiAccessLogFormat()
	if err != nil {
		return nil, err
	}
	burst := intInputOr(args.ThrottleBurst, DefaultThrottleBurst)
	var rate pulumi.Float64Input = pulumi.Float64(DefaultThrottleRate)
	if args.ThrottleRate != nil {
		rate = args.ThrottleRate
	}
	a.Stage, err = apigatewayv2.NewStage(ctx, name+"-stage", &apigatewayv2.StageArgs{
		ApiId:      a.Api.ID(),
		Name:       pulumi.String("$default"),
		AutoDeploy: pulumi.Bool(true),
		DefaultRouteSettings: &apigatewayv2.StageDefaultRouteSettingsArgs{
			ThrottlingBurstLimit:   burst,
			ThrottlingRateLimit:    rate,
			DetailedMetricsEnabled: pulumi.Bool(true),
		},
		AccessLogSettings: &apigatewayv2.StageAccessLogSettingsArgs{
			DestinationArn: logs.Arn,
			Format:         pulumi.String(format),
		},
		Tags: args.Tags,
	}, parent)
	if err != nil {
		return nil, err
	}

	a.ApiId = a.Api.ID().ToStringOutput()
	a.Endpoint = a.Api.ApiEndpoint
	a.ExecutionArn = a.Api.ExecutionArn
	a.Domain = a.Api.ApiEndpoint.ApplyT(func(e string) string {
		return strings.TrimSuffix(strings.TrimPrefix(e, "https://"), "/")
	}).(pulumi.StringOutput)
	if err := ctx.RegisterResourceOutputs(a, pulumi.Map{
		"apiId":        a.ApiId,
		"endpoint":     a.Endpoint,
		"executionArn": a.ExecutionArn,
		"domain":       a.Domain,
	}); err != nil {
		return nil, err
	}
	if args.FunctionArn != nil {
		if err := a.Connect(ctx, args.FunctionArn); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// Connect routes every route the api function declares (manifest.APIRoutes, and the routes
// of the features the stack turns on, such as manifest.SessionRoutes) to the function behind
// the JWT authorizer, and lets this API, and nothing else, invoke it. NewAPI calls it when
// APIArgs.FunctionArn is set; otherwise call it once the function exists.
func (a *API) Connect(ctx *pulumi.Context, functionArn pulumi.StringInput, featureRoutes ...string) error {
	if functionArn == nil {
		return fmt.Errorf("api %s: Connect needs the function's ARN", a.name)
	}
	if a.connected {
		return fmt.Errorf("api %s: already connected to a function", a.name)
	}
	a.connected = true
	parent := pulumi.Parent(a)
	integration, err := apigatewayv2.NewIntegration(ctx, a.name+"-integration", &apigatewayv2.IntegrationArgs{
		ApiId:                a.Api.ID(),
		IntegrationType:      pulumi.String("AWS_PROXY"),
		IntegrationMethod:    pulumi.String("POST"),
		IntegrationUri:       functionArn,
		PayloadFormatVersion: pulumi.String("2.0"),
	}, parent)
	if err != nil {
		return err
	}
	for _, key := range append(append([]string(nil), manifest.APIRoutes...), featureRoutes...) {
		if _, err := apigatewayv2.NewRoute(ctx, a.name+"-route-"+routeSlug(key), &apigatewayv2.RouteArgs{
			ApiId:             a.Api.ID(),
			RouteKey:          pulumi.String(key),
			Target:            pulumi.Sprintf("integrations/%s", integration.ID()),
			AuthorizationType: pulumi.String("JWT"),
			AuthorizerId:      a.authorizer.ID(),
		}, parent); err != nil {
			return err
		}
	}
	// Any stage and route of this API may invoke the function; nothing else may.
	_, err = lambda.NewPermission(ctx, a.name+"-invoke", &lambda.PermissionArgs{
		Action:    pulumi.String("lambda:InvokeFunction"),
		Function:  functionArn,
		Principal: pulumi.String("apigateway.amazonaws.com"),
		SourceArn: pulumi.Sprintf("%s/*/*", a.Api.ExecutionArn),
	}, parent)
	return err
}

// routeSlug names a route's resource: "POST /assets/{id}/playback" is post-assets-id-playback.
func routeSlug(key string) string {
	var words []string
	for _, w := range strings.FieldsFunc(strings.ToLower(key), func(c rune) bool {
		return !('a' <= c && c <= 'z' || '0' <= c && c <= '9')
	}) {
		words = append(words, w)
	}
	return strings.Join(words, "-")
}

// apiAccessLogFormat is one JSON object per request: who called what, the outcome, and why
// the authorizer or the integration refused, for CloudWatch Logs Insights.
func apiAccessLogFormat() (string, error) {
	b, err := json.Marshal(map[string]string{
		"requestId":        "$context.requestId",
		"requestTime":      "$context.requestTime",
		"ip":               "$context.identity.sourceIp",
		"userAgent":        "$context.identity.userAgent",
		"httpMethod":       "$context.httpMethod",
		"routeKey":         "$context.routeKey",
		"path":             "$context.path",
		"protocol":         "$context.protocol",
		"status":           "$context.status",
		"responseLength":   "$context.responseLength",
		"latency":          "$context.responseLatency",
		"integrationError": "$context.integrationErrorMessage",
		"authorizerError":  "$context.authorizer.error",
		"subject":          "$context.authorizer.claims.sub",
	})
	return string(b), err
}

func validateAPI(name string, args *APIArgs) error {
	if args == nil {
		return fmt.Errorf("api %s: args are required", name)
	}
	var errs []error
	if err := checkName("api", name, 64); err != nil {
		errs = append(errs, err)
	}
	required := []struct {
		field string
		set   bool
	}{
		{"Issuer", args.Issuer != nil},
		{"Audiences", args.Audiences != nil},
		{"KeyArn", args.KeyArn != nil},
	}
	for _, r := range required {
		if !r.set {
			errs = append(errs, fmt.Errorf("api %s: %s is required", name, r.field))
		}
	}
	for i, o := range args.CORSOrigins {
		if err := validateOrigin(o); err != nil {
			errs = append(errs, fmt.Errorf("api %s: CORSOrigins[%d]: %w", name, i, err))
		}
	}
	return errors.Join(errs...)
}
