package aws

import (
	"archive/zip"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ottkit/ottkit/components/iampolicy"
	"github.com/ottkit/ottkit/components/offline"
	"github.com/ottkit/ottkit/functions/aws/manifest"
)

func TestGoFunctionType(t *testing.T) {
	if GoFunctionType != "ottkit:aws:GoFunction" {
		t.Errorf("GoFunctionType = %q, want ottkit:aws:GoFunction", GoFunctionType)
	}
}

// edgeDeployFunction runs NewGoFunction for fn under the mock engine.
func edgeDeployFunction(t *testing.T, name string, args *GoFunctionArgs) (*offline.Result, *GoFunction) {
	t.Helper()
	var fn *GoFunction
	res := edgeRun(t, func(ctx *pulumi.Context) error {
		var err error
		fn, err = NewGoFunction(ctx, name, args)
		return err
	})
	return res, fn
}

func TestGoFunctionChildren(t *testing.T) {
	for _, fn := range manifest.All() {
		t.Run(fn.Name, func(t *testing.T) {
			name := "acme-dev-fn-" + fn.Name
			res, _ := edgeDeployFunction(t, name, edgeFunctionArgs(fn))
			_, children := edgeComponent(t, res, GoFunctionType, name)
			want := []string{
				"aws:cloudwatch/logGroup:LogGroup " + name + "-logs",
				"aws:cloudwatch/metricAlarm:MetricAlarm " + name + "-errors",
				"aws:cloudwatch/metricAlarm:MetricAlarm " + name + "-throttles",
				"aws:iam/role:Role " + name + "-role",
				"aws:iam/rolePolicy:RolePolicy " + name + "-policy",
				"aws:lambda/function:Function " + name + "-function",
			}
			if fn.Trigger != "" {
				want = append(want, "aws:lambda/eventSourceMapping:EventSourceMapping "+name+"-trigger")
			}
			sort.Strings(want)
			if !reflect.DeepEqual(children, want) {
				t.Errorf("children =\n%s\nwant\n%s", strings.Join(children, "\n"), strings.Join(want, "\n"))
			}
		})
	}
}

