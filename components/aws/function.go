package aws

import (
	"errors"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lambda"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ottkit/ottkit/components/aws/lambdazip"
	"github.com/ottkit/ottkit/components/iampolicy"
	"github.com/ottkit/ottkit/functions/aws/manifest"
)

// GoFunctionType is the type token of GoFunction.
const GoFunctionType = "ottkit:aws:GoFunction"

// Defaults of GoFunctionArgs.
const (
	DefaultMaxConcurrency     = 5
	DefaultLogRetentionDays   = 30
	DefaultBatchSize          = 10
	DefaultBatchWindowSeconds = 1
)

// Bounds of an SQS event source mapping's scalingConfig.maximumConcurrency, as Lambda
// enforces them.
const (
	MinMaxConcurrency = 2
	MaxMaxConcurrency = 1000
)

// ResourceRef is the concrete form of one manifest.Resource. Only the attributes a function's
// manifest reads need to be set.
type ResourceRef struct {
	Name pulumi.StringInput // bucket, table or topic name
	Arn  pulumi.StringInput
	Url  pulumi.StringInput // SQS queue URL
}

// GoFunctionArgs configures a GoFunction.
type GoFunctionArgs struct {
	// Function is the function's manifest entry. It is a plain value because it decides which
	// resources exist (Trigger: the event source mapping) and what the policy and environment
	// hold.
	Function manifest.Function
	// Resources maps every resource the function's Env, Permissions and Trigger name to its
	// concrete attributes. The role's policy and the environment are rendered from it, so a
	// function can reach only what its manifest declares.
	Resources map[manifest.Resource]ResourceRef
	// Settings holds the rendered value of every manifest.Setting the function's Env reads.
	Settings map[manifest.Setting]pulumi.StringInput
	// KeyArn is the stack's KMS key: it encrypts the environment and the log group, and the
	// role may use it (Decrypt, GenerateDataKey) for the encrypted data it reads and writes.
	// Required.
	KeyArn pulumi.StringInput
	// AlarmActions receive the Errors and Throttles alarms (the alerts topic). Required.
	AlarmActions pulumi.StringArrayInput
	// MaxConcurrency caps how many copies of a queue-triggered function the event source
	// mapping runs at once (scalingConfig.maximumConcurrency). It bounds a burst on the queue
	// without taking anything from the account's concurrency pool. MinMaxConcurrency to
	// MaxMaxConcurrency; default DefaultMaxConcurrency. Only a function with a Trigger takes
	// it. Plain so it is checked against ReservedConcurrency before anything is created.
	MaxConcurrency int
	// ReservedConcurrency, when above 0, reserves that many of the account's concurrent
	// executions for the function (which also caps it). 0, the default, reserves nothing.
	// Lambda refuses a reservation that leaves fewer than 100 of the account's executions
	// unreserved, so a reservation fails on an account whose quota is still the small
	// new-account one; only reserve where a function must be guaranteed capacity. A
	// queue-triggered function's reservation must be at least its MaxConcurrency, or the
	// mapping's extra invocations are throttled. Plain so it is validated.
	ReservedConcurrency int
	// LogRetentionDays is the log group's retention. Default DefaultLogRetentionDays.
	LogRetentionDays pulumi.IntInput
	// BatchSize is the most messages one invocation receives. Default DefaultBatchSize.
	BatchSize pulumi.IntInput
	// BatchWindowSeconds is how long the mapping gathers messages before invoking. Default
	// DefaultBatchWindowSeconds.
	BatchWindowSeconds pulumi.IntInput
	// Builder builds the function's archive. nil uses one builder shared by the program, run
	// in the current directory with the default cache.
	Builder *lambdazip.Builder
	// Tags go on every taggable child.
	Tags pulumi.StringMap
}

