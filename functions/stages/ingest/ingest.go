// Package ingest is the ingest stage. For each object created under
// uploads/<tenant>/<upload id>/<file name> in the ingest bucket it probes the upload with
// ranged reads (it never downloads it), judges it, and then either
//
//   - rejects it: copies it to quarantine/<tenant>/<upload id>/<file name> with the reason in
//     the object's metadata, records the rejection in the catalog and deletes the original (a
//     move: nothing is lost); or
//   - accepts it: copies it to the masters bucket, sends the transcode request and creates the
//     catalog item (conditionally: a duplicate event changes nothing).
//
// A broken file is a verdict, never a crash or an endless retry. A failing store, catalog or
// queue call is the opposite: Handle returns the error so the event is delivered again, and
// after the queue's bounded number of attempts it goes to the dead-letter queue.
//
// The transcode request goes out before the catalog item exists: if the function dies between
// the two, the event's redelivery finds no item and does both again, and transcode retries a
// request until its item appears. Once the item exists a redelivered event is a no-op.
package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/ottkit/ottkit/functions/pipeline"
	"github.com/ottkit/ottkit/functions/pipeline/probe"
	"github.com/ottkit/ottkit/functions/stages/stagelog"
)

// Reasons ingest adds to pipeline's.
const (
	// ReasonInvalidKey: the object is under uploads/ but not at uploads/<tenant>/<id>/<name>,
	// so it did not come through the API.
	ReasonInvalidKey pipeline.Reason = "invalid-key"
	// ReasonExtension: the content is a video but the file name's extension is not one of
	// VideoExtensions.
	ReasonExtension pipeline.Reason = "unsupported-extension"
)

// Metadata keys set on quarantined objects (S3 stores them as x-amz-meta-ottkit-*, GCS as
// x-goog-meta-ottkit-*).
const (
	MetaReason  = "ottkit-reason"
	MetaDetail  = "ottkit-detail"
	MetaAssetID = "ottkit-asset-id"
)

// VideoExtensions are the file name extensions ingest accepts, compared case-insensitively.
// The extension is never the only check: the content is probed whatever the name says.
var VideoExtensions = []string{".mp4", ".m4v", ".mov", ".mkv", ".webm", ".ts", ".m2ts", ".mts", ".mxf"}

// AcceptedCodecs are the video codecs (as the probe names them) every transcoder ottkit drives
// can decode; MediaConvert's input list is the narrowest.
var AcceptedCodecs = []string{"h264", "hevc", "av1", "vp8", "vp9", "prores", "mpeg2", "mpeg4"}

// Config is what the stage decides with.
type Config struct {
	// IngestBucket is where uploads land; events of other buckets are ignored.
	IngestBucket string
	// MastersBucket receives accepted uploads.
	MastersBucket string
	// MaxDuration and MaxUploadBytes bound what is accepted; 0 is no bound.
	MaxDuration    time.Duration
	MaxUploadBytes int64
	// MaxCopyBytes is the largest object the store copies in one call (S3: 5 GiB); a larger
	// rejected upload is recorded in place instead of moved to quarantine. 0 is no limit.
	MaxCopyBytes int64
}

// Handler runs the stage. It is safe for concurrent use.
type Handler struct {
	cfg     Config
	store   pipeline.ObjectStore
	catalog pipeline.Catalog
	queue   pipeline.Queue
	log     *slog.Logger
	// Now is the clock; tests replace it.
	Now func() time.Time
}

// New returns a Handler.
func New(cfg Config, store pipeline.ObjectStore, catalog pipeline.Catalog, queue pipeline.Queue, log *slog.Logger) *Handler {
	return &Handler{cfg: cfg, store: store, catalog: catalog, queue: queue, log: log, Now: time.Now}
}

// upload is an object under UploadPrefix, with its key split into its parts.
type upload struct {
	bucket, key, version string
	tenant, filename     string // "" when the key is not uploads/<tenant>/<id>/<name>
}

func parseKey(key string) (tenant, filename string, ok bool) {
	parts := strings.Split(strings.TrimPrefix(key, pipeline.UploadPrefix), "/")
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
		return "", "", false
	}
	return parts[0], parts[2], true
}

