package gcp

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"

	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/apigateway"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/compute"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ottkit/ottkit/functions/gcp/gateway"
)

// APIType is the type token of API.
const APIType = "ottkit:gcp:API"

// APIArgs configures the upload and playback API.
type APIArgs struct {
	// Project and Region place the gateway. Required.
	Project, Region string
	// Routes are the "METHOD /path" routes the api function serves, each behind the JWT
	// check. Required.
	Routes []string
	// BackendURL is the api function's URL and BackendIdentity the service account the
	// gateway calls it as (the function's only invoker). Required.
	BackendURL, BackendIdentity pulumi.StringInput
	// Issuer and Audiences are what the gateway requires of a viewer's JWT; JWKSURI is where
	// it fetches the issuer's keys (default <issuer>/.well-known/jwks.json). Required.
	Issuer    string
	Audiences []string
	JWKSURI   string
	// Labels are set on the API and the gateway.
	Labels pulumi.StringMap
}

// API is API Gateway in front of the api function: the gateway validates each viewer JWT
// (issuer, audiences, signature by the issuer's JWKS) before a request reaches the function
// and forwards the claims in X-Apigateway-Api-Userinfo; it calls the function with an ID
// token of BackendIdentity. A serverless network endpoint group and backend service put it
// behind the delivery load balancer under /api/*. Chosen over JWT checks in the function so a
// request without a valid token never costs a function invocation, as on AWS.
type API struct {
	pulumi.ResourceState

	Api     *apigateway.Api
	Config  *apigateway.ApiConfig
	Gateway *apigateway.Gateway
	// Backend is the load balancer's backend service for /api/*.
	Backend *compute.BackendService

	Endpoint  pulumi.StringOutput `pulumi:"endpoint"`
	BackendID pulumi.StringOutput `pulumi:"backendId"`
}

