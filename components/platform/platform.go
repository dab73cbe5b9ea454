package platform

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	ottaws "github.com/ottkit/ottkit/components/aws"
	"github.com/ottkit/ottkit/components/cloudflare"
	"github.com/ottkit/ottkit/functions/aws/manifest"
)

// PlatformType is the type token of Platform.
const PlatformType = "ottkit:index:Platform"

// Platform is one customer environment's video-on-demand platform.
type Platform struct {
	pulumi.ResourceState

	// Provider is the explicit provider for the customer's account; nil when the stack sets
	// no ottkit:assumeRoleArn.
	Provider *aws.Provider

	Key                                      *ottaws.StackKey
	Storage                                  *ottaws.MediaStorage
	IngestQueue, TranscodeQueue, EventsQueue *ottaws.WorkQueue
	Catalog                                  *ottaws.Catalog
	Alerts                                   *ottaws.Alerts
	Transcoder                               *ottaws.Transcoder
	Delivery                                 *ottaws.Delivery
	API                                      *ottaws.API
	// Functions are the deployed functions by manifest name (ingest, transcode, complete, api).
	Functions map[string]*ottaws.GoFunction
	// Resources maps every logical resource of the functions' manifest to the concrete one, so
	// a program can deploy further functions against the same platform with NewGoFunction.
	Resources map[manifest.Resource]ottaws.ResourceRef
	Dashboard *cloudwatch.Dashboard
	// Edge is the Cloudflare edge (ottkit:edge cloudflare), on either cloud; nil without one.
	Edge *cloudflare.Edge
	// GCP holds the components of a platform on ottkit:cloud gcp; the AWS fields above are
	// then nil. The outputs below are the same on both clouds.
	GCP *GCPParts

	// Outputs, also exported by Program.
	UploadApiUrl      pulumi.StringOutput `pulumi:"uploadApiUrl"`
	PlaybackDomain    pulumi.StringOutput `pulumi:"playbackDomain"`
	DistributionId    pulumi.StringOutput `pulumi:"distributionId"`
	SigningSecretArn  pulumi.StringOutput `pulumi:"signingSecretArn"`
	IngestBucket      pulumi.StringOutput `pulumi:"ingestBucket"`
	MastersBucket     pulumi.StringOutput `pulumi:"mastersBucket"`
	DeliveryBucket    pulumi.StringOutput `pulumi:"deliveryBucket"`
	LogsBucket        pulumi.StringOutput `pulumi:"logsBucket"`
	IngestQueueUrl    pulumi.StringOutput `pulumi:"ingestQueueUrl"`
	TranscodeQueueUrl pulumi.StringOutput `pulumi:"transcodeQueueUrl"`
	EventsQueueUrl    pulumi.StringOutput `pulumi:"eventsQueueUrl"`
	CatalogTable      pulumi.StringOutput `pulumi:"catalogTable"`
	DashboardName     pulumi.StringOutput `pulumi:"dashboardName"`
	AlertTopicArn     pulumi.StringOutput `pulumi:"alertTopicArn"`
	NotifyTopicArn    pulumi.StringOutput `pulumi:"notifyTopicArn"`
	KeyArn            pulumi.StringOutput `pulumi:"keyArn"`
}

// Settings renders the configuration values functions read (manifest.Setting) from the spec.
// PlaybackDomain is present only with a custom domain; otherwise it is the CDN's generated
// domain, which only the deployment knows.
func (s *Spec) Settings() map[manifest.Setting]string {
	out := map[manifest.Setting]string{
		manifest.Ladder:              ladderJSON(s.Ladder),
		manifest.MaxHeight:           itoa(s.MaxHeight),
		manifest.VideoCodec:          s.VideoCodec,
		manifest.ThumbnailInterval:   itoa(s.ThumbnailInterval),
		manifest.MaxDuration:         itoa(s.MaxDurationSeconds),
		manifest.MaxUploadBytes:      strconv.FormatInt(s.MaxUploadBytes, 10),
		manifest.ArchiveStorageClass: s.ArchiveStorageClass,
		manifest.MaxRetries:          itoa(s.MaxRetries),
		manifest.PlaybackTTL:         itoa(s.PlaybackTTL),
		manifest.UploadTTL:           itoa(s.UploadTTL),
		manifest.TenantClaim:         s.TenantClaim,
		manifest.RolesClaim:          s.RolesClaim,
		manifest.EdgeSessionsMode:    s.sessionsMode(),
	}
	if s.Domain != "" {
		out[manifest.PlaybackDomain] = s.Domain
	}
	if s.hasEdge() {
		out[manifest.EdgeDomain] = s.Edge.Hostname
	}
	return out
}

