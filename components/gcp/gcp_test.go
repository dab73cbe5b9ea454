package gcp

import (
	"strings"
	"sync/atomic"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ottkit/ottkit/components/offline"
	"github.com/ottkit/ottkit/functions/gcp/manifest"
)

const (
	proj   = "acme-media-prod"
	region = "europe-west1"
	keyID  = "projects/acme-media-prod/locations/europe-west1/keyRings/r/cryptoKeys/k"
	agent  = "service-123456789012@gcp-sa-pubsub.iam.gserviceaccount.com"
)

func run(t *testing.T, program pulumi.RunFunc) *offline.Result {
	t.Helper()
	res, err := offline.Run(program, offline.Options{Stack: "test"})
	if err != nil {
		t.Fatalf("offline.Run: %v", err)
	}
	return res
}

// runFailing runs program, which must fail, and returns its error and how many resources it
// registered first.
func runFailing(t *testing.T, program pulumi.RunFunc) (error, int) {
	t.Helper()
	var n atomic.Int32
	count := func(*pulumi.ResourceTransformationArgs) *pulumi.ResourceTransformationResult { n.Add(1); return nil }
	_, err := offline.Run(program, offline.Options{Stack: "test", Transformations: []pulumi.ResourceTransformation{count}})
	if err == nil {
		t.Fatal("the program succeeded; want a validation error")
	}
	return err, int(n.Load())
}

func find(t *testing.T, res *offline.Result, typ, name string) offline.Resource {
	t.Helper()
	r, ok := res.Find(typ, name)
	if !ok {
		t.Fatalf("no %s %s in %v", typ, name, res.Inventory())
	}
	return r
}

func at(v any, path ...string) any {
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[p]
	}
	return v
}

// TestTypeTokensAndParents builds every component and checks its token and that every
// resource it registered is parented to it (directly or through a child) and named after it.
func TestTypeTokensAndParents(t *testing.T) {
	res := run(t, func(ctx *pulumi.Context) error {
		s, err := NewProjectServices(ctx, "p-services", &ProjectServicesArgs{Project: proj})
		if err != nil {
			return err
		}
		if _, err := NewStackKey(ctx, "p-key", &StackKeyArgs{Project: proj, Region: region, Users: map[string]pulumi.StringInput{"storage": s.Agents.Storage}}); err != nil {
			return err
		}
		st, err := NewMediaStorage(ctx, "p-storage", storageArgs())
		if err != nil {
			return err
		}
		if _, err := NewCatalog(ctx, "p-catalog", &CatalogArgs{Project: proj, Region: region, KeyID: pulumi.String(keyID)}); err != nil {
			return err
		}
		topic, err := NewQueueTopic(ctx, "p-ingest", &QueueTopicArgs{Project: proj, Region: region, KeyID: pulumi.String(keyID), PubSubAgent: pulumi.String(agent),
			Publishers:   map[string]pulumi.StringInput{"storage": pulumi.String("service-1@gs-project-accounts.iam.gserviceaccount.com")},
			Notification: &QueueNotificationArgs{Bucket: st.IngestName, Prefix: manifest.UploadPrefix}})
		if err != nil {
			return err
		}
		if _, err := NewPushSubscription(ctx, "p-ingest-push", &PushSubscriptionArgs{Project: proj, Topic: topic, Endpoint: pulumi.String("https://f"),
			PushIdentity: pulumi.String("push@x"), PubSubAgent: pulumi.String(agent), AckDeadlineSeconds: 60}); err != nil {
			return err
		}
		if _, err := NewInvokers(ctx, "p-invokers", &InvokersArgs{Project: proj, PubSubAgent: pulumi.String(agent)}); err != nil {
			return err
		}
		if _, err := NewRetryQueue(ctx, "p-retry", &RetryQueueArgs{Project: proj, Region: region, MaxAttempts: 5}); err != nil {
			return err
		}
		k, err := NewSigningKey(ctx, "p-signing", &SigningKeyArgs{Project: proj, Region: region, KeyID: pulumi.String(keyID)})
		if err != nil {
			return err
		}
		if _, err := NewDelivery(ctx, "p-delivery", &DeliveryArgs{Project: proj, Region: region, BucketName: st.DeliveryName, Domain: "media.acme.example",
			SigningKey: k, KeyNames: []string{"k20261201-100000"}, FillAgent: pulumi.String("cdn@x"), GeoAllowList: []string{"DE", "NL"}, PlaybackTTL: 600}); err != nil {
			return err
		}
		if _, err := NewTranscoder(ctx, "p-transcoder", &TranscoderArgs{Agent: pulumi.String("t@x"), MastersBucket: st.MastersName, DeliveryBucket: st.DeliveryName}); err != nil {
			return err
		}
		return nil
	})
	tokens := map[string]string{
		"p-services": ProjectServicesType, "p-key": StackKeyType, "p-storage": MediaStorageType, "p-catalog": CatalogType,
		"p-ingest": QueueTopicType, "p-ingest-push": PushSubscriptionType, "p-invokers": InvokersType, "p-retry": RetryQueueType,
		"p-signing": SigningKeyType, "p-delivery": DeliveryType, "p-transcoder": TranscoderType,
	}
	for name, typ := range tokens {
		if !strings.HasPrefix(typ, "ottkit:gcp:") {
			t.Errorf("%s: token %s is not ottkit:gcp:<Type>", name, typ)
		}
		find(t, res, typ, name)
	}
	byURN := map[string]offline.Resource{}
	for _, r := range res.Resources {
		byURN[r.URN] = r
	}
	for _, r := range res.Resources {
		if !r.Custom {
			continue
		}
		top := r
		for {
			p, ok := byURN[top.Parent]
			if !ok || !strings.HasPrefix(p.Type, "ottkit:gcp:") {
				break
			}
			top = p
		}
		if top.Name == r.Name || !strings.HasPrefix(r.Name, top.Name+"-") {
			t.Errorf("%s %s is not a child named %s-<role> of a component", r.Type, r.Name, top.Name)
		}
	}
}

