package platform

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ottkit/ottkit/components/cloudflare"
	ottgcp "github.com/ottkit/ottkit/components/gcp"
	awsmanifest "github.com/ottkit/ottkit/functions/aws/manifest"
	"github.com/ottkit/ottkit/functions/gcp/manifest"
	"github.com/ottkit/ottkit/functions/gcp/sourcearchive"
)

// GCPParts are the components of a GCP platform.
type GCPParts struct {
	Services   *ottgcp.ProjectServices
	Key        *ottgcp.StackKey
	Storage    *ottgcp.MediaStorage
	Catalog    *ottgcp.Catalog
	Invokers   *ottgcp.Invokers
	Topics     map[manifest.Resource]*ottgcp.QueueTopic
	Retry      *ottgcp.RetryQueue
	Transcoder *ottgcp.Transcoder
	SigningKey *ottgcp.SigningKey
	Sources    *ottgcp.FunctionSources
	// Functions are the deployed functions by manifest name; Subscriptions the push
	// subscriptions by the topic they read.
	Functions     map[string]*ottgcp.GoFunction
	Subscriptions map[manifest.Resource]*ottgcp.PushSubscription
	API           *ottgcp.API
	Delivery      *ottgcp.Delivery
	Alerts        *ottgcp.Alerts
	// EdgeReader is the identity the Cloudflare edge reads the delivery bucket as in origin
	// mode; nil otherwise.
	EdgeReader *ottgcp.EdgeReader
	// Resources maps every logical resource of the GCP manifest to the concrete one.
	Resources map[manifest.Resource]ottgcp.ResourceRef
}

// GCPSources builds the source archive a GCP function deploys from, and names the Go runtime
// that builds it; tests and programs may replace it before calling New. The default is
// functions/gcp/sourcearchive over the module the program runs in, written once per content
// hash under the temporary directory.
var GCPSources = func(fn manifest.Function) (ottgcp.SourceArchive, string, error) {
	root, err := moduleRoot()
	if err != nil {
		return ottgcp.SourceArchive{}, "", err
	}
	a, err := sourcearchive.Build(sourcearchive.Options{Root: root, Function: fn})
	if err != nil {
		return ottgcp.SourceArchive{}, "", err
	}
	sum := sha256.Sum256(a.Zip)
	hexSum := hex.EncodeToString(sum[:])
	dir := filepath.Join(os.TempDir(), "ottkit-gcp-sources")
	path := filepath.Join(dir, hexSum+".zip")
	if _, err := os.Stat(path); err != nil {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return ottgcp.SourceArchive{}, "", err
		}
		tmp, err := os.CreateTemp(dir, "partial-*")
		if err != nil {
			return ottgcp.SourceArchive{}, "", err
		}
		_, werr := tmp.Write(a.Zip)
		if err := errors.Join(werr, tmp.Close()); err != nil {
			return ottgcp.SourceArchive{}, "", err
		}
		if err := os.Rename(tmp.Name(), path); err != nil {
			return ottgcp.SourceArchive{}, "", err
		}
	}
	return ottgcp.SourceArchive{Path: path, SHA256: hexSum}, a.Runtime, nil
}

// moduleRoot is the directory of the nearest go.mod at or above the working directory.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod at or above the working directory: GCP function sources are built from the ottkit module")
		}
		dir = parent
	}
}

// GCPMaxInstances caps each GCP function's instances.
const GCPMaxInstances = 10

// pushed are the topics a function's push subscription reads, with the function.
var pushed = []struct {
	topic manifest.Resource
	fn    manifest.Function
}{
	{manifest.IngestTopic, manifest.Ingest},
	{manifest.TranscodeTopic, manifest.Transcode},
	{manifest.JobsTopic, manifest.Complete},
}

