package gcp

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/mail"
	"strings"

	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/logging"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/monitoring"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/pubsub"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// AlertsType is the type token of Alerts.
const AlertsType = "ottkit:gcp:Alerts"

// AlertQueue is one hop the alerts watch: its push subscription and dead-letter
// subscription, by short name.
type AlertQueue struct {
	Label                    string
	Subscription, DeadLetter pulumi.StringInput
}

// AlertsArgs configures monitoring.
type AlertsArgs struct {
	// Project and Region place the log bucket. Required.
	Project, Region string
	// Email, when set, gets every alert too.
	Email string
	// KeyID encrypts the alerts topic; MonitoringAgent (Cloud Monitoring's notification
	// agent) publishes to it. Required.
	KeyID, MonitoringAgent pulumi.StringInput
	// Queues are the hops to watch. Required.
	Queues []AlertQueue
	// Functions are the functions' Cloud Run service names. Required.
	Functions []pulumi.StringInput
	// LogRetentionDays keeps the functions' logs (1..3650) in the stack's log bucket.
	// Required.
	LogRetentionDays int
	// Labels are set on the notification channel and the alert policies.
	Labels pulumi.StringMap
}

// Alerts are the stack's log bucket (the functions' logs, routed there by a sink, kept
// LogRetentionDays), an alerts topic every alert is published to (the SNS alarm topic of the
// AWS stacks: subscribe anything to it) with its notification channel, an e-mail channel
// when Email is set, alert policies on dead letters, on the
// age of the oldest undelivered message and on function 5xx responses, and a dashboard.
type Alerts struct {
	pulumi.ResourceState

	LogBucket *logging.ProjectBucketConfig
	Topic     *pubsub.Topic
	Channel   *monitoring.NotificationChannel
	Policies  []*monitoring.AlertPolicy
	Dashboard *monitoring.Dashboard

	// TopicID is the alerts topic; ChannelName its notification channel.
	TopicID       pulumi.StringOutput `pulumi:"topicId"`
	ChannelName   pulumi.StringOutput `pulumi:"channelName"`
	DashboardName pulumi.StringOutput `pulumi:"dashboardName"`
	LogBucketName pulumi.StringOutput `pulumi:"logBucketName"`
}

