// Package eventbridge decodes the two Amazon EventBridge events ottkit's functions consume from
// SQS: S3 "Object Created" (ingest) and MediaConvert "Job State Change" (complete). Decoding is
// strict about what the handlers rely on and lenient about everything else, so a new field
// from AWS never breaks the pipeline but a message that is not one of these events is named
// as such.
package eventbridge

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// ErrUnexpectedEvent reports a well-formed event of a kind the handler does not process (for
// example a different detail-type); handlers drop these instead of retrying them.
var ErrUnexpectedEvent = errors.New("eventbridge: unexpected event")

// envelope is the part of every EventBridge event the decoders look at.
type envelope struct {
	ID         string          `json:"id"`
	DetailType string          `json:"detail-type"`
	Source     string          `json:"source"`
	Time       time.Time       `json:"time"`
	Resources  []string        `json:"resources"`
	Detail     json.RawMessage `json:"detail"`
}

func decodeEnvelope(body []byte, source, detailType string) (envelope, error) {
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil {
		return env, fmt.Errorf("eventbridge: body is not an EventBridge event: %w", err)
	}
	if env.Source != source || env.DetailType != detailType {
		return env, fmt.Errorf("%w: source %q detail-type %q, want %q %q", ErrUnexpectedEvent, env.Source, env.DetailType, source, detailType)
	}
	if len(bytes.TrimSpace(env.Detail)) == 0 || bytes.Equal(bytes.TrimSpace(env.Detail), []byte("null")) {
		return env, errors.New("eventbridge: event has no detail")
	}
	return env, nil
}

// ObjectCreated is an S3 "Object Created" event.
type ObjectCreated struct {
	EventID   string
	Time      time.Time
	Bucket    string
	Key       string
	Size      int64
	ETag      string
	VersionID string // "" when the bucket is not versioned
	Sequencer string
	Reason    string // PutObject, CompleteMultipartUpload, CopyObject, ...
}

type objectCreatedDetail struct {
	Bucket struct {
		Name string `json:"name"`
	} `json:"bucket"`
	Object struct {
		Key       string `json:"key"`
		Size      *int64 `json:"size"`
		ETag      string `json:"etag"`
		VersionID string `json:"version-id"`
		Sequencer string `json:"sequencer"`
	} `json:"object"`
	Reason string `json:"reason"`
}

// DecodeObjectCreated decodes an SQS message body holding an S3 Object Created event.
func DecodeObjectCreated(body []byte) (ObjectCreated, error) {
	env, err := decodeEnvelope(body, "aws.s3", "Object Created")
	if err != nil {
		return ObjectCreated{}, err
	}
	var d objectCreatedDetail
	if err := json.Unmarshal(env.Detail, &d); err != nil {
		return ObjectCreated{}, fmt.Errorf("eventbridge: object created detail: %w", err)
	}
	switch {
	case d.Bucket.Name == "":
		return ObjectCreated{}, errors.New("eventbridge: object created: detail.bucket.name is empty")
	case d.Object.Key == "":
		return ObjectCreated{}, errors.New("eventbridge: object created: detail.object.key is empty")
	case d.Object.Size == nil:
		return ObjectCreated{}, errors.New("eventbridge: object created: detail.object.size is missing")
	case *d.Object.Size < 0:
		return ObjectCreated{}, fmt.Errorf("eventbridge: object created: detail.object.size %d is negative", *d.Object.Size)
	}
	return ObjectCreated{
		EventID: env.ID, Time: env.Time,
		Bucket: d.Bucket.Name, Key: d.Object.Key, Size: *d.Object.Size,
		ETag: d.Object.ETag, VersionID: d.Object.VersionID, Sequencer: d.Object.Sequencer,
		Reason: d.Reason,
	}, nil
}

// MediaConvert job statuses carried by Job State Change events.
const (
	JobInputInformation = "INPUT_INFORMATION"
	JobProgressing      = "PROGRESSING"
	JobStatusUpdate     = "STATUS_UPDATE"
	JobComplete         = "COMPLETE"
	JobError            = "ERROR"
	JobCanceled         = "CANCELED"
	JobNewWarning       = "NEW_WARNING"
	JobQueueHop         = "QUEUE_HOP"
)

// JobStateChange is a MediaConvert "Job State Change" event.
type JobStateChange struct {
	EventID      string
	Time         time.Time
	JobID        string
	Status       string
	Queue        string
	Timestamp    time.Time // detail.timestamp: when the job changed state (ms precision)
	UserMetadata map[string]string
	ErrorCode    int
	ErrorMessage string
	OutputGroups []OutputGroup
}

// OutputGroup is one entry of detail.outputGroupDetails.
type OutputGroup struct {
	Type              string   `json:"type"`
	PlaylistFilePaths []string `json:"playlistFilePaths"`
	Outputs           []Output `json:"outputDetails"`
}

// Output is one entry of an output group's outputDetails.
type Output struct {
	OutputFilePaths []string      `json:"outputFilePaths"`
	DurationInMs    int64         `json:"durationInMs"`
	Video           *VideoDetails `json:"videoDetails"`
}

// VideoDetails describes one video output.
type VideoDetails struct {
	WidthInPx      int `json:"widthInPx"`
	HeightInPx     int `json:"heightInPx"`
	AverageBitrate int `json:"averageBitrate"`
}

type jobDetail struct {
	Timestamp    int64             `json:"timestamp"`
	JobID        string            `json:"jobId"`
	Status       string            `json:"status"`
	Queue        string            `json:"queue"`
	UserMetadata map[string]string `json:"userMetadata"`
	ErrorCode    flexInt           `json:"errorCode"`
	ErrorMessage string            `json:"errorMessage"`
	OutputGroups []OutputGroup     `json:"outputGroupDetails"`
}

// flexInt accepts a JSON number or a string holding one; MediaConvert documents errorCode as a
// number, but a string is cheap to tolerate.
type flexInt int

// UnmarshalJSON accepts 1040, "1040" and null.
func (f *flexInt) UnmarshalJSON(b []byte) error {
	s := string(bytes.Trim(b, `"`))
	if s == "" || s == "null" {
		*f = 0
		return nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return fmt.Errorf("errorCode %s is not an integer", b)
	}
	*f = flexInt(n)
	return nil
}

// DecodeJobStateChange decodes an SQS message body holding a MediaConvert Job State Change event.
func DecodeJobStateChange(body []byte) (JobStateChange, error) {
	env, err := decodeEnvelope(body, "aws.mediaconvert", "MediaConvert Job State Change")
	if err != nil {
		return JobStateChange{}, err
	}
	var d jobDetail
	if err := json.Unmarshal(env.Detail, &d); err != nil {
		return JobStateChange{}, fmt.Errorf("eventbridge: job state change detail: %w", err)
	}
	if d.JobID == "" {
		return JobStateChange{}, errors.New("eventbridge: job state change: detail.jobId is empty")
	}
	if d.Status == "" {
		return JobStateChange{}, errors.New("eventbridge: job state change: detail.status is empty")
	}
	ev := JobStateChange{
		EventID: env.ID, Time: env.Time,
		JobID: d.JobID, Status: d.Status, Queue: d.Queue,
		UserMetadata: d.UserMetadata,
		ErrorCode:    int(d.ErrorCode), ErrorMessage: d.ErrorMessage,
		OutputGroups: d.OutputGroups,
	}
	if d.Timestamp > 0 {
		ev.Timestamp = time.UnixMilli(d.Timestamp).UTC()
	}
	return ev, nil
}
