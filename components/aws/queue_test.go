package aws

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

const platTopic = "arn:aws:sns:us-east-1:123456789012:acme-prod-alerts-alarms"

func TestWorkQueueChildren(t *testing.T) {
	tests := []struct {
		name    string
		pattern pulumi.StringInput
		extra   []string
	}{
		{"without events", nil, nil},
		{"fed by EventBridge", pulumi.String(`{"source":["aws.s3"]}`), []string{
			"aws:cloudwatch/eventRule:EventRule acme-prod-ingest-rule",
			"aws:cloudwatch/eventTarget:EventTarget acme-prod-ingest-target",
			"aws:cloudwatch/metricAlarm:MetricAlarm acme-prod-ingest-delivery-failed",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := platRun(t, func(ctx *pulumi.Context) error {
				_, err := NewWorkQueue(ctx, "acme-prod-ingest", &WorkQueueArgs{KeyArn: pulumi.String(platKeyArn),
					ConsumerTimeoutSeconds: 60, EventPattern: tt.pattern})
				return err
			})
			want := append([]string{
				"aws:sqs/queue:Queue acme-prod-ingest-queue",
				"aws:sqs/queue:Queue acme-prod-ingest-dlq",
				"aws:sqs/redriveAllowPolicy:RedriveAllowPolicy acme-prod-ingest-redrive-allow",
				"aws:sqs/queuePolicy:QueuePolicy acme-prod-ingest-policy",
				"aws:sqs/queuePolicy:QueuePolicy acme-prod-ingest-dlq-policy",
				"aws:cloudwatch/metricAlarm:MetricAlarm acme-prod-ingest-dlq-depth",
				"aws:cloudwatch/metricAlarm:MetricAlarm acme-prod-ingest-age",
			}, tt.extra...)
			sortStrings(want)
			platDiff(t, "WorkQueue children", platChildren(t, res, WorkQueueType, "acme-prod-ingest"), want)
		})
	}
}