// Handle handles one object-created event. An error means the event must be delivered again.
func (h *Handler) Handle(ctx context.Context, ev pipeline.ObjectCreated) error {
	if ev.Bucket != h.cfg.IngestBucket || !strings.HasPrefix(ev.Key, pipeline.UploadPrefix) {
		// Quarantine copies raise events too; only uploads are ingested.
		h.log.InfoContext(ctx, "ignoring an object outside the upload prefix", "bucket", ev.Bucket, "key", ev.Key)
		return nil
	}
	up := upload{bucket: ev.Bucket, key: ev.Key, version: ev.Version}
	id := pipeline.AssetID(up.bucket, up.key, up.version)
	ctx = stagelog.WithAssetID(ctx, id)

	existing, err := h.catalog.Get(ctx, id)
	switch {
	case err == nil && existing.Status == pipeline.StatusRejected && existing.Source.Key != up.key:
		return h.finishMove(ctx, up, existing)
	case err == nil:
		h.log.InfoContext(ctx, "duplicate upload event ignored", "status", existing.Status)
		return nil
	case !errors.Is(err, pipeline.ErrNotFound):
		return err
	}

	info, err := h.head(ctx, &up)
	if errors.Is(err, pipeline.ErrObjectNotFound) {
		h.log.WarnContext(ctx, "the uploaded object no longer exists", "key", ev.Key)
		return nil
	}
	if err != nil {
		return err
	}
	if ev.ETag != "" && info.ETag != ev.ETag {
		// The key now holds a newer object whose own event will come (or came); probing it
		// under this event's asset id would mix two uploads.
		h.log.WarnContext(ctx, "dropping an event for an object since overwritten", "key", up.key, "eventETag", ev.ETag, "currentETag", info.ETag)
		return nil
	}
	up.tenant, up.filename, _ = parseKey(up.key)
	verdict, summary, err := h.judge(ctx, up, info)
	if err != nil {
		return err
	}
	if !verdict.Accepted {
		return h.reject(ctx, id, up, info, verdict)
	}
	return h.accept(ctx, id, up, info, summary)
}

// finishMove completes a quarantine move that may have stopped before its delete. Without
// bucket versioning an overwrite of the key keeps the asset id, so only the object that was
// quarantined (the same ETag) is deleted; another one is left in place, never lost unseen.
func (h *Handler) finishMove(ctx context.Context, up upload, rejected *pipeline.Asset) error {
	info, err := h.store.Head(ctx, up.bucket, up.key)
	if errors.Is(err, pipeline.ErrObjectNotFound) {
		h.log.InfoContext(ctx, "duplicate upload event ignored", "status", rejected.Status)
		return nil
	}
	if err != nil {
		return err
	}
	if rejected.Source.ETag == "" || info.ETag != rejected.Source.ETag {
		h.log.WarnContext(ctx, "the key of a rejected upload holds another object; left in place", "key", up.key, "etag", info.ETag, "rejectedETag", rejected.Source.ETag)
		return nil
	}
	return h.store.Delete(ctx, up.bucket, up.key)
}

// head finds the object. Some event sources URL-encode keys (S3 event notifications do,
// EventBridge's are documented raw), so the raw key is tried first and the decoded one only
// if it is missing.
func (h *Handler) head(ctx context.Context, up *upload) (pipeline.ObjectInfo, error) {
	info, err := h.store.Head(ctx, up.bucket, up.key)
	if !errors.Is(err, pipeline.ErrObjectNotFound) || !strings.ContainsAny(up.key, "%+") {
		return info, err
	}
	decoded, derr := url.QueryUnescape(up.key)
	if derr != nil || decoded == up.key {
		return info, err
	}
	info, err = h.store.Head(ctx, up.bucket, decoded)
	if err == nil {
		up.key = decoded
	}
	return info, err
}

