// Package complete is the complete stage: it finishes the asset a transcoding job belongs to
// from the job's state changes (pipeline.JobResult), whichever transcoder ran the job.
//
// Complete: every expected output must exist in the delivery bucket (manifests, the poster,
// every thumbnail, every output the job names); then, when the stack has an edge mirror
// (MirrorTo), every object under the asset's prefix is copied there (a failed copy fails the
// delivery, which is retried, so no asset is ready with a partial mirror); then the master moves to the archive storage
// class (an in-place copy), the notification is published and the catalog item becomes ready
// with its manifests, renditions, poster, thumbnails and duration.
//
// Error: a retryable error (the adapter classifies its vendor's codes) with attempts left
// moves the asset to retrying and sends a new transcode request delayed by the backoff
// (RetryBaseDelay doubling per attempt, at most pipeline.MaxQueueDelay); the transcode stage
// then submits attempt n+1. Otherwise the asset fails with the error code and message, the
// failure is published and the master stays where it is.
//
// Results of any job but the asset's current one, duplicates and late arrivals change nothing:
// pipeline.Asset.ApplyJobEvent decides, and the catalog write is conditional on the status
// read. The one exception is a final result of the job transcode has submitted but not yet
// recorded (the asset is still queued or retrying): it is retried, not dropped, until the job
// is recorded. The notification is published before the catalog write, so a crash between
// them repeats the notification on redelivery rather than losing it (notifications are at
// least once).
package complete

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"time"

	"github.com/ottkit/ottkit/functions/pipeline"
	"github.com/ottkit/ottkit/functions/stages/stagelog"
)

// RetryBaseDelay is the delay before the first resubmission; each further attempt doubles it.
const RetryBaseDelay = time.Minute

// FailureCanceled is the failure code of a canceled job.
const FailureCanceled = "canceled"

// RetryDelay is the backoff before attempt n+1 when attempt n failed.
func RetryDelay(attempt int) time.Duration {
	d := RetryBaseDelay
	for i := 1; i < attempt && d < pipeline.MaxQueueDelay; i++ {
		d *= 2
	}
	return min(d, pipeline.MaxQueueDelay)
}

// Config is what the stage decides with.
type Config struct {
	// DeliveryBucket holds the outputs; MastersBucket the masters to archive.
	DeliveryBucket, MastersBucket string
	// ArchiveStorageClass is the store's class masters move to once transcoded.
	ArchiveStorageClass string
	// MaxRetries bounds resubmissions: a job is tried at most 1+MaxRetries times.
	MaxRetries int
	// Naming is how the transcoder names poster and thumbnail images; the zero value is
	// pipeline.MediaConvertFrames.
	Naming pipeline.FrameNaming
	// VideoCodec is the codec the stack's ladder encodes with (pipeline.CodecH264 when
	// empty); with the renditions and the duration it sets the billed minutes recorded on a
	// ready asset.
	VideoCodec string
	// Billing is how the stack's transcoder bills a job of a plan lasting d, which a ready
	// asset records; nil is MediaConvert's single-pass job (pipeline.BilledMinutes). GCP sets
	// tcjob.BilledMinutes.
	Billing func(plan pipeline.Plan, d time.Duration) pipeline.Minutes
}

// Handler runs the stage. It is safe for concurrent use.
type Handler struct {
	cfg      Config
	catalog  pipeline.Catalog
	store    pipeline.ObjectStore
	queue    pipeline.DelayedQueue
	notifier pipeline.Notifier
	log      *slog.Logger
	// mirror is the edge copy outputs go to before the asset is ready; nil without one.
	mirror *Mirror
	// Now is the clock; tests replace it.
	Now func() time.Time
}

// New returns a Handler; queue is the transcode queue retries go to.
func New(cfg Config, catalog pipeline.Catalog, store pipeline.ObjectStore, queue pipeline.DelayedQueue, notifier pipeline.Notifier, log *slog.Logger) *Handler {
	return &Handler{cfg: cfg, catalog: catalog, store: store, queue: queue, notifier: notifier, log: log, Now: time.Now}
}