// NewAlerts creates the log bucket and sink, the channel, the policies and the dashboard.
func NewAlerts(ctx *pulumi.Context, name string, args *AlertsArgs, opts ...pulumi.ResourceOption) (*Alerts, error) {
	if args == nil {
		return nil, errors.New("alerts: args are required")
	}
	if err := checkName("alerts", name, 90); err != nil {
		return nil, err
	}
	if err := checkPlace("alerts", args.Project, args.Region); err != nil {
		return nil, err
	}
	if args.Email != "" {
		if a, err := mail.ParseAddress(args.Email); err != nil || a.Address != args.Email {
			return nil, fmt.Errorf("alerts: Email %q is not a plain e-mail address", args.Email)
		}
	}
	switch {
	case args.KeyID == nil || args.MonitoringAgent == nil:
		return nil, errors.New("alerts: KeyID and MonitoringAgent are required")
	case len(args.Queues) == 0 || len(args.Functions) == 0:
		return nil, errors.New("alerts: Queues and Functions are required")
	case args.LogRetentionDays < 1 || args.LogRetentionDays > 3650:
		return nil, fmt.Errorf("alerts: LogRetentionDays %d is outside 1..3650", args.LogRetentionDays)
	}
	a := &Alerts{}
	if err := ctx.RegisterComponentResource(AlertsType, name, a, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(a)
	project := pulumi.String(args.Project)
	var err error
	a.LogBucket, err = logging.NewProjectBucketConfig(ctx, name+"-logs", &logging.ProjectBucketConfigArgs{
		Project:       project,
		Location:      pulumi.String(args.Region),
		BucketId:      pulumi.String(name + "-logs"),
		RetentionDays: pulumi.IntPtr(args.LogRetentionDays),
		Description:   pulumi.String("ottkit function logs"),
	}, parent)
	if err != nil {
		return nil, err
	}
	if _, err := logging.NewProjectSink(ctx, name+"-sink", &logging.ProjectSinkArgs{
		Project:              project,
		Name:                 pulumi.String(name + "-functions"),
		Destination:          pulumi.Sprintf("logging.googleapis.com/projects/%s/locations/%s/buckets/%s", args.Project, args.Region, a.LogBucket.BucketId),
		Filter:               pulumi.Sprintf(`resource.type="cloud_run_revision" AND resource.labels.service_name=~"^%s-"`, prefixOf(name)),
		UniqueWriterIdentity: pulumi.Bool(true),
	}, parent); err != nil {
		return nil, err
	}
	a.Topic, err = pubsub.NewTopic(ctx, name+"-topic", &pubsub.TopicArgs{
		Project: project, Name: pulumi.String(name), KmsKeyName: args.KeyID,
		MessageStoragePolicy: &pubsub.TopicMessageStoragePolicyArgs{
			AllowedPersistenceRegions: pulumi.StringArray{pulumi.String(args.Region)},
		},
		Labels: labelsOrEmpty(args.Labels),
	}, parent)
	if err != nil {
		return nil, err
	}
	if _, err := pubsub.NewTopicIAMMember(ctx, name+"-topic-publisher", &pubsub.TopicIAMMemberArgs{
		Project: project, Topic: a.Topic.Name, Role: pulumi.String("roles/pubsub.publisher"), Member: saMember(args.MonitoringAgent),
	}, parent); err != nil {
		return nil, err
	}
	a.Channel, err = monitoring.NewNotificationChannel(ctx, name+"-channel", &monitoring.NotificationChannelArgs{
		Project:     project,
		DisplayName: pulumi.String(name + " topic"),
		Type:        pulumi.String("pubsub"),
		Labels:      pulumi.StringMap{"topic": a.Topic.ID()},
		UserLabels:  labelsOrEmpty(args.Labels),
	}, parent)
	if err != nil {
		return nil, err
	}
	channels := pulumi.StringArray{a.Channel.Name}
	if args.Email != "" {
		email, err := monitoring.NewNotificationChannel(ctx, name+"-email", &monitoring.NotificationChannelArgs{
			Project:     project,
			DisplayName: pulumi.String(name + " e-mail"),
			Type:        pulumi.String("email"),
			Labels:      pulumi.StringMap{"email_address": pulumi.String(args.Email)},
			UserLabels:  labelsOrEmpty(args.Labels),
		}, parent)
		if err != nil {
			return nil, err
		}
		channels = append(channels, email.Name)
	}
	policy := func(role, title string, filter pulumi.StringInput, duration string, threshold float64, align string) error {
		p, err := monitoring.NewAlertPolicy(ctx, name+"-"+role, &monitoring.AlertPolicyArgs{
			Project:     project,
			DisplayName: pulumi.String(title),
			Combiner:    pulumi.String("OR"),
			Conditions: monitoring.AlertPolicyConditionArray{monitoring.AlertPolicyConditionArgs{
				DisplayName: pulumi.String(title),
				ConditionThreshold: &monitoring.AlertPolicyConditionConditionThresholdArgs{
					Filter:         filter,
					Comparison:     pulumi.String("COMPARISON_GT"),
					ThresholdValue: pulumi.Float64Ptr(threshold),
					Duration:       pulumi.String(duration),
					Aggregations: monitoring.AlertPolicyConditionConditionThresholdAggregationArray{
						monitoring.AlertPolicyConditionConditionThresholdAggregationArgs{
							AlignmentPeriod:  pulumi.String("300s"),
							PerSeriesAligner: pulumi.String(align),
						},
					},
				},
			}},
			NotificationChannels: channels,
			UserLabels:           labelsOrEmpty(args.Labels),
		}, parent)
		if err == nil {
			a.Policies = append(a.Policies, p)
		}
		return err
	}
	subscription := func(sub pulumi.StringInput, metric string) pulumi.StringOutput {
		return pulumi.Sprintf(`resource.type = "pubsub_subscription" AND resource.labels.subscription_id = "%s" AND metric.type = "pubsub.googleapis.com/subscription/%s"`, sub, metric)
	}
	for _, q := range args.Queues {
		if q.Label == "" || q.Subscription == nil || q.DeadLetter == nil {
			return nil, errors.New("alerts: every queue needs a Label, a Subscription and a DeadLetter")
		}
		slug := slugOf(q.Label)
		// A dead letter means a message failed MaxDeliveryAttempts times: alert on the first.
		if err := policy(slug+"-dead-letters", q.Label+": messages dead-lettered",
			subscription(q.DeadLetter, "num_undelivered_messages"), "0s", 0, "ALIGN_MAX"); err != nil {
			return nil, err
		}
		if err := policy(slug+"-backlog", q.Label+": oldest message older than 15 minutes",
			subscription(q.Subscription, "oldest_unacked_message_age"), "300s", 900, "ALIGN_MAX"); err != nil {
			return nil, err
		}
	}
	if err := policy("function-errors", name+": function 5xx responses",
		pulumi.String(fmt.Sprintf(`resource.type = "cloud_run_revision" AND resource.labels.service_name = starts_with("%s-") AND metric.type = "run.googleapis.com/request_count" AND metric.labels.response_code_class = "5xx"`, prefixOf(name))),
		"300s", 5, "ALIGN_SUM"); err != nil {
		return nil, err
	}
	dash, _ := json.Marshal(dashboard(name, prefixOf(name))) // maps of strings and numbers always marshal
	a.Dashboard, err = monitoring.NewDashboard(ctx, name+"-dashboard", &monitoring.DashboardArgs{
		Project:       project,
		DashboardJson: pulumi.String(string(dash)),
	}, parent)
	if err != nil {
		return nil, err
	}
	a.DashboardName, a.LogBucketName = a.Dashboard.ID().ToStringOutput(), a.LogBucket.Name
	a.TopicID, a.ChannelName = a.Topic.ID().ToStringOutput(), a.Channel.Name
	return a, ctx.RegisterResourceOutputs(a, pulumi.Map{
		"topicId": a.TopicID, "channelName": a.ChannelName, "dashboardName": a.DashboardName, "logBucketName": a.LogBucketName,
	})
}

// prefixOf is the stack prefix of a component named "<prefix>-alerts".
func prefixOf(name string) string {
	if i := strings.LastIndex(name, "-"); i > 0 {
		return name[:i]
	}
	return name
}

func slugOf(label string) string {
	return strings.Trim(strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			return r
		case r >= 'A' && r <= 'Z':
			return r + 'a' - 'A'
		}
		return '-'
	}, label), "-")
}