// newGCP builds the platform on Google Cloud. Its parts are created in dependency order:
// project services; the key (granted to the service agents that use it); data (storage,
// catalog); the hops' topics and the retry queue; the signing key; the functions (transcode
// before complete, which retries through it, and ingest, which publishes to its topic); the
// push subscriptions; the API, the edge and the alerts.
func newGCP(ctx *pulumi.Context, name string, spec *Spec, opts ...pulumi.ResourceOption) (*Platform, error) {
	type built struct {
		archive ottgcp.SourceArchive
		runtime string
	}
	sources := map[string]built{}
	for _, fn := range manifest.All() {
		a, rt, err := GCPSources(fn)
		if err != nil {
			return nil, fmt.Errorf("platform: source archive of the gcp %s function: %w", fn.Name, err)
		}
		sources[fn.Name] = built{a, rt}
	}
	var err error
	p := &Platform{}
	if err := ctx.RegisterComponentResource(PlatformType, name, p, opts...); err != nil {
		return nil, err
	}
	g := &GCPParts{
		Topics: map[manifest.Resource]*ottgcp.QueueTopic{}, Functions: map[string]*ottgcp.GoFunction{},
		Subscriptions: map[manifest.Resource]*ottgcp.PushSubscription{},
	}
	p.GCP = g
	proj, region := spec.Project, spec.Region
	labels := pulumi.ToStringMap(spec.Labels())
	child := pulumi.Parent(p)

	if g.Services, err = ottgcp.NewProjectServices(ctx, name+"-services", &ottgcp.ProjectServicesArgs{Project: proj}, child); err != nil {
		return nil, err
	}
	agents := g.Services.Agents
	after := func(rs ...pulumi.Resource) pulumi.ResourceOption { return pulumi.DependsOn(rs) }
	g.Key, err = ottgcp.NewStackKey(ctx, name+"-key", &ottgcp.StackKeyArgs{
		Project: proj, Region: region, DestroyData: !spec.RetainData, Labels: labels,
		Users: map[string]pulumi.StringInput{
			"storage": agents.Storage, "pubsub": agents.PubSub, "firestore": agents.Firestore,
			"transcoder": agents.Transcoder, "secretmanager": agents.SecretManager,
			"artifactregistry": agents.ArtifactRegistry, "monitoring": agents.Monitoring,
		},
	}, child, after(g.Services))
	if err != nil {
		return nil, err
	}
	data := []pulumi.ResourceOption{child, after(g.Services, g.Key)}
	keyID := g.Key.ID
	g.Storage, err = ottgcp.NewMediaStorage(ctx, name+"-storage", &ottgcp.MediaStorageArgs{
		Project: proj, Region: region, KeyID: keyID,
		UploadOrigins: spec.UploadOrigins, PlayerOrigins: spec.PlayerOrigins,
		IngestExpirationDays: spec.IngestExpirationDays,
		ArchiveAfterDays:     spec.ArchiveAfterDays, DeepArchiveAfterDays: spec.DeepArchiveAfterDays,
		NoncurrentVersionExpirationDays: spec.NoncurrentVersionExpirationDays,
		AccessLogExpirationDays:         spec.AccessLogExpirationDays,
		DestroyData:                     !spec.RetainData, Labels: labels,
	}, data...)
	if err != nil {
		return nil, err
	}
	if g.Catalog, err = ottgcp.NewCatalog(ctx, name+"-catalog", &ottgcp.CatalogArgs{
		Project: proj, Region: region, KeyID: keyID, DestroyData: !spec.RetainData,
	}, data...); err != nil {
		return nil, err
	}
	if g.Invokers, err = ottgcp.NewInvokers(ctx, name+"-invokers", &ottgcp.InvokersArgs{
		Project: proj, PubSubAgent: agents.PubSub,
	}, data...); err != nil {
		return nil, err
	}
	for _, t := range []struct {
		res          manifest.Resource
		role         string
		publishers   map[string]pulumi.StringInput
		notification *ottgcp.QueueNotificationArgs
	}{
		{manifest.IngestTopic, "ingest", map[string]pulumi.StringInput{"storage": agents.Storage},
			&ottgcp.QueueNotificationArgs{Bucket: g.Storage.IngestName, Prefix: manifest.UploadPrefix}},
		{manifest.TranscodeTopic, "transcode", nil, nil},
		{manifest.JobsTopic, "jobs", map[string]pulumi.StringInput{"transcoder": agents.Transcoder}, nil},
		{manifest.NotifyTopic, "notify", nil, nil},
	} {
		q, err := ottgcp.NewQueueTopic(ctx, name+"-"+t.role, &ottgcp.QueueTopicArgs{
			Project: proj, Region: region, KeyID: keyID, PubSubAgent: agents.PubSub,
			Publishers: t.publishers, Notification: t.notification,
			Broadcast: t.res == manifest.NotifyTopic, Labels: labels,
		}, data...)
		if err != nil {
			return nil, err
		}
		g.Topics[t.res] = q
	}
	if g.Retry, err = ottgcp.NewRetryQueue(ctx, name+"-retry", &ottgcp.RetryQueueArgs{
		Project: proj, Region: region, MaxAttempts: ottgcp.MaxDeliveryAttempts,
	}, data...); err != nil {
		return nil, err
	}
	if g.SigningKey, err = ottgcp.NewSigningKey(ctx, name+"-signing", &ottgcp.SigningKeyArgs{
		Project: proj, Region: region, KeyID: keyID, Labels: labels,
	}, data...); err != nil {
		return nil, err
	}
	if g.Sources, err = ottgcp.NewFunctionSources(ctx, name+"-fn", &ottgcp.FunctionSourcesArgs{
		Project: proj, Region: region, KeyID: keyID, Labels: labels,
	}, data...); err != nil {
		return nil, err
	}
	if g.Transcoder, err = ottgcp.NewTranscoder(ctx, name+"-transcoder", &ottgcp.TranscoderArgs{
		Agent: agents.Transcoder, MastersBucket: g.Storage.MastersName, DeliveryBucket: g.Storage.DeliveryName,
	}, data...); err != nil {
		return nil, err
	}

	location := pulumi.Sprintf("projects/%s/locations/%s", proj, region)
	g.Resources = map[manifest.Resource]ottgcp.ResourceRef{
		manifest.IngestBucket:   {Name: g.Storage.IngestName},
		manifest.MastersBucket:  {Name: g.Storage.MastersName},
		manifest.DeliveryBucket: {Name: g.Storage.DeliveryName},
		manifest.Catalog:        {Name: g.Catalog.Name},
		manifest.RetryQueue:     {Name: g.Retry.Name, ID: g.Retry.ID},
		manifest.TasksInvoker:   {Email: g.Invokers.TasksEmail, ID: g.Invokers.Tasks.Name},
		manifest.Transcoder:     {Location: location},
		manifest.SigningSecret:  {ID: g.SigningKey.SecretID},
	}
	for res, q := range g.Topics {
		g.Resources[res] = ottgcp.ResourceRef{Name: q.Name, ID: q.ID}
	}
	if spec.hasEdge() {
		secret, err := ottgcp.NewEdgeSigningSecret(ctx, name+"-edge-signing", &ottgcp.EdgeSigningSecretArgs{
			Project: proj, Region: region, SecretID: EdgeSigningSecretName(name), KeyID: keyID, Labels: labels,
		}, data...)
		if err != nil {
			return nil, err
		}
		g.Resources[manifest.EdgeSigningSecret] = ottgcp.ResourceRef{ID: secret.ID}
	}
	settings := map[manifest.Setting]pulumi.StringInput{}
	for k, v := range spec.GCPSettings() {
		settings[k] = pulumi.String(v)
	}
	invokers := map[manifest.TriggerKind]pulumi.StringInput{
		manifest.Push: g.Invokers.PushEmail, manifest.Tasks: g.Invokers.TasksEmail, manifest.Gateway: g.Invokers.GatewayEmail,
	}
	// The Cloudflare edge (its own provider) comes before the functions: with R2, the
	// complete function copies outputs there.
	store, err := newEdgeStorage(ctx, name, spec, child)
	if err != nil {
		return nil, err
	}
	if _, err := gcpEdgeMirror(ctx, name, spec, store, keyID, labels, g.Resources, settings, data...); err != nil {
		return nil, err
	}
	for _, fn := range []manifest.Function{manifest.Transcode, manifest.Complete, manifest.Ingest, manifest.API} {
		fn = spec.gcpFunction(fn)
		f, err := ottgcp.NewGoFunction(ctx, name+"-fn-"+fn.Name, &ottgcp.GoFunctionArgs{
			Function: fn, Project: proj, Region: region, Sources: g.Sources,
			Source: sources[fn.Name].archive, Runtime: sources[fn.Name].runtime,
			Resources: g.Resources, Settings: settings, Invokers: invokers,
			MaxInstances: GCPMaxInstances, Labels: labels,
		}, child, after(g.Services))
		if err != nil {
			return nil, err
		}
		g.Functions[fn.Name] = f
		if fn.Name == manifest.Transcode.Name {
			// complete resubmits through Cloud Tasks to the transcode function.
			ref := g.Resources[manifest.RetryQueue]
			ref.URL = f.URL
			g.Resources[manifest.RetryQueue] = ref
		}
	}
	for _, s := range pushed {
		f := g.Functions[s.fn.Name]
		sub, err := ottgcp.NewPushSubscription(ctx, name+"-"+s.fn.Name+"-push", &ottgcp.PushSubscriptionArgs{
			Project: proj, Topic: g.Topics[s.topic], Endpoint: f.URL, PushIdentity: g.Invokers.PushEmail,
			PubSubAgent: agents.PubSub, AckDeadlineSeconds: max(10, spec.gcpFunction(s.fn).TimeoutSeconds), Labels: labels,
		}, child)
		if err != nil {
			return nil, err
		}
		g.Subscriptions[s.topic] = sub
	}
	api := g.Functions[manifest.API.Name]
	if g.API, err = ottgcp.NewAPI(ctx, name+"-api", &ottgcp.APIArgs{
		Project: proj, Region: region, Routes: awsmanifest.APIRoutes,
		BackendURL: api.URL, BackendIdentity: g.Invokers.GatewayEmail,
		Issuer: spec.JWTIssuer, Audiences: spec.JWTAudience, Labels: labels,
	}, child, after(g.Services)); err != nil {
		return nil, err
	}
	if g.Delivery, err = ottgcp.NewDelivery(ctx, name+"-delivery", &ottgcp.DeliveryArgs{
		Project: proj, Region: region, BucketName: g.Storage.DeliveryName, Domain: spec.Domain,
		SigningKey: g.SigningKey, KeyNames: spec.CDNKeyNames, FillAgent: agents.CDNFill, APIBackend: g.API.BackendID,
		GeoAllowList: spec.GeoAllowList, PlaybackTTL: spec.PlaybackTTL, Labels: labels,
	}, child, after(g.Services)); err != nil {
		return nil, err
	}
	var services []pulumi.StringInput
	for _, fn := range manifest.All() {
		services = append(services, g.Functions[fn.Name].Service)
	}
	var queues []ottgcp.AlertQueue
	for _, s := range pushed {
		queues = append(queues, ottgcp.AlertQueue{
			Label: s.fn.Name, Subscription: g.Subscriptions[s.topic].Name, DeadLetter: g.Topics[s.topic].DeadLetterSub.Name,
		})
	}
	if g.Alerts, err = ottgcp.NewAlerts(ctx, name+"-alerts", &ottgcp.AlertsArgs{
		Project: proj, Region: region, Email: spec.AlertEmail, Queues: queues, Functions: services,
		KeyID: keyID, MonitoringAgent: agents.Monitoring,
		LogRetentionDays: spec.LogRetentionDays, Labels: labels,
	}, child, after(g.Services)); err != nil {
		return nil, err
	}

	p.IngestBucket, p.MastersBucket = g.Storage.IngestName, g.Storage.MastersName
	p.DeliveryBucket, p.LogsBucket = g.Storage.DeliveryName, g.Storage.LogsName
	p.IngestQueueUrl = g.Topics[manifest.IngestTopic].ID
	p.TranscodeQueueUrl = g.Topics[manifest.TranscodeTopic].ID
	p.EventsQueueUrl = g.Topics[manifest.JobsTopic].ID
	p.CatalogTable = g.Catalog.Name
	p.AlertTopicArn = g.Alerts.TopicID
	p.NotifyTopicArn = g.Topics[manifest.NotifyTopic].ID
	p.KeyArn = g.Key.ID
	p.UploadApiUrl = g.API.Endpoint
	p.PlaybackDomain = g.Delivery.PlaybackDomain
	p.DistributionId = g.Delivery.URLMapID
	p.SigningSecretArn = g.SigningKey.SecretID
	p.DashboardName = g.Alerts.DashboardName
	// The edge's /api/* goes to API Gateway itself, as on AWS.
	if err := newGCPEdge(ctx, name, spec, p, g.API.Endpoint, store, child); err != nil {
		return nil, err
	}
	if spec.hasEdge() {
		p.UploadApiUrl = spec.edgeAPIURL()
	}
	return p, ctx.RegisterResourceOutputs(p, p.outputs())
}

