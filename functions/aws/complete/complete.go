// Package complete is ottkit's complete Lambda function: it decodes the MediaConvert "Job State
// Change" events of the events queue (EventBridge → SQS) into pipeline.JobResult, classifying
// MediaConvert's error codes, and hands each to the complete stage
// (github.com/ottkit/ottkit/functions/stages/complete), which holds every decision.
package complete

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/ottkit/ottkit/functions/aws/eventbridge"
	"github.com/ottkit/ottkit/functions/aws/mcjob"
	"github.com/ottkit/ottkit/functions/aws/sqsbatch"
	"github.com/ottkit/ottkit/functions/pipeline"
	"github.com/ottkit/ottkit/functions/stages/complete"
)

// Retryable reports whether a MediaConvert job error code is worth resubmitting unchanged:
// 1999 (unknown internal error), 3450-3458 (failures writing outputs to S3) and 3999 (unknown
// storage error). Input and settings errors (the other codes from 1000 to 1999) and access
// errors (3400-3408) fail the same way every time.
func Retryable(code int) bool {
	return code == 1999 || code == 3999 || (code >= 3450 && code <= 3458)
}

// Handler handles batches from the events queue.
type Handler struct {
	// Stage is the complete stage the results go to; tests set its clock.
	Stage *complete.Handler
	log   *slog.Logger
}

// New returns a Handler running the stage over the given adapters; queue is the transcode
// queue retries are sent to.
func New(cfg Config, catalog pipeline.Catalog, store pipeline.ObjectStore, queue pipeline.DelayedQueue, notifier pipeline.Notifier, log *slog.Logger) *Handler {
	stage := complete.New(complete.Config{
		DeliveryBucket: cfg.DeliveryBucket, MastersBucket: cfg.MastersBucket,
		ArchiveStorageClass: cfg.ArchiveStorageClass, MaxRetries: cfg.MaxRetries,
	}, catalog, store, queue, notifier, log)
	return &Handler{Stage: stage, log: log}
}

// Handle processes one SQS batch, reporting the messages to retry.
func (h *Handler) Handle(ctx context.Context, event events.SQSEvent) (events.SQSEventResponse, error) {
	return sqsbatch.Process(ctx, h.log, event, h.handleMessage), nil
}

func (h *Handler) handleMessage(ctx context.Context, msg events.SQSMessage) error {
	ev, err := eventbridge.DecodeJobStateChange([]byte(msg.Body))
	if errors.Is(err, eventbridge.ErrUnexpectedEvent) {
		h.log.WarnContext(ctx, "dropping an event that is not a job state change", "messageId", msg.MessageId, "error", err.Error())
		return nil
	}
	if err != nil {
		h.log.ErrorContext(ctx, "dropping a malformed job state change", "messageId", msg.MessageId, "error", err.Error())
		return nil
	}
	return h.Stage.Handle(ctx, Result(ev))
}

// Result translates a MediaConvert job state change into the stage's terms: the asset and
// attempt from the job's user metadata, the state, whether an error is retryable, the output
// objects from the s3:// paths, the video sizes and the longest output's duration.
func Result(ev eventbridge.JobStateChange) pipeline.JobResult {
	res := pipeline.JobResult{JobID: ev.JobID, AssetID: ev.UserMetadata[mcjob.MetadataAssetID]}
	if n, err := strconv.Atoi(ev.UserMetadata[mcjob.MetadataAttempt]); err == nil && n > 0 {
		res.Attempt = n
	}
	switch ev.Status {
	case eventbridge.JobComplete:
		res.State = pipeline.JobComplete
	case eventbridge.JobError:
		res.State = pipeline.JobError
		res.ErrorCode, res.ErrorMessage, res.Retryable = strconv.Itoa(ev.ErrorCode), ev.ErrorMessage, Retryable(ev.ErrorCode)
	case eventbridge.JobCanceled:
		res.State = pipeline.JobCanceled
	default:
		res.State = pipeline.JobProgressing
	}
	for _, g := range ev.OutputGroups {
		paths := append([]string(nil), g.PlaylistFilePaths...)
		for _, o := range g.Outputs {
			paths = append(paths, o.OutputFilePaths...)
			res.Duration = max(res.Duration, time.Duration(o.DurationInMs)*time.Millisecond)
			if g.Type != "FILE_GROUP" && o.Video != nil && o.Video.WidthInPx > 0 && o.Video.HeightInPx > 0 {
				// Frame captures (FILE_GROUP) are images, not renditions.
				res.Videos = append(res.Videos, pipeline.Rendition{Width: o.Video.WidthInPx, Height: o.Video.HeightInPx})
			}
		}
		for _, p := range paths {
			res.Outputs = append(res.Outputs, object(p))
		}
	}
	return res
}

// object parses s3://bucket/key; anything else keeps the raw path as the key with no bucket,
// which the stage reports as written outside the delivery bucket.
func object(uri string) pipeline.Object {
	if rest, ok := strings.CutPrefix(uri, "s3://"); ok {
		if bucket, key, ok := strings.Cut(rest, "/"); ok && bucket != "" && key != "" {
			return pipeline.Object{Bucket: bucket, Key: key}
		}
	}
	return pipeline.Object{Key: uri}
}
