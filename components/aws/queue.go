package aws

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sqs"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ottkit/ottkit/components/iampolicy"
)

// WorkQueueType is the type token of WorkQueue.
const WorkQueueType = "ottkit:aws:WorkQueue"

// Defaults and bounds of WorkQueueArgs.
const (
	DefaultMaxReceiveCount = 5
	DefaultMaxAgeSeconds   = 900
	// VisibilityFactor is how many consumer timeouts the visibility timeout spans at least,
	// as AWS advises for Lambda consumers: retries of a throttled batch then cannot make a
	// message visible again while a function still works on it.
	VisibilityFactor = 6
	// mainRetentionSeconds keeps work 4 days; the dead-letter queue keeps it 14, longer than
	// the source, because a message keeps its original enqueue time when moved.
	mainRetentionSeconds = 4 * 24 * 3600
	dlqRetentionSeconds  = 14 * 24 * 3600
	maxVisibilitySeconds = 12 * 3600
	// EventBridge retries delivery to the queue for a day, then sends the event to the
	// dead-letter queue.
	ruleRetrySeconds  = 24 * 3600
	ruleRetryAttempts = 185
)

// WorkQueueArgs configures a work queue.
type WorkQueueArgs struct {
	// KeyArn encrypts both queues. Required.
	KeyArn pulumi.StringInput
	// ConsumerTimeoutSeconds is the timeout of the function that consumes the queue. Plain
	// because the visibility timeout is checked against it. Required.
	ConsumerTimeoutSeconds int
	// VisibilityTimeoutSeconds defaults to VisibilityFactor times the consumer timeout and may
	// not be less.
	VisibilityTimeoutSeconds int
	// MaxReceiveCount is how many receives a message gets before it moves to the dead-letter
	// queue. Default DefaultMaxReceiveCount.
	MaxReceiveCount int
	// MaxAgeSeconds is the age of the oldest message above which the age alarm fires.
	// Default DefaultMaxAgeSeconds.
	MaxAgeSeconds int
	// AlarmActions are the SNS topics both alarms notify.
	AlarmActions pulumi.StringArrayInput
	// EventPattern, when set, creates an EventBridge rule with this pattern that sends
	// matching events to the queue; the queue policy admits that rule and nothing else. Events
	// the rule cannot deliver go to the dead-letter queue (whose policy admits the rule too),
	// and an alarm fires when EventBridge loses one.
	EventPattern pulumi.StringInput
	// Tags are set on the queues, the rule and the alarms.
	Tags pulumi.StringMap
}

// WorkQueue is an SQS queue with its dead-letter queue, both encrypted with the stack key, a
// TLS-only policy on each, a redrive allow policy that lets only this queue use the
// dead-letter queue, and alarms on dead-letter depth and on the age of the oldest message.
type WorkQueue struct {
	pulumi.ResourceState

	Queue, DeadLetterQueue *sqs.Queue
	// Rule is the EventBridge rule feeding the queue; nil without EventPattern.
	Rule *cloudwatch.EventRule
	// DeadLetterAlarm and AgeAlarm watch the queues.
	DeadLetterAlarm, AgeAlarm *cloudwatch.MetricAlarm
	// DeliveryAlarm fires when the EventBridge rule loses an event: it could deliver it
	// neither to the queue nor to the dead-letter queue. nil without EventPattern.
	DeliveryAlarm *cloudwatch.MetricAlarm
	// Alarms are every alarm of the queue.
	Alarms []*cloudwatch.MetricAlarm

	Url            pulumi.StringOutput `pulumi:"url"`
	Arn            pulumi.StringOutput `pulumi:"arn"`
	Name           pulumi.StringOutput `pulumi:"name"`
	DeadLetterUrl  pulumi.StringOutput `pulumi:"deadLetterUrl"`
	DeadLetterArn  pulumi.StringOutput `pulumi:"deadLetterArn"`
	DeadLetterName pulumi.StringOutput `pulumi:"deadLetterName"`
}