// Handle handles one job result. An error means the result must be delivered again.
func (h *Handler) Handle(ctx context.Context, res pipeline.JobResult) error {
	if res.AssetID == "" {
		h.log.WarnContext(ctx, "dropping a result of a job ottkit did not submit", "jobId", res.JobID)
		return nil
	}
	ctx = stagelog.WithAssetID(ctx, res.AssetID)
	a, err := h.catalog.Get(ctx, res.AssetID)
	if errors.Is(err, pipeline.ErrNotFound) {
		h.log.ErrorContext(ctx, "dropping a result for an unknown asset", "jobId", res.JobID)
		return nil
	}
	if err != nil {
		return err
	}
	if res.State.Final() && unrecorded(a, res) {
		// Transcode submits the job before it records it; dropping this result would strand
		// the asset in transcoding once the job is recorded, so it is delivered again until then.
		return fmt.Errorf("complete: job %s (attempt %d) of asset %s is not recorded yet (asset %s, job %q)", res.JobID, res.Attempt, a.ID, a.Status, a.JobID)
	}
	switch res.State {
	case pipeline.JobComplete:
		return h.completed(ctx, a, res)
	case pipeline.JobError:
		return h.errored(ctx, a, res)
	case pipeline.JobCanceled:
		return h.finishFailed(ctx, a, res.JobID, FailureCanceled, "the transcoding job was canceled")
	default:
		h.log.DebugContext(ctx, "job progress", "jobId", res.JobID, "jobState", res.State)
		return nil
	}
}

// unrecorded reports whether res is of the job transcode submitted for the asset's next
// attempt but has not recorded yet: the asset still waits for a job, and the job's attempt is
// the next one. A job that does not say its attempt can only be the first one.
func unrecorded(a *pipeline.Asset, res pipeline.JobResult) bool {
	if res.JobID == "" || res.JobID == a.JobID || (a.Status != pipeline.StatusQueued && a.Status != pipeline.StatusRetrying) {
		return false
	}
	if res.Attempt == 0 {
		return a.Status == pipeline.StatusQueued
	}
	return res.Attempt == a.Attempts+1
}

// stale reports (and logs) whether a result cannot move the asset: another job's, a
// duplicate, or one arriving after the asset moved on.
func (h *Handler) stale(ctx context.Context, a *pipeline.Asset, res pipeline.JobResult, next pipeline.Status) bool {
	probe := *a
	if probe.ApplyJobEvent(res.JobID, next, h.Now()) {
		return false
	}
	h.log.InfoContext(ctx, "job result changes nothing", "jobId", res.JobID, "jobState", res.State, "assetStatus", a.Status, "currentJobId", a.JobID)
	return true
}

func (h *Handler) completed(ctx context.Context, a *pipeline.Asset, res pipeline.JobResult) error {
	if h.stale(ctx, a, res, pipeline.StatusReady) {
		return nil
	}
	out, err := h.verifyOutputs(ctx, a, res)
	if err != nil {
		return err
	}
	if h.mirror != nil {
		st, err := h.mirrorOutputs(ctx, out.layout.Prefix, out.listed)
		if err != nil {
			return err
		}
		h.log.InfoContext(ctx, "outputs mirrored", "bucket", h.mirror.Bucket, "copied", st.copied, "bytes", st.bytes, "alreadyMirrored", st.skipped, "removed", st.removed)
	}
	if err := h.archive(ctx, a); err != nil {
		return err
	}
	from := a.Status
	a.ApplyJobEvent(res.JobID, pipeline.StatusReady, h.Now().UTC())
	a.HLS, a.DASH, a.Poster, a.Thumbnails = out.layout.HLS, out.layout.DASH, out.poster, out.thumbnails
	a.Renditions = out.renditions
	a.FailureCode, a.FailureMessage = "", ""
	if a.Probe != nil && out.duration > 0 {
		a.Probe.Duration, a.Probe.DurationSeconds = out.duration, out.duration.Seconds()
	}
	if d := out.duration; d > 0 {
		codec := h.cfg.VideoCodec
		if codec == "" {
			codec = pipeline.CodecH264
		}
		plan := pipeline.PlanOf(a, codec)
		var m pipeline.Minutes
		if h.cfg.Billing != nil {
			m = h.cfg.Billing(plan, d)
		} else {
			m = pipeline.BilledMinutes(plan, d, false)
		}
		a.BilledMinutes = &m
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
			h.log.InfoContext(ctx, "another delivery of the result finished the asset first")
			return nil
		}
		return err
	}
	h.log.InfoContext(ctx, "asset finished", "status", a.Status, "jobId", a.JobID, "failureCode", a.FailureCode)
	return nil
}

