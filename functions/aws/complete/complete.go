// Package complete is ottkit's complete function: it consumes MediaConvert "Job State Change"
// events (EventBridge → SQS) and finishes the asset the job belongs to.
//
// COMPLETE: every expected output must exist in the delivery bucket (manifests, the poster,
// every thumbnail, every path the event names); then the master moves to the archive storage
// class (an in-place copy), the notification is published and the catalog item becomes ready
// with its manifests, renditions, poster, thumbnails and duration.
//
// ERROR: a retryable error code with attempts left moves the asset to retrying and sends a new
// transcode request with an SQS message delay as the backoff (RetryBaseDelay doubling per
// attempt, at most 15 minutes); transcode then submits attempt n+1. Otherwise the asset fails
// with the error code and message, the failure is published and the master stays where it is.
//
// Events of any job but the asset's current one, duplicates and late arrivals change nothing:
// pipeline.Asset.ApplyJobEvent decides, and the catalog write is conditional on the status read.
// The one exception is a final event of the job transcode has submitted but not yet recorded
// (the asset is still queued or retrying): it is retried, not dropped, until the job is recorded.
// The notification is published before the catalog write, so a crash between them repeats the
// notification on redelivery rather than losing it (notifications are at least once).
package complete

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/ottkit/ottkit/functions/aws/eventbridge"
	"github.com/ottkit/ottkit/functions/aws/lambdalog"
	"github.com/ottkit/ottkit/functions/aws/mcjob"
	"github.com/ottkit/ottkit/functions/aws/s3store"
	"github.com/ottkit/ottkit/functions/aws/sqsbatch"
	"github.com/ottkit/ottkit/functions/pipeline"
)

// RetryBaseDelay is the delay before the first resubmission; each further attempt doubles it.
const RetryBaseDelay = time.Minute

// MaxRetryDelay is SQS's longest message delay.
const MaxRetryDelay = 15 * time.Minute

// Failure code for a canceled job.
const FailureCanceled = "canceled"

// Retryable reports whether a MediaConvert job error code is worth resubmitting unchanged:
// 1999 (unknown internal error), 3450-3458 (failures writing outputs to S3) and 3999 (unknown
// storage error). Input and settings errors (the other codes from 1000 to 1999) and access errors (3400-3408)
// fail the same way every time.
func Retryable(code int) bool {
	return code == 1999 || code == 3999 || (code >= 3450 && code <= 3458)
}

// RetryDelay is the backoff before attempt n+1 when attempt n failed.
func RetryDelay(attempt int) time.Duration {
	d := RetryBaseDelay
	for i := 1; i < attempt && d < MaxRetryDelay; i++ {
		d *= 2
	}
	return min(d, MaxRetryDelay)
}

// Store is the S3 access complete needs; *s3store.Store implements it.
type Store interface {
	List(ctx context.Context, bucket, prefix string) (map[string]int64, error)
	Head(ctx context.Context, bucket, key string) (s3store.ObjectInfo, error)
	Copy(ctx context.Context, in s3store.CopyInput) error
}

// DelayedQueue sends transcode requests that become visible after a delay; *sqsqueue.Queue
// implements it.
type DelayedQueue interface {
	SendDelayed(ctx context.Context, body string, delay time.Duration) error
}

// Handler handles batches from the events queue.
type Handler struct {
	cfg      Config
	catalog  pipeline.Catalog
	store    Store
	queue    DelayedQueue
	notifier pipeline.Notifier
	log      *slog.Logger
	// Now is the clock; tests replace it.
	Now func() time.Time
}

