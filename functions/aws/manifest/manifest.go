// Package manifest is the deployment contract between ottkit's AWS functions and the Pulumi
// components that deploy them.
//
// For each function it says which package to build, which queue (if any) triggers it, which
// environment variables it reads and where their values come from, and exactly which AWS API
// permissions its handler uses, on which logical resource. The components grant exactly these
// permissions and nothing else; the handlers' tests record every AWS operation the code performs
// and fail when one is missing from this list or when a listed one is never used.
//
// The package imports neither the AWS SDK nor Pulumi, so both sides can depend on it cheaply.
package manifest

import (
	"fmt"
	"strings"
)

// Resource names one logical resource of the platform. The components map each to the concrete
// ARN, name or URL of the resource they created.
type Resource string

// The logical resources a function may read, write or be configured with.
const (
	IngestBucket      Resource = "ingest-bucket"      // S3: uploads land here; quarantine lives here too
	MastersBucket     Resource = "masters-bucket"     // S3: accepted sources, versioned, archived after transcode
	DeliveryBucket    Resource = "delivery-bucket"    // S3: transcoded outputs, served only through the CDN
	CatalogTable      Resource = "catalog-table"      // DynamoDB: one item per asset
	IngestQueue       Resource = "ingest-queue"       // SQS: EventBridge "Object Created" events from IngestBucket
	TranscodeQueue    Resource = "transcode-queue"    // SQS: transcode requests sent by ingest
	EventsQueue       Resource = "events-queue"       // SQS: MediaConvert "Job State Change" events
	MediaConvertQueue Resource = "mediaconvert-queue" // MediaConvert queue jobs are submitted to
	MediaConvertRole  Resource = "mediaconvert-role"  // IAM role MediaConvert assumes to read masters and write delivery
	// MediaConvertJobs is every MediaConvert job in the stack's account and region
	// (arn:…:jobs/*): a job's id is only known once it exists, and AWS authorises the tags a
	// CreateJob request carries as mediaconvert:TagResource on the new job.
	MediaConvertJobs Resource = "mediaconvert-jobs"
	NotifyTopic      Resource = "notify-topic"   // SNS: asset ready / failed notifications
	SigningSecret    Resource = "signing-secret" // Secrets Manager: CloudFront key pair id and private key
	StackKey         Resource = "stack-key"      // KMS: the stack's customer managed key
	// SessionStore is the CloudFront KeyValueStore of the edge session check
	// (ottkit:edgeSessions): its HMAC keys and revocations. Only stacks with edge sessions
	// have it, and only the api's EdgeSessions extension names it.
	SessionStore Resource = "session-store"
)

// Attr selects which attribute of a Resource an environment variable carries.
type Attr string

// The attributes a component can hand to a function.
const (
	Name Attr = "name" // bucket name, table name, topic name
	ARN  Attr = "arn"
	URL  Attr = "url" // SQS queue URL
)

// Setting names a value that comes from the stack's validated configuration rather than from a
// resource. The platform component renders each in the format its doc comment gives.
type Setting string

// Settings handed to functions through environment variables.
const (
	// Ladder is a JSON array of rungs, highest first or in any order:
	// [{"height":1080,"maxBitrate":6000000},{"height":720,"maxBitrate":3500000}].
	// maxBitrate is in bits per second.
	Ladder Setting = "ladder"
	// MaxHeight is the ceiling in pixels of the shorter side of any rendition (decimal integer).
	MaxHeight Setting = "max-height"
	// VideoCodec is "h264" or "hevc".
	VideoCodec Setting = "video-codec"
	// ThumbnailInterval is the number of seconds between thumbnails (decimal integer).
	ThumbnailInterval Setting = "thumbnail-interval"
	// MaxDuration is the longest accepted upload in seconds (decimal integer).
	MaxDuration Setting = "max-duration"
	// MaxUploadBytes is the largest accepted upload in bytes (decimal integer).
	MaxUploadBytes Setting = "max-upload-bytes"
	// ArchiveStorageClass is the S3 storage class masters move to once transcoded (GLACIER_IR, DEEP_ARCHIVE, ...).
	ArchiveStorageClass Setting = "archive-storage-class"
	// MaxRetries is how many times a retryable MediaConvert error is resubmitted (decimal integer).
	MaxRetries Setting = "max-retries"
	// PlaybackDomain is the CDN host name viewers fetch media from (no scheme).
	PlaybackDomain Setting = "playback-domain"
	// PlaybackTTL is the lifetime of signed playback cookies in seconds (decimal integer).
	PlaybackTTL Setting = "playback-ttl"
	// UploadTTL is the lifetime of presigned upload URLs in seconds (decimal integer).
	UploadTTL Setting = "upload-ttl"
	// TenantClaim and RolesClaim name the JWT claims that carry the caller's tenant and roles.
	TenantClaim Setting = "tenant-claim"
	// RolesClaim names the JWT claim that lists the caller's roles.
	RolesClaim Setting = "roles-claim"
	// EdgeSessionsMode is "off" without edge sessions, else their binding: "none" (a session
	// works from any address) or "ip" (only from the address it was issued to).
	EdgeSessionsMode Setting = "edge-sessions"
)