// GoFunction is a Go Lambda function deployed from its manifest entry: a reproducible arm64
// archive, its own role granting exactly the manifest's permissions, an encrypted log group,
// active tracing, its queue trigger capped by a maximum concurrency, an optional concurrency
// reservation, and alarms on errors and throttles.
type GoFunction struct {
	pulumi.ResourceState

	Function           *lambda.Function
	Role               *iam.Role
	LogGroup           *cloudwatch.LogGroup
	EventSourceMapping *lambda.EventSourceMapping // nil when the function has no Trigger
	// Alarms are the errors and throttles alarms.
	Alarms []*cloudwatch.MetricAlarm

	Arn          pulumi.StringOutput `pulumi:"arn"`
	Name         pulumi.StringOutput `pulumi:"name"`
	InvokeArn    pulumi.StringOutput `pulumi:"invokeArn"`
	RoleArn      pulumi.StringOutput `pulumi:"roleArn"`
	LogGroupName pulumi.StringOutput `pulumi:"logGroupName"`
	// Archive is the built archive; it is known when NewGoFunction returns.
	Archive lambdazip.Archive
}

// goFunctionBuilder builds every GoFunction that brings no Builder, so concurrent builds of
// the same package in one program run once.
var goFunctionBuilder = &lambdazip.Builder{}

// bucketResources and tableResources are the resources whose permissions may carry a Path.
var (
	bucketResources = map[manifest.Resource]bool{
		manifest.IngestBucket: true, manifest.MastersBucket: true, manifest.DeliveryBucket: true,
	}
	tableResources = map[manifest.Resource]bool{manifest.CatalogTable: true}
)