// judge probes the object and decides. Its error is an I/O failure to retry, never a verdict.
func (h *Handler) judge(ctx context.Context, up upload, info pipeline.ObjectInfo) (pipeline.Verdict, pipeline.ProbeSummary, error) {
	if up.tenant == "" {
		return pipeline.Verdict{Reason: ReasonInvalidKey, Detail: "the key is not " + pipeline.UploadPrefix + "<tenant>/<upload id>/<file name>"}, pipeline.ProbeSummary{}, nil
	}
	src, err := h.store.Open(ctx, up.bucket, up.key, info)
	if err != nil {
		return pipeline.Verdict{}, pipeline.ProbeSummary{}, err
	}
	var pinfo *probe.Info
	var perr error
	if info.Size > 0 && (h.cfg.MaxUploadBytes <= 0 || info.Size <= h.cfg.MaxUploadBytes) {
		pinfo, perr = probe.Probe(ctx, src, probe.Limits{})
	}
	if readErr := src.Err(); readErr != nil {
		return pipeline.Verdict{}, pipeline.ProbeSummary{}, fmt.Errorf("ingest: reading %s/%s: %w", up.bucket, up.key, readErr)
	}
	if perr != nil && !pipeline.IsContentError(perr) {
		return pipeline.Verdict{}, pipeline.ProbeSummary{}, fmt.Errorf("ingest: probing %s/%s: %w", up.bucket, up.key, perr)
	}
	v := pipeline.Judge(pinfo, perr, info.Size, pipeline.Rules{MaxDuration: h.cfg.MaxDuration, MaxBytes: h.cfg.MaxUploadBytes, Codecs: AcceptedCodecs})
	if !v.Accepted {
		return v, pipeline.ProbeSummary{}, nil
	}
	ext := strings.ToLower(path.Ext(up.filename))
	if !contains(VideoExtensions, ext) {
		return pipeline.Verdict{Reason: ReasonExtension, Detail: fmt.Sprintf("the file is %s video but its name ends in %q, not one of %s", pinfo.Container, ext, strings.Join(VideoExtensions, " "))}, pipeline.ProbeSummary{}, nil
	}
	h.log.InfoContext(ctx, "upload probed", "container", pinfo.Container, "bytesRead", src.Stats().BytesRead, "requests", src.Stats().Requests, "size", info.Size)
	return v, pipeline.Summarize(pinfo), nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// reject moves the upload to quarantine and records why. An object too large for one copy
// (Config.MaxCopyBytes) is rejected in place instead: it stays under uploads/ until the ingest
// bucket's expiry rule removes it.
func (h *Handler) reject(ctx context.Context, id string, up upload, info pipeline.ObjectInfo, v pipeline.Verdict) error {
	if h.cfg.MaxCopyBytes > 0 && info.Size > h.cfg.MaxCopyBytes {
		return h.record(ctx, id, up, up.key, info, v)
	}
	qkey := pipeline.QuarantinePrefix + strings.TrimPrefix(up.key, pipeline.UploadPrefix)
	meta := map[string]string{}
	for k, val := range info.Metadata {
		meta[k] = val
	}
	meta[MetaReason] = string(v.Reason)
	meta[MetaDetail] = metadataValue(v.Detail)
	meta[MetaAssetID] = id
	err := h.store.Copy(ctx, pipeline.CopyInput{
		SrcBucket: up.bucket, SrcKey: up.key, IfMatch: info.ETag,
		DstBucket: up.bucket, DstKey: qkey, Metadata: meta, ContentType: info.ContentType,
	})
	if err != nil {
		return err
	}
	if err := h.record(ctx, id, up, qkey, info, v); err != nil {
		return err
	}
	return h.store.Delete(ctx, up.bucket, up.key)
}

// record creates the rejected asset, whose source is where the upload now lies.
func (h *Handler) record(ctx context.Context, id string, up upload, key string, info pipeline.ObjectInfo, v pipeline.Verdict) error {
	now := h.Now().UTC()
	a := &pipeline.Asset{
		ID: id, Tenant: up.tenant, Status: pipeline.StatusRejected,
		Source:      pipeline.Object{Bucket: up.bucket, Key: key, VersionID: up.version, Size: info.Size, ETag: info.ETag},
		FailureCode: string(v.Reason), FailureMessage: v.Detail,
		CreatedAt: now, UpdatedAt: now,
	}
	if err := h.catalog.Create(ctx, a); err != nil && !errors.Is(err, pipeline.ErrExists) {
		return err
	}
	h.log.WarnContext(ctx, "upload rejected", "reason", v.Reason, "detail", v.Detail, "source", key)
	return nil
}

// accept copies the upload to the masters bucket, asks for its transcode and creates it.
func (h *Handler) accept(ctx context.Context, id string, up upload, info pipeline.ObjectInfo, summary pipeline.ProbeSummary) error {
	masterKey := id + "/" + up.filename
	err := h.store.Copy(ctx, pipeline.CopyInput{
		SrcBucket: up.bucket, SrcKey: up.key, IfMatch: info.ETag,
		DstBucket: h.cfg.MastersBucket, DstKey: masterKey,
	})
	if err != nil {
		return err
	}
	req, _ := json.Marshal(pipeline.TranscodeRequest{AssetID: id, Tenant: up.tenant})
	if err := h.queue.Send(ctx, string(req)); err != nil {
		return err
	}
	now := h.Now().UTC()
	a := &pipeline.Asset{
		ID: id, Tenant: up.tenant, Status: pipeline.StatusQueued, Probe: &summary,
		Source:    pipeline.Object{Bucket: h.cfg.MastersBucket, Key: masterKey, Size: info.Size},
		CreatedAt: now, UpdatedAt: now,
	}
	if err := h.catalog.Create(ctx, a); err != nil {
		if errors.Is(err, pipeline.ErrExists) {
			h.log.InfoContext(ctx, "a concurrent delivery created the asset first")
			return nil
		}
		return err
	}
	h.log.InfoContext(ctx, "upload accepted", "tenant", up.tenant, "master", masterKey, "container", summary.Container,
		"width", summary.Width, "height", summary.Height, "duration", summary.Duration.String())
	return nil
}

// metadataValue keeps a value every store accepts in user metadata: printable ASCII, at most
// 512 bytes (S3's header rules are the strictest).
func metadataValue(s string) string {
	var b strings.Builder
	for _, r := range s {
		if b.Len() >= 512 {
			break
		}
		if r >= 0x20 && r < 0x7f {
			b.WriteRune(r)
		} else {
			b.WriteByte('?')
		}
	}
	return b.String()
}