// NewAPI creates the API, its config, the gateway and the load-balancer backend.
func NewAPI(ctx *pulumi.Context, name string, args *APIArgs, opts ...pulumi.ResourceOption) (*API, error) {
	if err := args.validate(name); err != nil {
		return nil, err
	}
	a := &API{}
	if err := ctx.RegisterComponentResource(APIType, name, a, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(a)
	project := pulumi.String(args.Project)
	var err error
	a.Api, err = apigateway.NewApi(ctx, name+"-api", &apigateway.ApiArgs{
		Project: project, ApiId: pulumi.String(name), DisplayName: pulumi.String(name),
		Labels: labelsOrEmpty(args.Labels),
	}, parent)
	if err != nil {
		return nil, err
	}
	doc := pulumi.All(args.BackendURL).ApplyT(func(v []any) string {
		return base64.StdEncoding.EncodeToString([]byte(OpenAPI(name, v[0].(string), args.Issuer, args.jwks(), args.Audiences, args.Routes)))
	}).(pulumi.StringOutput)
	a.Config, err = apigateway.NewApiConfig(ctx, name+"-config", &apigateway.ApiConfigArgs{
		Project:           project,
		Api:               a.Api.ApiId,
		ApiConfigIdPrefix: pulumi.String(name + "-"),
		OpenapiDocuments: apigateway.ApiConfigOpenapiDocumentArray{apigateway.ApiConfigOpenapiDocumentArgs{
			Document: apigateway.ApiConfigOpenapiDocumentDocumentArgs{Path: pulumi.String("openapi.yaml"), Contents: doc},
		}},
		GatewayConfig: &apigateway.ApiConfigGatewayConfigArgs{
			BackendConfig: apigateway.ApiConfigGatewayConfigBackendConfigArgs{GoogleServiceAccount: args.BackendIdentity},
		},
	}, parent, pulumi.DeleteBeforeReplace(false))
	if err != nil {
		return nil, err
	}
	a.Gateway, err = apigateway.NewGateway(ctx, name+"-gateway", &apigateway.GatewayArgs{
		Project: project, Region: pulumi.String(args.Region),
		GatewayId: pulumi.String(name), ApiConfig: a.Config.ID(),
		Labels: labelsOrEmpty(args.Labels),
	}, parent)
	if err != nil {
		return nil, err
	}
	neg, err := compute.NewRegionNetworkEndpointGroup(ctx, name+"-neg", &compute.RegionNetworkEndpointGroupArgs{
		Project: project, Region: pulumi.String(args.Region), Name: pulumi.String(name + "-neg"),
		NetworkEndpointType: pulumi.String("SERVERLESS"),
		ServerlessDeployment: &compute.RegionNetworkEndpointGroupServerlessDeploymentArgs{
			Platform: pulumi.String("apigateway.googleapis.com"),
			Resource: a.Gateway.GatewayId,
		},
	}, parent)
	if err != nil {
		return nil, err
	}
	a.Backend, err = compute.NewBackendService(ctx, name+"-backend", &compute.BackendServiceArgs{
		Project:             project,
		Name:                pulumi.String(name + "-backend"),
		LoadBalancingScheme: pulumi.String("EXTERNAL_MANAGED"),
		Protocol:            pulumi.String("HTTPS"),
		EnableCdn:           pulumi.Bool(false), // API responses are per viewer
		Backends:            compute.BackendServiceBackendArray{compute.BackendServiceBackendArgs{Group: neg.SelfLink}},
		LogConfig:           &compute.BackendServiceLogConfigArgs{Enable: pulumi.Bool(true), SampleRate: pulumi.Float64Ptr(1)},
	}, parent)
	if err != nil {
		return nil, err
	}
	a.Endpoint = pulumi.Sprintf("https://%s", a.Gateway.DefaultHostname)
	a.BackendID = a.Backend.SelfLink
	return a, ctx.RegisterResourceOutputs(a, pulumi.Map{"endpoint": a.Endpoint, "backendId": a.BackendID})
}

func (a *APIArgs) validate(name string) error {
	if a == nil {
		return errors.New("api: args are required")
	}
	if err := checkName("api", name, 50); err != nil {
		return err
	}
	if err := checkPlace("api", a.Project, a.Region); err != nil {
		return err
	}
	if a.BackendURL == nil || a.BackendIdentity == nil {
		return errors.New("api: BackendURL and BackendIdentity are required")
	}
	if u, err := url.Parse(a.Issuer); err != nil || u.Scheme != "https" || u.Host == "" {
		return fmt.Errorf("api: Issuer %q is not an https URL", a.Issuer)
	}
	if len(a.Audiences) == 0 {
		return errors.New("api: Audiences needs at least one audience")
	}
	if len(a.Routes) == 0 {
		return errors.New("api: Routes needs at least one route")
	}
	for i, r := range a.Routes {
		m, p, ok := strings.Cut(r, " ")
		if !ok || strings.ToUpper(m) != m || !strings.HasPrefix(p, "/") {
			return fmt.Errorf("api: Routes[%d] %q is not \"METHOD /path\"", i, r)
		}
	}
	return nil
}

func (a *APIArgs) jwks() string {
	if a.JWKSURI != "" {
		return a.JWKSURI
	}
	return strings.TrimSuffix(a.Issuer, "/") + "/.well-known/jwks.json"
}

// OpenAPI renders the gateway's OpenAPI 2.0 document: every route under / and under /api
// (the path the load balancer forwards), each requiring the viewer JWT, all sent to backend
// with the backend's URL as the ID token's audience, and the path appended.
func OpenAPI(title, backend, issuer, jwks string, audiences, routes []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "swagger: \"2.0\"\ninfo:\n  title: %q\n  version: \"1\"\nschemes: [https]\nproduces: [application/json]\n", title)
	fmt.Fprintf(&b, "x-google-backend:\n  address: %q\n  jwt_audience: %q\n  path_translation: APPEND_PATH_TO_ADDRESS\n", backend, backend)
	fmt.Fprintf(&b, "securityDefinitions:\n  viewer:\n    authorizationUrl: \"\"\n    flow: implicit\n    type: oauth2\n")
	fmt.Fprintf(&b, "    x-google-issuer: %q\n    x-google-jwks_uri: %q\n    x-google-audiences: %q\n", issuer, jwks, strings.Join(audiences, ","))
	byPath := map[string][]string{}
	for _, r := range routes {
		m, p, _ := strings.Cut(r, " ")
		byPath[p] = append(byPath[p], m)
		byPath[gateway.PathPrefix+p] = append(byPath[gateway.PathPrefix+p], m)
	}
	paths := make([]string, 0, len(byPath))
	for p := range byPath {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	b.WriteString("paths:\n")
	for _, p := range paths {
		fmt.Fprintf(&b, "  %q:\n", p)
		for _, m := range byPath[p] {
			op := strings.NewReplacer("/", "_", "{", "", "}", "").Replace(strings.ToLower(m) + p)
			fmt.Fprintf(&b, "    %s:\n      operationId: %q\n      security: [{viewer: []}]\n", strings.ToLower(m), op)
			if strings.Contains(p, "{id}") {
				b.WriteString("      parameters: [{name: id, in: path, required: true, type: string}]\n")
			}
			b.WriteString("      responses: {\"200\": {description: OK}}\n")
		}
	}
	return b.String()
}