func TestWorkQueueSettings(t *testing.T) {
	res := platRun(t, func(ctx *pulumi.Context) error {
		_, err := NewWorkQueue(ctx, "acme-prod-ingest", &WorkQueueArgs{
			KeyArn: pulumi.String(platKeyArn), ConsumerTimeoutSeconds: 60, MaxReceiveCount: 4, MaxAgeSeconds: 600,
			AlarmActions: pulumi.StringArray{pulumi.String(platTopic)},
			EventPattern: pulumi.String(`{"source":["aws.s3"]}`),
		})
		return err
	})
	q := platMust(t, res, "aws:sqs/queue:Queue", "acme-prod-ingest-queue")
	dlq := platMust(t, res, "aws:sqs/queue:Queue", "acme-prod-ingest-dlq")
	if got := q.Inputs["visibilityTimeoutSeconds"]; got != 360.0 {
		t.Errorf("visibility timeout %v, want 6 x 60", got)
	}
	for _, r := range []map[string]any{q.Inputs, dlq.Inputs} {
		if r["kmsMasterKeyId"] != platKeyArn {
			t.Errorf("queue %v not encrypted with the stack key", r["name"])
		}
	}
	if q.Inputs["name"] != "acme-prod-ingest-queue" || dlq.Inputs["name"] != "acme-prod-ingest-dlq" {
		t.Errorf("physical names %v, %v", q.Inputs["name"], dlq.Inputs["name"])
	}
	if dlq.Inputs["messageRetentionSeconds"].(float64) <= q.Inputs["messageRetentionSeconds"].(float64) {
		t.Errorf("dead-letter retention %v must exceed the queue's %v", dlq.Inputs["messageRetentionSeconds"], q.Inputs["messageRetentionSeconds"])
	}
	var redrive map[string]any
	if err := json.Unmarshal([]byte(q.Inputs["redrivePolicy"].(string)), &redrive); err != nil {
		t.Fatal(err)
	}
	if redrive["maxReceiveCount"] != 4.0 || redrive["deadLetterTargetArn"] != "arn:aws:sqs:us-east-1:123456789012:acme-prod-ingest-dlq" {
		t.Errorf("redrive policy %v", redrive)
	}
	allow := platMust(t, res, "aws:sqs/redriveAllowPolicy:RedriveAllowPolicy", "acme-prod-ingest-redrive-allow")
	var allowDoc map[string]any
	if err := json.Unmarshal([]byte(allow.Inputs["redriveAllowPolicy"].(string)), &allowDoc); err != nil {
		t.Fatal(err)
	}
	if allowDoc["redrivePermission"] != "byQueue" || !reflect.DeepEqual(allowDoc["sourceQueueArns"], []any{"arn:aws:sqs:us-east-1:123456789012:acme-prod-ingest-queue"}) {
		t.Errorf("redrive allow policy %v, want only the work queue", allowDoc)
	}
	if allow.Inputs["queueUrl"] != "https://sqs.us-east-1.amazonaws.com/123456789012/acme-prod-ingest-dlq" {
		t.Errorf("redrive allow policy on %v, want the DLQ", allow.Inputs["queueUrl"])
	}

	stmts := parsePolicy(t, platMust(t, res, "aws:sqs/queuePolicy:QueuePolicy", "acme-prod-ingest-policy").Inputs["policy"])
	send := platSid(t, stmts, "EventBridgeRuleSends")
	if !reflect.DeepEqual(send.Action, []string{"sqs:SendMessage"}) ||
		!reflect.DeepEqual(send.Condition["ArnEquals"]["aws:SourceArn"], []string{"arn:aws:events:us-east-1:123456789012:rule/acme-prod-ingest-rule"}) {
		t.Errorf("EventBridge statement %+v: want SendMessage from the rule only", send)
	}
	if tls := platSid(t, stmts, "DenyInsecureTransport"); tls.Effect != "Deny" {
		t.Errorf("TLS statement %+v", tls)
	}
	// The dead-letter queue takes what the rule cannot deliver, from that rule alone.
	dlqPolicy := platMust(t, res, "aws:sqs/queuePolicy:QueuePolicy", "acme-prod-ingest-dlq-policy")
	dlqStmts := parsePolicy(t, dlqPolicy.Inputs["policy"])
	if len(dlqStmts) != 2 || platSid(t, dlqStmts, "DenyInsecureTransport").Effect != "Deny" ||
		!reflect.DeepEqual(platSid(t, dlqStmts, "EventBridgeRuleSends").Condition["ArnEquals"]["aws:SourceArn"],
			[]string{"arn:aws:events:us-east-1:123456789012:rule/acme-prod-ingest-rule"}) {
		t.Errorf("DLQ policy %+v, want TLS only and SendMessage from the rule", dlqStmts)
	}
	target := platMust(t, res, "aws:cloudwatch/eventTarget:EventTarget", "acme-prod-ingest-target")
	if target.Inputs["arn"] != "arn:aws:sqs:us-east-1:123456789012:acme-prod-ingest-queue" || target.Inputs["rule"] != "acme-prod-ingest-rule" {
		t.Errorf("target %v", target.Inputs)
	}
	if got := platAt(target.Inputs, "deadLetterConfig", "arn"); got != "arn:aws:sqs:us-east-1:123456789012:acme-prod-ingest-dlq" {
		t.Errorf("target dead-letter queue %v, want the work queue's", got)
	}
	if got := platAt(target.Inputs, "retryPolicy", "maximumEventAgeInSeconds"); got != 86400.0 {
		t.Errorf("target retries for %v s, want a day", got)
	}
	if !slicesContain(target.DependsOn, dlqPolicy.URN) {
		t.Errorf("target depends on %v, want the DLQ policy (%s) that admits the rule", target.DependsOn, dlqPolicy.URN)
	}
	lost := platMust(t, res, "aws:cloudwatch/metricAlarm:MetricAlarm", "acme-prod-ingest-delivery-failed")
	queries := lost.Inputs["metricQueries"].([]any)
	metrics := map[string]any{}
	for _, q := range queries {
		q := q.(map[string]any)
		if m, ok := q["metric"].(map[string]any); ok {
			metrics[m["metricName"].(string)] = m["dimensions"]
		}
	}
	for _, m := range []string{"FailedInvocations", "InvocationsFailedToBeSentToDlq"} {
		if !reflect.DeepEqual(metrics[m], map[string]any{"RuleName": "acme-prod-ingest-rule"}) {
			t.Errorf("delivery alarm watches %s of %v, want the rule", m, metrics[m])
		}
	}
	if !reflect.DeepEqual(lost.Inputs["alarmActions"], []any{platTopic}) || lost.Inputs["threshold"] != 1.0 {
		t.Errorf("delivery alarm %v", lost.Inputs)
	}
	if rule := platMust(t, res, "aws:cloudwatch/eventRule:EventRule", "acme-prod-ingest-rule"); rule.Inputs["eventPattern"] != `{"source":["aws.s3"]}` {
		t.Errorf("rule pattern %v", rule.Inputs["eventPattern"])
	}

	for name, want := range map[string]struct {
		metric, queue string
		threshold     float64
	}{
		"acme-prod-ingest-dlq-depth": {"ApproximateNumberOfMessagesVisible", "acme-prod-ingest-dlq", 0},
		"acme-prod-ingest-age":       {"ApproximateAgeOfOldestMessage", "acme-prod-ingest-queue", 600},
	} {
		a := platMust(t, res, "aws:cloudwatch/metricAlarm:MetricAlarm", name)
		if a.Inputs["metricName"] != want.metric || platAt(a.Inputs, "dimensions", "QueueName") != want.queue ||
			a.Inputs["threshold"] != want.threshold || a.Inputs["comparisonOperator"] != "GreaterThanThreshold" {
			t.Errorf("alarm %s = %v, want %+v", name, a.Inputs, want)
		}
		if !reflect.DeepEqual(a.Inputs["alarmActions"], []any{platTopic}) || a.Inputs["name"] != name {
			t.Errorf("alarm %s actions %v name %v", name, a.Inputs["alarmActions"], a.Inputs["name"])
		}
	}
}

