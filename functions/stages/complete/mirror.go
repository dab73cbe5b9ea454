package complete

import (
	"context"
	"errors"
	"fmt"
	"path"
	"sort"
	"strings"
	"sync"

	"github.com/ottkit/ottkit/functions/pipeline"
)

// MirrorStore is the edge store verified outputs are copied to (R2, through its S3 API): it
// lists, writes from a stream and deletes.
type MirrorStore interface {
	List(ctx context.Context, bucket, prefix string) (map[string]int64, error)
	Delete(ctx context.Context, bucket, key string) error
	pipeline.ObjectWriter
}

// Mirror is an edge copy of the delivery bucket's asset prefixes: the R2 bucket a Cloudflare
// Worker serves /assets/<id>/… from.
type Mirror struct {
	// Source streams objects out of the delivery bucket.
	Source pipeline.ObjectGetter
	// Store and Bucket are the mirror.
	Store  MirrorStore
	Bucket string
	// Concurrency is how many objects are copied at once; 0 means DefaultMirrorConcurrency.
	Concurrency int
}

// DefaultMirrorConcurrency is how many objects the stage copies to the mirror at once: enough
// to hide the per-request latency of small segments, few enough that a 128 MB function holds
// every copy's buffers (each copy streams; nothing is held whole).
const DefaultMirrorConcurrency = 8

// MaxMirrorObjectSize is the largest object one PUT can write to R2: 5 MiB less than 5 GiB. A
// larger output fails the mirror with its key named (the result is retried, then
// dead-lettered); HLS and DASH outputs are segments far below it.
const MaxMirrorObjectSize = 5<<30 - 5<<20

// MetadataSourceETag is the user metadata key of a mirrored object that records the ETag of
// the delivery object it was copied from.
const MetadataSourceETag = "ottkit-source-etag"

// MirrorTo makes the stage copy every verified output of an asset to m before the asset is
// announced ready. It fails when m is incomplete.
func (h *Handler) MirrorTo(m Mirror) error {
	switch {
	case m.Source == nil:
		return errors.New("complete: mirror: Source is required")
	case m.Store == nil:
		return errors.New("complete: mirror: Store is required")
	case m.Bucket == "":
		return errors.New("complete: mirror: Bucket is required")
	case m.Concurrency < 0:
		return fmt.Errorf("complete: mirror: Concurrency %d is negative", m.Concurrency)
	}
	if m.Concurrency == 0 {
		m.Concurrency = DefaultMirrorConcurrency
	}
	h.mirror = &m
	return nil
}

// mirrorStats says what one mirroring did.
type mirrorStats struct {
	copied, skipped, removed int
	bytes                    int64
}

// mirrorOutputs makes the mirror's copy of prefix exactly listed (the delivery bucket's
// objects under it, key → size): it copies what the mirror lacks or holds at another size,
// then removes what the delivery bucket does not hold. An object already in the mirror at its
// size is not copied again: a mirrored object only appears once its PUT completed and was
// verified, and the outputs under an asset's prefix are those of the one job the asset
// finishes with (results of other jobs never reach the mirror), so a redelivered result
// resumes where the last delivery stopped instead of paying for the copies again.
func (h *Handler) mirrorOutputs(ctx context.Context, prefix string, listed map[string]int64) (mirrorStats, error) {
	m := h.mirror
	have, err := m.Store.List(ctx, m.Bucket, prefix)
	if err != nil {
		return mirrorStats{}, fmt.Errorf("complete: list the mirror %s/%s: %w", m.Bucket, prefix, err)
	}
	var st mirrorStats
	var todo []string
	for key, size := range listed {
		if size > MaxMirrorObjectSize {
			return mirrorStats{}, fmt.Errorf("complete: mirror: %s is %d bytes, over the %d bytes one PUT can write", key, size, int64(MaxMirrorObjectSize))
		}
		if got, ok := have[key]; ok && got == size {
			st.skipped++
			continue
		}
		todo = append(todo, key)
	}
	sort.Strings(todo)

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	keys := make(chan string)
	var (
		mu   sync.Mutex
		errs []error
		wg   sync.WaitGroup
	)
	for range min(m.Concurrency, len(todo)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for key := range keys {
				n, err := h.mirrorOne(ctx, key)
				mu.Lock()
				if err != nil {
					errs = append(errs, err)
					cancel() // the delivery fails anyway; stop paying for copies
				} else {
					st.copied++
					st.bytes += n
				}
				mu.Unlock()
			}
		}()
	}
