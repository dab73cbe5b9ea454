// Package tests holds ottkit's cross-cutting suites. This file runs every stack in stacks/
// under the offline engine with the configuration `pulumi up` would pass it, and checks the
// exact inventory and the security-relevant inputs of what it would deploy.
package tests

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ottkit/ottkit/components/iampolicy"
	"github.com/ottkit/ottkit/components/offline"
	"github.com/ottkit/ottkit/components/platform"
	"github.com/ottkit/ottkit/functions/aws/manifest"
)

var update = flag.Bool("update", false, "rewrite the golden inventories in testdata/")

// root is the repository root: Pulumi.yaml and stacks/.
const root = ".."

// stackNames lists every stack file in stacks/.
func stackNames(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(root, "stacks", "Pulumi.*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range files {
		if isGCPStack(t, f) {
			continue // stacks_gcp_test.go checks those
		}
		out = append(out, strings.TrimSuffix(strings.TrimPrefix(filepath.Base(f), "Pulumi."), ".yaml"))
	}
	if len(out) < 2 {
		t.Fatalf("found stacks %v, want at least dev-aws and acme-prod", out)
	}
	return out
}

// deployed is one stack run offline, with its spec.
type deployed struct {
	name string
	spec *platform.Spec
	res  *offline.Result
}

var runs = map[string]*deployed{}

// deploy runs the stack program for stack exactly as `pulumi up` would configure it; each stack
// runs once per test binary.
func deploy(t *testing.T, stack string) *deployed {
	t.Helper()
	if d, ok := runs[stack]; ok {
		return d
	}
	cfg, err := platform.ReadStackConfig(root, stack)
	if err != nil {
		t.Fatal(err)
	}
	spec, err := platform.ParseSpec(cfg)
	if err != nil {
		t.Fatal(err)
	}
	res, err := offline.Run(platform.Program, offline.Options{Project: "ottkit", Stack: stack, Config: cfg})
	if err != nil {
		t.Fatalf("stack %s: %v", stack, err)
	}
	d := &deployed{name: stack, spec: spec, res: res}
	runs[stack] = d
	return d
}

// TestStackInventories compares each stack's complete inventory (type and name of every
// resource) with its golden file; go test ./tests -run Inventories -update rewrites them.
func TestStackInventories(t *testing.T) {
	for _, stack := range stackNames(t) {
		t.Run(stack, func(t *testing.T) {
			d := deploy(t, stack)
			got := strings.Join(d.res.Inventory(), "\n") + "\n"
			compareGolden(t, stack, filepath.Join("testdata", stack+".inventory"), got)
			t.Logf("%s: %d resources", stack, len(d.res.Resources))
		})
	}
}

// recordCommand is how to record or re-record the golden files.
const recordCommand = "go test ./tests -run 'TestStack(Inventories|PolicyGolden)' -update"

// compareGolden compares got with the golden file at path, or writes it under -update. A stack
// file that git does not track yet, such as one `ottkit customer new` just wrote, may have no
// golden: the test says how to record one instead of failing, so adding a customer does not
// break `make test`. A tracked (shipped) stack without its golden fails.
func compareGolden(t *testing.T, stack, path, got string) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist) && !tracked(filepath.Join(root, "stacks", "Pulumi."+stack+".yaml")):
		t.Logf("stack %s is new (not committed) and has no golden %s yet; record it with: %s", stack, path, recordCommand)
		return
	case err != nil:
		t.Fatalf("%v: record the golden files of stack %s with: %s", err, stack, recordCommand)
	}
	if got != string(want) {
		t.Errorf("%s of %s changed; if intended, re-record with: %s\n%s", filepath.Base(path), stack, recordCommand, lineDiff(string(want), got))
	}
}

// tracked reports whether git tracks path; outside a git checkout nothing is tracked.
func tracked(path string) bool {
	err := exec.Command("git", "ls-files", "--error-unmatch", path).Run()
	return err == nil
}

func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for _, l := range w {
		if !slices.Contains(g, l) {
			fmt.Fprintf(&b, "- %s\n", l)
		}
	}
	for _, l := range g {
		if !slices.Contains(w, l) {
			fmt.Fprintf(&b, "+ %s\n", l)
		}
	}
	return b.String()
}

// --- helpers over the recorded resources ---

func must(t *testing.T, d *deployed, typ, name string) offline.Resource {
	t.Helper()
	r, ok := d.res.Find(typ, name)
	if !ok {
		t.Fatalf("%s: no %s %s", d.name, typ, name)
	}
	return r
}

func at(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			a, _ := v.([]any)
			if k >= len(a) {
				return nil
			}
			v = a[k]
		}
	}
	return v
}

type statement struct {
	Sid       string
	Effect    string
	Principal any
	Action    any
	Resource  any
	Condition map[string]map[string]any
}

func (s statement) actions() []string { return strs(s.Action) }

// cond returns a condition's values: s.Condition[test][variable].
func (s statement) cond(test, variable string) []string { return strs(s.Condition[test][variable]) }

func (s statement) resources() []string { return strs(s.Resource) }

func strs(v any) []string {
	switch t := v.(type) {
	case string:
		return []string{t}
	case []any:
		var out []string
		for _, x := range t {
			s, _ := x.(string)
			out = append(out, s)
		}
		return out
	}
	return nil
}

func policyOf(t *testing.T, v any) []statement {
	t.Helper()
	s, _ := v.(string)
	var doc struct{ Statement []statement }
	if err := json.Unmarshal([]byte(s), &doc); err != nil || len(doc.Statement) == 0 {
		t.Fatalf("not a policy document: %v\n%s", err, s)
	}
	return doc.Statement
}

func sid(t *testing.T, stmts []statement, id string) statement {
	t.Helper()
	for _, s := range stmts {
		if s.Sid == id {
			return s
		}
	}
	t.Fatalf("no statement %s", id)
	return statement{}
}

// --- the security-relevant inputs, one test per concern ---

func eachStack(t *testing.T, f func(t *testing.T, d *deployed)) {
	for _, stack := range stackNames(t) {
		t.Run(stack, func(t *testing.T) { f(t, deploy(t, stack)) })
	}
}

func keyArn(t *testing.T, d *deployed) string {
	t.Helper()
	k := must(t, d, "aws:kms/key:Key", d.spec.Prefix()+"-key-cmk")
	return k.Outputs["arn"].(string)
}

