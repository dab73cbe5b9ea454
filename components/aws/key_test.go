package aws

import (
	"reflect"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

func TestStackKey(t *testing.T) {
	tests := []struct {
		name        string
		destroyData bool
		window      float64
	}{{"retained", false, 30}, {"destroyable", true, 7}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := platRun(t, func(ctx *pulumi.Context) error {
				_, err := NewStackKey(ctx, "acme-prod-key", &StackKeyArgs{Prefix: "acme-prod", DestroyData: tt.destroyData,
					Consumers: KeyConsumers{
						AlarmTopic:   "acme-prod-alerts-alarms",
						EventQueues:  []string{"acme-prod-ingest-queue", "acme-prod-ingest-dlq"},
						LogGroups:    []string{"/aws/lambda/acme-prod-fn-api"},
						MediaStorage: "acme-prod-storage",
					},
					Tags: pulumi.StringMap{"ottkit:customer": pulumi.String("acme")}})
				return err
			})
			platDiff(t, "StackKey children", platChildren(t, res, StackKeyType, "acme-prod-key"), []string{
				"aws:kms/alias:Alias acme-prod-key-alias",
				"aws:kms/key:Key acme-prod-key-cmk",
			})
			key := platMust(t, res, "aws:kms/key:Key", "acme-prod-key-cmk")
			if key.Inputs["enableKeyRotation"] != true {
				t.Error("key rotation off")
			}
			if key.Inputs["deletionWindowInDays"] != tt.window {
				t.Errorf("deletion window %v, want %v", key.Inputs["deletionWindowInDays"], tt.window)
			}
			if key.RetainOnDelete == tt.destroyData {
				t.Errorf("retainOnDelete %v with DestroyData %v", key.RetainOnDelete, tt.destroyData)
			}
			if platAt(key.Inputs, "tags", "ottkit:customer") != "acme" {
				t.Errorf("key tags %v", key.Inputs["tags"])
			}
			if alias := platMust(t, res, "aws:kms/alias:Alias", "acme-prod-key-alias"); alias.Inputs["name"] != "alias/acme-prod" {
				t.Errorf("alias %v, want alias/acme-prod", alias.Inputs["name"])
			}
			checkKeyPolicy(t, parsePolicy(t, key.Inputs["policy"]))
		})
	}
}

func checkKeyPolicy(t *testing.T, stmts []policyStatement) {
	t.Helper()
	root := platSid(t, stmts, "AccountAdministersKey")
	if !reflect.DeepEqual(root.Principal, map[string]any{"AWS": []any{"arn:aws:iam::123456789012:root"}}) {
		t.Errorf("administrator %v, want the account root", root.Principal)
	}
	for _, need := range []string{"kms:PutKeyPolicy", "kms:ScheduleKeyDeletion", "kms:Decrypt", "kms:GenerateDataKey"} {
		if !slicesContain(root.Action, need) {
			t.Errorf("account statement lacks %s", need)
		}
	}
	for _, s := range stmts {
		for _, a := range s.Action {
			if a == "*" || strings.HasSuffix(a, ":*") {
				t.Errorf("statement %s grants %s", s.Sid, a)
			}
		}
		if s.Sid != "AccountAdministersKey" && len(s.Condition) == 0 {
			t.Errorf("service statement %s has no condition", s.Sid)
		}
	}
	// Every service statement names this stack's resources exactly: a prefix such as
	// acme-prod-* would match the stack of customer acme-prod, environment eu, too.
	want := map[string]struct {
		service, test, variable string
		values                  []string
	}{
		"CloudWatchAlarmsPublishEncrypted": {"cloudwatch.amazonaws.com", "StringEquals", "kms:EncryptionContext:aws:sns:topicArn",
			[]string{"arn:aws:sns:us-east-1:123456789012:acme-prod-alerts-alarms"}},
		"EventBridgeSendsToEncryptedQueues": {"events.amazonaws.com", "ArnEquals", "kms:EncryptionContext:aws:sqs:arn",
			[]string{"arn:aws:sqs:us-east-1:123456789012:acme-prod-ingest-dlq", "arn:aws:sqs:us-east-1:123456789012:acme-prod-ingest-queue"}}, // sorted
		"LogsEncryptLogGroups": {"logs.us-east-1.amazonaws.com", "ArnEquals", "kms:EncryptionContext:aws:logs:arn",
			[]string{"arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/acme-prod-fn-api"}},
		"CloudFrontReadsDelivery": {"cloudfront.amazonaws.com", "StringEquals", "kms:EncryptionContext:aws:s3:arn",
			[]string{"arn:aws:s3:::acme-prod-storage-delivery-123456789012"}},
	}
	for sid, w := range want {
		s := platSid(t, stmts, sid)
		if !reflect.DeepEqual(s.Principal, map[string]any{"Service": []any{w.service}}) {
			t.Errorf("%s principal %v, want %s", sid, s.Principal, w.service)
		}
		if got := s.Condition[w.test][w.variable]; !reflect.DeepEqual(got, w.values) {
			t.Errorf("%s condition %s %s = %v, want %v", sid, w.test, w.variable, got, w.values)
		}
	}
	if got := platSid(t, stmts, "CloudFrontReadsDelivery").Condition["ArnLike"]["aws:SourceArn"]; !reflect.DeepEqual(got, []string{"arn:aws:cloudfront::123456789012:distribution/*"}) {
		t.Errorf("CloudFront source %v, want this account's distributions", got)
	}
	if got := platSid(t, stmts, "CloudFrontReadsDelivery").Action; !reflect.DeepEqual(got, []string{"kms:Decrypt"}) {
		t.Errorf("CloudFront may %v, want kms:Decrypt only", got)
	}
}

func TestStackKeyValidation(t *testing.T) {
	for _, tt := range []struct {
		name string
		args *StackKeyArgs
		want string
	}{
		{"nil", nil, "stack key: args are required"},
		{"prefix", &StackKeyArgs{}, `stack key: Prefix: name "" must be lowercase`},
		{"prefix charset", &StackKeyArgs{Prefix: "Acme Prod"}, `name "Acme Prod" must be lowercase`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err, n := platRunFailing(t, func(ctx *pulumi.Context) error {
				_, err := NewStackKey(ctx, "acme-prod-key", tt.args)
				return err
			})
			if !strings.Contains(err.Error(), tt.want) || n != 0 {
				t.Errorf("error %v after %d registrations, want %q before any", err, n, tt.want)
			}
		})
	}
}

// TestKeyPolicyWithoutConsumers: a key no AWS service uses on its own grants services nothing.
func TestKeyPolicyWithoutConsumers(t *testing.T) {
	doc := KeyPolicy("123456789012", "aws", "eu-west-1", KeyConsumers{})
	if len(doc.Statements) != 1 || doc.Statements[0].Sid != "AccountAdministersKey" {
		t.Errorf("statements %+v, want only the account's", doc.Statements)
	}
}