// newGCPEdge creates the Cloudflare edge of a GCP stack when it has one, passing /api/* to
// apiOrigin, and in origin mode the reader it reads the delivery bucket as.
func newGCPEdge(ctx *pulumi.Context, name string, spec *Spec, p *Platform, apiOrigin pulumi.StringInput, store *cloudflare.Storage, opts ...pulumi.ResourceOption) error {
	g := p.GCP
	var origin *cloudflare.OriginArgs
	if spec.hasEdge() && spec.Edge.Mode == cloudflare.ModeOrigin {
		var err error
		if g.EdgeReader, err = ottgcp.NewEdgeReader(ctx, name+"-edge-reader", &ottgcp.EdgeReaderArgs{
			Project: spec.Project, BucketName: g.Storage.DeliveryName,
		}, append(opts, pulumi.DependsOn([]pulumi.Resource{g.Services}))...); err != nil {
			return err
		}
		origin = gcsOrigin(g.Storage.DeliveryName)
	}
	// The Cloudflare edge uses the Cloudflare provider, not the Google one.
	var err error
	p.Edge, err = newEdge(ctx, name, spec, apiOrigin, store, origin, opts...)
	return err
}

// GCPExtensions are the parts of the GCP functions' contracts the spec's options add (the
// edge's token for the api, the R2 mirror for complete); apply them with manifest.Function.With.
func (s *Spec) GCPExtensions() []manifest.Extension {
	var exts []manifest.Extension
	if s.hasEdge() {
		exts = append(exts, manifest.EdgeToken)
	}
	if s.hasEdgeMirror() {
		exts = append(exts, manifest.CompleteMirror)
	}
	return exts
}

// GCPSettings renders the settings GCP functions read (functions/gcp/manifest) from the spec.
func (s *Spec) GCPSettings() map[manifest.Setting]string {
	out := map[manifest.Setting]string{
		manifest.Ladder:              ladderJSON(s.Ladder),
		manifest.MaxHeight:           itoa(s.MaxHeight),
		manifest.VideoCodec:          s.VideoCodec,
		manifest.ThumbnailInterval:   itoa(s.ThumbnailInterval),
		manifest.MaxDuration:         itoa(s.MaxDurationSeconds),
		manifest.MaxUploadBytes:      fmt.Sprint(s.MaxUploadBytes),
		manifest.ArchiveStorageClass: s.ArchiveStorageClass,
		manifest.MaxRetries:          itoa(s.MaxRetries),
		manifest.PlaybackDomain:      s.Domain,
		manifest.PlaybackTTL:         itoa(s.PlaybackTTL),
		manifest.UploadTTL:           itoa(s.UploadTTL),
		manifest.Project:             s.Project,
		manifest.TenantClaim:         s.TenantClaim,
		manifest.RolesClaim:          s.RolesClaim,
	}
	if s.hasEdge() {
		out[manifest.EdgeDomain] = s.Edge.Hostname
	}
	return out
}
