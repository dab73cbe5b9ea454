package gcp

import (
	"errors"
	"fmt"

	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/organizations"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/projects"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// ProjectServicesType is the type token of ProjectServices.
const ProjectServicesType = "ottkit:gcp:ProjectServices"

// Services are the APIs a stack uses, enabled in its project. servicemanagement and
// servicecontrol serve API Gateway's managed service; iamcredentials signs upload URLs
// (signBlob) and push OIDC tokens.
var Services = []string{
	"apigateway.googleapis.com",
	"artifactregistry.googleapis.com",
	"cloudbuild.googleapis.com",
	"cloudfunctions.googleapis.com",
	"cloudkms.googleapis.com",
	"cloudtasks.googleapis.com",
	"compute.googleapis.com",
	"firestore.googleapis.com",
	"iam.googleapis.com",
	"iamcredentials.googleapis.com",
	"logging.googleapis.com",
	"monitoring.googleapis.com",
	"pubsub.googleapis.com",
	"run.googleapis.com",
	"secretmanager.googleapis.com",
	"servicecontrol.googleapis.com",
	"servicemanagement.googleapis.com",
	"storage.googleapis.com",
	"transcoder.googleapis.com",
}

// identityServices are the APIs whose service agent is created on demand: a
// ServiceIdentity makes it exist before the stack grants it anything.
var identityServices = []string{
	"artifactregistry.googleapis.com",
	"firestore.googleapis.com",
	"pubsub.googleapis.com",
	"secretmanager.googleapis.com",
	"transcoder.googleapis.com",
}

// ProjectServicesArgs configures the project services.
type ProjectServicesArgs struct {
	// Project is the project id. Required.
	Project string
}

// Agents are the Google-managed service agents of the project the stack grants roles to.
type Agents struct {
	// Storage writes notifications and encrypts objects (service-N@gs-project-accounts).
	Storage pulumi.StringOutput
	// PubSub encrypts messages, dead-letters them and mints push OIDC tokens.
	PubSub pulumi.StringOutput
	// Firestore encrypts the catalog.
	Firestore pulumi.StringOutput
	// Transcoder reads masters, writes delivery and publishes job notifications.
	Transcoder pulumi.StringOutput
	// Monitoring publishes alerts to the alerts topic.
	Monitoring pulumi.StringOutput
	// SecretManager encrypts the signing secret; ArtifactRegistry the function images.
	SecretManager, ArtifactRegistry pulumi.StringOutput
	// CDNFill is the identity Cloud CDN fills cache misses of signed requests with.
	CDNFill pulumi.StringOutput
}

// ProjectServices enables the stack's APIs (never disabling them on destroy: other stacks of
// the project may use them) and names the service agents.
type ProjectServices struct {
	pulumi.ResourceState

	Services []*projects.Service
	// Number is the project number the agents' emails carry.
	Number pulumi.StringOutput `pulumi:"number"`
	Agents Agents
}

// NewProjectServices enables Services and creates the identities of identityServices.
func NewProjectServices(ctx *pulumi.Context, name string, args *ProjectServicesArgs, opts ...pulumi.ResourceOption) (*ProjectServices, error) {
	if args == nil {
		return nil, errors.New("services: args are required")
	}
	if err := checkName("services", name, 63); err != nil {
		return nil, err
	}
	if !projectRe.MatchString(args.Project) {
		return nil, fmt.Errorf("services: Project %q is not a project id", args.Project)
	}
	s := &ProjectServices{}
	if err := ctx.RegisterComponentResource(ProjectServicesType, name, s, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(s)
	var deps []pulumi.Resource
	for _, api := range Services {
		svc, err := projects.NewService(ctx, name+"-"+shortAPI(api), &projects.ServiceArgs{
			Project:                  pulumi.String(args.Project),
			Service:                  pulumi.String(api),
			DisableOnDestroy:         pulumi.Bool(false),
			DisableDependentServices: pulumi.Bool(false),
		}, parent)
		if err != nil {
			return nil, err
		}
		s.Services = append(s.Services, svc)
		deps = append(deps, svc)
	}
	for _, api := range identityServices {
		if _, err := projects.NewServiceIdentity(ctx, name+"-"+shortAPI(api)+"-agent", &projects.ServiceIdentityArgs{
			Project: pulumi.String(args.Project),
			Service: pulumi.String(api),
		}, parent, pulumi.DependsOn(deps)); err != nil {
			return nil, err
		}
	}
	proj := organizations.LookupProjectOutput(ctx, organizations.LookupProjectOutputArgs{
		ProjectId: pulumi.String(args.Project),
	}, pulumi.Parent(s))
	s.Number = proj.Number()
	agent := func(domain string) pulumi.StringOutput {
		return pulumi.Sprintf("service-%s@%s.iam.gserviceaccount.com", s.Number, domain)
	}
	s.Agents = Agents{
		Storage:    agent("gs-project-accounts"),
		PubSub:     agent("gcp-sa-pubsub"),
		Firestore:  agent("gcp-sa-firestore"),
		Transcoder: agent("gcp-sa-transcoder"),
		CDNFill:    agent("cloud-cdn-fill"),

		Monitoring:       agent("gcp-sa-monitoring-notification"),
		SecretManager:    agent("gcp-sa-secretmanager"),
		ArtifactRegistry: agent("gcp-sa-artifactregistry"),
	}
	return s, ctx.RegisterResourceOutputs(s, pulumi.Map{"number": s.Number})
}

// shortAPI is the first label of an API's host name: "pubsub" for pubsub.googleapis.com.
func shortAPI(api string) string {
	for i := range api {
		if api[i] == '.' {
			return api[:i]
		}
	}
	return api
}