func storageArgs() *MediaStorageArgs {
	return &MediaStorageArgs{Project: proj, Region: region, KeyID: pulumi.String(keyID),
		UploadOrigins: []string{"https://studio.example"}, IngestExpirationDays: 7, ArchiveAfterDays: 30, DeepArchiveAfterDays: 180,
		NoncurrentVersionExpirationDays: 30, AccessLogExpirationDays: 365}
}

func TestMediaStorage(t *testing.T) {
	for _, destroy := range []bool{false, true} {
		res := run(t, func(ctx *pulumi.Context) error {
			a := storageArgs()
			a.DestroyData = destroy
			_, err := NewMediaStorage(ctx, "p-storage", a)
			return err
		})
		for _, role := range []string{"ingest", "masters", "delivery", "logs"} {
			b := find(t, res, "gcp:storage/bucket:Bucket", "p-storage-"+role)
			in := b.Inputs
			if in["uniformBucketLevelAccess"] != true || in["publicAccessPrevention"] != "enforced" || at(in, "encryption", "defaultKmsKeyName") != keyID {
				t.Errorf("%s: access %v/%v, key %v", role, in["uniformBucketLevelAccess"], in["publicAccessPrevention"], in["encryption"])
			}
			if at(in, "softDeletePolicy", "retentionDurationSeconds") != float64(SoftDeleteSeconds) {
				t.Errorf("%s: soft delete %v", role, in["softDeletePolicy"])
			}
			retained := role != "ingest" && !destroy
			if b.RetainOnDelete != retained || in["forceDestroy"] != !retained {
				t.Errorf("%s destroy=%v: retainOnDelete %v forceDestroy %v", role, destroy, b.RetainOnDelete, in["forceDestroy"])
			}
			if (role == "logs") != (in["logging"] == nil) {
				t.Errorf("%s: logging %v", role, in["logging"])
			}
		}
		masters := find(t, res, "gcp:storage/bucket:Bucket", "p-storage-masters").Inputs
		rules, _ := masters["lifecycleRules"].([]any)
		var moves []string
		for _, r := range rules {
			if at(r, "action", "type") == "SetStorageClass" {
				moves = append(moves, at(r, "action", "storageClass").(string))
			}
		}
		if strings.Join(moves, ",") != "NEARLINE,COLDLINE,ARCHIVE" || at(masters, "versioning", "enabled") != true || masters["autoclass"] != nil {
			t.Errorf("masters: moves %v, versioning %v, autoclass %v", moves, masters["versioning"], masters["autoclass"])
		}
		if at(find(t, res, "gcp:storage/bucket:Bucket", "p-storage-delivery").Inputs, "autoclass", "enabled") != true {
			t.Error("delivery has no Autoclass")
		}
		ingest := find(t, res, "gcp:storage/bucket:Bucket", "p-storage-ingest").Inputs
		if rules, _ := ingest["lifecycleRules"].([]any); len(rules) == 0 || at(rules[0], "condition", "age") != 7.0 {
			t.Errorf("ingest lifecycle %v", ingest["lifecycleRules"])
		}
	}
}

