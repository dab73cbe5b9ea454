package platform

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	ottaws "github.com/ottkit/ottkit/components/aws"
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

	// Outputs, also exported by Program.
	IngestBucket      pulumi.StringOutput `pulumi:"ingestBucket"`
	MastersBucket     pulumi.StringOutput `pulumi:"mastersBucket"`
	DeliveryBucket    pulumi.StringOutput `pulumi:"deliveryBucket"`
	LogsBucket        pulumi.StringOutput `pulumi:"logsBucket"`
	IngestQueueUrl    pulumi.StringOutput `pulumi:"ingestQueueUrl"`
	TranscodeQueueUrl pulumi.StringOutput `pulumi:"transcodeQueueUrl"`
	EventsQueueUrl    pulumi.StringOutput `pulumi:"eventsQueueUrl"`
	CatalogTable      pulumi.StringOutput `pulumi:"catalogTable"`
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
	}
	if s.Domain != "" {
		out[manifest.PlaybackDomain] = s.Domain
	}
	return out
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
func consumerTimeout(q manifest.Resource) (int, error) {
	for _, f := range manifest.All() {
		if f.Trigger == q {
			return f.TimeoutSeconds, nil
		}
	}
	return 0, fmt.Errorf("platform: no function is triggered by %s", q)
}

// New builds the platform spec describes. It validates the spec first, so an invalid spec
// registers nothing.
func New(ctx *pulumi.Context, name string, spec *Spec, opts ...pulumi.ResourceOption) (*Platform, error) {
	if spec == nil {
		return nil, fmt.Errorf("platform: spec is required")
	}
	if err := spec.Validate(); err != nil {
		return nil, fmt.Errorf("platform: invalid spec:\n%w", err)
	}
	if spec.Cloud != "aws" {
		return nil, fmt.Errorf("platform: ottkit:cloud %q has no components", spec.Cloud)
	}
	timeouts := map[manifest.Resource]int{}
	for _, q := range []manifest.Resource{manifest.IngestQueue, manifest.TranscodeQueue, manifest.EventsQueue} {
		t, err := consumerTimeout(q)
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
		p.Provider, err = aws.NewProvider(ctx, name+"-provider", &aws.ProviderArgs{
			Region: pulumi.String(spec.Region),
			AssumeRole: &aws.ProviderAssumeRoleArgs{
				RoleArn:     pulumi.String(spec.AssumeRoleArn),
				SessionName: pulumi.String("ottkit-" + spec.Prefix()),
			},
			// A role ARN names its account: refuse to deploy anywhere else.
			AllowedAccountIds: pulumi.StringArray{pulumi.String(accountOfRole(spec.AssumeRoleArn))},
		}, pulumi.Parent(p))
		if err != nil {
			return nil, err
		}
		child = append(child, pulumi.Provider(p.Provider))
	}
	tags := pulumi.ToStringMap(spec.ResourceTags())
	prefix := spec.Prefix()

	var err error
	p.Key, err = ottaws.NewStackKey(ctx, name+"-key", &ottaws.StackKeyArgs{
		Prefix: prefix, DestroyData: !spec.RetainData, Tags: tags,
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
		Tags:                            tags,
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
		// A resubmitted failure may come back several times before it gives up.
		MaxReceiveCount: spec.MaxRetries + DefaultReceives,
		AlarmActions:    alarms, Tags: tags,
	}, child...)
	if err != nil {
		return nil, err
	}

	p.IngestBucket, p.MastersBucket = p.Storage.IngestName, p.Storage.MastersName
	p.DeliveryBucket, p.LogsBucket = p.Storage.DeliveryName, p.Storage.LogsName
	p.IngestQueueUrl, p.TranscodeQueueUrl = p.IngestQueue.Url, p.TranscodeQueue.Url
	p.CatalogTable = p.Catalog.Name
	p.AlertTopicArn, p.NotifyTopicArn = p.Alerts.TopicArn, p.Alerts.NotifyTopicArn
	p.KeyArn = p.Key.Arn
	return p, ctx.RegisterResourceOutputs(p, p.outputs())
}

// DefaultReceives is how many receives a transcode request gets beyond the spec's retries.
const DefaultReceives = 3

func (p *Platform) outputs() pulumi.Map {
	return pulumi.Map{
		"ingestBucket": p.IngestBucket, "mastersBucket": p.MastersBucket,
		"deliveryBucket": p.DeliveryBucket, "logsBucket": p.LogsBucket,
		"ingestQueueUrl": p.IngestQueueUrl, "transcodeQueueUrl": p.TranscodeQueueUrl,
		"catalogTable": p.CatalogTable, "alertTopicArn": p.AlertTopicArn,
		"notifyTopicArn": p.NotifyTopicArn, "keyArn": p.KeyArn,
	}
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
	if v, ok := ctx.GetConfig(RegionKey); ok {
		cfg[RegionKey] = v
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
	return nil
}