type outputs struct {
	layout pipeline.Layout
	// listed is every object under the layout's prefix, key → size: what the mirror copies.
	listed     map[string]int64
	poster     string
	thumbnails []string
	renditions []pipeline.Rendition
	duration   time.Duration
}

// verifyOutputs checks that every output the job should have written exists in the delivery
// bucket: the layout's manifests and poster, every thumbnail up to the last the job names,
// every output the job names, and every thumbnail listed under the prefix. A missing output is
// an error (the result is delivered again, then dead-lettered), never a ready asset that
// cannot play.
func (h *Handler) verifyOutputs(ctx context.Context, a *pipeline.Asset, res pipeline.JobResult) (outputs, error) {
	naming := h.cfg.Naming
	if naming == (pipeline.FrameNaming{}) {
		naming = pipeline.MediaConvertFrames
	}
	l := pipeline.LayoutWith(a.ID, naming)
	listed, err := h.store.List(ctx, h.cfg.DeliveryBucket, l.Prefix)
	if err != nil {
		return outputs{}, err
	}
	out := outputs{layout: l, listed: listed}
	expected := map[string]bool{l.HLS: true, l.DASH: true}
	lastThumb := 0
	for _, o := range res.Outputs {
		if o.Bucket != h.cfg.DeliveryBucket || !strings.HasPrefix(o.Key, l.Prefix) {
			return outputs{}, fmt.Errorf("complete: job %s wrote %s/%s outside %s/%s", res.JobID, o.Bucket, o.Key, h.cfg.DeliveryBucket, l.Prefix)
		}
		expected[o.Key] = true
		if n, ok := l.ThumbnailIndex(o.Key); ok {
			lastThumb = max(lastThumb, n)
		}
	}
	duration := res.Duration
	if duration == 0 && a.Probe != nil {
		duration = a.Probe.Duration
	}
	out.duration = duration
	out.poster = l.PosterKey(duration)
	expected[out.poster] = true
	for n := 0; n <= lastThumb; n++ {
		expected[l.ThumbnailKey(n)] = true
	}
	// Thumbnails beyond the job's last one (there should be none) are kept too.
	for key := range listed {
		if _, ok := l.ThumbnailIndex(key); ok {
			expected[key] = true
		}
	}
	var missing []string
	for key := range expected {
		if _, ok := listed[key]; !ok {
			missing = append(missing, key)
		}
		if _, ok := l.ThumbnailIndex(key); ok {
			out.thumbnails = append(out.thumbnails, key)
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return outputs{}, fmt.Errorf("complete: job %s reported complete but %d outputs are missing from %s: %s", res.JobID, len(missing), h.cfg.DeliveryBucket, strings.Join(missing, ", "))
	}
	sort.Strings(out.thumbnails)
	out.renditions = renditions(a.Renditions, res.Videos)
	return out, nil
}

// renditions returns the planned renditions with the sizes the job actually wrote, matched by
// order of size; without the job's video sizes the plan stands.
func renditions(planned, actual []pipeline.Rendition) []pipeline.Rendition {
	if len(actual) != len(planned) {
		return planned
	}
	actual = append([]pipeline.Rendition(nil), actual...)
	sort.Slice(actual, func(i, j int) bool {
		return actual[i].Width*actual[i].Height > actual[j].Width*actual[j].Height
	})
	out := make([]pipeline.Rendition, len(planned))
	for i, r := range planned {
		out[i] = pipeline.Rendition{Width: actual[i].Width, Height: actual[i].Height, MaxBitrate: r.MaxBitrate}
	}
	return out
}

// archive moves the master to the archive storage class with an in-place copy, unless it is
// there already (a redelivered result).
func (h *Handler) archive(ctx context.Context, a *pipeline.Asset) error {
	if a.Source.Bucket != h.cfg.MastersBucket {
		return fmt.Errorf("complete: master %s/%s is not in the masters bucket %s", a.Source.Bucket, a.Source.Key, h.cfg.MastersBucket)
	}
	info, err := h.store.Head(ctx, a.Source.Bucket, a.Source.Key)
	if err != nil {
		return err
	}
	if info.StorageClass == h.cfg.ArchiveStorageClass {
		return nil
	}
	return h.store.Copy(ctx, pipeline.CopyInput{
		SrcBucket: a.Source.Bucket, SrcKey: a.Source.Key, IfMatch: info.ETag,
		DstBucket: a.Source.Bucket, DstKey: a.Source.Key, StorageClass: h.cfg.ArchiveStorageClass,
	})
}

func (h *Handler) errored(ctx context.Context, a *pipeline.Asset, res pipeline.JobResult) error {
	if res.Retryable && a.Attempts <= h.cfg.MaxRetries {
		if a.Status == pipeline.StatusRetrying && a.JobID == res.JobID {
			// A redelivery after the move to retrying: the request may not have been sent.
			return h.requestRetry(ctx, a)
		}
		if h.stale(ctx, a, res, pipeline.StatusRetrying) {
			return nil
		}
		from := a.Status
		a.ApplyJobEvent(res.JobID, pipeline.StatusRetrying, h.Now().UTC())
		a.FailureCode, a.FailureMessage = res.ErrorCode, res.ErrorMessage
		if err := h.catalog.Update(ctx, from, a); err != nil {
			if errors.Is(err, pipeline.ErrConflict) {
				return nil
			}
			return err
		}
		return h.requestRetry(ctx, a)
	}
	return h.finishFailed(ctx, a, res.JobID, res.ErrorCode, res.ErrorMessage)
}

func (h *Handler) requestRetry(ctx context.Context, a *pipeline.Asset) error {
	// The attempt lets a DelayedQueue that names messages (Cloud Tasks) refuse the duplicate
	// a redelivered result sends.
	body, err := json.Marshal(pipeline.TranscodeRequest{AssetID: a.ID, Tenant: a.Tenant, Attempt: a.Attempts + 1})
	if err != nil {
		return fmt.Errorf("complete: encode the retry request of %s: %w", a.ID, err)
	}
	delay := RetryDelay(a.Attempts)
	if err := h.queue.SendDelayed(ctx, string(body), delay); err != nil {
		return err
	}
	h.log.WarnContext(ctx, "transcode will be retried", "attempt", a.Attempts+1, "delay", delay.String(), "failureCode", a.FailureCode, "failureMessage", a.FailureMessage)
	return nil
}

func (h *Handler) finishFailed(ctx context.Context, a *pipeline.Asset, jobID, code, message string) error {
	from := a.Status
	if !a.ApplyJobEvent(jobID, pipeline.StatusFailed, h.Now().UTC()) {
		h.log.InfoContext(ctx, "job result changes nothing", "jobId", jobID, "assetStatus", a.Status, "currentJobId", a.JobID)
		return nil
	}
	a.FailureCode, a.FailureMessage = code, message
	return h.publishAndStore(ctx, a, from)
}