func TestGoFunctionRuntimeAndSecurityInputs(t *testing.T) {
	name := "acme-dev-fn-ingest"
	res, gf := edgeDeployFunction(t, name, edgeFunctionArgs(manifest.Ingest))
	f := edgeMust(t, res, "aws:lambda/function:Function", name+"-function").Inputs
	logs := edgeMust(t, res, "aws:cloudwatch/logGroup:LogGroup", name+"-logs")
	checks := []struct {
		what string
		got  any
		want any
	}{
		{"function name", f["name"], name},
		{"runtime", f["runtime"], "provided.al2023"},
		{"handler", f["handler"], "bootstrap"},
		{"architectures", f["architectures"], []any{"arm64"}},
		{"timeout", f["timeout"], float64(manifest.Ingest.TimeoutSeconds)},
		{"memory", f["memorySize"], float64(manifest.Ingest.MemoryMB)},
		{"X-Ray tracing", edgeGet(f, "tracingConfig", "mode"), "Active"},
		{"environment encryption key", f["kmsKeyArn"], edgeKeyArn},
		{"log format", edgeGet(f, "loggingConfig", "logFormat"), "JSON"},
		{"log group used", edgeGet(f, "loggingConfig", "logGroup"), "/aws/lambda/" + name},
		{"role", f["role"], "arn:aws:iam::123456789012:role/" + name + "-role"},
		{"code archive", edgeGet(f, "code", "path"), gf.Archive.Path},
		{"log group name", logs.Inputs["name"], "/aws/lambda/" + name},
		{"log group retention", logs.Inputs["retentionInDays"], float64(DefaultLogRetentionDays)},
		{"log group encryption", logs.Inputs["kmsKeyId"], edgeKeyArn},
		{"tags", edgeGet(f, "tags", "ottkit:customer"), "acme"},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s = %#v, want %#v", c.what, c.got, c.want)
		}
	}

	m := edgeMust(t, res, "aws:lambda/eventSourceMapping:EventSourceMapping", name+"-trigger").Inputs
	mapping := []struct {
		what string
		got  any
		want any
	}{
		{"event source", m["eventSourceArn"], edgeArn(manifest.IngestQueue)},
		{"function", m["functionName"], "arn:aws:lambda:us-east-1:123456789012:function:" + name},
		{"partial batch failures", m["functionResponseTypes"], []any{"ReportBatchItemFailures"}},
		{"batch size", m["batchSize"], float64(DefaultBatchSize)},
		{"batch window", m["maximumBatchingWindowInSeconds"], float64(DefaultBatchWindowSeconds)},
		{"maximum concurrency", edgeGet(m, "scalingConfig", "maximumConcurrency"), float64(DefaultMaxConcurrency)},
	}
	for _, c := range mapping {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("mapping %s = %#v, want %#v", c.what, c.got, c.want)
		}
	}

	for _, a := range []struct{ role, metric string }{{"errors", "Errors"}, {"throttles", "Throttles"}} {
		in := edgeMust(t, res, "aws:cloudwatch/metricAlarm:MetricAlarm", name+"-"+a.role).Inputs
		if in["metricName"] != a.metric || in["namespace"] != "AWS/Lambda" {
			t.Errorf("alarm %s watches %v/%v, want AWS/Lambda/%s", a.role, in["namespace"], in["metricName"], a.metric)
		}
		if got := edgeGet(in, "dimensions", "FunctionName"); got != name {
			t.Errorf("alarm %s function = %v, want %s", a.role, got, name)
		}
		if got := edgeStrings(in["alarmActions"]); !reflect.DeepEqual(got, []string{edgeTopicArn}) {
			t.Errorf("alarm %s actions = %v, want [%s]", a.role, got, edgeTopicArn)
		}
		if !strings.HasPrefix(in["name"].(string), "acme-dev-") {
			t.Errorf("alarm name %v does not start with the stack prefix", in["name"])
		}
	}

	trust := parsePolicy(t, edgeMust(t, res, "aws:iam/role:Role", name+"-role").Inputs["assumeRolePolicy"])
	if len(trust) != 1 {
		t.Fatalf("trust policy has %d statements, want 1", len(trust))
	}
	if got, want := trust[0].Principal, map[string]any{"Service": []any{"lambda.amazonaws.com"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("trust principal = %v, want %v", got, want)
	}
	if got := trust[0].Condition["StringEquals"]["aws:SourceAccount"]; !reflect.DeepEqual(got, []string{offline.Account}) {
		t.Errorf("trust aws:SourceAccount = %v, want [%s]", got, offline.Account)
	}
}

// TestGoFunctionArgsOverrideDefaults checks the tunables reach the resources.
func TestGoFunctionArgsOverrideDefaults(t *testing.T) {
	args := edgeFunctionArgs(manifest.Complete)
	args.MaxConcurrency = 3
	args.ReservedConcurrency = 4
	args.BatchSize = pulumi.Int(3)
	args.BatchWindowSeconds = pulumi.Int(7)
	args.LogRetentionDays = pulumi.Int(90)
	name := "acme-dev-fn-complete"
	res, _ := edgeDeployFunction(t, name, args)
	f := edgeMust(t, res, "aws:lambda/function:Function", name+"-function").Inputs
	m := edgeMust(t, res, "aws:lambda/eventSourceMapping:EventSourceMapping", name+"-trigger").Inputs
	logs := edgeMust(t, res, "aws:cloudwatch/logGroup:LogGroup", name+"-logs").Inputs
	for _, c := range []struct {
		what      string
		got, want any
	}{
		{"reserved concurrency", f["reservedConcurrentExecutions"], 4.0},
		{"maximum concurrency", edgeGet(m, "scalingConfig", "maximumConcurrency"), 3.0},
		{"batch size", m["batchSize"], 3.0},
		{"batch window", m["maximumBatchingWindowInSeconds"], 7.0},
		{"retention", logs["retentionInDays"], 90.0},
	} {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.what, c.got, c.want)
		}
	}
}

