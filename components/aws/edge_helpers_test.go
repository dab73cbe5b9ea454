package aws

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ottkit/ottkit/components/iampolicy"
	"github.com/ottkit/ottkit/components/offline"
	"github.com/ottkit/ottkit/functions/aws/manifest"
)

// Helpers shared by the edge components' tests (function, transcoder, delivery, api).

const (
	edgeKeyArn   = "arn:aws:kms:us-east-1:123456789012:key/mrk-stack"
	edgeTopicArn = "arn:aws:sns:us-east-1:123456789012:acme-dev-alerts"
	// edgeTestPackage is a real Lambda main package, so the tests exercise the real build.
	edgeTestPackage = "github.com/ottkit/ottkit/components/aws/lambdazip/testdata/lambda"
)

// edgeRef is the concrete ResourceRef the tests give each manifest resource.
func edgeRef(r manifest.Resource) ResourceRef {
	name := "acme-dev-" + string(r)
	return ResourceRef{
		Name: pulumi.String(name),
		Arn:  pulumi.String(edgeArn(r)),
		Url:  pulumi.String("https://sqs.us-east-1.amazonaws.com/123456789012/" + name),
	}
}

// edgeArn is the ARN edgeRef gives r, shaped like the real one.
func edgeArn(r manifest.Resource) string {
	name := "acme-dev-" + string(r)
	switch r {
	case manifest.IngestBucket, manifest.MastersBucket, manifest.DeliveryBucket:
		return "arn:aws:s3:::" + name
	case manifest.CatalogTable:
		return "arn:aws:dynamodb:us-east-1:123456789012:table/" + name
	case manifest.IngestQueue, manifest.TranscodeQueue, manifest.EventsQueue:
		return "arn:aws:sqs:us-east-1:123456789012:" + name
	case manifest.MediaConvertQueue:
		return "arn:aws:mediaconvert:us-east-1:123456789012:queues/" + name
	case manifest.MediaConvertRole:
		return "arn:aws:iam::123456789012:role/" + name
	case manifest.MediaConvertJobs:
		return "arn:aws:mediaconvert:us-east-1:123456789012:jobs/*"
	case manifest.NotifyTopic:
		return "arn:aws:sns:us-east-1:123456789012:" + name
	case manifest.SigningSecret:
		return "arn:aws:secretsmanager:us-east-1:123456789012:secret:" + name + "-AbCdEf"
	case manifest.StackKey:
		return edgeKeyArn
	}
	panic("edgeArn: unknown resource " + r)
}

var edgeAllResources = []manifest.Resource{
	manifest.IngestBucket, manifest.MastersBucket, manifest.DeliveryBucket, manifest.CatalogTable,
	manifest.IngestQueue, manifest.TranscodeQueue, manifest.EventsQueue, manifest.MediaConvertQueue,
	manifest.MediaConvertRole, manifest.MediaConvertJobs, manifest.NotifyTopic, manifest.SigningSecret,
	manifest.StackKey,
}

var edgeAllSettings = []manifest.Setting{
	manifest.Ladder, manifest.MaxHeight, manifest.VideoCodec, manifest.ThumbnailInterval,
	manifest.MaxDuration, manifest.MaxUploadBytes, manifest.ArchiveStorageClass, manifest.MaxRetries,
	manifest.PlaybackDomain, manifest.PlaybackTTL, manifest.UploadTTL, manifest.TenantClaim, manifest.RolesClaim,
	manifest.EdgeSessionsMode,
}

// edgeSettingValue is the value of s, rendered as platform.Spec.Settings renders it.
func edgeSettingValue(s manifest.Setting) string {
	return map[manifest.Setting]string{
		manifest.Ladder:              `[{"height":1080,"maxBitrate":6000000},{"height":720,"maxBitrate":3500000}]`,
		manifest.MaxHeight:           "1080",
		manifest.VideoCodec:          "h264",
		manifest.ThumbnailInterval:   "10",
		manifest.MaxDuration:         "14400",
		manifest.MaxUploadBytes:      "5368709120",
		manifest.ArchiveStorageClass: "GLACIER_IR",
		manifest.MaxRetries:          "2",
		manifest.PlaybackDomain:      "media.example.com",
		manifest.PlaybackTTL:         "3600",
		manifest.UploadTTL:           "900",
		manifest.TenantClaim:         "tenant",
		manifest.RolesClaim:          "roles",
		manifest.EdgeSessionsMode:    "off",
	}[s]
}