func TestWorkQueueValidation(t *testing.T) {
	key := pulumi.String(platKeyArn)
	tests := []struct {
		name string
		args *WorkQueueArgs
		want string
	}{
		{"nil", nil, "work queue: args are required"},
		{"key", &WorkQueueArgs{ConsumerTimeoutSeconds: 60}, "work queue: KeyArn is required"},
		{"consumer timeout", &WorkQueueArgs{KeyArn: key}, "ConsumerTimeoutSeconds 0 is outside 1..900"},
		{"visibility below 6x", &WorkQueueArgs{KeyArn: key, ConsumerTimeoutSeconds: 60, VisibilityTimeoutSeconds: 300}, "VisibilityTimeoutSeconds 300 is below 6 x the consumer timeout 60"},
		{"visibility above max", &WorkQueueArgs{KeyArn: key, ConsumerTimeoutSeconds: 60, VisibilityTimeoutSeconds: 50000}, "above SQS's maximum 43200"},
		{"receive count", &WorkQueueArgs{KeyArn: key, ConsumerTimeoutSeconds: 60, MaxReceiveCount: 1001}, "MaxReceiveCount 1001 is outside 1..1000"},
		{"age", &WorkQueueArgs{KeyArn: key, ConsumerTimeoutSeconds: 60, MaxAgeSeconds: 10}, "MaxAgeSeconds 10 is outside 60.."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err, n := platRunFailing(t, func(ctx *pulumi.Context) error {
				_, err := NewWorkQueue(ctx, "acme-prod-ingest", tt.args)
				return err
			})
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want it to contain %q", err, tt.want)
			}
			if n != 0 {
				t.Errorf("%d resources registered before validation failed, want 0", n)
			}
		})
	}
}
