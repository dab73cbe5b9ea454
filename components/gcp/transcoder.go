package gcp

import (
	"errors"

	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/storage"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ottkit/ottkit/functions/gcp/manifest"
)

// TranscoderType is the type token of Transcoder.
const TranscoderType = "ottkit:gcp:Transcoder"

// TranscoderArgs configures the Transcoder API's access to the stack's data.
type TranscoderArgs struct {
	// Agent is the Transcoder service agent (service-N@gcp-sa-transcoder). Required.
	Agent pulumi.StringInput
	// MastersBucket is what jobs read; DeliveryBucket where they write, under assets/.
	// Required.
	MastersBucket, DeliveryBucket pulumi.StringInput
}

// Transcoder is what the Transcoder API needs besides the API itself (which has no Pulumi
// resource: jobs are API calls of the transcode function): its service agent reads masters
// and writes outputs under assets/ of delivery. Its publish grant on the jobs topic is the
// topic's (QueueTopicArgs.Publishers) and its key grant the key's (StackKeyArgs.Users).
type Transcoder struct {
	pulumi.ResourceState
}

// NewTranscoder creates the bucket grants.
func NewTranscoder(ctx *pulumi.Context, name string, args *TranscoderArgs, opts ...pulumi.ResourceOption) (*Transcoder, error) {
	if args == nil || args.Agent == nil || args.MastersBucket == nil || args.DeliveryBucket == nil {
		return nil, errors.New("transcoder: Agent, MastersBucket and DeliveryBucket are required")
	}
	if err := checkName("transcoder", name, 63); err != nil {
		return nil, err
	}
	t := &Transcoder{}
	if err := ctx.RegisterComponentResource(TranscoderType, name, t, opts...); err != nil {
		return nil, err
	}
	if _, err := storage.NewBucketIAMMember(ctx, name+"-reads-masters", &storage.BucketIAMMemberArgs{
		Bucket: args.MastersBucket, Role: pulumi.String("roles/storage.objectViewer"), Member: saMember(args.Agent),
	}, pulumi.Parent(t)); err != nil {
		return nil, err
	}
	if _, err := storage.NewBucketIAMMember(ctx, name+"-writes-delivery", &storage.BucketIAMMemberArgs{
		Bucket: args.DeliveryBucket, Role: pulumi.String("roles/storage.objectCreator"), Member: saMember(args.Agent),
		Condition: &storage.BucketIAMMemberConditionArgs{
			Title:      pulumi.String("objects under " + manifest.AssetPrefix),
			Expression: pulumi.Sprintf(`resource.name.startsWith("projects/_/buckets/%s/objects/%s")`, args.DeliveryBucket, manifest.AssetPrefix),
		},
	}, pulumi.Parent(t)); err != nil {
		return nil, err
	}
	return t, ctx.RegisterResourceOutputs(t, pulumi.Map{})
}
