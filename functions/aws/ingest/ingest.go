// Package ingest is ottkit's ingest Lambda function: it decodes the S3 "Object Created"
// EventBridge events of the ingest queue and hands each to the ingest stage
// (github.com/ottkit/ottkit/functions/stages/ingest), which holds every decision; this package
// wires the stage to the AWS adapters and reports failed messages back to SQS.
package ingest

import (
	"context"
	"errors"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"

	"github.com/ottkit/ottkit/functions/aws/eventbridge"
	"github.com/ottkit/ottkit/functions/aws/s3store"
	"github.com/ottkit/ottkit/functions/aws/sqsbatch"
	"github.com/ottkit/ottkit/functions/pipeline"
	"github.com/ottkit/ottkit/functions/stages/ingest"
)

// Handler handles batches from the ingest queue.
type Handler struct {
	// Stage is the ingest stage the events go to; tests set its clock.
	Stage *ingest.Handler
	log   *slog.Logger
}

// New returns a Handler running the stage over the given adapters.
func New(cfg Config, store pipeline.ObjectStore, catalog pipeline.Catalog, queue pipeline.Queue, log *slog.Logger) *Handler {
	stage := ingest.New(ingest.Config{
		IngestBucket: cfg.IngestBucket, MastersBucket: cfg.MastersBucket,
		MaxDuration: cfg.MaxDuration, MaxUploadBytes: cfg.MaxUploadBytes,
		MaxCopyBytes: s3store.MaxCopySize,
	}, store, catalog, queue, log)
	return &Handler{Stage: stage, log: log}
}

// Handle processes one SQS batch, reporting the messages to retry.
func (h *Handler) Handle(ctx context.Context, event events.SQSEvent) (events.SQSEventResponse, error) {
	return sqsbatch.Process(ctx, h.log, event, h.handleMessage), nil
}

func (h *Handler) handleMessage(ctx context.Context, msg events.SQSMessage) error {
	ev, err := eventbridge.DecodeObjectCreated([]byte(msg.Body))
	if err != nil {
		level := slog.LevelError
		if errors.Is(err, eventbridge.ErrUnexpectedEvent) {
			level = slog.LevelWarn
		}
		h.log.Log(ctx, level, "dropping a message that is not an upload event", "messageId", msg.MessageId, "error", err.Error())
		return nil
	}
	return h.Stage.Handle(ctx, pipeline.ObjectCreated{Bucket: ev.Bucket, Key: ev.Key, Version: ev.VersionID, Size: ev.Size, ETag: ev.ETag})
}
