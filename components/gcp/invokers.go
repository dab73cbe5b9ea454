package gcp

import (
	"errors"

	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/serviceaccount"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// InvokersType is the type token of Invokers.
const InvokersType = "ottkit:gcp:Invokers"

// InvokersArgs configures the identities that call the functions.
type InvokersArgs struct {
	// Project is the project id. Required.
	Project string
	// PubSubAgent mints the push subscriptions' OIDC tokens as Push: it gets
	// roles/iam.serviceAccountTokenCreator on that account only. Required.
	PubSubAgent pulumi.StringInput
}

// Invokers are the three service accounts allowed to invoke functions, each holding no role
// but run.invoker on the functions its trigger reaches: Push (Pub/Sub push subscriptions),
// Tasks (Cloud Tasks retries) and Gateway (API Gateway's backend calls).
type Invokers struct {
	pulumi.ResourceState

	Push, Tasks, Gateway *serviceaccount.Account

	PushEmail    pulumi.StringOutput `pulumi:"pushEmail"`
	TasksEmail   pulumi.StringOutput `pulumi:"tasksEmail"`
	GatewayEmail pulumi.StringOutput `pulumi:"gatewayEmail"`
}

// NewInvokers creates the accounts and the token-creator grant.
func NewInvokers(ctx *pulumi.Context, name string, args *InvokersArgs, opts ...pulumi.ResourceOption) (*Invokers, error) {
	if args == nil {
		return nil, errors.New("invokers: args are required")
	}
	if err := checkName("invokers", name, 63); err != nil {
		return nil, err
	}
	if !projectRe.MatchString(args.Project) || args.PubSubAgent == nil {
		return nil, errors.New("invokers: a valid Project and PubSubAgent are required")
	}
	v := &Invokers{}
	if err := ctx.RegisterComponentResource(InvokersType, name, v, opts...); err != nil {
		return nil, err
	}
	account := func(role, what string) (*serviceaccount.Account, error) {
		return serviceaccount.NewAccount(ctx, name+"-"+role, &serviceaccount.AccountArgs{
			Project:     pulumi.String(args.Project),
			AccountId:   pulumi.String(accountID(name, role)),
			DisplayName: pulumi.String(name + " " + role),
			Description: pulumi.String(what),
		}, pulumi.Parent(v))
	}
	var err error
	if v.Push, err = account("push", "OIDC identity of the Pub/Sub push subscriptions"); err != nil {
		return nil, err
	}
	if v.Tasks, err = account("tasks", "OIDC identity of the Cloud Tasks retry tasks"); err != nil {
		return nil, err
	}
	if v.Gateway, err = account("gateway", "API Gateway's identity towards the api function"); err != nil {
		return nil, err
	}
	if _, err := serviceaccount.NewIAMMember(ctx, name+"-push-token-creator", &serviceaccount.IAMMemberArgs{
		ServiceAccountId: v.Push.Name,
		Role:             pulumi.String("roles/iam.serviceAccountTokenCreator"),
		Member:           saMember(args.PubSubAgent),
	}, pulumi.Parent(v)); err != nil {
		return nil, err
	}
	v.PushEmail, v.TasksEmail, v.GatewayEmail = v.Push.Email, v.Tasks.Email, v.Gateway.Email
	return v, ctx.RegisterResourceOutputs(v, pulumi.Map{
		"pushEmail": v.PushEmail, "tasksEmail": v.TasksEmail, "gatewayEmail": v.GatewayEmail,
	})
}
