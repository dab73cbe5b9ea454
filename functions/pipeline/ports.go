package pipeline

import (
	"context"
	"errors"

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
	// token is "" on the last page. Pass "" to start.
	List(ctx context.Context, tenant string, limit int, pageToken string) (assets []Asset, next string, err error)
}

// BlobStore reads and moves stored objects (S3, GCS).
type BlobStore interface {
	// Open returns the object version as a probe.Source (ReadAt and Size), which probing
	// reads at a few random offsets. The source is only valid until ctx ends.
	Open(ctx context.Context, obj Object) (probe.Source, error)
	// Copy copies the object version to dstBucket/dstKey and returns the new object.
	Copy(ctx context.Context, src Object, dstBucket, dstKey string) (Object, error)
	// Delete removes the object version.
	Delete(ctx context.Context, obj Object) error
	// List returns the objects whose keys start with prefix, in key order; the complete
	// handler lists an asset's thumbnails this way because job events do not name them all.
	List(ctx context.Context, bucket, prefix string) ([]Object, error)
}

// Queue sends a message to the next stage.
type Queue interface {
	Send(ctx context.Context, body string) error
}

// Notifier tells subscribers that an asset reached a final status.
type Notifier interface {
	Publish(ctx context.Context, n Notification) error
}

// Transcoder submits a transcoding job for the asset's current attempt and returns its job id.
// Submitting twice for the same asset id and attempt must return the same job (the AWS
// implementation passes a client request token derived from both).
type Transcoder interface {
	Submit(ctx context.Context, a *Asset, plan Plan) (jobID string, err error)
}

// TranscodeRequest is the message ingest sends to the transcode queue, as JSON.
type TranscodeRequest struct {
	AssetID string `json:"assetId"`
	Tenant  string `json:"tenant"`
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
