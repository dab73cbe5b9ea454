package pipeline

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/ottkit/ottkit/functions/pipeline/probe"
)

// The errors the Catalog reports; implementations wrap them so callers use errors.Is.
var (
	// ErrExists: Create found an asset with the same id, i.e. the event is a duplicate.
	ErrExists = errors.New("pipeline: asset already exists")
	// ErrNotFound: no asset has the id.
	ErrNotFound = errors.New("pipeline: asset not found")
	// ErrConflict: the stored asset's status was no longer the one the caller read, so
	// another invocation moved it first; re-read and decide again.
	ErrConflict = errors.New("pipeline: asset status changed concurrently")
)

// Catalog stores assets. Every write is conditional, which is what makes the handlers
// idempotent under at-least-once delivery.
type Catalog interface {
	// Create stores a new asset, or fails with ErrExists if its id is taken.
	Create(ctx context.Context, a *Asset) error
	// Get returns the asset, or ErrNotFound.
	Get(ctx context.Context, id string) (*Asset, error)
	// Update replaces the stored asset with a, provided the stored status is still from;
	// otherwise it fails with ErrConflict (ErrNotFound if the asset is gone). Callers move a
	// with Advance, StartJob or ApplyJobEvent and pass the status they read.
	Update(ctx context.Context, from Status, a *Asset) error
	// List returns up to limit of the tenant's assets and a token for the next page; the
	// token is "" on the last page. Pass "" to start. A token this catalog did not issue for
	// this tenant fails with an error wrapping ErrBadPageToken.
	List(ctx context.Context, tenant string, limit int, pageToken string) (assets []Asset, next string, err error)
}

// ErrObjectNotFound reports that an object, a bucket or a multipart upload does not exist.
// ObjectStore and UploadSigner implementations wrap it so callers use errors.Is.
var ErrObjectNotFound = errors.New("pipeline: object not found")

// ErrBadPageToken reports a page token the catalog did not issue for this tenant; Catalog.List
// implementations wrap it.
var ErrBadPageToken = errors.New("pipeline: invalid page token")

// ObjectInfo is what a store tells about one object.
type ObjectInfo struct {
	// Size is in bytes.
	Size int64
	// ETag is the content hash without quotes (S3 ETag, GCS MD5 or generation); CopyInput.IfMatch
	// takes it back.
	ETag string
	// Version is the S3 version id or GCS generation; "" when the bucket keeps no versions.
	Version string
	// ContentType is the object's media type.
	ContentType string
	// CacheControl is the Cache-Control the store returns with the object ("" for none).
	CacheControl string
	// StorageClass is the store's name of the object's class; "" means the default class.
	StorageClass string
	// Metadata is the object's user metadata (without the vendor's x-amz-meta- / x-goog-meta-
	// prefix).
	Metadata map[string]string
}

// CopyInput describes a copy inside the store, never through the caller.
type CopyInput struct {
	SrcBucket, SrcKey string
	// IfMatch, when set, makes the copy fail unless the source's ETag is still this one, so a
	// copy never moves a newer object than the one that was inspected.
	IfMatch           string
	DstBucket, DstKey string
	// StorageClass of the copy; "" keeps the store's default. Copying an object onto itself
	// with another class is how a master moves to an archive tier.
	StorageClass string
	// Metadata, when not nil, replaces the user metadata; nil keeps the source's. An in-place
	// copy (same bucket and key) must change StorageClass or set Metadata.
	Metadata map[string]string
	// ContentType is kept on the copy when Metadata replaces the metadata.
	ContentType string
}

// ReadStats counts an ObjectReader's traffic.
type ReadStats struct {
	// Requests is the number of reads sent to the store (ranged GETs).
	Requests int
	// BytesRead is the number of bytes received from the store.
	BytesRead int64
}

// ObjectReader reads one object at random offsets: what probing needs, without downloading.
type ObjectReader interface {
	probe.Source
	// Err returns the first storage error a read hit, if any. A prober turns a failed read
	// into a "truncated" or "corrupt" verdict; the stage checks Err to tell a broken file
	// from a broken network and retries the latter instead of quarantining a good upload.
	Err() error
	// Stats returns the traffic so far.
	Stats() ReadStats
}

// ObjectStore reads and moves stored objects (S3, GCS, a local directory).
type ObjectStore interface {
	// Head returns what the store knows of bucket/key, or an error wrapping ErrObjectNotFound.
	Head(ctx context.Context, bucket, key string) (ObjectInfo, error)
	// Open returns a reader over the object that Head described as info: reads see exactly
	// that object (an S3 If-Match on info.ETag, a GCS generation), and fail rather than mix in
	// the bytes of a later write. The reader is valid until ctx ends.
	Open(ctx context.Context, bucket, key string, info ObjectInfo) (ObjectReader, error)
	// Copy copies an object inside the store (see CopyInput).
	Copy(ctx context.Context, in CopyInput) error
	// Delete removes the object; deleting a missing object succeeds.
	Delete(ctx context.Context, bucket, key string) error
	// List returns every object whose key starts with prefix, as key → size.
	List(ctx context.Context, bucket, prefix string) (map[string]int64, error)
}

// Queue sends a message to the next stage, delivered at least once.
type Queue interface {
	// Send sends body for immediate delivery.
	Send(ctx context.Context, body string) error
}

// DelayedQueue sends messages that become visible only after a delay: the complete stage's
// backed-off resubmissions. Implementations cap delay at their service's maximum (SQS: 15
// minutes) and round it down to their unit; the stages never ask for more than MaxQueueDelay.
type DelayedQueue interface {
	SendDelayed(ctx context.Context, body string, delay time.Duration) error
}