func TestStackKey(t *testing.T) {
	eachStack(t, func(t *testing.T, d *deployed) {
		keys := d.res.OfType("aws:kms/key:Key")
		if len(keys) != 1 {
			t.Fatalf("%d KMS keys, want the one stack key", len(keys))
		}
		k := keys[0]
		if k.Inputs["enableKeyRotation"] != true {
			t.Error("key rotation off")
		}
		if k.RetainOnDelete != d.spec.RetainData {
			t.Errorf("key retainOnDelete %v, want %v (ottkit:retainData)", k.RetainOnDelete, d.spec.RetainData)
		}
		stmts := policyOf(t, k.Inputs["policy"])
		for _, s := range stmts {
			if s.Sid != "AccountAdministersKey" && len(s.Condition) == 0 {
				t.Errorf("key policy statement %s lets a service use the key without a condition", s.Sid)
			}
		}
		for _, id := range []string{"CloudWatchAlarmsPublishEncrypted", "EventBridgeSendsToEncryptedQueues", "LogsEncryptLogGroups", "CloudFrontReadsDelivery"} {
			sid(t, stmts, id)
		}
	})
}

func TestStackBuckets(t *testing.T) {
	eachStack(t, func(t *testing.T, d *deployed) {
		p := d.spec.Prefix() + "-storage-"
		key := keyArn(t, d)
		buckets := d.res.OfType("aws:s3/bucketV2:BucketV2")
		if len(buckets) != 4 {
			t.Fatalf("%d buckets, want ingest, masters, delivery and logs", len(buckets))
		}
		for _, role := range []string{"ingest", "masters", "delivery", "logs"} {
			t.Run(role, func(t *testing.T) {
				b := must(t, d, "aws:s3/bucketV2:BucketV2", p+role)
				name := b.Inputs["bucket"].(string)
				if !strings.HasPrefix(name, d.spec.Prefix()+"-") || len(name) > 63 {
					t.Errorf("bucket name %q: want the stack prefix and at most 63 characters", name)
				}
				retained := role != "ingest" && d.spec.RetainData
				if b.RetainOnDelete != retained {
					t.Errorf("retainOnDelete %v, want %v", b.RetainOnDelete, retained)
				}
				pab := must(t, d, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", p+role+"-public-access")
				for _, k := range []string{"blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"} {
					if pab.Inputs[k] != true {
						t.Errorf("%s = %v", k, pab.Inputs[k])
					}
				}
				sse := at(must(t, d, "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2", p+role+"-encryption").Inputs, "rules", 0)
				if role == "logs" {
					if at(sse, "applyServerSideEncryptionByDefault", "sseAlgorithm") != "AES256" {
						t.Errorf("logs encryption %v, want SSE-S3 (access log delivery needs it)", sse)
					}
				} else if at(sse, "applyServerSideEncryptionByDefault", "sseAlgorithm") != "aws:kms" ||
					at(sse, "applyServerSideEncryptionByDefault", "kmsMasterKeyId") != key || at(sse, "bucketKeyEnabled") != true {
					t.Errorf("encryption %v, want SSE-KMS with the stack key and a bucket key", sse)
				}
				// Every bucket's single policy denies plain HTTP and TLS below 1.2, whoever wrote it.
				var policies []offline.Resource
				for _, bp := range d.res.OfType("aws:s3/bucketPolicy:BucketPolicy") {
					if bp.Inputs["bucket"] == name {
						policies = append(policies, bp)
					}
				}
				if len(policies) != 1 {
					t.Fatalf("%d bucket policies, want exactly one", len(policies))
				}
				stmts := policyOf(t, policies[0].Inputs["policy"])
				if s := sid(t, stmts, "DenyInsecureTransport"); s.Effect != "Deny" || !reflect.DeepEqual(s.cond("Bool", "aws:SecureTransport"), []string{"false"}) {
					t.Errorf("no deny of plain HTTP: %+v", s)
				}
				if s := sid(t, stmts, "DenyTLSBelow12"); s.Effect != "Deny" || !reflect.DeepEqual(s.cond("NumericLessThan", "s3:TlsVersion"), []string{"1.2"}) {
					t.Errorf("no deny of TLS < 1.2: %+v", s)
				}
				if role == "ingest" || role == "masters" {
					if s := sid(t, stmts, "DenyOtherKeys"); !reflect.DeepEqual(s.cond("StringNotEqualsIfExists", "s3:x-amz-server-side-encryption-aws-kms-key-id"), []string{key}) {
						t.Errorf("uploads may name another key: %+v", s)
					}
					sid(t, stmts, "DenyOtherEncryption")
					sid(t, stmts, "DenyAWSManagedKey")
				}
				if role != "logs" {
					lg := must(t, d, "aws:s3/bucketLoggingV2:BucketLoggingV2", p+role+"-logging")
					if !strings.HasPrefix(lg.Inputs["targetBucket"].(string), p+"logs-") {
						t.Errorf("access logs go to %v, want the logs bucket", lg.Inputs["targetBucket"])
					}
				}
			})
		}
		ver := must(t, d, "aws:s3/bucketVersioningV2:BucketVersioningV2", p+"masters-versioning")
		if at(ver.Inputs, "versioningConfiguration", "status") != "Enabled" {
			t.Error("masters not versioned")
		}
		notif := must(t, d, "aws:s3/bucketNotification:BucketNotification", p+"ingest-events")
		if notif.Inputs["eventbridge"] != true {
			t.Error("ingest does not notify EventBridge")
		}
		cors := d.res.OfType("aws:s3/bucketCorsConfigurationV2:BucketCorsConfigurationV2")
		if len(d.spec.UploadOrigins) > 0 {
			if len(cors) != 1 || !reflect.DeepEqual(strs(at(cors[0].Inputs, "corsRules", 0, "allowedOrigins")), d.spec.UploadOrigins) ||
				!reflect.DeepEqual(strs(at(cors[0].Inputs, "corsRules", 0, "allowedMethods")), []string{"PUT"}) {
				t.Errorf("ingest CORS %v, want PUT from %v", cors, d.spec.UploadOrigins)
			}
		}

		lifecycle := func(role string) any {
			return at(must(t, d, "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2", p+role+"-lifecycle").Inputs, "rules", 0)
		}
		s := d.spec
		if got := at(lifecycle("ingest"), "expiration", "days"); got != float64(s.IngestExpirationDays) {
			t.Errorf("ingest expiry %v, want %d", got, s.IngestExpirationDays)
		}
		m := lifecycle("masters")
		if at(m, "transitions", 0, "storageClass") != "GLACIER_IR" || at(m, "transitions", 0, "days") != float64(s.ArchiveAfterDays) ||
			at(m, "transitions", 1, "storageClass") != "DEEP_ARCHIVE" || at(m, "transitions", 1, "days") != float64(s.DeepArchiveAfterDays) {
			t.Errorf("masters transitions %v, want GLACIER_IR at %d then DEEP_ARCHIVE at %d", at(m, "transitions"), s.ArchiveAfterDays, s.DeepArchiveAfterDays)
		}
		if at(m, "noncurrentVersionExpiration", "noncurrentDays") != float64(s.NoncurrentVersionExpirationDays) {
			t.Errorf("noncurrent expiry %v", at(m, "noncurrentVersionExpiration"))
		}
		if at(lifecycle("delivery"), "transitions", 0, "storageClass") != "INTELLIGENT_TIERING" {
			t.Error("delivery not intelligent-tiered")
		}
		if at(lifecycle("logs"), "expiration", "days") != float64(s.AccessLogExpirationDays) {
			t.Errorf("access log expiry %v", at(lifecycle("logs"), "expiration"))
		}
		for _, role := range []string{"ingest", "masters", "delivery", "logs"} {
			if at(lifecycle(role), "abortIncompleteMultipartUpload", "daysAfterInitiation") == nil {
				t.Errorf("%s keeps incomplete multipart uploads", role)
			}
		}
	})
}

func TestStackDeliveryPolicy(t *testing.T) {
	eachStack(t, func(t *testing.T, d *deployed) {
		dist := d.res.OfType("aws:cloudfront/distribution:Distribution")
		if len(dist) != 1 {
			t.Fatalf("%d distributions, want 1", len(dist))
		}
		deliveryName := must(t, d, "aws:s3/bucketV2:BucketV2", d.spec.Prefix()+"-storage-delivery").Inputs["bucket"]
		for _, bp := range d.res.OfType("aws:s3/bucketPolicy:BucketPolicy") {
			if bp.Inputs["bucket"] != deliveryName {
				continue
			}
			for _, s := range policyOf(t, bp.Inputs["policy"]) {
				if s.Effect != "Allow" {
					continue
				}
				if !reflect.DeepEqual(s.Principal, map[string]any{"Service": "cloudfront.amazonaws.com"}) &&
					!reflect.DeepEqual(s.Principal, map[string]any{"Service": []any{"cloudfront.amazonaws.com"}}) {
					t.Errorf("delivery bucket admits %v; only CloudFront may read it", s.Principal)
				}
				src := append(s.cond("StringEquals", "AWS:SourceArn"), s.cond("StringEquals", "aws:SourceArn")...)
				if !reflect.DeepEqual(src, []string{dist[0].Outputs["arn"].(string)}) {
					t.Errorf("delivery read is not pinned to the distribution: %v", s.Condition)
				}
			}
		}
	})
}

func TestStackQueues(t *testing.T) {
	timeouts := map[string]int{}
	for _, f := range manifest.All() {
		switch f.Trigger {
		case manifest.IngestQueue:
			timeouts["ingest"] = f.TimeoutSeconds
		case manifest.TranscodeQueue:
			timeouts["transcode"] = f.TimeoutSeconds
		case manifest.EventsQueue:
			timeouts["events"] = f.TimeoutSeconds
		}
	}
	eachStack(t, func(t *testing.T, d *deployed) {
		key := keyArn(t, d)
		alertTopic := must(t, d, "aws:sns/topic:Topic", d.spec.Prefix()+"-alerts-alarms").Outputs["arn"]
		for role, timeout := range timeouts {
			n := d.spec.Prefix() + "-" + role
			q := must(t, d, "aws:sqs/queue:Queue", n+"-queue")
			dlq := must(t, d, "aws:sqs/queue:Queue", n+"-dlq")
			if q.Inputs["kmsMasterKeyId"] != key || dlq.Inputs["kmsMasterKeyId"] != key {
				t.Errorf("%s queues not encrypted with the stack key", role)
			}
			if vt := q.Inputs["visibilityTimeoutSeconds"].(float64); vt < float64(6*timeout) {
				t.Errorf("%s visibility %v < 6 x consumer timeout %d", role, vt, timeout)
			}
			var redrive map[string]any
			if err := json.Unmarshal([]byte(q.Inputs["redrivePolicy"].(string)), &redrive); err != nil || redrive["deadLetterTargetArn"] != dlq.Outputs["arn"] {
				t.Errorf("%s redrive %v, want its DLQ", role, q.Inputs["redrivePolicy"])
			}
			allow := must(t, d, "aws:sqs/redriveAllowPolicy:RedriveAllowPolicy", n+"-redrive-allow")
			if !strings.Contains(allow.Inputs["redriveAllowPolicy"].(string), `"byQueue"`) {
				t.Errorf("%s DLQ redrive allow %v", role, allow.Inputs["redriveAllowPolicy"])
			}
			for _, alarm := range []string{n + "-dlq-depth", n + "-age"} {
				a := must(t, d, "aws:cloudwatch/metricAlarm:MetricAlarm", alarm)
				if !reflect.DeepEqual(a.Inputs["alarmActions"], []any{alertTopic}) {
					t.Errorf("alarm %s notifies %v, want the alert topic", alarm, a.Inputs["alarmActions"])
				}
			}
		}
		// EventBridge feeds ingest (uploads/ only) and events (MediaConvert), nothing else.
		rules := d.res.OfType("aws:cloudwatch/eventRule:EventRule")
		if len(rules) != 2 {
			t.Errorf("%d EventBridge rules, want 2", len(rules))
		}
		ingestRule := must(t, d, "aws:cloudwatch/eventRule:EventRule", d.spec.Prefix()+"-ingest-rule")
		var pattern map[string]any
		if err := json.Unmarshal([]byte(ingestRule.Inputs["eventPattern"].(string)), &pattern); err != nil {
			t.Fatal(err)
		}
		ingestBucket := must(t, d, "aws:s3/bucketV2:BucketV2", d.spec.Prefix()+"-storage-ingest").Inputs["bucket"]
		if !reflect.DeepEqual(at(pattern, "detail", "object", "key"), []any{map[string]any{"prefix": manifest.UploadPrefix}}) ||
			!reflect.DeepEqual(at(pattern, "detail", "bucket", "name"), []any{ingestBucket}) ||
			!reflect.DeepEqual(at(pattern, "detail-type"), []any{"Object Created"}) {
			t.Errorf("ingest rule pattern %v, want Object Created in %v under %s", pattern, ingestBucket, manifest.UploadPrefix)
		}
		eventsRule := must(t, d, "aws:cloudwatch/eventRule:EventRule", d.spec.Prefix()+"-events-rule")
		if !strings.Contains(eventsRule.Inputs["eventPattern"].(string), "MediaConvert Job State Change") {
			t.Errorf("events rule pattern %v", eventsRule.Inputs["eventPattern"])
		}
		for _, role := range []string{"ingest", "events"} {
			n := d.spec.Prefix() + "-" + role
			rule := must(t, d, "aws:cloudwatch/eventRule:EventRule", n+"-rule")
			send := sid(t, policyOf(t, must(t, d, "aws:sqs/queuePolicy:QueuePolicy", n+"-policy").Inputs["policy"]), "EventBridgeRuleSends")
			if !reflect.DeepEqual(send.cond("ArnEquals", "aws:SourceArn"), []string{rule.Outputs["arn"].(string)}) {
				t.Errorf("%s queue admits %v, want only its rule", role, send.Condition)
			}
		}
	})
}

func TestStackCatalog(t *testing.T) {
	eachStack(t, func(t *testing.T, d *deployed) {
		tab := must(t, d, "aws:dynamodb/table:Table", d.spec.Prefix()+"-catalog-table")
		in := tab.Inputs
		if in["billingMode"] != "PAY_PER_REQUEST" || in["hashKey"] != manifest.CatalogHashKey ||
			at(in, "pointInTimeRecovery", "enabled") != true || at(in, "serverSideEncryption", "kmsKeyArn") != keyArn(t, d) {
			t.Errorf("catalog %v", in)
		}
		gsi := at(in, "globalSecondaryIndexes", 0)
		if at(gsi, "name") != manifest.CatalogIndexName || at(gsi, "hashKey") != manifest.CatalogIndexHashKey || at(gsi, "rangeKey") != manifest.CatalogIndexRangeKey {
			t.Errorf("index %v", gsi)
		}
		if in["deletionProtectionEnabled"] != d.spec.RetainData || tab.RetainOnDelete != d.spec.RetainData {
			t.Errorf("deletion protection %v retain %v, want %v", in["deletionProtectionEnabled"], tab.RetainOnDelete, d.spec.RetainData)
		}
	})
}

func TestStackAlerts(t *testing.T) {
	eachStack(t, func(t *testing.T, d *deployed) {
		p := d.spec.Prefix()
		topic := must(t, d, "aws:sns/topic:Topic", p+"-alerts-alarms")
		if topic.Inputs["kmsMasterKeyId"] != keyArn(t, d) {
			t.Error("alert topic not encrypted with the stack key")
		}
		subs := d.res.OfType("aws:sns/topicSubscription:TopicSubscription")
		if d.spec.AlertEmail == "" && len(subs) != 0 {
			t.Errorf("subscriptions %v without ottkit:alertEmail", subs)
		}
		if d.spec.AlertEmail != "" && (len(subs) != 1 || subs[0].Inputs["endpoint"] != d.spec.AlertEmail || subs[0].Inputs["protocol"] != "email") {
			t.Errorf("subscriptions %v, want e-mail to %s", subs, d.spec.AlertEmail)
		}
		alarms := d.res.OfType("aws:cloudwatch/metricAlarm:MetricAlarm")
		if len(alarms) < 6 {
			t.Errorf("%d alarms, want at least the six queue alarms", len(alarms))
		}
		for _, a := range alarms {
			if !reflect.DeepEqual(a.Inputs["alarmActions"], []any{topic.Outputs["arn"]}) {
				t.Errorf("alarm %s notifies %v, want the alert topic", a.Name, a.Inputs["alarmActions"])
			}
			if n, _ := a.Inputs["name"].(string); !strings.HasPrefix(n, p+"-") {
				t.Errorf("alarm %q does not start with %s-", n, p)
			}
		}
		// The topic admits exactly this stack's alarms, by ARN: a prefix would also admit the
		// alarms of customer "<customer>-<environment>" in the same account.
		var want []string
		for _, a := range alarms {
			want = append(want, a.Outputs["arn"].(string))
		}
		policy := must(t, d, "aws:sns/topicPolicy:TopicPolicy", p+"-alerts-alarms-policy")
		got := sid(t, policyOf(t, policy.Inputs["policy"]), "CloudWatchAlarmsPublish").cond("ArnEquals", "aws:SourceArn")
		slices.Sort(want)
		slices.Sort(got)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("alarm topic admits\n%v\nwant exactly the stack's alarms\n%v", got, want)
		}
		dash := must(t, d, "aws:cloudwatch/dashboard:Dashboard", p+"-dashboard")
		for _, fn := range manifest.All() {
			if !strings.Contains(dash.Inputs["dashboardBody"].(string), p+"-fn-"+fn.Name) {
				t.Errorf("dashboard does not show function %s", fn.Name)
			}
		}
	})
}

