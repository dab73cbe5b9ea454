package aws

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sns"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ottkit/ottkit/components/iampolicy"
)

// AlertsType is the type token of Alerts.
const AlertsType = "ottkit:aws:Alerts"

// AlertsArgs configures the stack's topics.
type AlertsArgs struct {
	// Prefix is the name every resource of the stack starts with; the topics' display names
	// carry it. Which alarms may publish is named exactly with AdmitAlarms. Required.
	Prefix string
	// KeyArn encrypts both topics. Required.
	KeyArn pulumi.StringInput
	// Email is subscribed to the alarm topic. Plain because it decides whether the
	// subscription exists; AWS sends a confirmation mail first.
	Email string
	// Tags are set on the topics.
	Tags pulumi.StringMap
}

// Alerts holds the two SNS topics of a stack: the alarm topic every CloudWatch alarm
// notifies, and the notify topic the complete function publishes asset ready / failed
// events to (manifest.NotifyTopic). Both are encrypted with the stack key and accept only
// TLS.
type Alerts struct {
	pulumi.ResourceState

	Topic, NotifyTopic *sns.Topic
	// Subscription is the e-mail subscription; nil without Email.
	Subscription *sns.TopicSubscription

	TopicArn        pulumi.StringOutput `pulumi:"topicArn"`
	NotifyTopicArn  pulumi.StringOutput `pulumi:"notifyTopicArn"`
	NotifyTopicName pulumi.StringOutput `pulumi:"notifyTopicName"`

	name, account string
	admitted      bool
}

// AdmitAlarms writes the alarm topic's policy: TLS only, and publishing by exactly these
// CloudWatch alarms of the account. Until it is called the topic accepts no alarm; call it
// once, after creating every alarm that notifies the topic. Naming the alarms, rather than a
// name prefix, keeps out another stack's alarms whose names merely start the same way.
func (al *Alerts) AdmitAlarms(ctx *pulumi.Context, alarmArns pulumi.StringArrayInput) error {
	if al.admitted {
		return fmt.Errorf("alerts %s: AdmitAlarms called twice; pass every alarm at once", al.name)
	}
	al.admitted = true
	_, err := sns.NewTopicPolicy(ctx, al.name+"-alarms-policy", &sns.TopicPolicyArgs{
		Arn: al.Topic.Arn,
		Policy: pulumi.All(al.Topic.Arn, alarmArns).ApplyT(func(v []any) (string, error) {
			return AlarmTopicPolicy(v[0].(string), al.account, v[1].([]string)).JSON()
		}).(pulumi.StringOutput),
	}, pulumi.Parent(al))
	return err
}