func (a *WorkQueueArgs) withDefaults() WorkQueueArgs {
	out := *a
	if out.VisibilityTimeoutSeconds == 0 {
		out.VisibilityTimeoutSeconds = VisibilityFactor * out.ConsumerTimeoutSeconds
	}
	if out.MaxReceiveCount == 0 {
		out.MaxReceiveCount = DefaultMaxReceiveCount
	}
	if out.MaxAgeSeconds == 0 {
		out.MaxAgeSeconds = DefaultMaxAgeSeconds
	}
	return out
}

func (a *WorkQueueArgs) validate(name string) error {
	var errs []error
	if err := checkName("work queue", name, 80-len("-queue")); err != nil {
		errs = append(errs, err)
	}
	if a.KeyArn == nil {
		errs = append(errs, errors.New("work queue: KeyArn is required"))
	}
	switch {
	case a.ConsumerTimeoutSeconds < 1 || a.ConsumerTimeoutSeconds > 900:
		errs = append(errs, fmt.Errorf("work queue: ConsumerTimeoutSeconds %d is outside 1..900 (the Lambda limit)", a.ConsumerTimeoutSeconds))
	case a.VisibilityTimeoutSeconds < VisibilityFactor*a.ConsumerTimeoutSeconds:
		errs = append(errs, fmt.Errorf("work queue: VisibilityTimeoutSeconds %d is below %d x the consumer timeout %d",
			a.VisibilityTimeoutSeconds, VisibilityFactor, a.ConsumerTimeoutSeconds))
	case a.VisibilityTimeoutSeconds > maxVisibilitySeconds:
		errs = append(errs, fmt.Errorf("work queue: VisibilityTimeoutSeconds %d is above SQS's maximum %d", a.VisibilityTimeoutSeconds, maxVisibilitySeconds))
	}
	if a.MaxReceiveCount < 1 || a.MaxReceiveCount > 1000 {
		errs = append(errs, fmt.Errorf("work queue: MaxReceiveCount %d is outside 1..1000", a.MaxReceiveCount))
	}
	if a.MaxAgeSeconds < 60 || a.MaxAgeSeconds > mainRetentionSeconds {
		errs = append(errs, fmt.Errorf("work queue: MaxAgeSeconds %d is outside 60..%d (the queue's retention)", a.MaxAgeSeconds, mainRetentionSeconds))
	}
	return errors.Join(errs...)
}