func TestGoFunctionEnvEqualsManifest(t *testing.T) {
	for _, fn := range manifest.All() {
		t.Run(fn.Name, func(t *testing.T) {
			name := "acme-dev-fn-" + fn.Name
			res, _ := edgeDeployFunction(t, name, edgeFunctionArgs(fn))
			got, _ := edgeGet(edgeMust(t, res, "aws:lambda/function:Function", name+"-function").Inputs,
				"environment", "variables").(map[string]any)
			want := map[string]any{}
			for _, e := range fn.Env {
				switch {
				case e.Setting != "":
					want[e.Name] = edgeSettingValue(e.Setting)
				case e.Attr == manifest.Name:
					want[e.Name] = "acme-dev-" + string(e.From)
				case e.Attr == manifest.ARN:
					want[e.Name] = edgeArn(e.From)
				case e.Attr == manifest.URL:
					want[e.Name] = "https://sqs.us-east-1.amazonaws.com/123456789012/acme-dev-" + string(e.From)
				}
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("environment = %v, want exactly %v", got, want)
			}
		})
	}
}

var edgeSidPattern = regexp.MustCompile(`^[A-Za-z0-9]+$`)

// edgeGrant is one action on one resource, with the iam:PassedToService condition if any.
type edgeGrant struct{ action, resource, passedTo string }

// TestGoFunctionPolicyIsExactlyTheManifest flattens each function's policy to (action,
// resource) grants and compares them with what the manifest declares plus the fixed
// runtime grants, computed here independently of the component.
func TestGoFunctionPolicyIsExactlyTheManifest(t *testing.T) {
	for _, fn := range manifest.All() {
		t.Run(fn.Name, func(t *testing.T) {
			name := "acme-dev-fn-" + fn.Name
			res, _ := edgeDeployFunction(t, name, edgeFunctionArgs(fn))
			stmts := parsePolicy(t, edgeMust(t, res, "aws:iam/rolePolicy:RolePolicy", name+"-policy").Inputs["policy"])
			edgeCheckScoped(t, stmts)

			got := map[edgeGrant]bool{}
			for _, s := range stmts {
				if !edgeSidPattern.MatchString(s.Sid) {
					t.Errorf("statement id %q is not alphanumeric, which IAM requires", s.Sid)
				}
				if s.Effect != "Allow" {
					t.Errorf("statement %s effect %s, want Allow", s.Sid, s.Effect)
				}
				passedTo := strings.Join(s.Condition["StringEquals"]["iam:PassedToService"], ",")
				for _, a := range s.Action {
					for _, r := range s.Resource {
						got[edgeGrant{a, r, passedTo}] = true
					}
				}
			}

			want := map[edgeGrant]bool{}
			for _, p := range fn.Permissions {
				r := edgeArn(p.On)
				if p.Path != "" {
					r += "/" + p.Path
				}
				if iampolicy.IsResourceStarAction(p.Action) {
					r = "*"
				}
				want[edgeGrant{p.Action, r, p.PassedToService}] = true
			}
			if fn.Trigger != "" {
				for _, a := range []string{"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility"} {
					want[edgeGrant{a, edgeArn(fn.Trigger), ""}] = true
				}
			}
			for _, a := range []string{"kms:Decrypt", "kms:GenerateDataKey"} {
				want[edgeGrant{a, edgeKeyArn, ""}] = true
			}
			stream := "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/" + name + ":log-stream:*"
			for _, a := range []string{"logs:CreateLogStream", "logs:PutLogEvents"} {
				want[edgeGrant{a, stream, ""}] = true
			}
			for _, a := range []string{"xray:PutTraceSegments", "xray:PutTelemetryRecords"} {
				want[edgeGrant{a, "*", ""}] = true
			}

			for g := range got {
				if !want[g] {
					t.Errorf("policy grants %s on %s (passed to %q), which nothing declares", g.action, g.resource, g.passedTo)
				}
			}
			for g := range want {
				if !got[g] {
					t.Errorf("policy lacks %s on %s (passed to %q)", g.action, g.resource, g.passedTo)
				}
			}
		})
	}
}

