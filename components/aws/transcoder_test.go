package aws

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ottkit/ottkit/components/offline"
)

func edgeTranscoderArgs() *TranscoderArgs {
	return &TranscoderArgs{
		MastersBucketArn:  pulumi.String("arn:aws:s3:::acme-dev-masters"),
		DeliveryBucketArn: pulumi.String("arn:aws:s3:::acme-dev-delivery"),
		KeyArn:            pulumi.String(edgeKeyArn),
		Tags:              edgeTags(),
	}
}

const edgeMediaConvertQueueArn = "arn:aws:mediaconvert:us-east-1:123456789012:queues/acme-dev-transcoder-queue"

func TestTranscoderType(t *testing.T) {
	if TranscoderType != "ottkit:aws:Transcoder" {
		t.Errorf("TranscoderType = %q, want ottkit:aws:Transcoder", TranscoderType)
	}
}

func TestTranscoderResources(t *testing.T) {
	res := edgeRun(t, func(ctx *pulumi.Context) error {
		_, err := NewTranscoder(ctx, "acme-dev-transcoder", edgeTranscoderArgs())
		return err
	})
	_, children := edgeComponent(t, res, TranscoderType, "acme-dev-transcoder")
	want := []string{
		"aws:iam/role:Role acme-dev-transcoder-role",
		"aws:iam/rolePolicy:RolePolicy acme-dev-transcoder-policy",
		"aws:mediaconvert/queue:Queue acme-dev-transcoder-queue",
	}
	if !reflect.DeepEqual(children, want) {
		t.Errorf("children =\n%s\nwant\n%s", strings.Join(children, "\n"), strings.Join(want, "\n"))
	}

	q := edgeMust(t, res, "aws:mediaconvert/queue:Queue", "acme-dev-transcoder-queue").Inputs
	if q["pricingPlan"] != "ON_DEMAND" || q["status"] != "ACTIVE" {
		t.Errorf("queue pricing %v status %v, want ON_DEMAND ACTIVE", q["pricingPlan"], q["status"])
	}

	trust := parsePolicy(t, edgeMust(t, res, "aws:iam/role:Role", "acme-dev-transcoder-role").Inputs["assumeRolePolicy"])
	if len(trust) != 1 || !reflect.DeepEqual(trust[0].Principal, map[string]any{"Service": []any{"mediaconvert.amazonaws.com"}}) {
		t.Fatalf("trust = %+v, want one statement for mediaconvert.amazonaws.com", trust)
	}
	if got := trust[0].Condition["StringEquals"]["aws:SourceAccount"]; !reflect.DeepEqual(got, []string{offline.Account}) {
		t.Errorf("trust aws:SourceAccount = %v, want [%s]", got, offline.Account)
	}

	stmts := parsePolicy(t, edgeMust(t, res, "aws:iam/rolePolicy:RolePolicy", "acme-dev-transcoder-policy").Inputs["policy"])
	edgeCheckScoped(t, stmts)
	var got []string
	for _, s := range stmts {
		for _, a := range s.Action {
			for _, r := range s.Resource {
				got = append(got, a+" "+r)
			}
		}
	}
	sort.Strings(got)
	wantGrants := []string{
		"kms:Decrypt " + edgeKeyArn,
		"kms:GenerateDataKey " + edgeKeyArn,
		"s3:GetObject arn:aws:s3:::acme-dev-masters/*",
		"s3:PutObject arn:aws:s3:::acme-dev-delivery/assets/*",
	}
	if !reflect.DeepEqual(got, wantGrants) {
		t.Errorf("role grants =\n%s\nwant exactly\n%s", strings.Join(got, "\n"), strings.Join(wantGrants, "\n"))
	}
}

