package push

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/ottkit/ottkit/functions/pipeline"
)

// GCS notification attributes (cloud.google.com/storage/docs/pubsub-notifications).
const (
	AttrEventType     = "eventType"
	AttrPayloadFormat = "payloadFormat"
	AttrBucketID      = "bucketId"
	AttrObjectID      = "objectId"
	EventFinalize     = "OBJECT_FINALIZE"
	PayloadJSON       = "JSON_API_V1"
)

// gcsObject is the part of the JSON API object resource ingest needs. Int64 fields arrive
// as decimal strings.
type gcsObject struct {
	Kind       string `json:"kind"`
	Bucket     string `json:"bucket"`
	Name       string `json:"name"`
	Generation string `json:"generation"`
	Size       string `json:"size"`
}

// ObjectCreated decodes a GCS OBJECT_FINALIZE notification. ok is false, with no error, for
// the other event types a notification config may deliver (they are acknowledged and
// ignored). Version and ETag are the generation, as gcsstore reports them. Errors wrap
// ErrMalformed.
func ObjectCreated(m Message) (ev pipeline.ObjectCreated, ok bool, err error) {
	if t := m.Attributes[AttrEventType]; t != EventFinalize {
		if t == "" {
			return ev, false, fmt.Errorf("%w: message %s has no %s attribute; not a Cloud Storage notification", ErrMalformed, m.ID, AttrEventType)
		}
		return ev, false, nil
	}
	if f := m.Attributes[AttrPayloadFormat]; f != PayloadJSON {
		return ev, false, fmt.Errorf("%w: message %s: payloadFormat %q, want %s", ErrMalformed, m.ID, f, PayloadJSON)
	}
	var o gcsObject
	if err := json.Unmarshal(m.Data, &o); err != nil {
		return ev, false, fmt.Errorf("%w: message %s: object resource: %w", ErrMalformed, m.ID, err)
	}
	if o.Kind != "storage#object" || o.Bucket == "" || o.Name == "" {
		return ev, false, fmt.Errorf("%w: message %s: not a storage#object with bucket and name", ErrMalformed, m.ID)
	}
	if o.Bucket != m.Attributes[AttrBucketID] || o.Name != m.Attributes[AttrObjectID] {
		return ev, false, fmt.Errorf("%w: message %s: attributes name gs://%s/%s, payload gs://%s/%s", ErrMalformed, m.ID, m.Attributes[AttrBucketID], m.Attributes[AttrObjectID], o.Bucket, o.Name)
	}
	gen, err := strconv.ParseInt(o.Generation, 10, 64)
	if err != nil || gen <= 0 {
		return ev, false, fmt.Errorf("%w: message %s: generation %q", ErrMalformed, m.ID, o.Generation)
	}
	size, err := strconv.ParseInt(o.Size, 10, 64)
	if err != nil || size < 0 {
		return ev, false, fmt.Errorf("%w: message %s: size %q", ErrMalformed, m.ID, o.Size)
	}
	return pipeline.ObjectCreated{Bucket: o.Bucket, Key: o.Name, Version: o.Generation, ETag: o.Generation, Size: size}, true, nil
}

// JobNotification is what the Transcoder API publishes when a job finishes: only the job's
// name, state and error, so the receiver fetches the job for its labels.
type JobNotification struct {
	Name  string
	State string
}

// DecodeJobNotification reads {"job": {"name", "state", "error"}}; errors wrap ErrMalformed.
func DecodeJobNotification(m Message) (JobNotification, error) {
	var body struct {
		Job *struct {
			Name  string `json:"name"`
			State string `json:"state"`
		} `json:"job"`
	}
	if err := json.Unmarshal(m.Data, &body); err != nil {
		return JobNotification{}, fmt.Errorf("%w: message %s: not a job notification: %w", ErrMalformed, m.ID, err)
	}
	if body.Job == nil || body.Job.Name == "" {
		return JobNotification{}, fmt.Errorf("%w: message %s: job notification without job.name", ErrMalformed, m.ID)
	}
	return JobNotification{Name: body.Job.Name, State: body.Job.State}, nil
}

// TranscodeRequest decodes a stage hand-off (a push message's data or a task's body);
// errors wrap ErrMalformed.
func TranscodeRequest(data []byte) (pipeline.TranscodeRequest, error) {
	var req pipeline.TranscodeRequest
	if err := json.Unmarshal(data, &req); err != nil {
		return req, fmt.Errorf("%w: transcode request: %w", ErrMalformed, err)
	}
	if req.AssetID == "" {
		return req, fmt.Errorf("%w: transcode request has no assetId", ErrMalformed)
	}
	return req, nil
}