func TestFunctionPolicyStatements(t *testing.T) {
	arns := map[manifest.Resource]string{}
	for _, r := range edgeAllResources {
		arns[r] = edgeArn(r)
	}
	tests := []struct {
		name     string
		perm     manifest.Permission
		wantSid  string
		wantRes  string
		wantCond []iampolicy.Condition
	}{
		{"bucket itself", manifest.Permission{Action: "s3:ListBucket", On: manifest.DeliveryBucket},
			"DeliveryBucket", edgeArn(manifest.DeliveryBucket), nil},
		{"bucket objects", manifest.Permission{Action: "s3:GetObject", On: manifest.MastersBucket, Path: "*"},
			"MastersBucketObjects", edgeArn(manifest.MastersBucket) + "/*", nil},
		{"bucket prefix", manifest.Permission{Action: "s3:PutObject", On: manifest.IngestBucket, Path: "quarantine/*"},
			"IngestBucketQuarantine", edgeArn(manifest.IngestBucket) + "/quarantine/*", nil},
		{"table index", manifest.Permission{Action: "dynamodb:Query", On: manifest.CatalogTable, Path: "index/*"},
			"CatalogTableIndex", edgeArn(manifest.CatalogTable) + "/index/*", nil},
		{"pass role", manifest.Permission{Action: "iam:PassRole", On: manifest.MediaConvertRole, PassedToService: "mediaconvert.amazonaws.com"},
			"MediaconvertRole", edgeArn(manifest.MediaConvertRole),
			[]iampolicy.Condition{{Test: "StringEquals", Variable: "iam:PassedToService", Values: []string{"mediaconvert.amazonaws.com"}}}},
		{"resource-star action", manifest.Permission{Action: "mediaconvert:DescribeEndpoints", On: manifest.MediaConvertQueue},
			"NoResourceTypes", "*", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := functionPolicy(manifest.Function{Permissions: []manifest.Permission{tt.perm}}, arns, edgeKeyArn, "arn:log")
			if err != nil {
				t.Fatal(err)
			}
			s := doc.Statements[0]
			if s.Sid != tt.wantSid || !reflect.DeepEqual(s.Resources, []string{tt.wantRes}) || !reflect.DeepEqual(s.Conditions, tt.wantCond) {
				t.Errorf("statement = %+v, want sid %s on %s with %v", s, tt.wantSid, tt.wantRes, tt.wantCond)
			}
			if _, err := doc.JSON(); err != nil {
				t.Errorf("policy does not validate: %v", err)
			}
		})
	}
}

// TestGoFunctionArchiveIsReproducible deploys the same function in two programs: both point
// at an archive whose bytes hash to the same SHA-256.
func TestGoFunctionArchiveIsReproducible(t *testing.T) {
	var sums []string
	for i := 0; i < 2; i++ {
		res, gf := edgeDeployFunction(t, "acme-dev-fn-api", edgeFunctionArgs(manifest.API))
		path, _ := edgeGet(edgeMust(t, res, "aws:lambda/function:Function", "acme-dev-fn-api-function").Inputs, "code", "path").(string)
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("code archive %q: %v", path, err)
		}
		sum := sha256.Sum256(b)
		if got := hex.EncodeToString(sum[:]); got != gf.Archive.SHA256 {
			t.Errorf("archive on disk hashes to %s, component reports %s", got, gf.Archive.SHA256)
		}
		sums = append(sums, gf.Archive.SHA256)
	}
	if sums[0] != sums[1] {
		t.Errorf("two deployments of the same source: %s != %s", sums[0], sums[1])
	}
}