// New returns a Handler.
func New(cfg Config, catalog pipeline.Catalog, store Store, queue DelayedQueue, notifier pipeline.Notifier, log *slog.Logger) *Handler {
	return &Handler{cfg: cfg, catalog: catalog, store: store, queue: queue, notifier: notifier, log: log, Now: time.Now}
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
	id := ev.UserMetadata[mcjob.MetadataAssetID]
	if id == "" {
		h.log.WarnContext(ctx, "dropping an event of a job ottkit did not submit", "jobId", ev.JobID)
		return nil
	}
	ctx = lambdalog.WithAssetID(ctx, id)
	a, err := h.catalog.Get(ctx, id)
	if errors.Is(err, pipeline.ErrNotFound) {
		h.log.ErrorContext(ctx, "dropping an event for an unknown asset", "jobId", ev.JobID)
		return nil
	}
	if err != nil {
		return err
	}
	if final(ev.Status) && unrecorded(a, ev) {
		// Transcode submits the job before it records it; dropping this event would strand the
		// asset in transcoding once the job is recorded, so SQS redelivers it until then.
		return fmt.Errorf("complete: job %s (attempt %s) of asset %s is not recorded yet (asset %s, job %q)", ev.JobID, ev.UserMetadata[mcjob.MetadataAttempt], a.ID, a.Status, a.JobID)
	}
	switch ev.Status {
	case eventbridge.JobComplete:
		return h.completed(ctx, a, ev)
	case eventbridge.JobError:
		return h.errored(ctx, a, ev)
	case eventbridge.JobCanceled:
		return h.finishFailed(ctx, a, ev.JobID, FailureCanceled, "the transcoding job was canceled")
	default:
		h.log.DebugContext(ctx, "job progress", "jobId", ev.JobID, "jobStatus", ev.Status)
		return nil
	}
}

func final(status string) bool {
	return status == eventbridge.JobComplete || status == eventbridge.JobError || status == eventbridge.JobCanceled
}

// unrecorded reports whether ev is of the job transcode submitted for the asset's next attempt
// but has not recorded yet: the asset still waits for a job, and the job's attempt (from its
// user metadata) is the next one. A job without attempt metadata can only be the first one.
func unrecorded(a *pipeline.Asset, ev eventbridge.JobStateChange) bool {
	if ev.JobID == "" || ev.JobID == a.JobID || (a.Status != pipeline.StatusQueued && a.Status != pipeline.StatusRetrying) {
		return false
	}
	attempt, err := strconv.Atoi(ev.UserMetadata[mcjob.MetadataAttempt])
	if err != nil {
		return a.Status == pipeline.StatusQueued
	}
	return attempt == a.Attempts+1
}

// stale reports (and logs) whether an event cannot move the asset: another job's, a duplicate,
// or one arriving after the asset moved on.
func (h *Handler) stale(ctx context.Context, a *pipeline.Asset, ev eventbridge.JobStateChange, next pipeline.Status) bool {
	probe := *a
	if probe.ApplyJobEvent(ev.JobID, next, h.Now()) {
		return false
	}
	h.log.InfoContext(ctx, "job event changes nothing", "jobId", ev.JobID, "jobStatus", ev.Status, "assetStatus", a.Status, "currentJobId", a.JobID)
	return true
}

func (h *Handler) completed(ctx context.Context, a *pipeline.Asset, ev eventbridge.JobStateChange) error {
	if h.stale(ctx, a, ev, pipeline.StatusReady) {
		return nil
	}
	out, err := h.verifyOutputs(ctx, a, ev)
	if err != nil {
		return err
	}
	if err := h.archive(ctx, a); err != nil {
		return err
	}
	from := a.Status
	a.ApplyJobEvent(ev.JobID, pipeline.StatusReady, h.Now().UTC())
	a.HLS, a.DASH, a.Poster, a.Thumbnails = out.layout.HLS, out.layout.DASH, out.poster, out.thumbnails
	a.Renditions = out.renditions
	a.FailureCode, a.FailureMessage = "", ""
	if a.Probe != nil && out.duration > 0 {
		a.Probe.Duration, a.Probe.DurationSeconds = out.duration, out.duration.Seconds()
	}
	return h.publishAndStore(ctx, a, from)
}