// TestStackProviders: with ottkit:assumeRoleArn every AWS resource and invoke goes through an
// explicit provider assuming that role; without it, none does.
func TestStackProviders(t *testing.T) {
	eachStack(t, func(t *testing.T, d *deployed) {
		providers := d.res.OfType("pulumi:providers:aws")
		var explicit []string
		for _, p := range providers {
			if at(p.Inputs, "assumeRole", "roleArn") != d.spec.AssumeRoleArn && d.spec.AssumeRoleArn != "" {
				t.Errorf("provider %s assumes %v, want %s", p.Name, at(p.Inputs, "assumeRole", "roleArn"), d.spec.AssumeRoleArn)
			}
			explicit = append(explicit, p.URN)
		}
		if d.spec.AssumeRoleArn == "" {
			// The ambient credentials deploy everything; the only explicit provider allowed
			// is the us-east-1 one CloudFront's certificate and web ACL need, with no role.
			for _, p := range providers {
				if p.Inputs["region"] != "us-east-1" || at(p.Inputs, "assumeRole") != nil {
					t.Errorf("explicit provider %s (region %v, assumeRole %v) without ottkit:assumeRoleArn", p.Name, p.Inputs["region"], at(p.Inputs, "assumeRole"))
				}
			}
			return
		}
		if len(providers) == 0 {
			t.Fatal("no explicit provider although ottkit:assumeRoleArn is set")
		}
		for _, r := range d.res.Resources {
			if !r.Custom || !strings.HasPrefix(r.Type, "aws:") {
				continue
			}
			ok := false
			for _, u := range explicit {
				if strings.HasPrefix(r.Provider, u+"::") {
					ok = true
				}
			}
			if !ok {
				t.Errorf("%s %s uses provider %q, not the customer account's", r.Type, r.Name, r.Provider)
			}
		}
	})
}