func TestGoFunctionValidation(t *testing.T) {
	tests := []struct {
		name   string
		fnName string
		mutate func(a *GoFunctionArgs)
		want   string
	}{
		{"nil args", "acme-dev-fn-x", nil, "args are required"},
		{"bad name", "Acme_Dev", func(a *GoFunctionArgs) {}, `name "Acme_Dev" must be lowercase`},
		{"long name", strings.Repeat("a", 60), func(a *GoFunctionArgs) {}, "at most 59"},
		{"no package", "acme-dev-fn-x", func(a *GoFunctionArgs) { a.Function.Package = "" }, "Function.Package is required"},
		{"timeout", "acme-dev-fn-x", func(a *GoFunctionArgs) { a.Function.TimeoutSeconds = 901 }, "Function.TimeoutSeconds 901"},
		{"memory", "acme-dev-fn-x", func(a *GoFunctionArgs) { a.Function.MemoryMB = 64 }, "Function.MemoryMB 64"},
		{"no key", "acme-dev-fn-x", func(a *GoFunctionArgs) { a.KeyArn = nil }, "KeyArn is required"},
		{"no alarm actions", "acme-dev-fn-x", func(a *GoFunctionArgs) { a.AlarmActions = nil }, "AlarmActions is required"},
		{"max concurrency below Lambda's floor", "acme-dev-fn-x", func(a *GoFunctionArgs) { a.MaxConcurrency = 1 },
			"MaxConcurrency 1 is outside 2..1000"},
		{"max concurrency above Lambda's ceiling", "acme-dev-fn-x", func(a *GoFunctionArgs) { a.MaxConcurrency = 1001 },
			"MaxConcurrency 1001 is outside 2..1000"},
		{"max concurrency without a trigger", "acme-dev-fn-x", func(a *GoFunctionArgs) {
			a.Function.Trigger = ""
			a.MaxConcurrency = 4
		}, "MaxConcurrency 4: only a queue-triggered function"},
		{"negative reservation", "acme-dev-fn-x", func(a *GoFunctionArgs) { a.ReservedConcurrency = -1 },
			"ReservedConcurrency -1 is negative"},
		{"reservation below the trigger's cap", "acme-dev-fn-x", func(a *GoFunctionArgs) { a.ReservedConcurrency = 1 },
			"ReservedConcurrency 1 is below the trigger's MaxConcurrency 5"},
		{"missing trigger", "acme-dev-fn-x", func(a *GoFunctionArgs) { delete(a.Resources, manifest.IngestQueue) },
			`Resources["ingest-queue"].Arn is required by Function.Trigger`},
		{"missing env resource attr", "acme-dev-fn-x", func(a *GoFunctionArgs) {
			r := a.Resources[manifest.TranscodeQueue]
			r.Url = nil
			a.Resources[manifest.TranscodeQueue] = r
		}, `Resources["transcode-queue"].Url is required by Function.Env[3] (TRANSCODE_QUEUE_URL)`},
		{"missing setting", "acme-dev-fn-x", func(a *GoFunctionArgs) { delete(a.Settings, manifest.MaxDuration) },
			`Settings["max-duration"] is required by Function.Env[4] (MAX_DURATION)`},
		{"reserved env", "acme-dev-fn-x", func(a *GoFunctionArgs) {
			a.Function.Env = append(a.Function.Env, manifest.EnvVar{Name: "AWS_REGION", Setting: manifest.Ladder})
		}, "Function.Env[6].Name AWS_REGION is reserved"},
		{"duplicate env", "acme-dev-fn-x", func(a *GoFunctionArgs) {
			a.Function.Env = append(a.Function.Env, manifest.EnvVar{Name: "INGEST_BUCKET", Setting: manifest.Ladder})
		}, "Function.Env[6].Name INGEST_BUCKET appears twice"},
		{"env from and setting", "acme-dev-fn-x", func(a *GoFunctionArgs) {
			a.Function.Env[0].Setting = manifest.Ladder
		}, "Function.Env[0] (INGEST_BUCKET) needs exactly one of From and Setting"},
		{"wildcard action", "acme-dev-fn-x", func(a *GoFunctionArgs) { a.Function.Permissions[0].Action = "s3:*" },
			`Function.Permissions[0].Action "s3:*" is a wildcard`},
		{"partial wildcard action", "acme-dev-fn-x", func(a *GoFunctionArgs) { a.Function.Permissions[0].Action = "s3:Get*" },
			`Function.Permissions[0].Action "s3:Get*" is a wildcard`},
		{"action without service", "acme-dev-fn-x", func(a *GoFunctionArgs) { a.Function.Permissions[0].Action = "GetObject" },
			`Function.Permissions[0].Action "GetObject" is not service:Operation`},
		{"missing permission resource", "acme-dev-fn-x", func(a *GoFunctionArgs) { delete(a.Resources, manifest.CatalogTable) },
			`Resources["catalog-table"].Arn is required by Function.Permissions[4] (dynamodb:GetItem)`},
		{"path on a queue", "acme-dev-fn-x", func(a *GoFunctionArgs) { a.Function.Permissions[6].Path = "x" },
			`Function.Permissions[6].Path "x": only buckets and the catalog table take a path`},
		{"passed-to without pass role", "acme-dev-fn-x", func(a *GoFunctionArgs) {
			a.Function.Permissions[0].PassedToService = "mediaconvert.amazonaws.com"
		}, "Function.Permissions[0]: PassedToService goes with iam:PassRole"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var args *GoFunctionArgs
			if tt.mutate != nil {
				args = edgeFunctionArgs(manifest.Ingest)
				fn := args.Function
				fn.Env = append([]manifest.EnvVar(nil), fn.Env...)
				fn.Permissions = append([]manifest.Permission(nil), fn.Permissions...)
				args.Function = fn
				tt.mutate(args)
			}
			res, err := edgeRunFailing(t, func(ctx *pulumi.Context) error {
				_, err := NewGoFunction(ctx, tt.fnName, args)
				return err
			})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("NewGoFunction error = %v, want it to contain %q", err, tt.want)
			}
			if len(res.Resources) != 0 {
				t.Errorf("a rejected function registered %v", res.Inventory())
			}
		})
	}
}