// edgeMatches is EventBridge matching for patterns of exact values: every pattern field
// must be present in the event, with a value among the listed ones.
func edgeMatches(pattern, event map[string]any) bool {
	for k, p := range pattern {
		v, ok := event[k]
		if !ok {
			return false
		}
		switch p := p.(type) {
		case map[string]any:
			sub, ok := v.(map[string]any)
			if !ok || !edgeMatches(p, sub) {
				return false
			}
		case []any:
			found := false
			for _, want := range p {
				if reflect.DeepEqual(v, want) {
					found = true
				}
			}
			if !found {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// TestJobEventPatternMatchesRealEvents replays the MediaConvert events the functions' tests
// use: each matches when it comes from this queue, and not from another queue; S3 events
// never match.
func TestJobEventPatternMatchesRealEvents(t *testing.T) {
	text, err := JobEventPattern(edgeMediaConvertQueueArn)
	if err != nil {
		t.Fatal(err)
	}
	var pattern map[string]any
	if err := json.Unmarshal([]byte(text), &pattern); err != nil {
		t.Fatalf("pattern is not JSON: %v", err)
	}
	files, err := filepath.Glob("../../functions/aws/eventbridge/testdata/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no event fixtures: %v", err)
	}
	var mediaconvert int
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var event map[string]any
			if err := json.Unmarshal(b, &event); err != nil {
				t.Fatal(err)
			}
			if event["source"] != "aws.mediaconvert" {
				if edgeMatches(pattern, event) {
					t.Errorf("pattern matches a %v event", event["source"])
				}
				return
			}
			mediaconvert++
			if edgeMatches(pattern, event) {
				t.Errorf("pattern matches an event of another queue (%v)", edgeGet(event, "detail", "queue"))
			}
			event["detail"].(map[string]any)["queue"] = edgeMediaConvertQueueArn
			if !edgeMatches(pattern, event) {
				t.Errorf("pattern %s does not match this queue's %v event", text, edgeGet(event, "detail", "status"))
			}
		})
	}
	if mediaconvert == 0 {
		t.Error("no MediaConvert event among the fixtures")
	}
	if _, err := JobEventPattern(""); err == nil {
		t.Error("JobEventPattern(\"\") succeeded, want an error")
	}
}

// TestTranscoderFeedsTheEventsQueue wires the Transcoder to the events WorkQueue the way the
// platform does and checks the rule and the queue policy admit exactly this queue's events.
func TestTranscoderFeedsTheEventsQueue(t *testing.T) {
	res := edgeRun(t, func(ctx *pulumi.Context) error {
		tr, err := NewTranscoder(ctx, "acme-dev-transcoder", edgeTranscoderArgs())
		if err != nil {
			return err
		}
		_, err = NewWorkQueue(ctx, "acme-dev-events", &WorkQueueArgs{
			KeyArn:                 pulumi.String(edgeKeyArn),
			ConsumerTimeoutSeconds: 60,
			AlarmActions:           pulumi.StringArray{pulumi.String(edgeTopicArn)},
			EventPattern:           tr.JobEventPattern,
		})
		return err
	})
	rules := res.OfType("aws:cloudwatch/eventRule:EventRule")
	if len(rules) != 1 {
		t.Fatalf("%d event rules, want 1: %v", len(rules), res.Inventory())
	}
	var pattern map[string]any
	if err := json.Unmarshal([]byte(rules[0].Inputs["eventPattern"].(string)), &pattern); err != nil {
		t.Fatal(err)
	}
	if got := edgeGet(pattern, "detail", "queue"); !reflect.DeepEqual(got, []any{edgeMediaConvertQueueArn}) {
		t.Errorf("rule matches queues %v, want [%s]", got, edgeMediaConvertQueueArn)
	}
	ruleArn := rules[0].Outputs["arn"]
	var admitted bool
	for _, p := range res.OfType("aws:sqs/queuePolicy:QueuePolicy") {
		for _, s := range parsePolicy(t, p.Inputs["policy"]) {
			if s.Effect == "Allow" && reflect.DeepEqual(s.Principal, map[string]any{"Service": []any{"events.amazonaws.com"}}) {
				if got := s.Condition["ArnEquals"]["aws:SourceArn"]; !reflect.DeepEqual(got, []string{ruleArn.(string)}) {
					t.Errorf("queue admits EventBridge from %v, want only %v", got, ruleArn)
				}
				admitted = true
			}
		}
	}
	if !admitted {
		t.Error("no queue policy admits events.amazonaws.com")
	}
}

func TestTranscoderValidation(t *testing.T) {
	tests := []struct {
		name   string
		tName  string
		mutate func(a *TranscoderArgs)
		want   string
	}{
		{"nil args", "acme-dev-transcoder", nil, "args are required"},
		{"bad name", "Acme Dev", func(a *TranscoderArgs) {}, `name "Acme Dev" must be lowercase`},
		{"no masters", "acme-dev-transcoder", func(a *TranscoderArgs) { a.MastersBucketArn = nil }, "MastersBucketArn is required"},
		{"no delivery", "acme-dev-transcoder", func(a *TranscoderArgs) { a.DeliveryBucketArn = nil }, "DeliveryBucketArn is required"},
		{"no key", "acme-dev-transcoder", func(a *TranscoderArgs) { a.KeyArn = nil }, "KeyArn is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var args *TranscoderArgs
			if tt.mutate != nil {
				args = edgeTranscoderArgs()
				tt.mutate(args)
			}
			res, err := edgeRunFailing(t, func(ctx *pulumi.Context) error {
				_, err := NewTranscoder(ctx, tt.tName, args)
				return err
			})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("NewTranscoder error = %v, want it to contain %q", err, tt.want)
			}
			if len(res.Resources) != 0 {
				t.Errorf("a rejected transcoder registered %v", res.Inventory())
			}
		})
	}
}
