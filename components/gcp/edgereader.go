package gcp

import (
	"errors"
	"strings"

	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/projects"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/serviceaccount"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/storage"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ottkit/ottkit/functions/gcp/manifest"
)

// EdgeReaderType is the type token of EdgeReader.
const EdgeReaderType = "ottkit:gcp:EdgeReader"

// EdgeReaderPermissions are all the edge reader may do: read an object's bytes and metadata.
// Not storage.objects.list: the Worker asks for exact object names only.
var EdgeReaderPermissions = []string{"storage.objects.get"}

// EdgeReaderArgs configures the reader.
type EdgeReaderArgs struct {
	// Project is the project id. Required.
	Project string
	// BucketName is the delivery bucket. Required.
	BucketName pulumi.StringInput
}

// EdgeReader is the identity the Cloudflare edge reads the delivery bucket as in origin mode:
// a service account holding, on the delivery bucket only, a custom role with
// EdgeReaderPermissions under an IAM condition that limits it to objects under assets/
// (masters, uploads and everything else in the project stay out of its reach). It has no
// project-level grant.
//
// Its HMAC key is not created here: the key's secret is an output of storage.HmacKey, which
// would put it in Pulumi state. The operator creates the key for Email out of band
// (docs/EDGE.md) and writes it into the edge's origin credential.
type EdgeReader struct {
	pulumi.ResourceState

	Account *serviceaccount.Account
	Role    *projects.IAMCustomRole
	Grant   *storage.BucketIAMMember

	// Email is the reader's service account, the one its HMAC key is created for.
	Email pulumi.StringOutput `pulumi:"email"`
}

// edgeReaderCondition is the IAM condition of the reader's grant: objects under prefix.
func edgeReaderCondition(bucket pulumi.StringInput, prefix string) *storage.BucketIAMMemberConditionArgs {
	return &storage.BucketIAMMemberConditionArgs{
		Title:       pulumi.String("objects under " + prefix),
		Description: pulumi.String("the Cloudflare edge reads published assets only"),
		Expression:  pulumi.Sprintf(`resource.name.startsWith("projects/_/buckets/%s/objects/%s")`, bucket, prefix),
	}
}

// NewEdgeReader creates the reader's account, role and conditional grant.
func NewEdgeReader(ctx *pulumi.Context, name string, args *EdgeReaderArgs, opts ...pulumi.ResourceOption) (*EdgeReader, error) {
	if args == nil {
		return nil, errors.New("edge reader: args are required")
	}
	if err := checkName("edge reader", name, 63); err != nil {
		return nil, err
	}
	if !projectRe.MatchString(args.Project) {
		return nil, errors.New("edge reader: Project " + args.Project + " is not a project id")
	}
	if args.BucketName == nil {
		return nil, errors.New("edge reader: BucketName is required")
	}
	r := &EdgeReader{}
	if err := ctx.RegisterComponentResource(EdgeReaderType, name, r, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(r)
	var err error
	r.Account, err = serviceaccount.NewAccount(ctx, name+"-account", &serviceaccount.AccountArgs{
		Project:     pulumi.String(args.Project),
		AccountId:   pulumi.String(accountID(name, "sa")),
		DisplayName: pulumi.String(name),
		Description: pulumi.String("ottkit Cloudflare edge: reads " + manifest.AssetPrefix + " of the delivery bucket with an HMAC key"),
	}, parent)
	if err != nil {
		return nil, err
	}
	r.Role, err = projects.NewIAMCustomRole(ctx, name+"-role", &projects.IAMCustomRoleArgs{
		Project:     pulumi.String(args.Project),
		RoleId:      pulumi.String(strings.ReplaceAll(fit(name, 64), "-", "_")),
		Title:       pulumi.String("ottkit " + name),
		Description: pulumi.String("Reads objects of the delivery bucket for the Cloudflare edge; granted under an assets/ condition."),
		Permissions: pulumi.ToStringArray(EdgeReaderPermissions),
		Stage:       pulumi.String("GA"),
	}, parent)
	if err != nil {
		return nil, err
	}
	r.Grant, err = storage.NewBucketIAMMember(ctx, name+"-reads", &storage.BucketIAMMemberArgs{
		Bucket:    args.BucketName,
		Role:      r.Role.Name,
		Member:    saMember(r.Account.Email),
		Condition: edgeReaderCondition(args.BucketName, manifest.AssetPrefix),
	}, parent)
	if err != nil {
		return nil, err
	}
	r.Email = r.Account.Email
	return r, ctx.RegisterResourceOutputs(r, pulumi.Map{"email": r.Email})
}