// TestStackTagsAndNames: every taggable resource carries the customer and environment tags,
// and every physical name starts with the stack prefix.
func TestStackTagsAndNames(t *testing.T) {
	eachStack(t, func(t *testing.T, d *deployed) {
		p := d.spec.Prefix()
		tagged := 0
		for _, r := range d.res.Resources {
			if tags, ok := r.Inputs["tags"].(map[string]any); ok {
				tagged++
				for k, v := range d.spec.ResourceTags() {
					if tags[k] != v {
						t.Errorf("%s %s: tag %s = %v, want %q", r.Type, r.Name, k, tags[k], v)
					}
				}
			}
			for _, field := range []string{"bucket", "name"} {
				if !r.Custom || strings.HasPrefix(r.Type, "pulumi:") {
					continue
				}
				v, _ := r.Inputs[field].(string)
				if v == "" || (field == "bucket" && r.Type != "aws:s3/bucketV2:BucketV2") {
					continue
				}
				switch r.Type {
				case "aws:apigatewayv2/stage:Stage":
					continue // "$default", the stage that deploys itself
				case "aws:cloudwatch/logGroup:LogGroup":
					// Log groups follow AWS's path conventions; the key policy admits those
					// containing the prefix.
					if !strings.Contains(v, "/"+p+"-") {
						t.Errorf("%s %s: log group %q does not contain /%s-", r.Type, r.Name, v, p)
					}
					continue
				}
				v = strings.TrimPrefix(v, "alias/")
				if !strings.HasPrefix(v, p+"-") && v != p {
					t.Errorf("%s %s: physical %s %q does not start with %s-", r.Type, r.Name, field, v, p)
				}
			}
		}
		if tagged < 20 {
			t.Errorf("only %d resources carry tags", tagged)
		}
	})
}

