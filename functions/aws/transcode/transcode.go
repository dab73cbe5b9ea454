// Package transcode is ottkit's transcode Lambda function: it decodes the SQS batches of the
// transcode queue and hands each message to the transcode stage
// (github.com/ottkit/ottkit/functions/stages/transcode), which holds every decision; this
// package wires the stage to the AWS adapters and reports failed messages back to SQS.
package transcode

import (
	"context"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"

	"github.com/ottkit/ottkit/functions/aws/sqsbatch"
	"github.com/ottkit/ottkit/functions/pipeline"
	"github.com/ottkit/ottkit/functions/stages/transcode"
)

// Handler handles batches from the transcode queue.
type Handler struct {
	// Stage is the transcode stage the messages go to; tests set its clock.
	Stage *transcode.Handler
	log   *slog.Logger
}

// New returns a Handler running the stage over the given adapters.
func New(cfg Config, catalog pipeline.Catalog, tc pipeline.Transcoder, notifier pipeline.Notifier, log *slog.Logger) *Handler {
	return &Handler{Stage: transcode.New(transcode.Config{Ladder: cfg.Ladder}, catalog, tc, notifier, log), log: log}
}

// Handle processes one SQS batch, reporting the messages to retry.
func (h *Handler) Handle(ctx context.Context, event events.SQSEvent) (events.SQSEventResponse, error) {
	return sqsbatch.Process(ctx, h.log, event, func(ctx context.Context, msg events.SQSMessage) error {
		return h.Stage.HandleMessage(ctx, msg.Body)
	}), nil
}