// NewGoFunction builds args.Function's package and deploys it as the Lambda function name.
func NewGoFunction(ctx *pulumi.Context, name string, args *GoFunctionArgs, opts ...pulumi.ResourceOption) (*GoFunction, error) {
	if err := validateGoFunction(name, args); err != nil {
		return nil, err
	}
	fn := args.Function
	builder := args.Builder
	if builder == nil {
		builder = goFunctionBuilder
	}
	archive, err := builder.Build(ctx.Context(), fn.Package)
	if err != nil {
		return nil, fmt.Errorf("go function %s: build %s: %w", name, fn.Package, err)
	}

	self := &GoFunction{Archive: archive}
	if err := ctx.RegisterComponentResource(GoFunctionType, name, self, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(self)

	acct, err := lookupAccount(ctx, self)
	if err != nil {
		return nil, fmt.Errorf("go function %s: %w", name, err)
	}
	trust, err := iampolicy.ServiceTrust("lambda.amazonaws.com", acct.ID).TrustPolicyJSON()
	if err != nil {
		return nil, err
	}
	self.Role, err = iam.NewRole(ctx, name+"-role", &iam.RoleArgs{
		Name:             pulumi.String(name + "-role"),
		Description:      pulumi.String(fmt.Sprintf("ottkit %s function (%s)", fn.Name, fn.Package)),
		AssumeRolePolicy: pulumi.String(trust),
		Tags:             args.Tags,
	}, parent)
	if err != nil {
		return nil, err
	}

	self.LogGroup, err = cloudwatch.NewLogGroup(ctx, name+"-logs", &cloudwatch.LogGroupArgs{
		Name:            pulumi.String(FunctionLogGroupName(name)),
		RetentionInDays: intInputOr(args.LogRetentionDays, DefaultLogRetentionDays),
		KmsKeyId:        args.KeyArn,
		Tags:            args.Tags,
	}, parent)
	if err != nil {
		return nil, err
	}

	policyJSON := functionPolicyOutput(fn, args.Resources, args.KeyArn, self.LogGroup.Arn)
	policy, err := iam.NewRolePolicy(ctx, name+"-policy", &iam.RolePolicyArgs{
		Role:   self.Role.ID(),
		Policy: policyJSON,
	}, parent)
	if err != nil {
		return nil, err
	}

	self.Function, err = lambda.NewFunction(ctx, name+"-function", &lambda.FunctionArgs{
		Name:          pulumi.String(name),
		Description:   pulumi.String(fmt.Sprintf("ottkit %s (%s)", fn.Name, fn.Package)),
		Runtime:       pulumi.String("provided.al2023"),
		Handler:       pulumi.String(lambdazip.Executable),
		Architectures: pulumi.StringArray{pulumi.String("arm64")},
		Code:          pulumi.NewFileArchive(archive.Path),
		Role:          self.Role.Arn,
		Timeout:       pulumi.Int(fn.TimeoutSeconds),
		MemorySize:    pulumi.Int(fn.MemoryMB),
		Environment: &lambda.FunctionEnvironmentArgs{
			Variables: functionEnv(fn, args.Resources, args.Settings),
		},
		KmsKeyArn:                    args.KeyArn,
		TracingConfig:                &lambda.FunctionTracingConfigArgs{Mode: pulumi.String("Active")},
		ReservedConcurrentExecutions: reservedConcurrency(args.ReservedConcurrency),
		LoggingConfig: &lambda.FunctionLoggingConfigArgs{
			LogFormat: pulumi.String("JSON"),
			LogGroup:  self.LogGroup.Name,
		},
		Tags: args.Tags,
	}, parent, pulumi.DependsOn([]pulumi.Resource{policy, self.LogGroup}))
	if err != nil {
		return nil, err
	}

	if fn.Trigger != "" {
		self.EventSourceMapping, err = lambda.NewEventSourceMapping(ctx, name+"-trigger", &lambda.EventSourceMappingArgs{
			EventSourceArn:                 args.Resources[fn.Trigger].Arn,
			FunctionName:                   self.Function.Arn,
			BatchSize:                      intInputOr(args.BatchSize, DefaultBatchSize),
			MaximumBatchingWindowInSeconds: intInputOr(args.BatchWindowSeconds, DefaultBatchWindowSeconds),
			FunctionResponseTypes:          pulumi.StringArray{pulumi.String("ReportBatchItemFailures")},
			ScalingConfig: &lambda.EventSourceMappingScalingConfigArgs{
				MaximumConcurrency: pulumi.Int(maxConcurrency(args)),
			},
			Tags: args.Tags,
		}, parent, pulumi.DependsOn([]pulumi.Resource{policy}))
		if err != nil {
			return nil, err
		}
	}

	actions := alarmActions(args.AlarmActions)
	for _, a := range []struct{ role, metric, what string }{
		{"errors", "Errors", "invocations failed"},
		{"throttles", "Throttles", "invocations were throttled"},
	} {
		alarm, err := cloudwatch.NewMetricAlarm(ctx, name+"-"+a.role, &cloudwatch.MetricAlarmArgs{
			Name:               pulumi.String(name + "-" + a.role),
			AlarmDescription:   pulumi.String(fmt.Sprintf("ottkit %s: %s in the last 5 minutes", name, a.what)),
			Namespace:          pulumi.String("AWS/Lambda"),
			MetricName:         pulumi.String(a.metric),
			Dimensions:         pulumi.StringMap{"FunctionName": self.Function.Name},
			Statistic:          pulumi.String("Sum"),
			Period:             pulumi.Int(300),
			EvaluationPeriods:  pulumi.Int(1),
			Threshold:          pulumi.Float64(1),
			ComparisonOperator: pulumi.String("GreaterThanOrEqualToThreshold"),
			TreatMissingData:   pulumi.String("notBreaching"),
			AlarmActions:       actions,
			OkActions:          actions,
			Tags:               args.Tags,
		}, parent)
		if err != nil {
			return nil, err
		}
		self.Alarms = append(self.Alarms, alarm)
	}

	self.Arn = self.Function.Arn
	self.Name = self.Function.Name
	self.InvokeArn = self.Function.InvokeArn
	self.RoleArn = self.Role.Arn
	self.LogGroupName = self.LogGroup.Name
	if err := ctx.RegisterResourceOutputs(self, pulumi.Map{
		"arn":           self.Arn,
		"name":          self.Name,
		"invokeArn":     self.InvokeArn,
		"roleArn":       self.RoleArn,
		"logGroupName":  self.LogGroupName,
		"archiveSha256": pulumi.String(archive.SHA256),
	}); err != nil {
		return nil, err
	}
	return self, nil
}

// validateGoFunction checks everything NewGoFunction needs before anything is built or
// registered, and reports every problem, each naming its field.
func validateGoFunction(name string, args *GoFunctionArgs) error {
	if args == nil {
		return fmt.Errorf("go function %s: args are required", name)
	}
	var errs []error
	bad := func(format string, a ...any) {
		errs = append(errs, fmt.Errorf("go function %s: "+format, append([]any{name}, a...)...))
	}
	// The name is the Lambda function's; its role adds "-role" within IAM's 64 characters.
	if err := checkName("go function", name, 59); err != nil {
		errs = append(errs, err)
	}
	fn := args.Function
	if fn.Name == "" {
		bad("Function.Name is required")
	}
	if fn.Package == "" {
		bad("Function.Package is required")
	}
	if fn.TimeoutSeconds < 1 || fn.TimeoutSeconds > 900 {
		bad("Function.TimeoutSeconds %d is outside 1..900", fn.TimeoutSeconds)
	}
	if fn.MemoryMB < 128 || fn.MemoryMB > 10240 {
		bad("Function.MemoryMB %d is outside 128..10240", fn.MemoryMB)
	}
	if args.KeyArn == nil {
		bad("KeyArn is required")
	}
	switch mc := args.MaxConcurrency; {
	case mc != 0 && fn.Trigger == "":
		bad("MaxConcurrency %d: only a queue-triggered function has an event source mapping to cap", mc)
	case mc != 0 && (mc < MinMaxConcurrency || mc > MaxMaxConcurrency):
		bad("MaxConcurrency %d is outside %d..%d (Lambda's bounds for scalingConfig.maximumConcurrency)", mc, MinMaxConcurrency, MaxMaxConcurrency)
	}
	switch r := args.ReservedConcurrency; {
	case r < 0:
		bad("ReservedConcurrency %d is negative; 0 reserves nothing", r)
	case r > 0 && fn.Trigger != "" && r < maxConcurrency(args):
		bad("ReservedConcurrency %d is below the trigger's MaxConcurrency %d: the mapping's extra invocations would be throttled", r, maxConcurrency(args))
	}
	if args.AlarmActions == nil {
		bad("AlarmActions is required")
	}
	ref := func(r manifest.Resource) ResourceRef { return args.Resources[r] }
	if fn.Trigger != "" && ref(fn.Trigger).Arn == nil {
		bad("Resources[%q].Arn is required by Function.Trigger", fn.Trigger)
	}
	seen := map[string]bool{}
	for i, e := range fn.Env {
		field := fmt.Sprintf("Function.Env[%d]", i)
		switch {
		case e.Name == "":
			bad("%s.Name is required", field)
		case seen[e.Name]:
			bad("%s.Name %s appears twice", field, e.Name)
		case reservedEnvName(e.Name):
			bad("%s.Name %s is reserved by the Lambda runtime", field, e.Name)
		}
		seen[e.Name] = true
		switch {
		case (e.From == "") == (e.Setting == ""):
			bad("%s (%s) needs exactly one of From and Setting", field, e.Name)
		case e.Setting != "":
			if args.Settings[e.Setting] == nil {
				bad("Settings[%q] is required by %s (%s)", e.Setting, field, e.Name)
			}
		default:
			var v pulumi.StringInput
			switch e.Attr {
			case manifest.Name:
				v = ref(e.From).Name
			case manifest.ARN:
				v = ref(e.From).Arn
			case manifest.URL:
				v = ref(e.From).Url
			default:
				bad("%s (%s) has unknown Attr %q", field, e.Name, e.Attr)
				continue
			}
			if v == nil {
				bad("Resources[%q].%s is required by %s (%s)", e.From, attrField(e.Attr), field, e.Name)
			}
		}
	}
	for i, p := range fn.Permissions {
		field := fmt.Sprintf("Function.Permissions[%d]", i)
		svc, op, ok := strings.Cut(p.Action, ":")
		switch {
		case !ok || svc == "" || op == "":
			bad("%s.Action %q is not service:Operation", field, p.Action)
		case strings.ContainsAny(p.Action, "*?"):
			bad("%s.Action %q is a wildcard; list the exact action", field, p.Action)
		}
		if (p.Action == "iam:PassRole") != (p.PassedToService != "") {
			bad("%s: PassedToService goes with iam:PassRole and only with it", field)
		}
		if iampolicy.IsResourceStarAction(p.Action) {
			continue
		}
		if p.On == "" {
			bad("%s.On is required", field)
			continue
		}
		if p.Path != "" && !bucketResources[p.On] && !tableResources[p.On] {
			bad("%s.Path %q: only buckets and the catalog table take a path", field, p.Path)
		}
		if ref(p.On).Arn == nil {
			bad("Resources[%q].Arn is required by %s (%s)", p.On, field, p.Action)
		}
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	// Render the policy with stand-in ARNs, so a document iampolicy would refuse fails here,
	// before anything exists, rather than half-way through a deployment.
	arns := map[manifest.Resource]string{}
	for r := range args.Resources {
		arns[r] = "arn:aws:stand-in:::" + string(r)
	}
	doc, err := functionPolicy(fn, arns, "arn:aws:kms:::key/stand-in", "arn:aws:logs:::log-group:stand-in")
	if err == nil {
		_, err = doc.JSON()
	}
	if err != nil {
		return fmt.Errorf("go function %s: Function.Permissions: %w", name, err)
	}
	return nil
}

func attrField(a manifest.Attr) string {
	switch a {
	case manifest.ARN:
		return "Arn"
	case manifest.URL:
		return "Url"
	}
	return "Name"
}

// reservedEnvName reports whether Lambda sets the variable itself and refuses it in a
// function's configuration.
func reservedEnvName(n string) bool {
	switch n {
	case "_HANDLER", "_X_AMZN_TRACE_ID", "TZ", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR":
		return true
	}
	return strings.HasPrefix(n, "AWS_")
}

// functionEnv renders the manifest's Env: exactly its variables, nothing else.
func functionEnv(fn manifest.Function, resources map[manifest.Resource]ResourceRef, settings map[manifest.Setting]pulumi.StringInput) pulumi.StringMap {
	env := pulumi.StringMap{}
	for _, e := range fn.Env {
		if e.Setting != "" {
			env[e.Name] = settings[e.Setting]
			continue
		}
		r := resources[e.From]
		switch e.Attr {
		case manifest.Name:
			env[e.Name] = r.Name
		case manifest.ARN:
			env[e.Name] = r.Arn
		case manifest.URL:
			env[e.Name] = r.Url
		}
	}
	return env
}

// functionPolicyOutput resolves the ARNs the policy needs and renders functionPolicy.
func functionPolicyOutput(fn manifest.Function, resources map[manifest.Resource]ResourceRef, keyArn pulumi.StringInput, logGroupArn pulumi.StringOutput) pulumi.StringOutput {
	var needed []manifest.Resource
	add := func(r manifest.Resource) {
		for _, n := range needed {
			if n == r {
				return
			}
		}
		needed = append(needed, r)
	}
	if fn.Trigger != "" {
		add(fn.Trigger)
	}
	for _, p := range fn.Permissions {
		if !iampolicy.IsResourceStarAction(p.Action) {
			add(p.On)
		}
	}
	inputs := []any{keyArn, logGroupArn}
	for _, r := range needed {
		inputs = append(inputs, resources[r].Arn)
	}
	return pulumi.All(inputs...).ApplyT(func(v []any) (string, error) {
		arns := map[manifest.Resource]string{}
		for i, r := range needed {
			arns[r] = v[i+2].(string)
		}
		doc, err := functionPolicy(fn, arns, v[0].(string), v[1].(string))
		if err != nil {
			return "", err
		}
		return doc.JSON()
	}).(pulumi.StringOutput)
}

// functionPolicy returns the function role's policy: one statement per resource (and path)
// the manifest's permissions name, the trigger queue's consume actions, use of the stack key,
// writes to its own log group, and X-Ray's put actions, which have no resource type.
func functionPolicy(fn manifest.Function, arns map[manifest.Resource]string, keyArn, logGroupArn string) (iampolicy.Document, error) {
	var doc iampolicy.Document
	sids := map[string]bool{}
	addStatement := func(s iampolicy.Statement) {
		base, sid := s.Sid, s.Sid
		for n := 2; sids[sid]; n++ {
			sid = fmt.Sprintf("%s%d", base, n)
		}
		sids[sid] = true
		s.Sid = sid
		doc.Statements = append(doc.Statements, s)
	}

	type group struct {
		sid, resource, passedTo string
		actions                 []string
	}
	var groups []*group
	byKey := map[string]*group{}
	var star []string
	for i, p := range fn.Permissions {
		if iampolicy.IsResourceStarAction(p.Action) {
			star = append(star, p.Action)
			continue
		}
		arn, ok := arns[p.On]
		if !ok || arn == "" {
			return doc, fmt.Errorf("permission %d (%s): no ARN for %s", i, p.Action, p.On)
		}
		resource, err := permissionResource(p, arn)
		if err != nil {
			return doc, fmt.Errorf("permission %d (%s): %w", i, p.Action, err)
		}
		key := resource + "\x00" + p.PassedToService
		g := byKey[key]
		if g == nil {
			g = &group{sid: statementSid(p.On, p.Path), resource: resource, passedTo: p.PassedToService}
			byKey[key] = g
			groups = append(groups, g)
		}
		g.actions = append(g.actions, p.Action)
	}
	for _, g := range groups {
		s := iampolicy.AllowStatement(g.sid, g.actions, g.resource)
		if g.passedTo != "" {
			s.Conditions = []iampolicy.Condition{{Test: "StringEquals", Variable: "iam:PassedToService", Values: []string{g.passedTo}}}
		}
		addStatement(s)
	}
	if len(star) > 0 {
		addStatement(iampolicy.AllowStatement("NoResourceTypes", star, "*"))
	}
	if fn.Trigger != "" {
		arn := arns[fn.Trigger]
		if arn == "" {
			return doc, fmt.Errorf("trigger: no ARN for %s", fn.Trigger)
		}
		addStatement(iampolicy.AllowStatement("Consume"+statementSid(fn.Trigger, ""), []string{
			"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility",
		}, arn))
	}
	addStatement(iampolicy.AllowStatement("StackKey", []string{"kms:Decrypt", "kms:GenerateDataKey"}, keyArn))
	addStatement(iampolicy.AllowStatement("OwnLogGroup", []string{"logs:CreateLogStream", "logs:PutLogEvents"},
		logGroupArn+":log-stream:*"))
	addStatement(iampolicy.AllowStatement("XRay", []string{"xray:PutTraceSegments", "xray:PutTelemetryRecords"}, "*"))
	return doc, nil
}

// permissionResource is the ARN a permission applies to: the resource, or for buckets and
// the catalog table the objects or indexes its Path selects.
func permissionResource(p manifest.Permission, arn string) (string, error) {
	if p.Path == "" {
		return arn, nil
	}
	if !bucketResources[p.On] && !tableResources[p.On] {
		return "", fmt.Errorf("path %q on %s, which takes none", p.Path, p.On)
	}
	return arn + "/" + strings.TrimPrefix(p.Path, "/"), nil
}

// statementSid turns a resource and path into a statement id: ingest-bucket + quarantine/*
// is IngestBucketQuarantine, a bucket's "*" is IngestBucketObjects.
func statementSid(r manifest.Resource, path string) string {
	var b strings.Builder
	words := func(s string) {
		for _, w := range strings.FieldsFunc(s, func(c rune) bool {
			return !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9')
		}) {
			b.WriteString(strings.ToUpper(w[:1]) + w[1:])
		}
	}
	words(string(r))
	before := b.Len()
	words(path)
	if path != "" && b.Len() == before {
		if bucketResources[r] {
			b.WriteString("Objects")
		} else {
			b.WriteString("All")
		}
	}
	return b.String()
}

// maxConcurrency is the trigger's maximum concurrency: MaxConcurrency or its default.
func maxConcurrency(args *GoFunctionArgs) int {
	if args.MaxConcurrency == 0 {
		return DefaultMaxConcurrency
	}
	return args.MaxConcurrency
}

// reservedConcurrency is the function's reservation input: none (Lambda's unreserved) for 0.
func reservedConcurrency(n int) pulumi.IntPtrInput {
	if n == 0 {
		return nil
	}
	return pulumi.IntPtr(n)
}

// intInputOr returns v, or def when v is nil.
func intInputOr(v pulumi.IntInput, def int) pulumi.IntInput {
	if v == nil {
		return pulumi.Int(def)
	}
	return v
}