func TestStackOutputs(t *testing.T) {
	eachStack(t, func(t *testing.T, d *deployed) {
		for _, k := range []string{"uploadApiUrl", "playbackDomain", "ingestBucket", "mastersBucket", "deliveryBucket",
			"logsBucket", "ingestQueueUrl", "transcodeQueueUrl", "eventsQueueUrl", "catalogTable", "alertTopicArn",
			"notifyTopicArn", "keyArn", "distributionId", "signingSecretArn", "dashboardName"} {
			if v, _ := d.res.Outputs[k].(string); v == "" || v == offline.Unknown {
				t.Errorf("output %s = %v", k, d.res.Outputs[k])
			}
		}
		if d.spec.Domain != "" && d.res.Outputs["playbackDomain"] != d.spec.Domain {
			t.Errorf("playbackDomain %v, want %s", d.res.Outputs["playbackDomain"], d.spec.Domain)
		}
	})
}

// policyProblems checks one policy document as the stack rules demand: no Allow statement
// grants Action "*" or "service:*", and Resource "*" appears in an Allow only for actions AWS
// authorises on "*" alone (iampolicy.ResourceStarActions), except in a KMS key policy, where
// "*" means the key itself. Deny statements may use a service wildcard (s3:* for the TLS
// rules): they take permissions away, never grant them, and each must carry a condition.
func policyProblems(doc string, keyPolicy bool) []string {
	var d struct{ Statement json.RawMessage }
	if err := json.Unmarshal([]byte(doc), &d); err != nil || d.Statement == nil {
		return nil
	}
	var stmts []statement
	if err := json.Unmarshal(d.Statement, &stmts); err != nil {
		var one statement
		if err := json.Unmarshal(d.Statement, &one); err != nil {
			return []string{"unreadable statements"}
		}
		stmts = []statement{one}
	}
	var out []string
	for i, s := range stmts {
		label := fmt.Sprintf("statement %d %q", i, s.Sid)
		if s.Effect == "Deny" {
			if len(s.Condition) == 0 {
				out = append(out, label+": unconditional Deny")
			}
			continue
		}
		star := slices.Contains(s.resources(), "*")
		for _, a := range s.actions() {
			switch {
			case a == "*" || strings.HasSuffix(a, ":*"):
				out = append(out, fmt.Sprintf("%s: action %q", label, a))
			case star && !keyPolicy && !iampolicy.IsResourceStarAction(a) && !isTrustAction(a):
				out = append(out, fmt.Sprintf("%s: %q on Resource \"*\"", label, a))
			}
		}
	}
	return out
}

// isTrustAction: a trust policy's sts:AssumeRole has no Resource at all.
func isTrustAction(a string) bool { return a == "sts:AssumeRole" }

// policyDocuments finds every JSON policy document in a resource's inputs, at any depth.
func policyDocuments(v any, path string, found func(path, doc string)) {
	switch t := v.(type) {
	case string:
		if strings.Contains(t, `"Statement"`) {
			found(path, t)
		}
	case map[string]any:
		for k, x := range t {
			policyDocuments(x, path+"."+k, found)
		}
	case []any:
		for i, x := range t {
			policyDocuments(x, fmt.Sprintf("%s[%d]", path, i), found)
		}
	}
}

func TestStackIAM(t *testing.T) {
	eachStack(t, func(t *testing.T, d *deployed) {
		docs := 0
		for _, r := range d.res.Resources {
			policyDocuments(r.Inputs, "", func(path, doc string) {
				docs++
				for _, p := range policyProblems(doc, r.Type == "aws:kms/key:Key") {
					t.Errorf("%s %s%s: %s", r.Type, r.Name, path, p)
				}
			})
		}
		// The key, 4 bucket, 6 queue and 2 topic policies, and the functions' and
		// MediaConvert's roles and policies.
		if docs < 20 {
			t.Errorf("walked %d policy documents; the walk misses some", docs)
		}
		t.Logf("%s: %d policy documents checked", d.name, docs)
	})
}

