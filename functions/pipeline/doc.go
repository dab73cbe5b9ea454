// Package pipeline is the cloud-agnostic core of ottkit's media pipeline: the asset model and
// its status state machine, the accept/reject verdict on an upload, and per-title ladder
// planning. It imports no cloud SDK; the adapters under functions/aws and functions/gcp turn
// its plans into provider job settings and implement its small storage and messaging
// interfaces.
//
// The flow of one upload:
//
//	uploaded ──Judge rejects──▶ rejected
//	    │ Judge accepts
//	    ▼
//	  queued ──job submitted──▶ transcoding ──job complete──▶ ready
//	                              │   ▲        └─job error──▶ failed
//	               retryable error▼   │ resubmitted
//	                             retrying ──retries exhausted──▶ failed
//
// The asset id is derived from the upload's bucket, key and version (AssetID), catalog writes
// are conditional on the status read before them, and Status.CanMoveTo refuses every move that
// would take an asset backwards, so duplicate and out-of-order events are harmless.
package pipeline