func TestQueueDeadLetters(t *testing.T) {
	res := run(t, func(ctx *pulumi.Context) error {
		q, err := NewQueueTopic(ctx, "p-jobs", &QueueTopicArgs{Project: proj, Region: region, KeyID: pulumi.String(keyID), PubSubAgent: pulumi.String(agent)})
		if err != nil {
			return err
		}
		_, err = NewPushSubscription(ctx, "p-complete-push", &PushSubscriptionArgs{Project: proj, Topic: q, Endpoint: pulumi.String("https://complete"),
			PushIdentity: pulumi.String("push@x"), PubSubAgent: pulumi.String(agent), AckDeadlineSeconds: 60})
		return err
	})
	sub := find(t, res, "gcp:pubsub/subscription:Subscription", "p-complete-push-sub").Inputs
	if at(sub, "deadLetterPolicy", "deadLetterTopic") != "projects/acme-media-prod/topics/p-jobs-dlq" || at(sub, "deadLetterPolicy", "maxDeliveryAttempts") != 5.0 {
		t.Errorf("dead letter %v", sub["deadLetterPolicy"])
	}
	if at(sub, "pushConfig", "oidcToken", "audience") != "https://complete" || at(sub, "expirationPolicy", "ttl") != "" || at(sub, "retryPolicy", "minimumBackoff") != MinBackoff {
		t.Errorf("push %v expiration %v retry %v", sub["pushConfig"], sub["expirationPolicy"], sub["retryPolicy"])
	}
	// The dead-letter topic has its own subscription, and the Pub/Sub agent may publish there
	// and acknowledge on the source subscription.
	find(t, res, "gcp:pubsub/subscription:Subscription", "p-jobs-dlq-sub")
	fwd := find(t, res, "gcp:pubsub/topicIAMMember:TopicIAMMember", "p-jobs-dlq-forwarder").Inputs
	ack := find(t, res, "gcp:pubsub/subscriptionIAMMember:SubscriptionIAMMember", "p-complete-push-dlq-acker").Inputs
	if fwd["role"] != "roles/pubsub.publisher" || fwd["topic"] != "p-jobs-dlq" || ack["role"] != "roles/pubsub.subscriber" || ack["member"] != "serviceAccount:"+agent {
		t.Errorf("forwarder %v, acker %v", fwd, ack)
	}
	for _, name := range []string{"p-jobs-topic", "p-jobs-dlq"} {
		if find(t, res, "gcp:pubsub/topic:Topic", name).Inputs["kmsKeyName"] != keyID {
			t.Errorf("%s is not encrypted with the stack key", name)
		}
	}
}

