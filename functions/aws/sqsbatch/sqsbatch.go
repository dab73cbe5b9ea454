// Package sqsbatch runs a Lambda SQS batch record by record and reports partial failures, so
// one bad message is retried (and eventually dead-lettered) alone while the rest of the batch
// is deleted. The event source mapping must enable ReportBatchItemFailures.
package sqsbatch

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"

	"github.com/ottkit/ottkit/functions/aws/lambdalog"
)

// Process calls fn for every record in order. A record for which fn returns an error, or
// panics, is reported in BatchItemFailures so SQS redelivers it; a record fn returns nil for
// is done (fn logs and returns nil for messages it deliberately drops, such as malformed ones
// that no retry could fix).
func Process(ctx context.Context, log *slog.Logger, event events.SQSEvent, fn func(context.Context, events.SQSMessage) error) events.SQSEventResponse {
	resp := events.SQSEventResponse{BatchItemFailures: []events.SQSBatchItemFailure{}}
	for _, msg := range event.Records {
		// Each record gets its own tracked context so the failure line below carries the asset
		// id the handler found, not the previous record's.
		rctx := lambdalog.Track(ctx)
		if err := safely(rctx, msg, fn); err != nil {
			log.ErrorContext(rctx, "message will be retried", "messageId", msg.MessageId, "receiveCount", msg.Attributes["ApproximateReceiveCount"], "error", err.Error())
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: msg.MessageId})
		}
	}
	return resp
}

func safely(ctx context.Context, msg events.SQSMessage, fn func(context.Context, events.SQSMessage) error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	return fn(ctx, msg)
}
