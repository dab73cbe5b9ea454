package pipeline

import (
	"fmt"
	"time"
)

// Status is where an asset is in the pipeline. The zero value is not a valid status.
type Status string

// The statuses, in pipeline order.
const (
	// StatusUploaded: the upload was seen and the asset created; not judged yet.
	StatusUploaded Status = "uploaded"
	// StatusRejected: the upload is not an acceptable video; it was quarantined. Final.
	StatusRejected Status = "rejected"
	// StatusQueued: accepted, its master stored, waiting for a transcoding job.
	StatusQueued Status = "queued"
	// StatusTranscoding: a job was submitted (Asset.JobID) and has not finished.
	StatusTranscoding Status = "transcoding"
	// StatusRetrying: the job failed with a retryable error; a new job will be submitted.
	StatusRetrying Status = "retrying"
	// StatusReady: outputs are in the delivery bucket and playable. Final.
	StatusReady Status = "ready"
	// StatusFailed: transcoding failed for good. Final.
	StatusFailed Status = "failed"
)

// Statuses lists every valid status in pipeline order.
var Statuses = []Status{StatusUploaded, StatusRejected, StatusQueued, StatusTranscoding, StatusRetrying, StatusReady, StatusFailed}

// moves is the whole state machine: every allowed move, and nothing else.
var moves = map[Status][]Status{
	StatusUploaded:    {StatusRejected, StatusQueued},
	StatusQueued:      {StatusTranscoding, StatusFailed},
	StatusTranscoding: {StatusReady, StatusFailed, StatusRetrying},
	StatusRetrying:    {StatusTranscoding, StatusFailed},
}

// Valid reports whether s is one of the statuses above.
func (s Status) Valid() bool { return s.Rank() >= 0 }

// Rank orders statuses along the pipeline: uploaded 0, queued and retrying 1, transcoding 2,
// and the final statuses (rejected, ready, failed) 3. It is -1 for an invalid status.
//
// Every allowed move raises the rank except transcoding → retrying, which starts a new
// attempt: that move is taken only for the current job's error (see ApplyJobEvent), and the
// resubmission that leaves retrying increments Asset.Attempts, so (Attempts, Rank) increases
// on every move and no replayed event can take an asset back.
func (s Status) Rank() int {
	switch s {
	case StatusUploaded:
		return 0
	case StatusQueued, StatusRetrying:
		return 1
	case StatusTranscoding:
		return 2
	case StatusRejected, StatusReady, StatusFailed:
		return 3
	}
	return -1
}

// Final reports whether no move leaves s.
func (s Status) Final() bool { return s.Rank() == 3 }

// CanMoveTo reports whether an asset in status s may move to next. Staying put is not a move:
// a duplicate event that would set the status it already has changes nothing.
func (s Status) CanMoveTo(next Status) bool {
	for _, m := range moves[s] {
		if m == next {
			return true
		}
	}
	return false
}

// ParseStatus returns the status named text, or an error naming it.
func ParseStatus(text string) (Status, error) {
	s := Status(text)
	if !s.Valid() {
		return "", fmt.Errorf("pipeline: unknown status %q", text)
	}
	return s, nil
}

// Advance moves the asset to next and stamps UpdatedAt, if the state machine allows the move.
// Entering transcoding counts an attempt. It reports whether the asset changed; false means the
// move is a duplicate or out of order and the caller should drop the event, not fail.
func (a *Asset) Advance(next Status, now time.Time) bool {
	if !a.Status.CanMoveTo(next) {
		return false
	}
	if next == StatusTranscoding {
		a.Attempts++
	}
	a.Status = next
	a.UpdatedAt = now
	return true
}

// ApplyJobEvent applies a transcoding job's state change: next is the status the job's state
// maps to (transcoding for progress, ready, failed or retrying). Events of any job but the
// current one are stale, including a retried asset's previous job, and change nothing, as do
// duplicates and events that arrive after a later one. It reports whether the asset changed.
func (a *Asset) ApplyJobEvent(jobID string, next Status, now time.Time) bool {
	if jobID == "" || jobID != a.JobID {
		return false
	}
	if next == StatusTranscoding {
		// Progress of the job we already track is not a new attempt.
		return false
	}
	return a.Advance(next, now)
}

// StartJob records that transcoding job jobID was submitted for the asset: it moves the asset
// to transcoding, counts the attempt and clears the previous attempt's failure. It reports
// false, changing nothing, when the asset is not waiting for a job (queued or retrying).
func (a *Asset) StartJob(jobID string, now time.Time) bool {
	if jobID == "" || !a.Advance(StatusTranscoding, now) {
		return false
	}
	a.JobID = jobID
	a.FailureCode, a.FailureMessage = "", ""
	return true
}
