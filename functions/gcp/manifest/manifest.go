// Package manifest is the deployment contract between ottkit's GCP functions and the
// components that deploy them (part 2 of the GCP work): for each function, what triggers it,
// which environment variables it reads and from where, and exactly which IAM permissions its
// handler calls, on which logical resource, narrowed by an object-name prefix where Cloud
// Storage allows it. The components grant these permissions through a custom role per
// function and nothing else; the gcp handler tests record every API call the code makes
// (gRPC and HTTP interceptors) and fail on any call not listed here and on any listed
// permission no call needed.
//
// Like functions/aws/manifest it imports neither an SDK nor Pulumi.
package manifest

// Resource names one logical resource of a GCP stack.
type Resource string

// The resources the functions use.
const (
	IngestBucket   Resource = "ingest-bucket"   // GCS: uploads and quarantine
	MastersBucket  Resource = "masters-bucket"  // GCS: accepted sources, versioned, no Autoclass (archived by rewrite)
	DeliveryBucket Resource = "delivery-bucket" // GCS: Transcoder outputs, served by Cloud CDN
	Catalog        Resource = "catalog"         // Firestore Native database, one per stack
	IngestTopic    Resource = "ingest-topic"    // Pub/Sub: GCS OBJECT_FINALIZE notifications (prefix uploads/)
	TranscodeTopic Resource = "transcode-topic" // Pub/Sub: transcode requests sent by ingest
	JobsTopic      Resource = "jobs-topic"      // Pub/Sub: Transcoder API job notifications
	NotifyTopic    Resource = "notify-topic"    // Pub/Sub: asset ready / rejected / failed
	RetryQueue     Resource = "retry-queue"     // Cloud Tasks: complete's backed-off resubmissions
	TasksInvoker   Resource = "tasks-invoker"   // service account whose OIDC token retry tasks carry
	Transcoder     Resource = "transcoder"      // Transcoder API jobs of the stack's project and region
	SigningSecret  Resource = "signing-secret"  // Secret Manager: the Cloud CDN signed-cookie key
	Self           Resource = "self"            // the function's own service account (signBlob)
)

// Attr selects which attribute of a Resource an environment variable carries.
type Attr string

// The attributes a component can hand to a function.
const (
	Name Attr = "name" // bucket name, Firestore database id
	ID   Attr = "id"   // full resource name: projects/<p>/topics/<t>, …/queues/<q>, …/secrets/<s>
	URL  Attr = "url"  // the HTTPS URL of a function (Cloud Tasks target)
	// Email is a service account's email.
	Email Attr = "email"
	// Location is projects/<p>/locations/<region>, for the Transcoder API.
	Location Attr = "location"
)

// Setting names a value from the stack's validated configuration (rendered as in
// functions/aws/manifest).
type Setting string

// The settings functions read.
const (
	Ladder              Setting = "ladder"
	MaxHeight           Setting = "max-height"
	VideoCodec          Setting = "video-codec"
	ThumbnailInterval   Setting = "thumbnail-interval"
	MaxDuration         Setting = "max-duration"
	MaxUploadBytes      Setting = "max-upload-bytes"
	ArchiveStorageClass Setting = "archive-storage-class" // NEARLINE, COLDLINE or ARCHIVE
	MaxRetries          Setting = "max-retries"
	PlaybackDomain      Setting = "playback-domain"
	PlaybackTTL         Setting = "playback-ttl"
	UploadTTL           Setting = "upload-ttl"
	Project             Setting = "project" // the GCP project id
	// TenantClaim and RolesClaim name the JWT claims that carry the caller's tenant and roles
	// in API Gateway's userinfo.
	TenantClaim Setting = "tenant-claim"
	RolesClaim  Setting = "roles-claim"
)

// EnvVar is one environment variable a function reads at start-up; exactly one of From or
// Setting is set.
type EnvVar struct {
	Name    string
	From    Resource
	Attr    Attr
	Setting Setting
}

// Permission is one IAM permission the handler's code needs, on one resource.
type Permission struct {
	// Permission is the IAM permission, e.g. "storage.objects.get".
	Permission string
	// On is the resource it is granted on.
	On Resource
	// Prefix, for buckets, narrows the grant to objects whose names start with it, as an IAM
	// condition on resource.name; "" is the whole bucket.
	Prefix string
	// Why says which code path needs it.
	Why string
}

// TriggerKind says how a function is invoked. Every GCP function is an HTTP-triggered Cloud
// Run function, so the push subscriptions keep their dead-letter policies.
type TriggerKind string

// The trigger kinds.
const (
	// Push: a Pub/Sub push subscription on Trigger.On, with OIDC auth and a dead-letter topic.
	Push TriggerKind = "push"
	// Tasks: Cloud Tasks HTTP tasks from the queue Trigger.On, with an OIDC token of
	// TasksInvoker.
	Tasks TriggerKind = "tasks"
	// Gateway: API Gateway, which verifies the viewer's JWT and forwards the claims.
	Gateway TriggerKind = "gateway"
)

// Trigger is one source of invocations.
type Trigger struct {
	Kind TriggerKind
	On   Resource
}

// Function describes one deployable GCP function.
type Function struct {
	// Name is the short name: ingest, transcode, complete, api.
	Name string
	// Package is the main package's import path under functions/cmd; EntryPoint the function
	// name the archive's functions.go registers.
	Package, EntryPoint string
	// Triggers are the function's invokers: the components grant each run.invoker.
	Triggers []Trigger
	// TimeoutSeconds and MemoryMB size the service; the push subscription's ack deadline is
	// at least TimeoutSeconds.
	TimeoutSeconds, MemoryMB int
	// Env lists every environment variable the function reads.
	Env []EnvVar
	// Permissions lists every permission the handler calls.
	Permissions []Permission
}

// Object name layout, shared with functions/aws/manifest.
const (
	UploadPrefix     = "uploads/"
	QuarantinePrefix = "quarantine/"
	AssetPrefix      = "assets/"
)

// Firestore's layout, shared with the catalog component.
const (
	CatalogCollection = "assets"
	// CatalogIndexFields is the composite index List needs: tenant ==, then indexKey.
	CatalogIndexField1 = "tenant"
	CatalogIndexField2 = "indexKey"
)

// Permissions of the Firestore catalog calls (cloud.google.com/firestore/docs/security/iam):
// batchGet → entities.get; commit with exists=false → entities.create, with exists=true →
// entities.update; beginTransaction and rollback → databases.get; runQuery → entities.get and
// entities.list.
var (
	catalogGet    = Permission{Permission: "datastore.entities.get", On: Catalog}
	catalogCreate = Permission{Permission: "datastore.entities.create", On: Catalog}
	catalogUpdate = Permission{Permission: "datastore.entities.update", On: Catalog}
	catalogTx     = Permission{Permission: "datastore.databases.get", On: Catalog}
	catalogList   = Permission{Permission: "datastore.entities.list", On: Catalog}
)

func why(p Permission, w string) Permission { p.Why = w; return p }