// NewAlerts creates the topics, their policies and the optional e-mail subscription.
func NewAlerts(ctx *pulumi.Context, name string, args *AlertsArgs, opts ...pulumi.ResourceOption) (*Alerts, error) {
	if args == nil {
		return nil, errors.New("alerts: args are required")
	}
	var errs []error
	if err := checkName("alerts", name, 256-len("-alarms")); err != nil {
		errs = append(errs, err)
	}
	if err := checkName("alerts: Prefix", args.Prefix, 200); err != nil {
		errs = append(errs, err)
	}
	if args.KeyArn == nil {
		errs = append(errs, errors.New("alerts: KeyArn is required"))
	}
	if args.Email != "" && !emailRe.MatchString(args.Email) {
		errs = append(errs, fmt.Errorf("alerts: Email %q is not an e-mail address", args.Email))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	al := &Alerts{}
	if err := ctx.RegisterComponentResource(AlertsType, name, al, opts...); err != nil {
		return nil, err
	}
	acct, err := lookupAccount(ctx, al)
	if err != nil {
		return nil, fmt.Errorf("alerts %s: %w", name, err)
	}
	parent := pulumi.Parent(al)
	al.Topic, err = sns.NewTopic(ctx, name+"-alarms", &sns.TopicArgs{
		Name:           pulumi.String(AlarmTopicName(name)),
		DisplayName:    pulumi.Sprintf("ottkit %s alarms", args.Prefix),
		KmsMasterKeyId: args.KeyArn,
		Tags:           args.Tags,
	}, parent)
	if err != nil {
		return nil, err
	}
	al.NotifyTopic, err = sns.NewTopic(ctx, name+"-notify", &sns.TopicArgs{
		Name:           pulumi.String(name + "-notify"),
		DisplayName:    pulumi.Sprintf("ottkit %s asset events", args.Prefix),
		KmsMasterKeyId: args.KeyArn,
		Tags:           args.Tags,
	}, parent)
	if err != nil {
		return nil, err
	}
	al.name, al.account = name, acct.ID
	if _, err := sns.NewTopicPolicy(ctx, name+"-notify-policy", &sns.TopicPolicyArgs{
		Arn: al.NotifyTopic.Arn,
		Policy: al.NotifyTopic.Arn.ApplyT(func(arn string) (string, error) {
			return iampolicy.Document{Statements: []iampolicy.Statement{topicTLSStatement(arn)}}.JSON()
		}).(pulumi.StringOutput),
	}, parent); err != nil {
		return nil, err
	}
	if args.Email != "" {
		al.Subscription, err = sns.NewTopicSubscription(ctx, name+"-email", &sns.TopicSubscriptionArgs{
			Topic:    al.Topic.Arn,
			Protocol: pulumi.String("email"),
			Endpoint: pulumi.String(args.Email),
		}, parent)
		if err != nil {
			return nil, err
		}
	}
	al.TopicArn, al.NotifyTopicArn, al.NotifyTopicName = al.Topic.Arn, al.NotifyTopic.Arn, al.NotifyTopic.Name
	return al, ctx.RegisterResourceOutputs(al, pulumi.Map{
		"topicArn": al.TopicArn, "notifyTopicArn": al.NotifyTopicArn, "notifyTopicName": al.NotifyTopicName,
	})
}

// AlarmTopicPolicy lets exactly the CloudWatch alarms alarmArns of this account publish to
// the topic, over TLS only. Principals of the account publish through their IAM policies.
func AlarmTopicPolicy(topicArn, accountID string, alarmArns []string) iampolicy.Document {
	return iampolicy.Document{Statements: []iampolicy.Statement{
		topicTLSStatement(topicArn),
		{
			Sid: "CloudWatchAlarmsPublish", Effect: iampolicy.Allow,
			Principals: []iampolicy.Principal{{Type: "Service", Identifiers: []string{"cloudwatch.amazonaws.com"}}},
			Actions:    []string{"sns:Publish"}, Resources: []string{topicArn},
			Conditions: []iampolicy.Condition{
				{Test: "StringEquals", Variable: "aws:SourceAccount", Values: []string{accountID}},
				{Test: "ArnEquals", Variable: "aws:SourceArn", Values: alarmArns},
			},
		},
	}}
}

func topicTLSStatement(topicArn string) iampolicy.Statement {
	return iampolicy.Statement{
		Sid: "DenyInsecureTransport", Effect: iampolicy.Deny,
		Principals: []iampolicy.Principal{{Type: "*", Identifiers: []string{"*"}}},
		Actions:    []string{"sns:Publish"}, Resources: []string{topicArn},
		Conditions: []iampolicy.Condition{{Test: "Bool", Variable: "aws:SecureTransport", Values: []string{"false"}}},
	}
}

// emailRe is a plausibility check; the platform Spec parses addresses properly.
var emailRe = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)

// DashboardQueue is one work queue on the dashboard.
type DashboardQueue struct {
	Label                string
	Name, DeadLetterName pulumi.StringInput
}

// DashboardArgs lists what the pipeline dashboard shows.
type DashboardArgs struct {
	// Region the metrics live in. Required.
	Region string
	// Queues in pipeline order: depth, age of the oldest message, dead letters.
	Queues []DashboardQueue
	// FunctionNames are the Lambda functions: errors, throttles, p95 duration.
	FunctionNames []pulumi.StringInput
	// TableName is the catalog: throttled requests and system errors.
	TableName pulumi.StringInput
}

