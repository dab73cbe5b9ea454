package gcp

import (
	"errors"
	"fmt"

	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/cloudtasks"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// RetryQueueType is the type token of RetryQueue.
const RetryQueueType = "ottkit:gcp:RetryQueue"

// RetryQueueArgs configures complete's delayed resubmissions.
type RetryQueueArgs struct {
	// Project and Region place the queue. Required.
	Project, Region string
	// MaxAttempts is how often Cloud Tasks delivers one task (1..100). Required.
	MaxAttempts int
}

// RetryQueue is the Cloud Tasks queue complete schedules a retryable failure's resubmission
// on: Pub/Sub has no per-message delay, a task has a schedule time, and its name
// (<asset>-<attempt>) refuses a duplicate. Tasks are HTTP tasks to the transcode function
// with an OIDC token of the Tasks invoker. Every attempt is logged.
type RetryQueue struct {
	pulumi.ResourceState

	Queue *cloudtasks.Queue
	// ID is projects/P/locations/R/queues/Q; Name the short name.
	ID   pulumi.StringOutput `pulumi:"id"`
	Name pulumi.StringOutput `pulumi:"name"`
}

// NewRetryQueue creates the queue.
func NewRetryQueue(ctx *pulumi.Context, name string, args *RetryQueueArgs, opts ...pulumi.ResourceOption) (*RetryQueue, error) {
	if args == nil {
		return nil, errors.New("retry queue: args are required")
	}
	if err := checkName("retry queue", name, 100); err != nil {
		return nil, err
	}
	if err := checkPlace("retry queue", args.Project, args.Region); err != nil {
		return nil, err
	}
	if args.MaxAttempts < 1 || args.MaxAttempts > 100 {
		return nil, fmt.Errorf("retry queue: MaxAttempts %d is outside 1..100", args.MaxAttempts)
	}
	q := &RetryQueue{}
	if err := ctx.RegisterComponentResource(RetryQueueType, name, q, opts...); err != nil {
		return nil, err
	}
	var err error
	q.Queue, err = cloudtasks.NewQueue(ctx, name+"-queue", &cloudtasks.QueueArgs{
		Project:  pulumi.String(args.Project),
		Location: pulumi.String(args.Region),
		Name:     pulumi.String(name),
		RateLimits: &cloudtasks.QueueRateLimitsArgs{
			MaxDispatchesPerSecond:  pulumi.Float64Ptr(10),
			MaxConcurrentDispatches: pulumi.IntPtr(10),
		},
		RetryConfig: &cloudtasks.QueueRetryConfigArgs{
			MaxAttempts:  pulumi.IntPtr(args.MaxAttempts),
			MinBackoff:   pulumi.String(MinBackoff),
			MaxBackoff:   pulumi.String(MaxBackoff),
			MaxDoublings: pulumi.IntPtr(4),
		},
		StackdriverLoggingConfig: &cloudtasks.QueueStackdriverLoggingConfigArgs{SamplingRatio: pulumi.Float64(1)},
	}, pulumi.Parent(q))
	if err != nil {
		return nil, err
	}
	q.ID = pulumi.Sprintf("projects/%s/locations/%s/queues/%s", args.Project, args.Region, name)
	q.Name = q.Queue.Name
	return q, ctx.RegisterResourceOutputs(q, pulumi.Map{"id": q.ID, "name": q.Name})
}
