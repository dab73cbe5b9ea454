package aws

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Two alarms of the stack; the topic admits exactly these.
const (
	alarmA = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:acme-prod-fn-api-errors"
	alarmB = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:acme-prod-ingest-age"
)

// TestAlertsAdmitsAlarmsOnce: a second AdmitAlarms would write a second policy for one topic.
func TestAlertsAdmitsAlarmsOnce(t *testing.T) {
	err, _ := platRunFailing(t, func(ctx *pulumi.Context) error {
		al, err := NewAlerts(ctx, "acme-prod-alerts", &AlertsArgs{Prefix: "acme-prod", KeyArn: pulumi.String(platKeyArn)})
		if err != nil {
			return err
		}
		if err := al.AdmitAlarms(ctx, pulumi.StringArray{pulumi.String(alarmA)}); err != nil {
			return err
		}
		return al.AdmitAlarms(ctx, pulumi.StringArray{pulumi.String(alarmB)})
	})
	if err == nil || !strings.Contains(err.Error(), "AdmitAlarms called twice") {
		t.Errorf("error %v, want AdmitAlarms called twice", err)
	}
}

func TestAlerts(t *testing.T) {
	tests := []struct {
		name  string
		email string
	}{{"with e-mail", "oncall@acme.example"}, {"without e-mail", ""}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := platRun(t, func(ctx *pulumi.Context) error {
				al, err := NewAlerts(ctx, "acme-prod-alerts", &AlertsArgs{Prefix: "acme-prod", KeyArn: pulumi.String(platKeyArn), Email: tt.email})
				if err != nil {
					return err
				}
				return al.AdmitAlarms(ctx, pulumi.StringArray{pulumi.String(alarmA), pulumi.String(alarmB)})
			})
			want := []string{
				"aws:sns/topic:Topic acme-prod-alerts-alarms",
				"aws:sns/topic:Topic acme-prod-alerts-notify",
				"aws:sns/topicPolicy:TopicPolicy acme-prod-alerts-alarms-policy",
				"aws:sns/topicPolicy:TopicPolicy acme-prod-alerts-notify-policy",
			}
			if tt.email != "" {
				want = append(want, "aws:sns/topicSubscription:TopicSubscription acme-prod-alerts-email")
			}
			sortStrings(want)
			platDiff(t, "Alerts children", platChildren(t, res, AlertsType, "acme-prod-alerts"), want)
			for _, n := range []string{"acme-prod-alerts-alarms", "acme-prod-alerts-notify"} {
				if topic := platMust(t, res, "aws:sns/topic:Topic", n); topic.Inputs["kmsMasterKeyId"] != platKeyArn || topic.Inputs["name"] != n {
					t.Errorf("topic %s: %v, want it named so and encrypted with the stack key", n, topic.Inputs)
				}
			}
			stmts := parsePolicy(t, platMust(t, res, "aws:sns/topicPolicy:TopicPolicy", "acme-prod-alerts-alarms-policy").Inputs["policy"])
			pub := platSid(t, stmts, "CloudWatchAlarmsPublish")
			if !reflect.DeepEqual(pub.Principal, map[string]any{"Service": []any{"cloudwatch.amazonaws.com"}}) ||
				!reflect.DeepEqual(pub.Action, []string{"sns:Publish"}) ||
				!reflect.DeepEqual(pub.Condition["ArnEquals"]["aws:SourceArn"], []string{alarmA, alarmB}) ||
				!reflect.DeepEqual(pub.Condition["StringEquals"]["aws:SourceAccount"], []string{"123456789012"}) {
				t.Errorf("alarm publish statement %+v", pub)
			}
			if tls := platSid(t, stmts, "DenyInsecureTransport"); tls.Effect != "Deny" {
				t.Errorf("TLS statement %+v", tls)
			}
			if tt.email != "" {
				sub := platMust(t, res, "aws:sns/topicSubscription:TopicSubscription", "acme-prod-alerts-email")
				if sub.Inputs["protocol"] != "email" || sub.Inputs["endpoint"] != tt.email ||
					sub.Inputs["topic"] != "arn:aws:sns:us-east-1:123456789012:acme-prod-alerts-alarms" {
					t.Errorf("subscription %v", sub.Inputs)
				}
			}
		})
	}
}