// TestGoFunctionBuildsTheRealPackages deploys every manifest function from its own main
// package, as a stack does, rather than from the test package.
func TestGoFunctionBuildsTheRealPackages(t *testing.T) {
	for _, fn := range manifest.All() {
		t.Run(fn.Name, func(t *testing.T) {
			args := edgeFunctionArgs(fn)
			args.Function = fn
			name := "acme-dev-fn-" + fn.Name
			res, gf := edgeDeployFunction(t, name, args)
			if gf.Archive.Package != fn.Package {
				t.Errorf("built %s, want %s", gf.Archive.Package, fn.Package)
			}
			zr, err := zip.OpenReader(gf.Archive.Path)
			if err != nil {
				t.Fatalf("archive %s: %v", gf.Archive.Path, err)
			}
			defer zr.Close()
			if len(zr.File) != 1 || zr.File[0].Name != "bootstrap" || zr.File[0].UncompressedSize64 < 1<<20 {
				t.Errorf("archive holds %v, want one bootstrap executable", zr.File)
			}
			code := edgeGet(edgeMust(t, res, "aws:lambda/function:Function", name+"-function").Inputs, "code", "path")
			if code != gf.Archive.Path {
				t.Errorf("function code = %v, want %s", code, gf.Archive.Path)
			}
		})
	}
}

// BenchmarkNewGoFunctionWarm measures what deploying one function costs a program once its
// archive is cached: the cache lookup plus registering its resources under the mock engine.
func BenchmarkNewGoFunctionWarm(b *testing.B) {
	args := edgeFunctionArgs(manifest.Ingest)
	edgeRun(b, func(ctx *pulumi.Context) error { _, err := NewGoFunction(ctx, "acme-dev-fn-ingest", args); return err })
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		edgeRun(b, func(ctx *pulumi.Context) error { _, err := NewGoFunction(ctx, "acme-dev-fn-ingest", args); return err })
	}
}