// The values of EdgeSessionsMode.
const (
	EdgeSessionsOff  = "off"
	EdgeSessionsNone = "none"
	EdgeSessionsIP   = "ip"
)

// EnvVar is one environment variable a function reads at start-up. Exactly one of From or
// Setting is set.
type EnvVar struct {
	Name    string
	From    Resource // the resource whose Attr is the value
	Attr    Attr
	Setting Setting // or the configuration value
}

// Permission is one IAM action the handler's code calls, on one logical resource.
type Permission struct {
	// Action is the IAM action, e.g. "s3:GetObject".
	Action string
	// On is the resource the action applies to.
	On Resource
	// Path narrows On. For buckets, "" is the bucket itself (s3:ListBucket) and anything else
	// is an object key pattern such as "*" or "quarantine/*". For the catalog table, "" is the
	// table and "index/*" its indexes. Unused for other resources.
	Path string
	// PassedToService, for iam:PassRole only, is the service the role may be passed to.
	PassedToService string
	// Why says which code path needs it.
	Why string
}

// Function describes one deployable function.
type Function struct {
	// Name is the short name used for resource names: ingest, transcode, complete, api.
	Name string
	// Package is the import path of the main package under functions/cmd.
	Package string
	// Trigger is the queue whose messages invoke the function, or "" for the API function,
	// which API Gateway invokes. Lambda's event source mapping needs sqs:ReceiveMessage,
	// sqs:DeleteMessage, sqs:GetQueueAttributes and sqs:ChangeMessageVisibility on it; the
	// components grant those for the trigger, they are not listed in Permissions.
	Trigger Resource
	// TimeoutSeconds is the function timeout; the trigger queue's visibility timeout must be
	// at least six times this.
	TimeoutSeconds int
	// MemoryMB is the memory size.
	MemoryMB int
	// Env lists every environment variable the function reads.
	Env []EnvVar
	// Permissions lists every AWS action the handler calls. KMS use implied by encrypted
	// S3, SQS, SNS, DynamoDB and Secrets Manager access is granted by the components on
	// StackKey and is not listed here.
	Permissions []Permission
}

// Key layout in the buckets, shared by the functions, the EventBridge rule and the CDN.
const (
	// UploadPrefix is where presigned uploads are written: uploads/<tenant>/<upload id>/<file name>.
	// Only objects under it trigger ingest.
	UploadPrefix = "uploads/"
	// QuarantinePrefix is where rejected uploads are moved: quarantine/<upload key without UploadPrefix>.
	QuarantinePrefix = "quarantine/"
	// AssetPrefix is where transcoded outputs are written in the delivery bucket: assets/<asset id>/...
	// The CDN serves only this prefix, and playback cookies are scoped to assets/<asset id>/*.
	AssetPrefix = "assets/"
)

// The catalog table's key schema, shared by the Catalog component and the functions.
const (
	CatalogHashKey       = "assetId"       // S: the asset id
	CatalogIndexName     = "byTenant"      // GSI to list a tenant's assets
	CatalogIndexHashKey  = "tenant"        // S
	CatalogIndexRangeKey = "statusCreated" // S: "<status>#<RFC 3339 creation time>"
)

// JobsARN returns the MediaConvertJobs ARN pattern for a MediaConvert queue ARN: every job of
// the queue's account and region (arn:partition:mediaconvert:region:account:jobs/*).
func JobsARN(queueARN string) (string, error) {
	parts := strings.SplitN(queueARN, ":", 6)
	if len(parts) != 6 || parts[2] != "mediaconvert" || !strings.HasPrefix(parts[5], "queues/") {
		return "", fmt.Errorf("manifest: %q is not a MediaConvert queue ARN", queueARN)
	}
	return strings.Join(parts[:5], ":") + ":jobs/*", nil
}