// NewDashboard creates the CloudWatch dashboard of the pipeline, named name.
func NewDashboard(ctx *pulumi.Context, name string, args *DashboardArgs, opts ...pulumi.ResourceOption) (*cloudwatch.Dashboard, error) {
	if args == nil {
		return nil, errors.New("dashboard: args are required")
	}
	if err := checkName("dashboard", name, 255); err != nil {
		return nil, err
	}
	if args.Region == "" {
		return nil, errors.New("dashboard: Region is required")
	}
	var inputs []any
	for _, q := range args.Queues {
		inputs = append(inputs, q.Name, q.DeadLetterName)
	}
	for _, f := range args.FunctionNames {
		inputs = append(inputs, f)
	}
	if args.TableName != nil {
		inputs = append(inputs, args.TableName)
	}
	body := pulumi.All(inputs...).ApplyT(func(v []any) (string, error) {
		names := make([]string, len(v))
		for i, x := range v {
			names[i] = x.(string)
		}
		return dashboardBody(args, names)
	}).(pulumi.StringOutput)
	return cloudwatch.NewDashboard(ctx, name, &cloudwatch.DashboardArgs{
		DashboardName: pulumi.String(name),
		DashboardBody: body,
	}, opts...)
}

// dashboardBody renders the dashboard JSON; names holds the resolved inputs in the order
// NewDashboard collected them.
func dashboardBody(args *DashboardArgs, names []string) (string, error) {
	type widget struct {
		Type       string         `json:"type"`
		X          int            `json:"x"`
		Y          int            `json:"y"`
		Width      int            `json:"width"`
		Height     int            `json:"height"`
		Properties map[string]any `json:"properties"`
	}
	var widgets []widget
	add := func(title, stat string, metrics [][]any) {
		n := len(widgets)
		widgets = append(widgets, widget{Type: "metric", X: (n % 2) * 12, Y: (n / 2) * 6, Width: 12, Height: 6,
			Properties: map[string]any{"title": title, "region": args.Region, "view": "timeSeries",
				"stat": stat, "period": 300, "metrics": metrics}})
	}
	i := 0
	next := func() string { s := names[i]; i++; return s }
	for _, q := range args.Queues {
		queue, dlq := next(), next()
		add(q.Label+" queue", "Maximum", [][]any{
			{"AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", queue, map[string]any{"label": "waiting"}},
			{"AWS/SQS", "ApproximateAgeOfOldestMessage", "QueueName", queue, map[string]any{"label": "oldest (s)", "yAxis": "right"}},
			{"AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", dlq, map[string]any{"label": "dead letters"}},
		})
	}
	if len(args.FunctionNames) > 0 {
		var errs, dur [][]any
		for range args.FunctionNames {
			fn := next()
			errs = append(errs,
				[]any{"AWS/Lambda", "Errors", "FunctionName", fn, map[string]any{"label": fn + " errors"}},
				[]any{"AWS/Lambda", "Throttles", "FunctionName", fn, map[string]any{"label": fn + " throttles"}})
			dur = append(dur, []any{"AWS/Lambda", "Duration", "FunctionName", fn, map[string]any{"stat": "p95", "label": fn}})
		}
		add("Function errors and throttles", "Sum", errs)
		add("Function duration p95 (ms)", "p95", dur)
	}
	if args.TableName != nil {
		table := next()
		add("Catalog", "Sum", [][]any{
			{"AWS/DynamoDB", "ThrottledRequests", "TableName", table},
			{"AWS/DynamoDB", "SystemErrors", "TableName", table},
		})
	}
	b, err := json.Marshal(map[string]any{"widgets": widgets})
	if err != nil {
		return "", fmt.Errorf("dashboard: %w", err)
	}
	return string(b), nil
}
