package pipeline

import "time"

// The normalised inputs of the stages. Each cloud's adapters decode their own events into these
// (S3 via EventBridge, GCS notifications, a local directory watcher; MediaConvert job state
// changes, Transcoder API job notifications, the local ffmpeg runner), so the stages never see a
// vendor's event shape, status name or error code.

// ObjectCreated reports that an object was written to a bucket: the ingest stage's input.
type ObjectCreated struct {
	// Bucket and Key locate the object. Key is as the store names it (not URL-encoded, though
	// the ingest stage tolerates an encoded one).
	Bucket, Key string
	// Version identifies this write of the key: an S3 version id, a GCS generation, "" when
	// the bucket keeps no versions. It is part of the asset id.
	Version string
	// Size is the object's size in bytes as the event reported it.
	Size int64
	// ETag is the content hash the event reported, without quotes; "" when the event has none.
	// The stage drops the event when the key now holds an object with another ETag.
	ETag string
}

// JobState is where a transcoding job is, in the stages' terms.
type JobState string

// The job states. Every vendor status maps to one of them; the adapter decides which.
const (
	// JobProgressing: the job is queued or running (any non-final vendor status).
	JobProgressing JobState = "progress"
	// JobComplete: the job finished and says it wrote its outputs.
	JobComplete JobState = "complete"
	// JobError: the job failed; JobResult.Retryable says whether resubmitting it may work.
	JobError JobState = "error"
	// JobCanceled: someone canceled the job.
	JobCanceled JobState = "canceled"
)

// Final reports whether no later state of the job can follow s.
func (s JobState) Final() bool {
	return s == JobComplete || s == JobError || s == JobCanceled
}

// JobResult is one state change of a transcoding job: the complete stage's input.
type JobResult struct {
	// JobID is the transcoder's id of the job.
	JobID string
	// AssetID and Attempt are what the job was submitted for, read back from the job's own
	// metadata (MediaConvert user metadata, Transcoder labels). AssetID is "" for a job
	// ottkit did not submit; Attempt is 0 when the job does not say.
	AssetID string
	Attempt int
	// State is the job's state.
	State JobState
	// Retryable, for JobError, says whether the same job may succeed if submitted again
	// (a transient service or storage failure), as opposed to a bad input or settings.
	// The adapter classifies its vendor's codes; the stage decides whether to retry.
	Retryable bool
	// ErrorCode and ErrorMessage are the vendor's, for the catalog and the notification.
	ErrorCode, ErrorMessage string
	// Outputs are the objects the job reports it wrote (Bucket and Key set), when the vendor
	// reports them (MediaConvert does, GCP's Transcoder does not). A path the adapter could
	// not parse is passed with Bucket "" so the stage rejects it as outside the delivery bucket.
	Outputs []Object
	// Videos are the video outputs' actual sizes as the job reports them (MaxBitrate 0), in
	// any order; empty when not reported.
	Videos []Rendition
	// Duration is the longest output's duration as the job reports it; 0 when not reported.
	Duration time.Duration
}