// Extensions are the parts of the functions' contracts the spec's options add (the edge's
// token for the api, the R2 mirror for complete); apply them with manifest.Function.With.
func (s *Spec) Extensions() []manifest.Extension {
	var exts []manifest.Extension
	if s.hasEdge() {
		exts = append(exts, manifest.EdgeToken)
	}
	if s.hasEdgeMirror() {
		exts = append(exts, manifest.CompleteMirror)
	}
	if s.EdgeSessions {
		exts = append(exts, manifest.EdgeSessions)
	}
	return exts
}

// IngestEventPattern is the EventBridge pattern of uploads: objects created in the ingest
// bucket under manifest.UploadPrefix. Quarantine copies and anything else do not trigger
// ingest.
func IngestEventPattern(bucket string) (string, error) {
	b, err := json.Marshal(map[string]any{
		"source":      []string{"aws.s3"},
		"detail-type": []string{"Object Created"},
		"detail": map[string]any{
			"bucket": map[string]any{"name": []string{bucket}},
			"object": map[string]any{"key": []any{map[string]string{"prefix": manifest.UploadPrefix}}},
		},
	})
	return string(b), err
}

// consumerTimeout returns the timeout of the function a queue triggers.
func consumerTimeout(spec *Spec, q manifest.Resource) (int, error) {
	for _, f := range spec.awsFunctions() {
		if f.Trigger == q {
			return f.TimeoutSeconds, nil
		}
	}
	return 0, fmt.Errorf("platform: no function is triggered by %s", q)
}