func TestGoFunctionGrantsExactlyTheManifest(t *testing.T) {
	res := run(t, func(ctx *pulumi.Context) error {
		src, err := NewFunctionSources(ctx, "p-fn", &FunctionSourcesArgs{Project: proj, Region: region, KeyID: pulumi.String(keyID)})
		if err != nil {
			return err
		}
		refs := map[manifest.Resource]ResourceRef{}
		for _, r := range []manifest.Resource{manifest.IngestBucket, manifest.MastersBucket, manifest.Catalog, manifest.TranscodeTopic} {
			refs[r] = ResourceRef{Name: pulumi.String("p-" + string(r)), ID: pulumi.String("projects/acme-media-prod/topics/p-" + string(r))}
		}
		settings := map[manifest.Setting]pulumi.StringInput{}
		for _, e := range manifest.Ingest.Env {
			if e.Setting != "" {
				settings[e.Setting] = pulumi.String("1")
			}
		}
		_, err = NewGoFunction(ctx, "p-fn-ingest", &GoFunctionArgs{
			Function: manifest.Ingest, Project: proj, Region: region, Sources: src, MaxInstances: 3, Runtime: "go127",
			Source:    SourceArchive{Path: "testdata/none.zip", SHA256: strings.Repeat("ab", 32)},
			Resources: refs, Settings: settings,
			Invokers: map[manifest.TriggerKind]pulumi.StringInput{manifest.Push: pulumi.String("push@x")},
		})
		return err
	})
	fn := find(t, res, "gcp:cloudfunctionsv2/function:Function", "p-fn-ingest-function").Inputs
	if at(fn, "serviceConfig", "ingressSettings") != "ALLOW_INTERNAL_ONLY" || at(fn, "buildConfig", "entryPoint") != manifest.Ingest.EntryPoint ||
		at(fn, "serviceConfig", "serviceAccountEmail") != "p-fn-ingest@acme-media-prod.iam.gserviceaccount.com" || at(fn, "buildConfig", "serviceAccount") == nil {
		t.Errorf("function %v", fn)
	}
	// One custom role per resource and prefix, holding exactly the manifest's permissions.
	var got []string
	for _, r := range res.OfType("gcp:projects/iAMCustomRole:IAMCustomRole") {
		for _, p := range r.Inputs["permissions"].([]any) {
			got = append(got, p.(string))
		}
	}
	if len(got) != len(manifest.Ingest.Permissions) {
		t.Errorf("custom roles hold %v, want the manifest's %d permissions", got, len(manifest.Ingest.Permissions))
	}
	quarantine := find(t, res, "gcp:storage/bucketIAMMember:BucketIAMMember", "p-fn-ingest-grant-1").Inputs
	if !strings.Contains(at(quarantine, "condition", "expression").(string), `/objects/quarantine/")`) {
		t.Errorf("quarantine grant condition %v", quarantine["condition"])
	}
	inv := res.OfType("gcp:cloudrunv2/serviceIamMember:ServiceIamMember")
	if len(inv) != 1 || inv[0].Inputs["member"] != "serviceAccount:push@x" || inv[0].Inputs["role"] != "roles/run.invoker" {
		t.Errorf("invokers %v, want run.invoker for the push identity alone", inv)
	}
}

