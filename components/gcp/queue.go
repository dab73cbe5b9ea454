package gcp

import (
	"errors"
	"fmt"

	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/pubsub"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/storage"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// QueueTopicType and PushSubscriptionType are the type tokens of QueueTopic and
// PushSubscription.
const (
	QueueTopicType       = "ottkit:gcp:QueueTopic"
	PushSubscriptionType = "ottkit:gcp:PushSubscription"
)

// Delivery settings of every push subscription.
const (
	// MaxDeliveryAttempts is how often a message is pushed before it is dead-lettered (the
	// SQS maxReceiveCount of the AWS queues).
	MaxDeliveryAttempts = 5
	// MessageRetention keeps undelivered messages, and dead letters, for 7 days.
	MessageRetention = "604800s"
	// MinBackoff and MaxBackoff bound the exponential redelivery delay after a nack.
	MinBackoff = "10s"
	MaxBackoff = "600s"
)

// QueueTopicArgs configures one hop's topic.
type QueueTopicArgs struct {
	// Project and Region: messages are stored only in Region. Required.
	Project, Region string
	// KeyID encrypts the topic and its dead-letter topic. Required.
	KeyID pulumi.StringInput
	// Publishers are service agents that publish to the topic (the Cloud Storage agent for
	// upload notifications, the Transcoder agent for job notifications), by role name; each
	// gets roles/pubsub.publisher on this topic only. Functions get their publish grant from
	// their manifest instead.
	Publishers map[string]pulumi.StringInput
	// PubSubAgent is the Pub/Sub service agent: it forwards dead letters, so it gets
	// roles/pubsub.publisher on the dead-letter topic. Required.
	PubSubAgent pulumi.StringInput
	// Notification, when set, makes a bucket publish OBJECT_FINALIZE events of objects under
	// Prefix to the topic (JSON_API_V1).
	Notification *QueueNotificationArgs
	// Broadcast marks a topic nothing in the stack consumes (the notify topic customers
	// subscribe to): it gets no dead-letter topic, since it has no push subscription.
	Broadcast bool
	// Labels are set on the topics and the dead-letter subscription.
	Labels pulumi.StringMap
}

// QueueNotificationArgs is a Cloud Storage notification into a QueueTopic.
type QueueNotificationArgs struct {
	Bucket pulumi.StringInput
	Prefix string
}

// QueueTopic is a topic, its dead-letter topic and the pull subscription that keeps dead
// letters for inspection and replay (a topic without a subscription drops its messages).
type QueueTopic struct {
	pulumi.ResourceState

	Topic, DeadLetter *pubsub.Topic
	DeadLetterSub     *pubsub.Subscription
	// ID is the topic's resource name, projects/P/topics/T; Name its short name.
	ID             pulumi.StringOutput `pulumi:"id"`
	Name           pulumi.StringOutput `pulumi:"name"`
	DeadLetterID   pulumi.StringOutput `pulumi:"deadLetterId"`
	DeadLetterName pulumi.StringOutput `pulumi:"deadLetterName"`
}

// NewQueueTopic creates the topics, the dead-letter subscription and the publisher grants.
func NewQueueTopic(ctx *pulumi.Context, name string, args *QueueTopicArgs, opts ...pulumi.ResourceOption) (*QueueTopic, error) {
	if args == nil {
		return nil, errors.New("queue: args are required")
	}
	if err := checkName("queue", name, 255-len("-dlq-sub")); err != nil {
		return nil, err
	}
	if err := checkPlace("queue", args.Project, args.Region); err != nil {
		return nil, err
	}
	if args.KeyID == nil || args.PubSubAgent == nil {
		return nil, errors.New("queue: KeyID and PubSubAgent are required")
	}
	if n := args.Notification; n != nil && (n.Bucket == nil || n.Prefix == "") {
		return nil, errors.New("queue: Notification needs a Bucket and a Prefix")
	}
	q := &QueueTopic{}
	if err := ctx.RegisterComponentResource(QueueTopicType, name, q, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(q)
	topic := func(logical, n string) (*pubsub.Topic, error) {
		return pubsub.NewTopic(ctx, logical, &pubsub.TopicArgs{
			Project:                  pulumi.String(args.Project),
			Name:                     pulumi.String(n),
			KmsKeyName:               args.KeyID,
			MessageRetentionDuration: pulumi.String(MessageRetention),
			MessageStoragePolicy: &pubsub.TopicMessageStoragePolicyArgs{
				AllowedPersistenceRegions: pulumi.StringArray{pulumi.String(args.Region)},
			},
			Labels: labelsOrEmpty(args.Labels),
		}, parent)
	}
	var err error
	if q.Topic, err = topic(name+"-topic", name); err != nil {
		return nil, err
	}
	if !args.Broadcast {
		if err := q.deadLetter(ctx, name, args, topic); err != nil {
			return nil, err
		}
	}
	var publishers []pulumi.Resource
	for _, role := range sortedInputs(args.Publishers) {
		m, err := pubsub.NewTopicIAMMember(ctx, name+"-publisher-"+role, &pubsub.TopicIAMMemberArgs{
			Project: pulumi.String(args.Project),
			Topic:   q.Topic.Name,
			Role:    pulumi.String("roles/pubsub.publisher"),
			Member:  saMember(args.Publishers[role]),
		}, parent)
		if err != nil {
			return nil, err
		}
		publishers = append(publishers, m)
	}
	if n := args.Notification; n != nil {
		if _, err := storage.NewNotification(ctx, name+"-notification", &storage.NotificationArgs{
			Bucket:           n.Bucket,
			Topic:            q.Topic.ID(),
			PayloadFormat:    pulumi.String("JSON_API_V1"),
			EventTypes:       pulumi.StringArray{pulumi.String("OBJECT_FINALIZE")},
			ObjectNamePrefix: pulumi.String(n.Prefix),
		}, parent, pulumi.DependsOn(publishers)); err != nil {
			return nil, err
		}
	}
	q.ID, q.Name = q.Topic.ID().ToStringOutput(), q.Topic.Name
	if q.DeadLetter != nil {
		q.DeadLetterID, q.DeadLetterName = q.DeadLetter.ID().ToStringOutput(), q.DeadLetter.Name
	} else {
		q.DeadLetterID, q.DeadLetterName = pulumi.String("").ToStringOutput(), pulumi.String("").ToStringOutput()
	}
	return q, ctx.RegisterResourceOutputs(q, pulumi.Map{
		"id": q.ID, "name": q.Name, "deadLetterId": q.DeadLetterID, "deadLetterName": q.DeadLetterName,
	})
}

// deadLetter creates the dead-letter topic, its subscription and the forwarding grant.
func (q *QueueTopic) deadLetter(ctx *pulumi.Context, name string, args *QueueTopicArgs, topic func(logical, physical string) (*pubsub.Topic, error)) error {
	parent := pulumi.Parent(q)
	var err error
	if q.DeadLetter, err = topic(name+"-dlq", name+"-dlq"); err != nil {
		return err
	}
	q.DeadLetterSub, err = pubsub.NewSubscription(ctx, name+"-dlq-sub", &pubsub.SubscriptionArgs{
		Project:                  pulumi.String(args.Project),
		Name:                     pulumi.String(name + "-dlq-sub"),
		Topic:                    q.DeadLetter.ID(),
		MessageRetentionDuration: pulumi.String(MessageRetention),
		RetainAckedMessages:      pulumi.Bool(false),
		AckDeadlineSeconds:       pulumi.IntPtr(60),
		ExpirationPolicy:         &pubsub.SubscriptionExpirationPolicyArgs{Ttl: pulumi.String("")},
		Labels:                   labelsOrEmpty(args.Labels),
	}, parent)
	if err != nil {
		return err
	}
	if _, err := pubsub.NewTopicIAMMember(ctx, name+"-dlq-forwarder", &pubsub.TopicIAMMemberArgs{
		Project: pulumi.String(args.Project),
		Topic:   q.DeadLetter.Name,
		Role:    pulumi.String("roles/pubsub.publisher"),
		Member:  saMember(args.PubSubAgent),
	}, parent); err != nil {
		return err
	}
	return nil
}

// PushSubscriptionArgs configures the push of a QueueTopic to a function.
type PushSubscriptionArgs struct {
	// Project is the project id. Required.
	Project string
	// Topic is the topic pushed from. Required.
	Topic *QueueTopic
	// Endpoint is the function's HTTPS URL, also the OIDC token's audience. Required.
	Endpoint pulumi.StringInput
	// PushIdentity is the service account whose OIDC token each push carries; the function
	// grants run.invoker to it alone. Required.
	PushIdentity pulumi.StringInput
	// PubSubAgent is the Pub/Sub service agent: it acknowledges dead-lettered messages on this
	// subscription (roles/pubsub.subscriber here) and mints the push tokens
	// (roles/iam.serviceAccountTokenCreator on PushIdentity is granted by the caller's
	// PushIdentity component). Required.
	PubSubAgent pulumi.StringInput
	// AckDeadlineSeconds is at least the function's timeout (10..600). Required.
	AckDeadlineSeconds int
	// Labels are set on the subscription.
	Labels pulumi.StringMap
}

// PushSubscription pushes each message to a function with an OIDC token, redelivering with
// exponential backoff and dead-lettering after MaxDeliveryAttempts. It never expires.
type PushSubscription struct {
	pulumi.ResourceState

	Subscription *pubsub.Subscription
	Name         pulumi.StringOutput `pulumi:"name"`
}

// NewPushSubscription creates the subscription and the dead-lettering grant.
func NewPushSubscription(ctx *pulumi.Context, name string, args *PushSubscriptionArgs, opts ...pulumi.ResourceOption) (*PushSubscription, error) {
	if args == nil {
		return nil, errors.New("subscription: args are required")
	}
	if err := checkName("subscription", name, 255-len("-sub")); err != nil {
		return nil, err
	}
	if !projectRe.MatchString(args.Project) {
		return nil, fmt.Errorf("subscription: Project %q is not a project id", args.Project)
	}
	if args.Topic == nil || args.Endpoint == nil || args.PushIdentity == nil || args.PubSubAgent == nil {
		return nil, errors.New("subscription: Topic, Endpoint, PushIdentity and PubSubAgent are required")
	}
	if args.AckDeadlineSeconds < 10 || args.AckDeadlineSeconds > 600 {
		return nil, fmt.Errorf("subscription: AckDeadlineSeconds %d is outside 10..600", args.AckDeadlineSeconds)
	}
	s := &PushSubscription{}
	if err := ctx.RegisterComponentResource(PushSubscriptionType, name, s, opts...); err != nil {
		return nil, err
	}
	var err error
	s.Subscription, err = pubsub.NewSubscription(ctx, name+"-sub", &pubsub.SubscriptionArgs{
		Project:                  pulumi.String(args.Project),
		Name:                     pulumi.String(name + "-sub"),
		Topic:                    args.Topic.ID,
		AckDeadlineSeconds:       pulumi.IntPtr(args.AckDeadlineSeconds),
		MessageRetentionDuration: pulumi.String(MessageRetention),
		ExpirationPolicy:         &pubsub.SubscriptionExpirationPolicyArgs{Ttl: pulumi.String("")},
		PushConfig: &pubsub.SubscriptionPushConfigArgs{
			PushEndpoint: args.Endpoint,
			OidcToken: &pubsub.SubscriptionPushConfigOidcTokenArgs{
				ServiceAccountEmail: args.PushIdentity,
				Audience:            args.Endpoint,
			},
		},
		DeadLetterPolicy: &pubsub.SubscriptionDeadLetterPolicyArgs{
			DeadLetterTopic:     args.Topic.DeadLetterID,
			MaxDeliveryAttempts: pulumi.IntPtr(MaxDeliveryAttempts),
		},
		RetryPolicy: &pubsub.SubscriptionRetryPolicyArgs{
			MinimumBackoff: pulumi.String(MinBackoff),
			MaximumBackoff: pulumi.String(MaxBackoff),
		},
		Labels: labelsOrEmpty(args.Labels),
	}, pulumi.Parent(s))
	if err != nil {
		return nil, err
	}
	if _, err := pubsub.NewSubscriptionIAMMember(ctx, name+"-dlq-acker", &pubsub.SubscriptionIAMMemberArgs{
		Project:      pulumi.String(args.Project),
		Subscription: s.Subscription.Name,
		Role:         pulumi.String("roles/pubsub.subscriber"),
		Member:       saMember(args.PubSubAgent),
	}, pulumi.Parent(s)); err != nil {
		return nil, err
	}
	s.Name = s.Subscription.Name
	return s, ctx.RegisterResourceOutputs(s, pulumi.Map{"name": s.Name})
}