// nameRe is what a platform name must look like to prefix every physical name.
var nameRe = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`)

// New builds the platform spec describes. It validates the spec first, so an invalid spec
// registers nothing.
func New(ctx *pulumi.Context, name string, spec *Spec, opts ...pulumi.ResourceOption) (*Platform, error) {
	if spec == nil {
		return nil, fmt.Errorf("platform: spec is required")
	}
	if err := spec.Validate(); err != nil {
		return nil, fmt.Errorf("platform: invalid spec:\n%w", err)
	}
	if len(name) > 31 || !nameRe.MatchString(name) {
		return nil, fmt.Errorf("platform: name %q must be a lowercase DNS label of at most 31 characters: it prefixes every physical name (Program uses spec.Prefix())", name)
	}
	switch spec.Cloud {
	case CloudGCP:
		return newGCP(ctx, name, spec, opts...)
	case CloudAWS:
	default:
		return nil, fmt.Errorf("platform: ottkit:cloud %q has no components", spec.Cloud)
	}
	// Explicit providers carry the stack's aws:* settings; decide them before registering.
	var home, east *aws.ProviderArgs
	if spec.AssumeRoleArn != "" {
		var err error
		if home, err = accountProviderArgs(ctx, spec, spec.Region); err != nil {
			return nil, err
		}
		if east, err = accountProviderArgs(ctx, spec, "us-east-1"); err != nil {
			return nil, err
		}
	}
	timeouts := map[manifest.Resource]int{}
	for _, q := range []manifest.Resource{manifest.IngestQueue, manifest.TranscodeQueue, manifest.EventsQueue} {
		t, err := consumerTimeout(spec, q)
		if err != nil {
			return nil, err
		}
		timeouts[q] = t
	}

	p := &Platform{}
	if err := ctx.RegisterComponentResource(PlatformType, name, p, opts...); err != nil {
		return nil, err
	}
	child := []pulumi.ResourceOption{pulumi.Parent(p)}
	if spec.AssumeRoleArn != "" {
		var err error
		p.Provider, err = aws.NewProvider(ctx, name+"-provider", home, pulumi.Parent(p))
		if err != nil {
			return nil, err
		}
		child = append(child, pulumi.Provider(p.Provider))
	}
	tags := pulumi.ToStringMap(spec.ResourceTags())
	// Every physical name starts with name; the key and topic policies name the stack's
	// resources exactly.
	prefix := name

	var err error
	p.Key, err = ottaws.NewStackKey(ctx, name+"-key", &ottaws.StackKeyArgs{
		Prefix: prefix, Consumers: keyConsumers(name), DestroyData: !spec.RetainData, Tags: tags,
	}, child...)
	if err != nil {
		return nil, err
	}
	p.Alerts, err = ottaws.NewAlerts(ctx, name+"-alerts", &ottaws.AlertsArgs{
		Prefix: prefix, KeyArn: p.Key.Arn, Email: spec.AlertEmail, Tags: tags,
	}, child...)
	if err != nil {
		return nil, err
	}
	deep := spec.DeepArchiveAfterDays
	if deep == 0 {
		deep = -1 // the spec's "never"
	}
	p.Storage, err = ottaws.NewMediaStorage(ctx, name+"-storage", &ottaws.MediaStorageArgs{
		KeyArn:                          p.Key.Arn,
		UploadOrigins:                   spec.UploadOrigins,
		IngestExpirationDays:            spec.IngestExpirationDays,
		ArchiveAfterDays:                spec.ArchiveAfterDays,
		DeepArchiveAfterDays:            deep,
		NoncurrentVersionExpirationDays: spec.NoncurrentVersionExpirationDays,
		AccessLogExpirationDays:         spec.AccessLogExpirationDays,
		DestroyData:                     !spec.RetainData,
		// Delivery writes the delivery bucket's one policy: TLS only plus its distribution.
		DeliveryPolicyByCaller: true,
		Tags:                   tags,
	}, child...)
	if err != nil {
		return nil, err
	}
	p.Catalog, err = ottaws.NewCatalog(ctx, name+"-catalog", &ottaws.CatalogArgs{
		KeyArn: p.Key.Arn, DestroyData: !spec.RetainData, Tags: tags,
	}, child...)
	if err != nil {
		return nil, err
	}
	alarms := pulumi.StringArray{p.Alerts.TopicArn}
	ingestPattern := p.Storage.IngestName.ApplyT(IngestEventPattern).(pulumi.StringOutput)
	p.IngestQueue, err = ottaws.NewWorkQueue(ctx, name+"-ingest", &ottaws.WorkQueueArgs{
		KeyArn: p.Key.Arn, ConsumerTimeoutSeconds: timeouts[manifest.IngestQueue],
		AlarmActions: alarms, EventPattern: ingestPattern, Tags: tags,
	}, child...)
	if err != nil {
		return nil, err
	}
	p.TranscodeQueue, err = ottaws.NewWorkQueue(ctx, name+"-transcode", &ottaws.WorkQueueArgs{
		KeyArn: p.Key.Arn, ConsumerTimeoutSeconds: timeouts[manifest.TranscodeQueue],
		AlarmActions: alarms, Tags: tags,
	}, child...)
	if err != nil {
		return nil, err
	}

	p.Transcoder, err = ottaws.NewTranscoder(ctx, name+"-transcoder", &ottaws.TranscoderArgs{
		MastersBucketArn: p.Storage.MastersArn, DeliveryBucketArn: p.Storage.DeliveryArn,
		KeyArn: p.Key.Arn, Tags: tags,
	}, child...)
	if err != nil {
		return nil, err
	}
	p.EventsQueue, err = ottaws.NewWorkQueue(ctx, name+"-events", &ottaws.WorkQueueArgs{
		KeyArn: p.Key.Arn, ConsumerTimeoutSeconds: timeouts[manifest.EventsQueue],
		AlarmActions: alarms, EventPattern: p.Transcoder.JobEventPattern, Tags: tags,
	}, child...)
	if err != nil {
		return nil, err
	}

	// The gateway first: the distribution serves it under /api/*, and the api function's
	// environment names the distribution's domain, so the routes to the function come last
	// (API.Connect). That order breaks the cycle function -> distribution -> API -> function.
	p.API, err = ottaws.NewAPI(ctx, name+"-api", &ottaws.APIArgs{
		Issuer:           pulumi.String(spec.JWTIssuer),
		Audiences:        pulumi.ToStringArray(spec.JWTAudience),
		KeyArn:           p.Key.Arn,
		CORSOrigins:      union(spec.UploadOrigins, spec.PlayerOrigins),
		LogRetentionDays: pulumi.Int(spec.LogRetentionDays),
		Tags:             tags,
	}, child...)
	if err != nil {
		return nil, err
	}

	deliveryArgs := &ottaws.DeliveryArgs{
		BucketName:               p.Storage.DeliveryName,
		BucketArn:                p.Storage.DeliveryArn,
		BucketRegionalDomainName: p.Storage.DeliveryRegionalDomainName,
		LogsBucketName:           p.Storage.CDNLogsName, // waits for ACLs on the logs bucket
		KeyArn:                   p.Key.Arn,
		PublicKeys:               spec.SigningPublicKeys,
		EdgeOriginPublicKeys:     spec.Edge.OriginPublicKeys,
		Domain:                   spec.Domain,
		PriceClass:               pulumi.String(spec.PriceClass),
		GeoAllowList:             spec.GeoAllowList,
		CORSOrigins:              spec.PlayerOrigins,
		DestroyData:              !spec.RetainData,
		API:                      &ottaws.DeliveryAPIArgs{Domain: p.API.Domain},
		Tags:                     tags,
	}
	if spec.CertificateArn != "" {
		deliveryArgs.CertificateArn = pulumi.String(spec.CertificateArn)
	}
	if spec.WAF {
		deliveryArgs.WAF = &ottaws.DeliveryWAFArgs{
			MediaRateLimit: pulumi.Int(spec.WAFRateLimit),
			APIRateLimit:   pulumi.Int(spec.WAFAPIRateLimit),
		}
	}
	if p.Provider != nil && spec.WAF {
		// CloudFront's web ACLs live in us-east-1; reach it with the same assumed role.
		usEast1, err := aws.NewProvider(ctx, name+"-us-east-1", east, pulumi.Parent(p))
		if err != nil {
			return nil, err
		}
		deliveryArgs.USEast1 = usEast1
	}
	if spec.EdgeSessions {
		deliveryArgs.Sessions = &ottaws.DeliverySessionsArgs{BindToViewerIP: spec.EdgeSessionBinding == manifest.EdgeSessionsIP}
	}
	p.Delivery, err = ottaws.NewDelivery(ctx, name+"-delivery", deliveryArgs, child...)
	if err != nil {
		return nil, err
	}

	refs := map[manifest.Resource]ottaws.ResourceRef{
		manifest.IngestBucket:      {Name: p.Storage.IngestName, Arn: p.Storage.IngestArn},
		manifest.MastersBucket:     {Name: p.Storage.MastersName, Arn: p.Storage.MastersArn},
		manifest.DeliveryBucket:    {Name: p.Storage.DeliveryName, Arn: p.Storage.DeliveryArn},
		manifest.CatalogTable:      {Name: p.Catalog.Name, Arn: p.Catalog.Arn},
		manifest.IngestQueue:       {Name: p.IngestQueue.Name, Arn: p.IngestQueue.Arn, Url: p.IngestQueue.Url},
		manifest.TranscodeQueue:    {Name: p.TranscodeQueue.Name, Arn: p.TranscodeQueue.Arn, Url: p.TranscodeQueue.Url},
		manifest.EventsQueue:       {Name: p.EventsQueue.Name, Arn: p.EventsQueue.Arn, Url: p.EventsQueue.Url},
		manifest.MediaConvertQueue: {Name: p.Transcoder.QueueName, Arn: p.Transcoder.QueueArn},
		manifest.MediaConvertRole:  {Arn: p.Transcoder.RoleArn},
		manifest.MediaConvertJobs:  {Arn: p.Transcoder.JobsArn},
		manifest.NotifyTopic:       {Name: p.Alerts.NotifyTopicName, Arn: p.Alerts.NotifyTopicArn},
		manifest.SigningSecret:     {Arn: p.Delivery.SigningSecretArn},
		manifest.StackKey:          {Arn: p.Key.Arn},
	}
	if spec.EdgeSessions {
		refs[manifest.SessionStore] = ottaws.ResourceRef{Arn: p.Delivery.SessionStoreArn}
	}
	if spec.hasEdge() {
		secret, err := ottaws.NewEdgeSigningSecret(ctx, name+"-edge-signing", &ottaws.EdgeSigningSecretArgs{
			Name: EdgeSigningSecretName(name), KeyArn: p.Key.Arn, DestroyData: !spec.RetainData, Tags: tags,
		}, child...)
		if err != nil {
			return nil, err
		}
		refs[manifest.EdgeSigningSecret] = ottaws.ResourceRef{Arn: secret.Arn}
	}
	p.Resources = refs
	settings := map[manifest.Setting]pulumi.StringInput{}
	for k, v := range spec.Settings() {
		settings[k] = pulumi.String(v)
	}
	settings[manifest.PlaybackDomain] = p.Delivery.PlaybackDomain
	// The Cloudflare edge uses the Cloudflare provider, not the AWS one. It comes before the
	// functions: with R2, the complete function copies outputs there.
	store, err := newEdgeStorage(ctx, name, spec, pulumi.Parent(p))
	if err != nil {
		return nil, err
	}
	if _, err := awsEdgeMirror(ctx, name, spec, store, p.Key.Arn, tags, refs, settings, child...); err != nil {
		return nil, err
	}
	p.Functions = map[string]*ottaws.GoFunction{}
	var fnNames []pulumi.StringInput
	for _, fn := range spec.awsFunctions() {
		f, err := ottaws.NewGoFunction(ctx, name+"-fn-"+fn.Name, &ottaws.GoFunctionArgs{
			Function:            fn,
			Resources:           refsFor(fn, refs),
			Settings:            settingsFor(fn, settings),
			KeyArn:              p.Key.Arn,
			AlarmActions:        alarms,
			LogRetentionDays:    pulumi.Int(spec.LogRetentionDays),
			MaxConcurrency:      queueConcurrency(fn, spec),
			ReservedConcurrency: spec.ReservedConcurrency,
			Tags:                tags,
		}, child...)
		if err != nil {
			return nil, err
		}
		p.Functions[fn.Name] = f
		fnNames = append(fnNames, f.Name)
	}
	api, ok := p.Functions[manifest.API.Name]
	if !ok {
		return nil, fmt.Errorf("platform: the manifest has no %s function", manifest.API.Name)
	}
	var featureRoutes []string
	if spec.EdgeSessions {
		featureRoutes = manifest.SessionRoutes
	}
	if err := p.API.Connect(ctx, api.Arn, featureRoutes...); err != nil {
		return nil, err
	}
	p.Dashboard, err = ottaws.NewDashboard(ctx, name+"-dashboard", &ottaws.DashboardArgs{
		Region: spec.Region,
		Queues: []ottaws.DashboardQueue{
			{Label: "Ingest", Name: p.IngestQueue.Name, DeadLetterName: p.IngestQueue.DeadLetterName},
			{Label: "Transcode", Name: p.TranscodeQueue.Name, DeadLetterName: p.TranscodeQueue.DeadLetterName},
			{Label: "Job events", Name: p.EventsQueue.Name, DeadLetterName: p.EventsQueue.DeadLetterName},
		},
		FunctionNames: fnNames,
		TableName:     p.Catalog.Name,
	}, child...)
	if err != nil {
		return nil, err
	}

	if err := p.Alerts.AdmitAlarms(ctx, p.alarmArns()); err != nil {
		return nil, err
	}

	p.IngestBucket, p.MastersBucket = p.Storage.IngestName, p.Storage.MastersName
	p.DeliveryBucket, p.LogsBucket = p.Storage.DeliveryName, p.Storage.LogsName
	p.IngestQueueUrl, p.TranscodeQueueUrl, p.EventsQueueUrl = p.IngestQueue.Url, p.TranscodeQueue.Url, p.EventsQueue.Url
	p.CatalogTable = p.Catalog.Name
	p.AlertTopicArn, p.NotifyTopicArn = p.Alerts.TopicArn, p.Alerts.NotifyTopicArn
	p.KeyArn = p.Key.Arn
	// Browsers call the API on the playback host, where its host-only cookies apply to media.
	p.UploadApiUrl = pulumi.Sprintf("https://%s%s", p.Delivery.PlaybackDomain, ottaws.APIPathPrefix)
	p.PlaybackDomain = p.Delivery.PlaybackDomain
	p.DistributionId = p.Delivery.DistributionId
	p.SigningSecretArn = p.Delivery.SigningSecretArn
	p.DashboardName = p.Dashboard.DashboardName
	// The Cloudflare edge uses the Cloudflare provider, not the AWS one. Its /api/* goes to
	// API Gateway itself: through CloudFront, every viewer would share the Worker's addresses
	// in the WAF's per-IP rate limit. In origin mode it reads media from the distribution.
	if p.Edge, err = newEdge(ctx, name, spec, pulumi.Sprintf("https://%s", p.API.Domain), store, cloudFrontOrigin(p.Delivery.DomainName), pulumi.Parent(p)); err != nil {
		return nil, err
	}
	if spec.hasEdge() {
		p.UploadApiUrl = spec.edgeAPIURL()
	}
	return p, ctx.RegisterResourceOutputs(p, p.outputs())
}

// queueConcurrency is the maximum concurrency of fn's queue trigger; 0 (none) without one.
func queueConcurrency(fn manifest.Function, spec *Spec) int {
	if fn.Trigger == "" {
		return 0
	}
	return spec.QueueConcurrency
}

// keyConsumers names the resources of platform name that AWS services use the stack key for
// on their own: the alarm topic, the queues EventBridge sends to (and their dead-letter
// queues), every encrypted log group and the delivery bucket.
func keyConsumers(name string) ottaws.KeyConsumers {
	c := ottaws.KeyConsumers{AlarmTopic: ottaws.AlarmTopicName(name + "-alerts"), MediaStorage: name + "-storage"}
	for _, q := range []string{name + "-ingest", name + "-events"} {
		c.EventQueues = append(c.EventQueues, ottaws.QueueName(q), ottaws.DeadLetterQueueName(q))
	}
	for _, fn := range manifest.All() {
		c.LogGroups = append(c.LogGroups, ottaws.FunctionLogGroupName(name+"-fn-"+fn.Name))
	}
	c.LogGroups = append(c.LogGroups, ottaws.APIAccessLogGroupName(name+"-api"))
	return c
}

// alarmArns are the ARNs of every alarm the platform created: the ones the alarm topic admits.
func (p *Platform) alarmArns() pulumi.StringArray {
	var out pulumi.StringArray
	for _, q := range []*ottaws.WorkQueue{p.IngestQueue, p.TranscodeQueue, p.EventsQueue} {
		for _, a := range q.Alarms {
			out = append(out, a.Arn)
		}
	}
	for _, fn := range manifest.All() {
		for _, a := range p.Functions[fn.Name].Alarms {
			out = append(out, a.Arn)
		}
	}
	return out
}

// refsFor narrows refs to the resources fn's environment, permissions and trigger name.
func refsFor(fn manifest.Function, refs map[manifest.Resource]ottaws.ResourceRef) map[manifest.Resource]ottaws.ResourceRef {
	out := map[manifest.Resource]ottaws.ResourceRef{}
	use := func(r manifest.Resource) {
		if r != "" {
			out[r] = refs[r]
		}
	}
	use(fn.Trigger)
	for _, e := range fn.Env {
		use(e.From)
	}
	for _, p := range fn.Permissions {
		use(p.On)
	}
	return out
}

// settingsFor narrows settings to those fn's environment reads.
func settingsFor(fn manifest.Function, settings map[manifest.Setting]pulumi.StringInput) map[manifest.Setting]pulumi.StringInput {
	out := map[manifest.Setting]pulumi.StringInput{}
	for _, e := range fn.Env {
		if e.Setting != "" {
			out[e.Setting] = settings[e.Setting]
		}
	}
	return out
}

func union(lists ...[]string) []string {
	var out []string
	seen := map[string]bool{}
	for _, l := range lists {
		for _, v := range l {
			if !seen[v] {
				seen[v] = true
				out = append(out, v)
			}
		}
	}
	return out
}

func (p *Platform) outputs() pulumi.Map {
	return pulumi.Map{
		"ingestBucket": p.IngestBucket, "mastersBucket": p.MastersBucket,
		"deliveryBucket": p.DeliveryBucket, "logsBucket": p.LogsBucket,
		"ingestQueueUrl": p.IngestQueueUrl, "transcodeQueueUrl": p.TranscodeQueueUrl,
		"eventsQueueUrl": p.EventsQueueUrl, "uploadApiUrl": p.UploadApiUrl,
		"playbackDomain": p.PlaybackDomain, "distributionId": p.DistributionId,
		"signingSecretArn": p.SigningSecretArn, "dashboardName": p.DashboardName,
		"catalogTable": p.CatalogTable, "alertTopicArn": p.AlertTopicArn,
		"notifyTopicArn": p.NotifyTopicArn, "keyArn": p.KeyArn,
	}
}

// accountProviderArgs are the settings of a provider for region in the customer's account:
// the stack's aws:* settings (credentials, profile, default tags, ...), assuming
// ottkit:assumeRoleArn, and refusing any account but the role's.
func accountProviderArgs(ctx *pulumi.Context, spec *Spec, region string) (*aws.ProviderArgs, error) {
	args, err := ottaws.StackProviderArgs(ctx, region)
	if err != nil {
		return nil, fmt.Errorf("platform: %w", err)
	}
	if _, set := ctx.GetConfig("aws:assumeRole"); set {
		return nil, fmt.Errorf("platform: %s: the stack also sets aws:assumeRole, and a provider assumes one role; "+
			"give the deploying credentials (environment or aws:profile) the right to assume %s and drop aws:assumeRole",
			k("assumeRoleArn"), spec.AssumeRoleArn)
	}
	acct := accountOfRole(spec.AssumeRoleArn)
	if raw, set := ctx.GetConfig("aws:allowedAccountIds"); set {
		var allowed []string
		if err := json.Unmarshal([]byte(raw), &allowed); err != nil || !slices.Contains(allowed, acct) {
			return nil, fmt.Errorf("platform: %s: account %s of %s is not in aws:allowedAccountIds %s",
				k("assumeRoleArn"), acct, spec.AssumeRoleArn, raw)
		}
	}
	args.AssumeRole = &aws.ProviderAssumeRoleArgs{
		RoleArn:     pulumi.String(spec.AssumeRoleArn),
		SessionName: pulumi.String("ottkit-" + spec.Prefix()),
	}
	// A role ARN names its account: refuse to deploy anywhere else.
	args.AllowedAccountIds = pulumi.StringArray{pulumi.String(acct)}
	return args, nil
}

// accountOfRole returns the account id of a validated role ARN
// (arn:<partition>:iam::<account>:role/<name>).
func accountOfRole(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 {
		return ""
	}
	return parts[4]
}

// Program is the stack program stacks/main.go runs: it reads the stack's configuration,
// validates it into a Spec (registering nothing when it is invalid), builds the platform and
// exports its outputs.
func Program(ctx *pulumi.Context) error {
	cfg := map[string]string{}
	for _, key := range Keys {
		if v, ok := ctx.GetConfig(Namespace + ":" + key.Name); ok {
			cfg[Namespace+":"+key.Name] = v
		}
	}
	for _, key := range []string{RegionKey, GCPProjectKey, GCPRegionKey} {
		if v, ok := ctx.GetConfig(key); ok {
			cfg[key] = v
		}
	}
	spec, err := ParseSpec(cfg)
	if err != nil {
		return err
	}
	p, err := New(ctx, spec.Prefix(), spec)
	if err != nil {
		return err
	}
	for k, v := range p.outputs() {
		ctx.Export(k, v)
	}
	for k, v := range p.edgeOutputs() {
		ctx.Export(k, v)
	}
	return nil
}