feed:
	for _, key := range todo {
		select {
		case keys <- key:
		case <-ctx.Done():
			break feed
		}
	}
	close(keys)
	wg.Wait()
	if len(errs) > 0 {
		return st, fmt.Errorf("complete: mirror %d of %d outputs of %s to %s failed (%d copied, kept for the next delivery): %w", len(errs), len(todo), prefix, m.Bucket, st.copied, errors.Join(errs...))
	}
	if err := ctx.Err(); err != nil {
		return st, fmt.Errorf("complete: mirror %s to %s: %w", prefix, m.Bucket, err)
	}
	var stale []string
	for key := range have {
		if _, ok := listed[key]; !ok {
			stale = append(stale, key)
		}
	}
	sort.Strings(stale)
	for _, key := range stale {
		if err := m.Store.Delete(ctx, m.Bucket, key); err != nil {
			return st, fmt.Errorf("complete: remove %s/%s, which the delivery bucket does not hold: %w", m.Bucket, key, err)
		}
		st.removed++
	}
	return st, nil
}

// mirrorOne streams one delivery object into the mirror and returns its size.
func (h *Handler) mirrorOne(ctx context.Context, key string) (int64, error) {
	m := h.mirror
	body, info, err := m.Source.Get(ctx, h.cfg.DeliveryBucket, key)
	if err != nil {
		return 0, fmt.Errorf("complete: read %s/%s for the mirror: %w", h.cfg.DeliveryBucket, key, err)
	}
	defer body.Close()
	meta := map[string]string{}
	if info.ETag != "" {
		meta[MetadataSourceETag] = info.ETag
	}
	_, err = m.Store.PutStream(ctx, pipeline.PutInput{
		Bucket: m.Bucket, Key: key, Body: body, Size: info.Size,
		ContentType: MirrorContentType(key, info.ContentType), CacheControl: MirrorCacheControl(key),
		Metadata: meta,
	})
	if err != nil {
		return 0, fmt.Errorf("complete: copy %s/%s to the mirror %s: %w", h.cfg.DeliveryBucket, key, m.Bucket, err)
	}
	return info.Size, nil
}

// mirrorContentTypes are the media types players depend on, by extension: the edge Worker's
// table (functions/edge/cloudflare/worker.js, which a test there compares), plus the
// Transcoder API's .jpeg sprites.
var mirrorContentTypes = map[string]string{
	"m3u8": "application/vnd.apple.mpegurl",
	"mpd":  "application/dash+xml",
	"m4s":  "video/iso.segment",
	"mp4":  "video/mp4",
	"m4a":  "audio/mp4",
	"m4v":  "video/mp4",
	"ts":   "video/mp2t",
	"aac":  "audio/aac",
	"vtt":  "text/vtt",
	"jpg":  "image/jpeg",
	"jpeg": "image/jpeg",
	"png":  "image/png",
	"json": "application/json",
}

// MirrorContentType is the Content-Type a mirrored object is stored with: by its extension
// when it is a media type players depend on, else what the delivery bucket recorded, else
// application/octet-stream.
func MirrorContentType(key, stored string) string {
	if t, ok := mirrorContentTypes[strings.ToLower(strings.TrimPrefix(path.Ext(key), "."))]; ok {
		return t
	}
	if stored != "" {
		return stored
	}
	return "application/octet-stream"
}

// MirrorCacheControl is the Cache-Control a mirrored object is stored with, the one the edge
// Worker answers with: manifests for a minute (a player re-reads them), everything else for a
// day and immutable (segments and images never change under a name); private, because every
// byte is behind a per-viewer token.
func MirrorCacheControl(key string) string {
	switch strings.ToLower(path.Ext(key)) {
	case ".m3u8", ".mpd":
		return "private, max-age=60"
	}
	return "private, max-age=86400, immutable"
}
