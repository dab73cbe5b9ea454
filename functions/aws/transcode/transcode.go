// Package transcode is ottkit's transcode function: for each transcode request from the queue
// it plans the title's ladder from the catalog's probe summary and submits one MediaConvert job
// for the asset's current attempt.
//
// Idempotency: only a queued or retrying asset gets a job; the job's client request token is
// the asset id and attempt number, so a duplicate request, or the retry of one that crashed
// after submitting, finds the same job; and the move to transcoding is a conditional write, so
// of two concurrent requests one records the job and the other changes nothing.
//
// An asset that cannot be planned, or whose job MediaConvert rejects, fails for good here; its
// failure is published like complete's, before the catalog write (notifications are at least
// once), so subscribers hear of every final status.
package transcode

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/ottkit/ottkit/functions/aws/lambdalog"
	"github.com/ottkit/ottkit/functions/aws/sqsbatch"
	"github.com/ottkit/ottkit/functions/aws/transcoder"
	"github.com/ottkit/ottkit/functions/pipeline"
)

// Failure codes recorded on assets this function fails.
const (
	FailurePlan     = "plan"
	FailureRejected = "job-rejected"
)

// Handler handles batches from the transcode queue.
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

// Handle processes one SQS batch, reporting the messages to retry.
func (h *Handler) Handle(ctx context.Context, event events.SQSEvent) (events.SQSEventResponse, error) {
	return sqsbatch.Process(ctx, h.log, event, h.handleMessage), nil
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

func (h *Handler) handleMessage(ctx context.Context, msg events.SQSMessage) error {
	req, err := DecodeRequest(msg.Body)
	if err != nil {
		h.log.ErrorContext(ctx, "dropping malformed transcode request", "messageId", msg.MessageId, "error", err.Error())
		return nil
	}
	ctx = lambdalog.WithAssetID(ctx, req.AssetID)
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
	jobID, err := h.transcoder.Submit(ctx, a, plan)
	if errors.Is(err, transcoder.ErrRejected) {
		return h.fail(ctx, a, from, FailureRejected, err.Error())
	}
	if err != nil {
		return err
	}
	a.Renditions = plan.Renditions
	if !a.StartJob(jobID, h.Now().UTC()) {
		return fmt.Errorf("transcode: asset %s refused job %s in status %s", a.ID, jobID, a.Status)
	}
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