// TestPolicyProblemsCatches proves the IAM walk fails on what it must reject.
func TestPolicyProblemsCatches(t *testing.T) {
	tests := []struct {
		name, doc string
		key       bool
		bad       bool
	}{
		{"star action", `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"arn:aws:s3:::b"}]}`, false, true},
		{"service wildcard", `{"Statement":[{"Effect":"Allow","Action":["s3:*"],"Resource":["arn:aws:s3:::b"]}]}`, false, true},
		{"resource star", `{"Statement":[{"Effect":"Allow","Action":["s3:GetObject"],"Resource":"*"}]}`, false, true},
		{"unconditional deny", `{"Statement":[{"Effect":"Deny","Action":["s3:*"],"Resource":"*"}]}`, false, true},
		{"x-ray on star", `{"Statement":[{"Effect":"Allow","Action":["xray:PutTraceSegments"],"Resource":"*"}]}`, false, false},
		{"key policy star", `{"Statement":[{"Effect":"Allow","Action":["kms:Decrypt"],"Resource":"*"}]}`, true, false},
		{"key policy kms:*", `{"Statement":[{"Effect":"Allow","Action":["kms:*"],"Resource":"*"}]}`, true, true},
		{"conditional deny", `{"Statement":[{"Effect":"Deny","Action":["s3:*"],"Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := len(policyProblems(tt.doc, tt.key)) > 0; got != tt.bad {
				t.Errorf("flagged %v, want %v: %v", got, tt.bad, policyProblems(tt.doc, tt.key))
			}
		})
	}
}

// BenchmarkStackProgram runs the acme-prod stack program offline: the cost of `ottkit plan`
// and of every stack test (function archives come from the build cache).
func BenchmarkStackProgram(b *testing.B) {
	cfg, err := platform.ReadStackConfig(root, "acme-prod")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := offline.Run(platform.Program, offline.Options{Project: "ottkit", Stack: "acme-prod", Config: cfg}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestStackPreview: `pulumi preview` registers the same resources as `pulumi up`, although
// many outputs are unknown then.
func TestStackPreview(t *testing.T) {
	for _, stack := range stackNames(t) {
		t.Run(stack, func(t *testing.T) {
			cfg, err := platform.ReadStackConfig(root, stack)
			if err != nil {
				t.Fatal(err)
			}
			res, err := offline.Run(platform.Program, offline.Options{Project: "ottkit", Stack: stack, Config: cfg, Preview: true})
			if err != nil {
				t.Fatal(err)
			}
			if got, want := res.Inventory(), deploy(t, stack).res.Inventory(); !slices.Equal(got, want) {
				t.Errorf("preview inventory differs from up:\n%s", lineDiff(strings.Join(want, "\n"), strings.Join(got, "\n")))
			}
		})
	}
}

// TestLongestPrefix: the longest customer and environment Spec allows still give valid names
// everywhere (buckets 63, Lambda functions and IAM roles 64, ...), so validation catches every
// name problem before deployment.
func TestLongestPrefix(t *testing.T) {
	cfg, err := platform.ReadStackConfig(root, "acme-prod")
	if err != nil {
		t.Fatal(err)
	}
	cfg["ottkit:customer"] = "abcdefghijklmnopqrst"
	cfg["ottkit:environment"] = "production"
	res, err := offline.Run(platform.Program, offline.Options{Project: "ottkit", Stack: "long", Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	limits := map[string]int{
		"aws:s3/bucketV2:BucketV2": 63, "aws:lambda/function:Function": 64, "aws:iam/role:Role": 64,
		"aws:sqs/queue:Queue": 80, "aws:cloudwatch/eventRule:EventRule": 64, "aws:sns/topic:Topic": 256,
	}
	checked := 0
	for _, r := range res.Resources {
		max, ok := limits[r.Type]
		if !ok {
			continue
		}
		n, _ := r.Inputs["name"].(string)
		if b, ok := r.Inputs["bucket"].(string); ok {
			n = b
		}
		checked++
		if len(n) > max || !strings.HasPrefix(n, "abcdefghijklmnopqrst-production-") {
			t.Errorf("%s %q: %d characters (limit %d)", r.Type, n, len(n), max)
		}
	}
	if checked < 15 {
		t.Errorf("checked %d names, want every bucket, function, role, queue, rule and topic", checked)
	}
}

// TestStackHierarchy: everything the stack creates lives under the one Platform component,
// each resource parented to the component that owns it and named after it.
func TestStackHierarchy(t *testing.T) {
	eachStack(t, func(t *testing.T, d *deployed) {
		p := d.spec.Prefix()
		platformRes := must(t, d, platform.PlatformType, p)
		for _, r := range d.res.Resources {
			if r.URN == platformRes.URN {
				continue
			}
			parent, ok := d.res.ByURN(r.Parent)
			if !ok {
				t.Errorf("%s %s: parent %q is not a resource of the stack", r.Type, r.Name, r.Parent)
				continue
			}
			if parent.Custom {
				t.Errorf("%s %s: parent %s is not a component", r.Type, r.Name, parent.Name)
			}
			if !strings.HasPrefix(r.Name, parent.Name+"-") {
				t.Errorf("%s %s: not named <parent>-<role> (parent %s)", r.Type, r.Name, parent.Name)
			}
		}
	})
}

// TestStackPolicyGolden records every policy document of each stack (key, bucket, queue,
// topic, trust and role policies) in testdata/<stack>.policies, so a change to what anyone
// may do shows up as a readable diff in review; -update rewrites the files.
func TestStackPolicyGolden(t *testing.T) {
	for _, stack := range stackNames(t) {
		t.Run(stack, func(t *testing.T) {
			d := deploy(t, stack)
			rs := append([]offline.Resource(nil), d.res.Resources...)
			slices.SortFunc(rs, func(a, b offline.Resource) int {
				return strings.Compare(a.Type+" "+a.Name, b.Type+" "+b.Name)
			})
			var b strings.Builder
			for _, r := range rs {
				var found []string
				policyDocuments(r.Inputs, "", func(path, doc string) {
					var v any
					if err := json.Unmarshal([]byte(doc), &v); err != nil {
						t.Fatalf("%s %s%s: %v", r.Type, r.Name, path, err)
					}
					pretty, _ := json.MarshalIndent(v, "", "  ")
					found = append(found, fmt.Sprintf("== %s %s%s\n%s\n", r.Type, r.Name, path, pretty))
				})
				slices.Sort(found)
				for _, f := range found {
					b.WriteString(f)
				}
			}
			compareGolden(t, stack, filepath.Join("testdata", stack+".policies"), b.String())
		})
	}
}

// TestPlatformResources: Platform.Resources maps every logical resource of the manifest, with
// the attributes functions read.
func TestPlatformResources(t *testing.T) {
	s, err := platform.LoadSpec(root, "dev-aws")
	if err != nil {
		t.Fatal(err)
	}
	var p *platform.Platform
	if _, err := offline.Run(func(ctx *pulumi.Context) error {
		var err error
		p, err = platform.New(ctx, s.Prefix(), s)
		return err
	}, offline.Options{Stack: "dev-aws", Config: map[string]string{"aws:region": s.Region}}); err != nil {
		t.Fatal(err)
	}
	for _, r := range []manifest.Resource{manifest.IngestBucket, manifest.MastersBucket, manifest.DeliveryBucket,
		manifest.CatalogTable, manifest.IngestQueue, manifest.TranscodeQueue, manifest.EventsQueue,
		manifest.MediaConvertQueue, manifest.MediaConvertRole, manifest.NotifyTopic, manifest.SigningSecret, manifest.StackKey} {
		ref, ok := p.Resources[r]
		if !ok || ref.Arn == nil {
			t.Errorf("Resources[%s] = %+v, want it with an ARN", r, ref)
		}
	}
	for _, fn := range manifest.All() {
		if p.Functions[fn.Name] == nil {
			t.Errorf("function %s not deployed", fn.Name)
		}
	}
}

// TestStackConcurrency: queue consumers are capped by their event source mappings, which take
// nothing from the account's pool, and no function reserves concurrency unless the stack sets
// ottkit:reservedConcurrency, so a stack deploys on an account with a new-account quota.
func TestStackConcurrency(t *testing.T) {
	eachStack(t, func(t *testing.T, d *deployed) {
		mappings := d.res.OfType("aws:lambda/eventSourceMapping:EventSourceMapping")
		if len(mappings) != 3 {
			t.Errorf("%d event source mappings, want the three queue triggers", len(mappings))
		}
		for _, m := range mappings {
			if got := at(m.Inputs, "scalingConfig", "maximumConcurrency"); got != float64(d.spec.QueueConcurrency) {
				t.Errorf("%s maximum concurrency = %v, want ottkit:queueConcurrency %d", m.Name, got, d.spec.QueueConcurrency)
			}
		}
		for _, f := range d.res.OfType("aws:lambda/function:Function") {
			got, set := f.Inputs["reservedConcurrentExecutions"]
			switch {
			case d.spec.ReservedConcurrency == 0 && set && got != nil:
				t.Errorf("%s reserves %v executions without ottkit:reservedConcurrency", f.Name, got)
			case d.spec.ReservedConcurrency > 0 && got != float64(d.spec.ReservedConcurrency):
				t.Errorf("%s reserves %v, want ottkit:reservedConcurrency %d", f.Name, got, d.spec.ReservedConcurrency)
			}
		}
	})
}

// TestStackCDNLoggingWaitsForACLs: standard logging fails on a bucket whose ACLs are not yet
// enabled, so the distribution must depend on the logs bucket's ownership controls
// (BucketOwnerPreferred), not merely on the bucket.
func TestStackCDNLoggingWaitsForACLs(t *testing.T) {
	eachStack(t, func(t *testing.T, d *deployed) {
		p := d.spec.Prefix()
		own := must(t, d, "aws:s3/bucketOwnershipControls:BucketOwnershipControls", p+"-storage-logs-ownership")
		if got := at(own.Inputs, "rule", "objectOwnership"); got != "BucketOwnerPreferred" {
			t.Errorf("logs bucket object ownership %v, want BucketOwnerPreferred (standard logging writes with ACLs)", got)
		}
		cdn := must(t, d, "aws:cloudfront/distribution:Distribution", p+"-delivery-cdn")
		if !slices.Contains(cdn.DependsOn, own.URN) {
			t.Errorf("distribution depends on %v, want it to include %s", cdn.DependsOn, own.URN)
		}
	})
}

// TestStackSecretRecovery: a stack that destroys its data deletes the signing secret without a
// recovery window (so it can be brought up again under the same name); one that keeps its data
// keeps the secret recoverable.
func TestStackSecretRecovery(t *testing.T) {
	eachStack(t, func(t *testing.T, d *deployed) {
		s := must(t, d, "aws:secretsmanager/secret:Secret", d.spec.Prefix()+"-delivery-signing-secret")
		want := 0.0
		if d.spec.RetainData {
			want = 30
		}
		if got := s.Inputs["recoveryWindowInDays"]; got != want {
			t.Errorf("recovery window %v days, want %v (ottkit:retainData %v)", got, want, d.spec.RetainData)
		}
	})
}

// TestStackProvidersInheritSettings: the explicit providers (the customer account's and the
// us-east-1 one the CDN's web ACL needs) carry the stack's aws:* settings, not only a region:
// a profile, default tags, retries and credentials reach every provider the program adds.
func TestStackProvidersInheritSettings(t *testing.T) {
	settings := map[string]string{
		"aws:profile":     "deployer",
		"aws:defaultTags": `{"tags":{"cost-centre":"video"}}`,
		"aws:maxRetries":  "7",
		"aws:ignoreTags":  `{"keyPrefixes":["kubernetes.io/"]}`,
		"aws:accessKey":   "AKIAEXAMPLE",
	}
	for _, stack := range []string{"acme-prod", "dev-aws"} {
		t.Run(stack, func(t *testing.T) {
			cfg, err := platform.ReadStackConfig(root, stack)
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range settings {
				cfg[k] = v
			}
			// dev-aws has neither a role nor WAF: turn WAF on so Delivery makes its own us-east-1 provider.
			cfg["ottkit:waf"] = "true"
			res, err := offline.Run(platform.Program, offline.Options{Project: "ottkit", Stack: stack, Config: cfg,
				SecretKeys: []string{"aws:accessKey"}})
			if err != nil {
				t.Fatal(err)
			}
			providers := res.OfType("pulumi:providers:aws")
			if len(providers) == 0 {
				t.Fatal("no explicit provider")
			}
			var east bool
			for _, p := range providers {
				east = east || p.Inputs["region"] == "us-east-1"
				for _, c := range []struct {
					what      string
					got, want any
				}{
					{"profile", p.Inputs["profile"], "deployer"},
					{"default tags", at(p.Inputs, "defaultTags", "tags", "cost-centre"), "video"},
					{"max retries", p.Inputs["maxRetries"], 7.0},
					{"ignored tag prefixes", at(p.Inputs, "ignoreTags", "keyPrefixes"), []any{"kubernetes.io/"}},
					{"access key", p.Inputs["accessKey"], "AKIAEXAMPLE"},
				} {
					if !reflect.DeepEqual(c.got, c.want) {
						t.Errorf("provider %s: %s = %#v, want %#v (the stack's aws: setting)", p.Name, c.what, c.got, c.want)
					}
				}
			}
			if !east {
				t.Errorf("no us-east-1 provider among %d", len(providers))
			}
		})
	}
}

// TestStackProviderConflicts: settings an assumed-role provider cannot honour are refused
// before anything is registered, naming the keys.
func TestStackProviderConflicts(t *testing.T) {
	for _, tt := range []struct {
		name string
		set  map[string]string
		want string
	}{
		{"two roles", map[string]string{"aws:assumeRole": `{"roleArn":"arn:aws:iam::111111111111:role/hub"}`},
			"ottkit:assumeRoleArn: the stack also sets aws:assumeRole"},
		{"account not allowed", map[string]string{"aws:allowedAccountIds": `["111111111111"]`},
			"is not in aws:allowedAccountIds"},
		{"undecodable setting", map[string]string{"aws:maxRetries": "many"}, "aws:maxRetries: \"many\" is not a valid"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := platform.ReadStackConfig(root, "acme-prod")
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range tt.set {
				cfg[k] = v
			}
			res, err := offline.Run(platform.Program, offline.Options{Project: "ottkit", Stack: "acme-prod", Config: cfg})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want it to contain %q", err, tt.want)
			}
			if res != nil && len(res.Resources) > 1 {
				t.Errorf("registered %d resources before refusing", len(res.Resources))
			}
		})
	}
}

// TestStackPoliciesNameExactResources: the key policy and the alarm topic policy name this
// stack's resources exactly. No condition holds a name wildcard, which would also match
// another stack whose prefix begins or ends the same way (acme-prod-* matches the stack of
// customer acme-prod, environment eu; *acme-prod-* matches bigacme-prod). The one wildcard
// left is "any distribution of the account" for CloudFront, bounded by the delivery bucket's
// encryption context and the bucket policy, which names the distribution.
func TestStackPoliciesNameExactResources(t *testing.T) {
	eachStack(t, func(t *testing.T, d *deployed) {
		p := d.spec.Prefix()
		docs := map[string]any{
			"key policy":         must(t, d, "aws:kms/key:Key", p+"-key-cmk").Inputs["policy"],
			"alarm topic policy": must(t, d, "aws:sns/topicPolicy:TopicPolicy", p+"-alerts-alarms-policy").Inputs["policy"],
		}
		for what, doc := range docs {
			for _, st := range policyOf(t, doc) {
				for test, vars := range st.Condition {
					for variable := range vars {
						for _, v := range st.cond(test, variable) {
							if strings.Contains(v, "*") && !(st.Sid == "CloudFrontReadsDelivery" && strings.HasSuffix(v, ":distribution/*")) {
								t.Errorf("%s statement %s: %s %s %q is a wildcard", what, st.Sid, test, variable, v)
							}
						}
					}
				}
			}
		}
		key := policyOf(t, docs["key policy"])
		logs := sid(t, key, "LogsEncryptLogGroups").cond("ArnEquals", "kms:EncryptionContext:aws:logs:arn")
		for _, g := range d.res.OfType("aws:cloudwatch/logGroup:LogGroup") {
			arn := strings.TrimSuffix(g.Outputs["arn"].(string), ":*")
			if !slices.Contains(logs, arn) {
				t.Errorf("key policy does not admit log group %s (%v)", arn, logs)
			}
		}
		if n := len(d.res.OfType("aws:cloudwatch/logGroup:LogGroup")); len(logs) != n {
			t.Errorf("key policy admits %d log groups, the stack has %d", len(logs), n)
		}
		queues := sid(t, key, "EventBridgeSendsToEncryptedQueues").cond("ArnEquals", "kms:EncryptionContext:aws:sqs:arn")
		for _, q := range []string{p + "-ingest-queue", p + "-events-queue"} {
			arn := must(t, d, "aws:sqs/queue:Queue", q).Outputs["arn"].(string)
			if !slices.Contains(queues, arn) {
				t.Errorf("key policy does not let EventBridge send to %s (%v)", arn, queues)
			}
		}
		topic := must(t, d, "aws:sns/topic:Topic", p+"-alerts-alarms").Outputs["arn"].(string)
		if got := sid(t, key, "CloudWatchAlarmsPublishEncrypted").cond("StringEquals", "kms:EncryptionContext:aws:sns:topicArn"); !reflect.DeepEqual(got, []string{topic}) {
			t.Errorf("CloudWatch may use the key for %v, want the alarm topic %s alone", got, topic)
		}
		bucket := must(t, d, "aws:s3/bucketV2:BucketV2", p+"-storage-delivery").Outputs["arn"].(string)
		if got := sid(t, key, "CloudFrontReadsDelivery").cond("StringEquals", "kms:EncryptionContext:aws:s3:arn"); !reflect.DeepEqual(got, []string{bucket}) {
			t.Errorf("CloudFront may decrypt for %v, want the delivery bucket %s alone", got, bucket)
		}
	})
}

// TestStackAPIThroughCDN: the API is served by the playback distribution under /api/*, so a
// browser player calls it on the host its cookies are for. The dependency cycle this could
// make (the api function's environment names the distribution's domain; the distribution's
// origin is the API; the API routes to the function) is broken by order: the API resource
// depends on no function, the distribution on the API, the function on the distribution, and
// only the integration on the function.
func TestStackAPIThroughCDN(t *testing.T) {
	eachStack(t, func(t *testing.T, d *deployed) {
		p := d.spec.Prefix()
		api := must(t, d, "aws:apigatewayv2/api:Api", p+"-api-api")
		cdn := must(t, d, "aws:cloudfront/distribution:Distribution", p+"-delivery-cdn")
		fn := must(t, d, "aws:lambda/function:Function", p+"-fn-api-function")
		integ := must(t, d, "aws:apigatewayv2/integration:Integration", p+"-api-integration")
		host := strings.TrimPrefix(api.Outputs["apiEndpoint"].(string), "https://")
		var origins []string
		for _, o := range cdn.Inputs["origins"].([]any) {
			origins = append(origins, o.(map[string]any)["domainName"].(string))
		}
		if !slices.Contains(origins, host) {
			t.Errorf("distribution origins %v lack the API host %s", origins, host)
		}
		if first := at(cdn.Inputs, "orderedCacheBehaviors", 0, "pathPattern"); first != "/api/*" {
			t.Errorf("first behaviour %v, want /api/*", first)
		}
		for _, c := range []struct {
			what       string
			r          offline.Resource
			dependency string
			want       bool
		}{
			{"API on the function", api, fn.URN, false},
			{"distribution on the API", cdn, api.URN, true},
			// With ottkit:domain the function names that domain and need not wait.
			{"function on the distribution", fn, cdn.URN, d.spec.Domain == ""},
			{"integration on the function", integ, fn.URN, true},
		} {
			if got := slices.Contains(c.r.DependsOn, c.dependency); got != c.want {
				t.Errorf("%s: depends = %v, want %v", c.what, got, c.want)
			}
		}
		if got := d.res.Outputs["uploadApiUrl"]; got != "https://"+cdn.Outputs["domainName"].(string)+"/api" && got != "https://"+d.spec.Domain+"/api" {
			t.Errorf("uploadApiUrl = %v, want the playback host's /api", got)
		}
	})
}

// TestStackEventDelivery: both EventBridge rules (uploads, MediaConvert job states) send what
// they cannot deliver to their queue's dead-letter queue, and an alarm fires when one loses
// an event.
func TestStackEventDelivery(t *testing.T) {
	eachStack(t, func(t *testing.T, d *deployed) {
		p := d.spec.Prefix()
		rules := d.res.OfType("aws:cloudwatch/eventTarget:EventTarget")
		if len(rules) != 2 {
			t.Fatalf("%d event targets, want the ingest and events rules'", len(rules))
		}
		for _, q := range []string{p + "-ingest", p + "-events"} {
			target := must(t, d, "aws:cloudwatch/eventTarget:EventTarget", q+"-target")
			dlq := must(t, d, "aws:sqs/queue:Queue", q+"-dlq")
			if got := at(target.Inputs, "deadLetterConfig", "arn"); got != dlq.Outputs["arn"] {
				t.Errorf("%s-target dead-letter queue %v, want %v", q, got, dlq.Outputs["arn"])
			}
			alarm := must(t, d, "aws:cloudwatch/metricAlarm:MetricAlarm", q+"-delivery-failed")
			if !strings.Contains(fmt.Sprint(alarm.Inputs["metricQueries"]), "FailedInvocations") {
				t.Errorf("%s-delivery-failed does not watch FailedInvocations: %v", q, alarm.Inputs["metricQueries"])
			}
		}
	})
}

// TestStackWAFLimits: with WAF, the API and the media paths are limited separately, with the
// stack's limits.
func TestStackWAFLimits(t *testing.T) {
	eachStack(t, func(t *testing.T, d *deployed) {
		acls := d.res.OfType("aws:wafv2/webAcl:WebAcl")
		if !d.spec.WAF {
			if len(acls) != 0 {
				t.Errorf("web ACLs %v without ottkit:waf", acls)
			}
			return
		}
		if len(acls) != 1 {
			t.Fatalf("%d web ACLs, want 1", len(acls))
		}
		limits := map[string]any{}
		for _, r := range acls[0].Inputs["rules"].([]any) {
			limits[at(r, "name").(string)] = at(r, "statement", "rateBasedStatement", "limit")
		}
		if limits["api-rate-limit"] != float64(d.spec.WAFAPIRateLimit) || limits["media-rate-limit"] != float64(d.spec.WAFRateLimit) {
			t.Errorf("rate limits %v, want api %d and media %d", limits, d.spec.WAFAPIRateLimit, d.spec.WAFRateLimit)
		}
	})
}