// edgeFunctionArgs deploys fn from the test package with every resource and setting known.
func edgeFunctionArgs(fn manifest.Function) *GoFunctionArgs {
	fn.Package = edgeTestPackage
	resources := map[manifest.Resource]ResourceRef{}
	for _, r := range edgeAllResources {
		resources[r] = edgeRef(r)
	}
	settings := map[manifest.Setting]pulumi.StringInput{}
	for _, s := range edgeAllSettings {
		settings[s] = pulumi.String(edgeSettingValue(s))
	}
	return &GoFunctionArgs{
		Function:     fn,
		Resources:    resources,
		Settings:     settings,
		KeyArn:       pulumi.String(edgeKeyArn),
		AlarmActions: pulumi.StringArray{pulumi.String(edgeTopicArn)},
		Tags:         edgeTags(),
	}
}

// edgeRun runs program offline and fails the test on error.
func edgeRun(t testing.TB, program pulumi.RunFunc) *offline.Result {
	t.Helper()
	res, err := offline.Run(program, offline.Options{})
	if err != nil {
		t.Fatalf("offline.Run: %v", err)
	}
	return res
}

// edgeRunFailing runs a program whose component constructor must fail, and returns that
// error with what was registered meanwhile.
func edgeRunFailing(t *testing.T, construct func(ctx *pulumi.Context) error) (*offline.Result, error) {
	t.Helper()
	var got error
	res, err := offline.Run(func(ctx *pulumi.Context) error {
		got = construct(ctx)
		return nil
	}, offline.Options{})
	if err != nil {
		t.Fatalf("offline.Run: %v", err)
	}
	return res, got
}

// edgeComponent returns the one component of typ named name and its direct children as
// "type name" lines, sorted; it fails when a registered resource other than the component
// has no parent inside the component.
func edgeComponent(t *testing.T, res *offline.Result, typ, name string) (offline.Resource, []string) {
	t.Helper()
	comp, ok := res.Find(typ, name)
	if !ok {
		t.Fatalf("component %s %s not registered; inventory:\n%s", typ, name, strings.Join(res.Inventory(), "\n"))
	}
	var children []string
	for _, r := range res.Resources {
		if r.URN == comp.URN {
			continue
		}
		if r.Parent != comp.URN {
			t.Errorf("%s %s has parent %q, want the component %s", r.Type, r.Name, r.Parent, comp.URN)
			continue
		}
		children = append(children, r.Type+" "+r.Name)
	}
	sort.Strings(children)
	return comp, children
}

// edgeMust returns the resource of typ named name.
func edgeMust(t *testing.T, res *offline.Result, typ, name string) offline.Resource {
	t.Helper()
	r, ok := res.Find(typ, name)
	if !ok {
		t.Fatalf("%s %s not registered; inventory:\n%s", typ, name, strings.Join(res.Inventory(), "\n"))
	}
	return r
}

// edgeGet walks a path of map keys and array indexes ("0") through a resource's inputs.
func edgeGet(v any, path ...string) any {
	for _, p := range path {
		switch t := v.(type) {
		case map[string]any:
			v = t[p]
		case []any:
			var i int
			if _, err := fmt.Sscan(p, &i); err != nil || i < 0 || i >= len(t) {
				return nil
			}
			v = t[i]
		default:
			return nil
		}
	}
	return v
}

// edgeStrings converts a []any of strings.
func edgeStrings(v any) []string {
	arr, _ := v.([]any)
	out := make([]string, 0, len(arr))
	for _, x := range arr {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}

// edgeCheckScoped fails on any Allow statement that grants a wildcard action, or Resource "*"
// for an action outside iampolicy.ResourceStarActions.
func edgeCheckScoped(t *testing.T, stmts []policyStatement) {
	t.Helper()
	for _, s := range stmts {
		if s.Effect != "Allow" {
			continue
		}
		for _, a := range s.Action {
			if a == "*" || strings.HasSuffix(a, ":*") || strings.Contains(a, "*") {
				t.Errorf("statement %s grants wildcard action %s", s.Sid, a)
			}
			for _, r := range s.Resource {
				if r == "*" && !iampolicy.IsResourceStarAction(a) {
					t.Errorf("statement %s grants %s on Resource *", s.Sid, a)
				}
			}
		}
	}
}

// edgeTags are the tags platform.Spec.Tags gives every resource of a stack.
func edgeTags() pulumi.StringMap {
	return pulumi.StringMap{
		"ottkit:customer":    pulumi.String("acme"),
		"ottkit:environment": pulumi.String("dev"),
		"ottkit:stack":       pulumi.String("acme-dev"),
	}
}

func TestEdgeSettingValuesCoverEverySetting(t *testing.T) {
	for _, s := range edgeAllSettings {
		if edgeSettingValue(s) == "" {
			t.Errorf("no test value for setting %s", s)
		}
	}
}