// publishAndStore publishes a's notification, then writes a conditionally on from.
func (h *Handler) publishAndStore(ctx context.Context, a *pipeline.Asset, from pipeline.Status) error {
	if err := h.notifier.Publish(ctx, pipeline.NotificationFor(a)); err != nil {
		return err
	}
	if err := h.catalog.Update(ctx, from, a); err != nil {
		if errors.Is(err, pipeline.ErrConflict) {
			h.log.InfoContext(ctx, "another delivery of the event finished the asset first")
			return nil
		}
		return err
	}
	h.log.InfoContext(ctx, "asset finished", "status", a.Status, "jobId", a.JobID, "failureCode", a.FailureCode)
	return nil
}

type outputs struct {
	layout     pipeline.Layout
	poster     string
	thumbnails []string
	renditions []pipeline.Rendition
	duration   time.Duration
}

var thumbPattern = regexp.MustCompile(`\.(\d{7})\.jpg$`)

// verifyOutputs checks that every output the job should have written exists in the delivery
// bucket. A missing output is an error (the message is retried, then dead-lettered), never a
// ready asset that cannot play.
func (h *Handler) verifyOutputs(ctx context.Context, a *pipeline.Asset, ev eventbridge.JobStateChange) (outputs, error) {
	l := pipeline.LayoutFor(a.ID)
	listed, err := h.store.List(ctx, h.cfg.DeliveryBucket, l.Prefix)
	if err != nil {
		return outputs{}, err
	}
	out := outputs{layout: l}
	var duration time.Duration
	expected := map[string]bool{l.HLS: true, l.DASH: true}
	lastThumb := 0
	for _, g := range ev.OutputGroups {
		paths := append([]string(nil), g.PlaylistFilePaths...)
		for _, o := range g.Outputs {
			paths = append(paths, o.OutputFilePaths...)
			duration = max(duration, time.Duration(o.DurationInMs)*time.Millisecond)
		}
		for _, p := range paths {
			key, ok := strings.CutPrefix(p, "s3://"+h.cfg.DeliveryBucket+"/")
			if !ok || !strings.HasPrefix(key, l.Prefix) {
				return outputs{}, fmt.Errorf("complete: job %s wrote %s outside s3://%s/%s", ev.JobID, p, h.cfg.DeliveryBucket, l.Prefix)
			}
			expected[key] = true
			if strings.HasPrefix(key, l.ThumbnailBase+".") {
				if m := thumbPattern.FindStringSubmatch(key); m != nil {
					n, _ := strconv.Atoi(m[1])
					lastThumb = max(lastThumb, n)
				}
			}
		}
	}
	if duration == 0 && a.Probe != nil {
		duration = a.Probe.Duration
	}
	out.duration = duration
	out.poster = l.PosterKey(duration)
	expected[out.poster] = true
	for n := 0; n <= lastThumb; n++ {
		expected[l.ThumbnailKey(n)] = true
	}
	// Thumbnails beyond the event's last one (there should be none) are kept too.
	for key := range listed {
		if strings.HasPrefix(key, l.ThumbnailBase+".") && thumbPattern.MatchString(key) {
			expected[key] = true
		}
	}
	var missing []string
	for key := range expected {
		if _, ok := listed[key]; !ok {
			missing = append(missing, key)
		}
		if strings.HasPrefix(key, l.ThumbnailBase+".") {
			out.thumbnails = append(out.thumbnails, key)
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return outputs{}, fmt.Errorf("complete: job %s reported COMPLETE but %d outputs are missing from s3://%s: %s", ev.JobID, len(missing), h.cfg.DeliveryBucket, strings.Join(missing, ", "))
	}
	sort.Strings(out.thumbnails)
	out.renditions = renditions(a.Renditions, ev)
	return out, nil
}

// renditions returns the planned renditions with the sizes MediaConvert actually wrote, matched
// by order of size; without video details in the event the plan stands.
func renditions(planned []pipeline.Rendition, ev eventbridge.JobStateChange) []pipeline.Rendition {
	var actual []eventbridge.VideoDetails
	for _, g := range ev.OutputGroups {
		if g.Type == "FILE_GROUP" {
			continue // frame captures
		}
		for _, o := range g.Outputs {
			if o.Video != nil && o.Video.WidthInPx > 0 && o.Video.HeightInPx > 0 {
				actual = append(actual, *o.Video)
			}
		}
	}
	if len(actual) != len(planned) {
		return planned
	}
	sort.Slice(actual, func(i, j int) bool {
		return actual[i].WidthInPx*actual[i].HeightInPx > actual[j].WidthInPx*actual[j].HeightInPx
	})
	out := make([]pipeline.Rendition, len(planned))
	for i, r := range planned {
		out[i] = pipeline.Rendition{Width: actual[i].WidthInPx, Height: actual[i].HeightInPx, MaxBitrate: r.MaxBitrate}
	}
	return out
}

// archive moves the master to the archive storage class with an in-place copy, unless it is
// there already (a redelivered event).
func (h *Handler) archive(ctx context.Context, a *pipeline.Asset) error {
	if a.Source.Bucket != h.cfg.MastersBucket {
		return fmt.Errorf("complete: master s3://%s/%s is not in the masters bucket %s", a.Source.Bucket, a.Source.Key, h.cfg.MastersBucket)
	}
	info, err := h.store.Head(ctx, a.Source.Bucket, a.Source.Key)
	if err != nil {
		return err
	}
	if info.StorageClass == h.cfg.ArchiveStorageClass {
		return nil
	}
	return h.store.Copy(ctx, s3store.CopyInput{
		SrcBucket: a.Source.Bucket, SrcKey: a.Source.Key, IfMatch: info.ETag,
		DstBucket: a.Source.Bucket, DstKey: a.Source.Key, StorageClass: h.cfg.ArchiveStorageClass,
	})
}

func (h *Handler) errored(ctx context.Context, a *pipeline.Asset, ev eventbridge.JobStateChange) error {
	code, message := strconv.Itoa(ev.ErrorCode), ev.ErrorMessage
	if Retryable(ev.ErrorCode) && a.Attempts <= h.cfg.MaxRetries {
		if a.Status == pipeline.StatusRetrying && a.JobID == ev.JobID {
			// A redelivery after the move to retrying: the request may not have been sent.
			return h.requestRetry(ctx, a)
		}
		if h.stale(ctx, a, ev, pipeline.StatusRetrying) {
			return nil
		}
		from := a.Status
		a.ApplyJobEvent(ev.JobID, pipeline.StatusRetrying, h.Now().UTC())
		a.FailureCode, a.FailureMessage = code, message
		if err := h.catalog.Update(ctx, from, a); err != nil {
			if errors.Is(err, pipeline.ErrConflict) {
				return nil
			}
			return err
		}
		return h.requestRetry(ctx, a)
	}
	return h.finishFailed(ctx, a, ev.JobID, code, message)
}

func (h *Handler) requestRetry(ctx context.Context, a *pipeline.Asset) error {
	body := fmt.Sprintf(`{"assetId":%q,"tenant":%q}`, a.ID, a.Tenant)
	delay := RetryDelay(a.Attempts)
	if err := h.queue.SendDelayed(ctx, body, delay); err != nil {
		return err
	}
	h.log.WarnContext(ctx, "transcode will be retried", "attempt", a.Attempts+1, "delay", delay.String(), "failureCode", a.FailureCode, "failureMessage", a.FailureMessage)
	return nil
}

func (h *Handler) finishFailed(ctx context.Context, a *pipeline.Asset, jobID, code, message string) error {
	from := a.Status
	if !a.ApplyJobEvent(jobID, pipeline.StatusFailed, h.Now().UTC()) {
		h.log.InfoContext(ctx, "job event changes nothing", "jobId", jobID, "assetStatus", a.Status, "currentJobId", a.JobID)
		return nil
	}
	a.FailureCode, a.FailureMessage = code, message
	return h.publishAndStore(ctx, a, from)
}