// MaxQueueDelay is the longest delay a stage passes to DelayedQueue.SendDelayed: SQS's limit,
// the smallest of the supported queues'.
const MaxQueueDelay = 15 * time.Minute

// Notifier tells subscribers that an asset reached a final status.
type Notifier interface {
	// Publish sends n; delivery is at least once.
	Publish(ctx context.Context, n Notification) error
}

// ErrJobRejected reports a job the transcoder refused as invalid: submitting it again cannot
// succeed, so the asset fails. Transcoder implementations wrap it.
var ErrJobRejected = errors.New("pipeline: transcoding job rejected")

// ErrNoJob reports that Transcoder.Find found no job for the attempt.
var ErrNoJob = errors.New("pipeline: no transcoding job for the attempt")

// Transcoder runs transcoding jobs. A job is for one asset's attempt: the asset's next one,
// a.Attempts+1, and carries the asset id and attempt in its own metadata so that JobResult
// and Find can name them.
type Transcoder interface {
	// Submit creates the job for a's next attempt and returns its id. Submitting the same
	// attempt twice within the service's deduplication window (MediaConvert: one minute)
	// returns the first job; beyond it only Find prevents a second job. An invalid job fails
	// with an error wrapping ErrJobRejected.
	Submit(ctx context.Context, a *Asset, plan Plan) (jobID string, err error)
	// Find returns the id of the job already submitted for a's next attempt, however long
	// ago, or an error wrapping ErrNoJob when there is none. since bounds the search: the
	// job was not submitted before it (the stage records the attempt, then submits), so an
	// implementation that lists jobs newest first stops there.
	Find(ctx context.Context, a *Asset, since time.Time) (jobID string, err error)
}

// PlaybackSigner grants a viewer read access to the delivery paths under one prefix until
// expires, as cookies the CDN checks (CloudFront signed cookies, Cloud CDN signed cookies, the
// local media server's copy of CloudFront's). prefix is an asset's path, "/assets/<id>/".
type PlaybackSigner interface {
	Sign(ctx context.Context, prefix string, expires time.Time) ([]*http.Cookie, error)
}

// SignedRequest is an HTTP request a client without credentials can send as is.
type SignedRequest struct {
	Method string
	URL    string
	// Headers must be sent unchanged (they are signed).
	Headers http.Header
	// Expires is when the signature stops working.
	Expires time.Time
}

// UploadPart is one uploaded part of a multipart upload, as the uploader reports it.
type UploadPart struct {
	// Number counts from 1.
	Number int
	// ETag is what the store returned for the part's PUT.
	ETag string
}

// UploadedPart is one part of a multipart upload as the store holds it.
type UploadedPart struct {
	Number int
	ETag   string
	// Size is the part's length in bytes.
	Size int64
}

// UploadSigner lets clients upload straight to the ingest bucket: one signed PUT, or a
// multipart upload of signed part PUTs that the API then assembles. Every signed PUT carries
// its exact length (Content-Length), so a client cannot send more than it declared. Errors for
// a missing multipart upload wrap ErrObjectNotFound.
type UploadSigner interface {
	// PresignPut signs one PUT of bucket/key of exactly size bytes. contentType and the length
	// are signed, so the uploader can change neither.
	PresignPut(ctx context.Context, bucket, key, contentType string, size int64, ttl time.Duration) (SignedRequest, error)
	// CreateMultipartUpload starts a multipart upload and returns its id.
	CreateMultipartUpload(ctx context.Context, bucket, key, contentType string) (uploadID string, err error)
	// PresignUploadPart signs the PUT of part number part (from 1) of the upload, of exactly
	// size bytes.
	PresignUploadPart(ctx context.Context, bucket, key, uploadID string, part int, size int64, ttl time.Duration) (SignedRequest, error)
	// ListParts returns the parts uploaded so far, by part number.
	ListParts(ctx context.Context, bucket, key, uploadID string) ([]UploadedPart, error)
	// CompleteMultipartUpload assembles the parts, in order, into bucket/key.
	CompleteMultipartUpload(ctx context.Context, bucket, key, uploadID string, parts []UploadPart) error
}

// TranscodeRequest is the message ingest sends to the transcode queue, as JSON.
type TranscodeRequest struct {
	AssetID string `json:"assetId"`
	Tenant  string `json:"tenant"`
	// Attempt is the attempt the request asks for (Asset.Attempts+1 when it was sent); the
	// complete stage sets it on the retries it schedules, ingest leaves it 0 (the first
	// attempt). A DelayedQueue may use AssetID and Attempt to refuse a duplicate retry (Cloud
	// Tasks names the task after them); the transcode stage does not need it, since the
	// catalog tells it which attempt is next, so requests without it stay valid.
	Attempt int `json:"attempt,omitempty"`
}

// Notification is the message published when an asset becomes ready, rejected or failed.
type Notification struct {
	AssetID string `json:"assetId"`
	Tenant  string `json:"tenant"`
	Status  Status `json:"status"`
	// HLS and DASH are the delivery keys of the manifests when Status is ready.
	HLS  string `json:"hls,omitempty"`
	DASH string `json:"dash,omitempty"`
	// FailureCode and FailureMessage explain a rejected or failed asset.
	FailureCode    string `json:"failureCode,omitempty"`
	FailureMessage string `json:"failureMessage,omitempty"`
}

// NotificationFor builds the notification for the asset's current status.
func NotificationFor(a *Asset) Notification {
	return Notification{
		AssetID: a.ID, Tenant: a.Tenant, Status: a.Status,
		HLS: a.HLS, DASH: a.DASH,
		FailureCode: a.FailureCode, FailureMessage: a.FailureMessage,
	}
}