// NewWorkQueue creates the queue, its dead-letter queue, policies, alarms and, with an event
// pattern, the EventBridge rule that feeds it.
func NewWorkQueue(ctx *pulumi.Context, name string, args *WorkQueueArgs, opts ...pulumi.ResourceOption) (*WorkQueue, error) {
	if args == nil {
		return nil, errors.New("work queue: args are required")
	}
	a := args.withDefaults()
	if err := a.validate(name); err != nil {
		return nil, err
	}
	q := &WorkQueue{}
	if err := ctx.RegisterComponentResource(WorkQueueType, name, q, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(q)
	var err error
	q.DeadLetterQueue, err = sqs.NewQueue(ctx, name+"-dlq", &sqs.QueueArgs{
		Name:                         pulumi.String(DeadLetterQueueName(name)),
		KmsMasterKeyId:               a.KeyArn,
		KmsDataKeyReusePeriodSeconds: pulumi.Int(300),
		MessageRetentionSeconds:      pulumi.Int(dlqRetentionSeconds),
		Tags:                         a.Tags,
	}, parent)
	if err != nil {
		return nil, err
	}
	redrive := q.DeadLetterQueue.Arn.ApplyT(func(arn string) (string, error) {
		b, err := json.Marshal(map[string]any{"deadLetterTargetArn": arn, "maxReceiveCount": a.MaxReceiveCount})
		return string(b), err
	}).(pulumi.StringOutput)
	q.Queue, err = sqs.NewQueue(ctx, name+"-queue", &sqs.QueueArgs{
		Name:                         pulumi.String(QueueName(name)),
		KmsMasterKeyId:               a.KeyArn,
		KmsDataKeyReusePeriodSeconds: pulumi.Int(300),
		VisibilityTimeoutSeconds:     pulumi.Int(a.VisibilityTimeoutSeconds),
		MessageRetentionSeconds:      pulumi.Int(mainRetentionSeconds),
		RedrivePolicy:                redrive,
		Tags:                         a.Tags,
	}, parent)
	if err != nil {
		return nil, err
	}
	allow := q.Queue.Arn.ApplyT(func(arn string) (string, error) {
		b, err := json.Marshal(map[string]any{"redrivePermission": "byQueue", "sourceQueueArns": []string{arn}})
		return string(b), err
	}).(pulumi.StringOutput)
	if _, err := sqs.NewRedriveAllowPolicy(ctx, name+"-redrive-allow", &sqs.RedriveAllowPolicyArgs{
		QueueUrl:           q.DeadLetterQueue.Url,
		RedriveAllowPolicy: allow,
	}, parent); err != nil {
		return nil, err
	}

	// Policies: TLS only on both; the main queue also admits its EventBridge rule.
	var ruleArn pulumi.StringInput
	if a.EventPattern != nil {
		q.Rule, err = cloudwatch.NewEventRule(ctx, name+"-rule", &cloudwatch.EventRuleArgs{
			Name:         pulumi.String(name + "-rule"),
			Description:  pulumi.Sprintf("ottkit: events for %s", name),
			EventPattern: a.EventPattern,
			Tags:         a.Tags,
		}, parent)
		if err != nil {
			return nil, err
		}
		ruleArn = q.Rule.Arn
	}
	mainPolicy := pulumi.All(q.Queue.Arn, optional(ruleArn)).ApplyT(func(v []any) (string, error) {
		return QueuePolicy(v[0].(string), v[1].(string)).JSON()
	}).(pulumi.StringOutput)
	policy, err := sqs.NewQueuePolicy(ctx, name+"-policy", &sqs.QueuePolicyArgs{
		QueueUrl: q.Queue.Url,
		Policy:   mainPolicy,
	}, parent)
	if err != nil {
		return nil, err
	}
	// The dead-letter queue also takes the events the rule fails to deliver to the queue.
	dlqPolicy := pulumi.All(q.DeadLetterQueue.Arn, optional(ruleArn)).ApplyT(func(v []any) (string, error) {
		return QueuePolicy(v[0].(string), v[1].(string)).JSON()
	}).(pulumi.StringOutput)
	deadLetterPolicy, err := sqs.NewQueuePolicy(ctx, name+"-dlq-policy", &sqs.QueuePolicyArgs{
		QueueUrl: q.DeadLetterQueue.Url,
		Policy:   dlqPolicy,
	}, parent)
	if err != nil {
		return nil, err
	}
	if q.Rule != nil {
		// The target only works once both policies admit the rule.
		if _, err := cloudwatch.NewEventTarget(ctx, name+"-target", &cloudwatch.EventTargetArgs{
			Rule:     q.Rule.Name,
			Arn:      q.Queue.Arn,
			TargetId: pulumi.String("queue"),
			DeadLetterConfig: &cloudwatch.EventTargetDeadLetterConfigArgs{
				Arn: q.DeadLetterQueue.Arn,
			},
			RetryPolicy: &cloudwatch.EventTargetRetryPolicyArgs{
				MaximumEventAgeInSeconds: pulumi.Int(ruleRetrySeconds),
				MaximumRetryAttempts:     pulumi.Int(ruleRetryAttempts),
			},
		}, parent, pulumi.DependsOn([]pulumi.Resource{policy, deadLetterPolicy})); err != nil {
			return nil, err
		}
	}

	actions := alarmActions(a.AlarmActions)
	q.DeadLetterAlarm, err = cloudwatch.NewMetricAlarm(ctx, name+"-dlq-depth", &cloudwatch.MetricAlarmArgs{
		Name:               pulumi.String(name + "-dlq-depth"),
		AlarmDescription:   pulumi.Sprintf("Messages in %s-dlq: work failed %d times and needs a look", name, a.MaxReceiveCount),
		Namespace:          pulumi.String("AWS/SQS"),
		MetricName:         pulumi.String("ApproximateNumberOfMessagesVisible"),
		Dimensions:         pulumi.StringMap{"QueueName": q.DeadLetterQueue.Name},
		Statistic:          pulumi.String("Maximum"),
		Period:             pulumi.Int(60),
		EvaluationPeriods:  pulumi.Int(1),
		Threshold:          pulumi.Float64(0),
		ComparisonOperator: pulumi.String("GreaterThanThreshold"),
		TreatMissingData:   pulumi.String("notBreaching"),
		AlarmActions:       actions,
		OkActions:          actions,
		Tags:               a.Tags,
	}, parent)
	if err != nil {
		return nil, err
	}
	q.AgeAlarm, err = cloudwatch.NewMetricAlarm(ctx, name+"-age", &cloudwatch.MetricAlarmArgs{
		Name:               pulumi.String(name + "-age"),
		AlarmDescription:   pulumi.Sprintf("The oldest message in %s-queue is older than %d s: consumers are stuck or too slow", name, a.MaxAgeSeconds),
		Namespace:          pulumi.String("AWS/SQS"),
		MetricName:         pulumi.String("ApproximateAgeOfOldestMessage"),
		Dimensions:         pulumi.StringMap{"QueueName": q.Queue.Name},
		Statistic:          pulumi.String("Maximum"),
		Period:             pulumi.Int(300),
		EvaluationPeriods:  pulumi.Int(1),
		Threshold:          pulumi.Float64(float64(a.MaxAgeSeconds)),
		ComparisonOperator: pulumi.String("GreaterThanThreshold"),
		TreatMissingData:   pulumi.String("notBreaching"),
		AlarmActions:       actions,
		OkActions:          actions,
		Tags:               a.Tags,
	}, parent)
	if err != nil {
		return nil, err
	}

	q.Alarms = append(q.Alarms, q.DeadLetterAlarm, q.AgeAlarm)
	if q.Rule != nil {
		q.DeliveryAlarm, err = ruleDeliveryAlarm(ctx, name, q.Rule.Name, actions, a.Tags, parent)
		if err != nil {
			return nil, err
		}
		q.Alarms = append(q.Alarms, q.DeliveryAlarm)
	}
	q.Url, q.Arn, q.Name = q.Queue.Url, q.Queue.Arn, q.Queue.Name
	q.DeadLetterUrl, q.DeadLetterArn, q.DeadLetterName = q.DeadLetterQueue.Url, q.DeadLetterQueue.Arn, q.DeadLetterQueue.Name
	return q, ctx.RegisterResourceOutputs(q, pulumi.Map{
		"url": q.Url, "arn": q.Arn, "name": q.Name,
		"deadLetterUrl": q.DeadLetterUrl, "deadLetterArn": q.DeadLetterArn, "deadLetterName": q.DeadLetterName,
	})
}

// ruleDeliveryAlarm watches the rule's FailedInvocations (events EventBridge gave up on) and
// InvocationsFailedToBeSentToDlq (events it could not even put in the dead-letter queue):
// either means an event is lost. Events that did reach the dead-letter queue raise the
// dead-letter depth alarm instead.
func ruleDeliveryAlarm(ctx *pulumi.Context, name string, rule pulumi.StringOutput, actions pulumi.ArrayInput,
	tags pulumi.StringMap, parent pulumi.ResourceOption) (*cloudwatch.MetricAlarm, error) {
	metric := func(id, metricName string) cloudwatch.MetricAlarmMetricQueryArgs {
		return cloudwatch.MetricAlarmMetricQueryArgs{
			Id: pulumi.String(id),
			Metric: &cloudwatch.MetricAlarmMetricQueryMetricArgs{
				Namespace:  pulumi.String("AWS/Events"),
				MetricName: pulumi.String(metricName),
				Dimensions: pulumi.StringMap{"RuleName": rule},
				Period:     pulumi.Int(300),
				Stat:       pulumi.String("Sum"),
			},
			ReturnData: pulumi.Bool(false),
		}
	}
	return cloudwatch.NewMetricAlarm(ctx, name+"-delivery-failed", &cloudwatch.MetricAlarmArgs{
		Name:             pulumi.String(name + "-delivery-failed"),
		AlarmDescription: pulumi.Sprintf("EventBridge rule %s-rule lost events: it delivered them neither to %s-queue nor to %s-dlq", name, name, name),
		MetricQueries: cloudwatch.MetricAlarmMetricQueryArray{
			metric("failed", "FailedInvocations"),
			metric("notDeadLettered", "InvocationsFailedToBeSentToDlq"),
			cloudwatch.MetricAlarmMetricQueryArgs{
				Id:         pulumi.String("lost"),
				Expression: pulumi.String("FILL(failed, 0) + FILL(notDeadLettered, 0)"),
				Label:      pulumi.String("events lost"),
				ReturnData: pulumi.Bool(true),
			},
		},
		EvaluationPeriods:  pulumi.Int(1),
		Threshold:          pulumi.Float64(1),
		ComparisonOperator: pulumi.String("GreaterThanOrEqualToThreshold"),
		TreatMissingData:   pulumi.String("notBreaching"),
		AlarmActions:       actions,
		OkActions:          actions,
		Tags:               tags,
	}, parent)
}

// QueuePolicy is a work queue's policy: deny anything not over TLS and, when ruleArn is set,
// let that EventBridge rule (and only it) send messages.
func QueuePolicy(queueArn, ruleArn string) iampolicy.Document {
	st := []iampolicy.Statement{{
		Sid: "DenyInsecureTransport", Effect: iampolicy.Deny,
		Principals: []iampolicy.Principal{{Type: "*", Identifiers: []string{"*"}}},
		Actions:    []string{"sqs:*"}, Resources: []string{queueArn},
		Conditions: []iampolicy.Condition{{Test: "Bool", Variable: "aws:SecureTransport", Values: []string{"false"}}},
	}}
	if ruleArn != "" {
		st = append(st, iampolicy.Statement{
			Sid: "EventBridgeRuleSends", Effect: iampolicy.Allow,
			Principals: []iampolicy.Principal{{Type: "Service", Identifiers: []string{"events.amazonaws.com"}}},
			Actions:    []string{"sqs:SendMessage"}, Resources: []string{queueArn},
			Conditions: []iampolicy.Condition{{Test: "ArnEquals", Variable: "aws:SourceArn", Values: []string{ruleArn}}},
		})
	}
	return iampolicy.Document{Statements: st}
}

// optional turns a possibly nil string input into an output of "" when nil.
func optional(in pulumi.StringInput) pulumi.StringOutput {
	if in == nil {
		return pulumi.String("").ToStringOutput()
	}
	return in.ToStringOutput()
}

// alarmActions converts topic ARNs to the untyped array CloudWatch alarms take.
func alarmActions(in pulumi.StringArrayInput) pulumi.ArrayInput {
	if in == nil {
		return nil
	}
	return in.ToStringArrayOutput().ApplyT(func(arns []string) []any {
		out := make([]any, len(arns))
		for i, a := range arns {
			out[i] = a
		}
		return out
	}).(pulumi.ArrayOutput)
}