// dashboard is the Cloud Monitoring dashboard: undelivered and dead-lettered messages per
// subscription, and function requests and latencies by response class.
func dashboard(name, prefix string) map[string]any {
	chart := func(title, filter, aligner string) map[string]any {
		return map[string]any{"title": title, "xyChart": map[string]any{"dataSets": []any{map[string]any{
			"timeSeriesQuery": map[string]any{"timeSeriesFilter": map[string]any{
				"filter":      filter,
				"aggregation": map[string]any{"alignmentPeriod": "60s", "perSeriesAligner": aligner},
			}},
			"plotType": "LINE",
		}}}}
	}
	sub := fmt.Sprintf(`resource.type="pubsub_subscription" AND resource.labels.subscription_id=starts_with("%s-")`, prefix)
	run := fmt.Sprintf(`resource.type="cloud_run_revision" AND resource.labels.service_name=starts_with("%s-")`, prefix)
	return map[string]any{
		"displayName": name,
		"gridLayout": map[string]any{"columns": "2", "widgets": []any{
			chart("Undelivered messages", sub+` AND metric.type="pubsub.googleapis.com/subscription/num_undelivered_messages"`, "ALIGN_MAX"),
			chart("Oldest unacked message age", sub+` AND metric.type="pubsub.googleapis.com/subscription/oldest_unacked_message_age"`, "ALIGN_MAX"),
			chart("Function requests", run+` AND metric.type="run.googleapis.com/request_count"`, "ALIGN_RATE"),
			chart("Function latency (p99)", run+` AND metric.type="run.googleapis.com/request_latencies"`, "ALIGN_PERCENTILE_99"),
		}},
	}
}