func TestValidationBeforeAnyChild(t *testing.T) {
	for _, tt := range []struct {
		name    string
		program func(ctx *pulumi.Context) error
		want    string
	}{
		{"storage nil", func(ctx *pulumi.Context) error { _, err := NewMediaStorage(ctx, "p-storage", nil); return err }, "storage: args are required"},
		{"storage key", func(ctx *pulumi.Context) error {
			a := storageArgs()
			a.KeyID = nil
			_, err := NewMediaStorage(ctx, "p-storage", a)
			return err
		}, "storage: KeyID is required"},
		{"storage deep archive", func(ctx *pulumi.Context) error {
			a := storageArgs()
			a.DeepArchiveAfterDays = 60
			_, err := NewMediaStorage(ctx, "p-storage", a)
			return err
		}, "DeepArchiveAfterDays 60 must be at least 90 days after"},
		{"key region", func(ctx *pulumi.Context) error {
			_, err := NewStackKey(ctx, "p-key", &StackKeyArgs{Project: proj, Region: "eu-west-1"})
			return err
		}, `key: Region "eu-west-1" is not a Google Cloud region`},
		{"catalog project", func(ctx *pulumi.Context) error {
			_, err := NewCatalog(ctx, "p-catalog", &CatalogArgs{Project: "X", Region: region, KeyID: pulumi.String(keyID)})
			return err
		}, `catalog: Project "X" is not a project id`},
		{"subscription ack", func(ctx *pulumi.Context) error {
			_, err := NewPushSubscription(ctx, "p-s", &PushSubscriptionArgs{Project: proj, Topic: &QueueTopic{}, Endpoint: pulumi.String("e"),
				PushIdentity: pulumi.String("p"), PubSubAgent: pulumi.String("a"), AckDeadlineSeconds: 900})
			return err
		}, "AckDeadlineSeconds 900 is outside 10..600"},
		{"delivery domain", func(ctx *pulumi.Context) error {
			_, err := NewDelivery(ctx, "p-delivery", &DeliveryArgs{Project: proj, Region: region, BucketName: pulumi.String("b"), SigningKey: &SigningKey{},
				FillAgent: pulumi.String("f"), PlaybackTTL: 600})
			return err
		}, `delivery: Domain "" must be a lowercase host name`},
		{"delivery geo", func(ctx *pulumi.Context) error {
			_, err := NewDelivery(ctx, "p-delivery", &DeliveryArgs{Project: proj, Region: region, BucketName: pulumi.String("b"), SigningKey: &SigningKey{},
				FillAgent: pulumi.String("f"), PlaybackTTL: 600, Domain: "m.example.com", GeoAllowList: []string{"de"}})
			return err
		}, `GeoAllowList[0] "de" is not an ISO 3166-1 alpha-2 code`},
		{"delivery key name", func(ctx *pulumi.Context) error {
			_, err := NewDelivery(ctx, "p-delivery", &DeliveryArgs{Project: proj, Region: region, BucketName: pulumi.String("b"), SigningKey: &SigningKey{},
				FillAgent: pulumi.String("f"), PlaybackTTL: 600, Domain: "m.example.com", KeyNames: []string{"Key_1"}})
			return err
		}, `KeyNames[0] "Key_1" is not a Cloud CDN key name`},
		{"function invoker", func(ctx *pulumi.Context) error {
			_, err := NewGoFunction(ctx, "p-fn-ingest", &GoFunctionArgs{Function: manifest.Ingest, Project: proj, Region: region, Sources: &FunctionSources{},
				Source: SourceArchive{Path: "x.zip", SHA256: strings.Repeat("ab", 32)}, MaxInstances: 1, Runtime: "go127"})
			return err
		}, "Invokers[push] is required by its push trigger"},
		{"function env", func(ctx *pulumi.Context) error {
			_, err := NewGoFunction(ctx, "p-fn-ingest", &GoFunctionArgs{Function: manifest.Ingest, Project: proj, Region: region, Sources: &FunctionSources{},
				Source: SourceArchive{Path: "x.zip", SHA256: strings.Repeat("ab", 32)}, MaxInstances: 1, Runtime: "go127",
				Invokers: map[manifest.TriggerKind]pulumi.StringInput{manifest.Push: pulumi.String("p")}})
			return err
		}, `env INGEST_BUCKET needs the name of "ingest-bucket"`},
		{"api issuer", func(ctx *pulumi.Context) error {
			_, err := NewAPI(ctx, "p-api", &APIArgs{Project: proj, Region: region, BackendURL: pulumi.String("u"), BackendIdentity: pulumi.String("g"),
				Issuer: "http://idp", Audiences: []string{"a"}, Routes: []string{"GET /assets"}})
			return err
		}, `api: Issuer "http://idp" is not an https URL`},
		{"alerts email", func(ctx *pulumi.Context) error {
			_, err := NewAlerts(ctx, "p-alerts", &AlertsArgs{Project: proj, Region: region, Email: "not mail"})
			return err
		}, `alerts: Email "not mail" is not a plain e-mail address`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err, n := runFailing(t, tt.program)
			if !strings.Contains(err.Error(), tt.want) || n != 0 {
				t.Errorf("error %v after %d registrations, want %q before any", err, n, tt.want)
			}
		})
	}
}

func TestOpenAPIRequiresTheJWTOnEveryRoute(t *testing.T) {
	doc := OpenAPI("p-api", "https://api-fn", "https://idp/", "https://idp/jwks", []string{"a", "b"}, []string{"GET /assets/{id}", "POST /uploads"})
	for _, want := range []string{`x-google-issuer: "https://idp/"`, `x-google-audiences: "a,b"`, `jwt_audience: "https://api-fn"`,
		`"/api/assets/{id}":`, `"/uploads":`, "parameters: [{name: id, in: path, required: true, type: string}]"} {
		if !strings.Contains(doc, want) {
			t.Errorf("document lacks %s:\n%s", want, doc)
		}
	}
	if strings.Count(doc, "security: [{viewer: []}]") != 4 {
		t.Errorf("not every operation requires the viewer JWT:\n%s", doc)
	}
}

func TestFit(t *testing.T) {
	long := "acme-enterprise-production-fn-transcode"
	got := fit(long, 30)
	if len(got) != 30 || got == fit("acme-enterprise-production-fn-complete", 30) || !strings.HasPrefix(got, "acme-enterprise-") {
		t.Errorf("fit(%q) = %q", long, got)
	}
	if fit("short", 30) != "short" {
		t.Error("a short name changed")
	}
}
