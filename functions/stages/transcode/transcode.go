// Package transcode is the transcode stage: for each transcode request it plans the title's
// ladder from the catalog's probe summary and submits one transcoding job for the asset's
// current attempt, whatever transcoder runs it (MediaConvert, GCP's Transcoder API, the local
// ffmpeg runner).
//
// Idempotency: only a queued or retrying asset gets a job. Before submitting, the stage
// records the attempt on the asset (PendingAttempt); a request that finds its attempt
// recorded, which is a redelivery after a crash or a timeout somewhere between that record and
// the job's, first asks the transcoder for the attempt's job and submits only if there is
// none. That holds for any delay, while a transcoder's own deduplication (MediaConvert's client
// request token) lasts a minute and the queue redelivers after minutes. The move to
// transcoding is a conditional write, so of two concurrent requests one records the job and
// the other changes nothing.
//
// An asset that cannot be planned, or whose job the transcoder rejects, fails for good here;
// its failure is published before the catalog write (notifications are at least once), so
// subscribers hear of every final status.
package transcode

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/ottkit/ottkit/functions/pipeline"
	"github.com/ottkit/ottkit/functions/stages/stagelog"
)

// Failure codes recorded on assets this stage fails.
const (
	FailurePlan     = "plan"
	FailureRejected = "job-rejected"
)

// Config is what the stage decides with.
type Config struct {
	// Ladder is the stack's ladder configuration.
	Ladder pipeline.LadderConfig
}

// Handler runs the stage. It is safe for concurrent use.
type Handler struct {
	cfg        Config
	catalog    pipeline.Catalog
	transcoder pipeline.Transcoder
	notifier   pipeline.Notifier
	log        *slog.Logger
	// Now is the clock; tests replace it.
	Now func() time.Time
}

// New returns a Handler.
func New(cfg Config, catalog pipeline.Catalog, tc pipeline.Transcoder, notifier pipeline.Notifier, log *slog.Logger) *Handler {
	return &Handler{cfg: cfg, catalog: catalog, transcoder: tc, notifier: notifier, log: log, Now: time.Now}
}

// DecodeRequest decodes a transcode request body.
func DecodeRequest(body string) (pipeline.TranscodeRequest, error) {
	var req pipeline.TranscodeRequest
	if err := json.Unmarshal([]byte(body), &req); err != nil {
		return req, fmt.Errorf("transcode: request is not JSON: %w", err)
	}
	if req.AssetID == "" {
		return req, errors.New("transcode: request has no assetId")
	}
	return req, nil
}

// HandleMessage handles one queue message body. A body that is not a transcode request is
// logged and dropped (nil): no retry could fix it. Any other error means the message must be
// delivered again.
func (h *Handler) HandleMessage(ctx context.Context, body string) error {
	req, err := DecodeRequest(body)
	if err != nil {
		h.log.ErrorContext(ctx, "dropping malformed transcode request", "error", err.Error())
		return nil
	}
	return h.Handle(ctx, req)
}

// Handle handles one transcode request. An error means the request must be delivered again.
func (h *Handler) Handle(ctx context.Context, req pipeline.TranscodeRequest) error {
	ctx = stagelog.WithAssetID(ctx, req.AssetID)
	a, err := h.catalog.Get(ctx, req.AssetID)
	if errors.Is(err, pipeline.ErrNotFound) {
		// Ingest sends the request just before it creates the catalog item, so the item may
		// not exist yet; a request for an asset that never appears ends in the dead-letter queue.
		return fmt.Errorf("transcode: asset %s is not in the catalog yet: %w", req.AssetID, err)
	}
	if err != nil {
		return err
	}
	if a.Status != pipeline.StatusQueued && a.Status != pipeline.StatusRetrying {
		h.log.InfoContext(ctx, "duplicate transcode request ignored", "status", a.Status, "jobId", a.JobID)
		return nil
	}
	from := a.Status
	if a.Probe == nil {
		return h.fail(ctx, a, from, FailurePlan, "the asset has no probe summary")
	}
	plan, err := pipeline.PlanLadder(pipeline.SourceOf(*a.Probe), h.cfg.Ladder)
	if err != nil {
		return h.fail(ctx, a, from, FailurePlan, err.Error())
	}
	jobID, err := h.submitOnce(ctx, a, from, plan)
	if errors.Is(err, pipeline.ErrJobRejected) {
		return h.fail(ctx, a, from, FailureRejected, err.Error())
	}
	if errors.Is(err, pipeline.ErrConflict) {
		h.log.InfoContext(ctx, "another request moved the asset first")
		return nil
	}
	if err != nil {
		return err
	}
	a.Renditions = plan.Renditions
	if !a.StartJob(jobID, h.Now().UTC()) {
		return fmt.Errorf("transcode: asset %s refused job %s in status %s", a.ID, jobID, a.Status)
	}
	a.PendingAttempt = a.Attempts
	if err := h.catalog.Update(ctx, from, a); err != nil {
		if errors.Is(err, pipeline.ErrConflict) {
			h.log.InfoContext(ctx, "another request recorded the job first", "jobId", jobID)
			return nil
		}
		return err
	}
	h.log.InfoContext(ctx, "transcode submitted", "jobId", jobID, "attempt", a.Attempts, "plan", plan.String())
	return nil
}

// submitOnce returns the job of a's next attempt: the one an earlier delivery submitted if
// the attempt was recorded and the transcoder has it, otherwise a new one, submitted after
// recording the attempt. a is updated to what the catalog holds.
func (h *Handler) submitOnce(ctx context.Context, a *pipeline.Asset, from pipeline.Status, plan pipeline.Plan) (string, error) {
	attempt := a.Attempts + 1
	if a.PendingAttempt == attempt {
		id, err := h.transcoder.Find(ctx, a, a.UpdatedAt)
		if err == nil {
			h.log.InfoContext(ctx, "found the job an earlier delivery submitted", "jobId", id, "attempt", attempt)
			return id, nil
		}
		if !errors.Is(err, pipeline.ErrNoJob) {
			return "", err
		}
	} else {
		a.PendingAttempt = attempt
		a.UpdatedAt = h.Now().UTC()
		if err := h.catalog.Update(ctx, from, a); err != nil {
			return "", err
		}
	}
	return h.transcoder.Submit(ctx, a, plan)
}

// fail publishes and records a failure no retry of this request can fix.
func (h *Handler) fail(ctx context.Context, a *pipeline.Asset, from pipeline.Status, code, message string) error {
	if !a.Advance(pipeline.StatusFailed, h.Now().UTC()) {
		return fmt.Errorf("transcode: asset %s cannot fail from %s", a.ID, a.Status)
	}
	a.FailureCode, a.FailureMessage = code, message
	if err := h.notifier.Publish(ctx, pipeline.NotificationFor(a)); err != nil {
		return err
	}
	if err := h.catalog.Update(ctx, from, a); err != nil && !errors.Is(err, pipeline.ErrConflict) {
		return err
	}
	h.log.ErrorContext(ctx, "transcode failed", "failureCode", code, "failureMessage", message)
	return nil
}