func TestAlertsValidation(t *testing.T) {
	for _, tt := range []struct {
		name string
		args *AlertsArgs
		want string
	}{
		{"nil", nil, "alerts: args are required"},
		{"key", &AlertsArgs{Prefix: "acme-prod"}, "alerts: KeyArn is required"},
		{"prefix", &AlertsArgs{KeyArn: pulumi.String(platKeyArn)}, "alerts: Prefix"},
		{"email", &AlertsArgs{Prefix: "acme-prod", KeyArn: pulumi.String(platKeyArn), Email: "oncall"}, `alerts: Email "oncall"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err, n := platRunFailing(t, func(ctx *pulumi.Context) error {
				_, err := NewAlerts(ctx, "acme-prod-alerts", tt.args)
				return err
			})
			if !strings.Contains(err.Error(), tt.want) || n != 0 {
				t.Errorf("error %v after %d registrations, want %q before any", err, n, tt.want)
			}
		})
	}
}

func TestDashboard(t *testing.T) {
	res := platRun(t, func(ctx *pulumi.Context) error {
		_, err := NewDashboard(ctx, "acme-prod-dashboard", &DashboardArgs{
			Region:        "eu-west-1",
			Queues:        []DashboardQueue{{Label: "Ingest", Name: pulumi.String("acme-prod-ingest-queue"), DeadLetterName: pulumi.String("acme-prod-ingest-dlq")}},
			FunctionNames: []pulumi.StringInput{pulumi.String("acme-prod-fn-ingest"), pulumi.String("acme-prod-fn-api")},
			TableName:     pulumi.String("acme-prod-catalog-table"),
		})
		return err
	})
	d := platMust(t, res, "aws:cloudwatch/dashboard:Dashboard", "acme-prod-dashboard")
	if d.Inputs["dashboardName"] != "acme-prod-dashboard" {
		t.Errorf("dashboard name %v", d.Inputs["dashboardName"])
	}
	var body struct {
		Widgets []struct {
			Properties struct {
				Title, Region string
				Metrics       [][]any
			}
		}
	}
	if err := json.Unmarshal([]byte(d.Inputs["dashboardBody"].(string)), &body); err != nil {
		t.Fatal(err)
	}
	var titles []string
	seen := map[string]bool{}
	for _, w := range body.Widgets {
		titles = append(titles, w.Properties.Title)
		if w.Properties.Region != "eu-west-1" {
			t.Errorf("widget %q in region %q", w.Properties.Title, w.Properties.Region)
		}
		for _, m := range w.Properties.Metrics {
			seen[m[0].(string)+" "+m[1].(string)+" "+m[3].(string)] = true
		}
	}
	platDiff(t, "widgets", titles, []string{"Ingest queue", "Function errors and throttles", "Function duration p95 (ms)", "Catalog"})
	for _, m := range []string{
		"AWS/SQS ApproximateNumberOfMessagesVisible acme-prod-ingest-queue",
		"AWS/SQS ApproximateAgeOfOldestMessage acme-prod-ingest-queue",
		"AWS/SQS ApproximateNumberOfMessagesVisible acme-prod-ingest-dlq",
		"AWS/Lambda Errors acme-prod-fn-api",
		"AWS/Lambda Throttles acme-prod-fn-ingest",
		"AWS/Lambda Duration acme-prod-fn-ingest",
		"AWS/DynamoDB ThrottledRequests acme-prod-catalog-table",
	} {
		if !seen[m] {
			t.Errorf("dashboard lacks %s", m)
		}
	}
}
