package aws

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/mediaconvert"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ottkit/ottkit/components/iampolicy"
	"github.com/ottkit/ottkit/functions/aws/manifest"
)

// TranscoderType is the type token of Transcoder.
const TranscoderType = "ottkit:aws:Transcoder"

// TranscoderArgs configures a Transcoder.
type TranscoderArgs struct {
	// MastersBucketArn is the bucket MediaConvert reads sources from. Required.
	MastersBucketArn pulumi.StringInput
	// DeliveryBucketArn is the bucket MediaConvert writes renditions to, under
	// manifest.AssetPrefix only. Required.
	DeliveryBucketArn pulumi.StringInput
	// KeyArn is the stack key both buckets are encrypted with. Required.
	KeyArn pulumi.StringInput
	// Tags go on every taggable child.
	Tags pulumi.StringMap
}

// Transcoder is the MediaConvert side of the pipeline: an on-demand queue the transcode
// function submits jobs to, and the role those jobs run as, which can read masters and write
// renditions and nothing else. MediaConvert has no job-template resource in Pulumi's AWS
// provider, and none is needed: the transcode function builds each job's settings per title.
//
// Job state changes reach the complete function through the events WorkQueue: pass
// JobEventPattern as its EventPattern, and the queue's rule and policy admit exactly this
// queue's events.
type Transcoder struct {
	pulumi.ResourceState

	Queue *mediaconvert.Queue
	Role  *iam.Role

	QueueArn  pulumi.StringOutput `pulumi:"queueArn"`
	QueueName pulumi.StringOutput `pulumi:"queueName"`
	RoleArn   pulumi.StringOutput `pulumi:"roleArn"`
	// JobsArn is the ARN pattern of the jobs submitted in this queue's account and region
	// (arn:…:jobs/*), where AWS authorises tagging a job at creation.
	JobsArn pulumi.StringOutput `pulumi:"jobsArn"`
	// JobEventPattern is the EventBridge pattern matching this queue's job state changes.
	JobEventPattern pulumi.StringOutput `pulumi:"jobEventPattern"`
}

// NewTranscoder creates the MediaConvert queue and the role its jobs assume.
func NewTranscoder(ctx *pulumi.Context, name string, args *TranscoderArgs, opts ...pulumi.ResourceOption) (*Transcoder, error) {
	if err := validateTranscoder(name, args); err != nil {
		return nil, err
	}
	t := &Transcoder{}
	if err := ctx.RegisterComponentResource(TranscoderType, name, t, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(t)
	acct, err := lookupAccount(ctx, t)
	if err != nil {
		return nil, fmt.Errorf("transcoder %s: %w", name, err)
	}

	t.Queue, err = mediaconvert.NewQueue(ctx, name+"-queue", &mediaconvert.QueueArgs{
		Name:        pulumi.String(name + "-queue"),
		Description: pulumi.String("ottkit " + name + ": per-title transcodes"),
		PricingPlan: pulumi.String("ON_DEMAND"),
		Status:      pulumi.String("ACTIVE"),
		Tags:        args.Tags,
	}, parent)
	if err != nil {
		return nil, err
	}

	trust, err := iampolicy.ServiceTrust("mediaconvert.amazonaws.com", acct.ID).TrustPolicyJSON()
	if err != nil {
		return nil, fmt.Errorf("transcoder %s: %w", name, err)
	}
	t.Role, err = iam.NewRole(ctx, name+"-role", &iam.RoleArgs{
		Name:             pulumi.String(name + "-role"),
		Description:      pulumi.String("ottkit " + name + ": MediaConvert jobs read masters and write renditions"),
		AssumeRolePolicy: pulumi.String(trust),
		Tags:             args.Tags,
	}, parent)
	if err != nil {
		return nil, err
	}
	policy := pulumi.All(args.MastersBucketArn, args.DeliveryBucketArn, args.KeyArn).ApplyT(func(v []any) (string, error) {
		return transcoderPolicy(v[0].(string), v[1].(string), v[2].(string)).JSON()
	}).(pulumi.StringOutput)
	if _, err := iam.NewRolePolicy(ctx, name+"-policy", &iam.RolePolicyArgs{
		Role:   t.Role.ID(),
		Policy: policy,
	}, parent); err != nil {
		return nil, err
	}

	t.QueueArn = t.Queue.Arn
	t.QueueName = t.Queue.Name
	t.RoleArn = t.Role.Arn
	t.JobsArn = t.Queue.Arn.ApplyT(manifest.JobsARN).(pulumi.StringOutput)
	t.JobEventPattern = t.Queue.Arn.ApplyT(JobEventPattern).(pulumi.StringOutput)
	if err := ctx.RegisterResourceOutputs(t, pulumi.Map{
		"queueArn":        t.QueueArn,
		"queueName":       t.QueueName,
		"roleArn":         t.RoleArn,
		"jobsArn":         t.JobsArn,
		"jobEventPattern": t.JobEventPattern,
	}); err != nil {
		return nil, err
	}
	return t, nil
}

func validateTranscoder(name string, args *TranscoderArgs) error {
	if args == nil {
		return fmt.Errorf("transcoder %s: args are required", name)
	}
	var errs []error
	// The role's name adds "-role" within IAM's 64 characters.
	if err := checkName("transcoder", name, 59); err != nil {
		errs = append(errs, err)
	}
	for _, f := range []struct {
		field string
		v     pulumi.StringInput
	}{{"MastersBucketArn", args.MastersBucketArn}, {"DeliveryBucketArn", args.DeliveryBucketArn}, {"KeyArn", args.KeyArn}} {
		if f.v == nil {
			errs = append(errs, fmt.Errorf("transcoder %s: %s is required", name, f.field))
		}
	}
	return errors.Join(errs...)
}

// transcoderPolicy is what a MediaConvert job may do: read any master, write renditions under
// the asset prefix of the delivery bucket, and use the key both buckets are encrypted with.
func transcoderPolicy(mastersArn, deliveryArn, keyArn string) iampolicy.Document {
	return iampolicy.Document{Statements: []iampolicy.Statement{
		iampolicy.AllowStatement("ReadMasters", []string{"s3:GetObject"}, mastersArn+"/*"),
		iampolicy.AllowStatement("WriteRenditions", []string{"s3:PutObject"}, deliveryArn+"/"+manifest.AssetPrefix+"*"),
		iampolicy.AllowStatement("StackKey", []string{"kms:Decrypt", "kms:GenerateDataKey"}, keyArn),
	}}
}

// JobEventPattern returns the EventBridge event pattern that matches MediaConvert's job state
// changes for the queue queueArn and nothing else.
func JobEventPattern(queueArn string) (string, error) {
	if queueArn == "" {
		return "", errors.New("job event pattern: queue ARN is empty")
	}
	b, err := json.Marshal(map[string]any{
		"source":      []string{"aws.mediaconvert"},
		"detail-type": []string{"MediaConvert Job State Change"},
		"detail":      map[string]any{"queue": []string{queueArn}},
	})
	return string(b), err
}
