package pipeline

import (
	"crypto/sha256"
	"encoding/base32"
	"encoding/binary"
	"time"
)

// Asset is one uploaded video and everything the pipeline learned and produced for it. It is
// the catalog item: json and dynamodbav tags name the same attributes, so the API's JSON and
// the DynamoDB item agree. Optional parts are omitted when empty.
type Asset struct {
	// ID is AssetID(Source.Bucket, Source.Key, Source.VersionID).
	ID string `json:"assetId" dynamodbav:"assetId"`
	// Tenant owns the asset; uploads/<tenant>/... in the ingest bucket.
	Tenant string `json:"tenant" dynamodbav:"tenant"`
	// Source is the uploaded object the asset was made from.
	Source Object `json:"source" dynamodbav:"source"`
	// Status is where the asset is in the pipeline.
	Status Status `json:"status" dynamodbav:"status"`
	// Probe summarises the source's streams once it has been probed.
	Probe *ProbeSummary `json:"probe,omitempty" dynamodbav:"probe,omitempty"`
	// Renditions are the video outputs planned for (queued onwards) or produced (ready).
	Renditions []Rendition `json:"renditions,omitempty" dynamodbav:"renditions,omitempty"`
	// HLS is the key of the HLS multivariant playlist in the delivery bucket.
	HLS string `json:"hls,omitempty" dynamodbav:"hls,omitempty"`
	// DASH is the key of the DASH manifest in the delivery bucket.
	DASH string `json:"dash,omitempty" dynamodbav:"dash,omitempty"`
	// Poster is the key of the poster image in the delivery bucket.
	Poster string `json:"poster,omitempty" dynamodbav:"poster,omitempty"`
	// Thumbnails are the keys of the thumbnail images in the delivery bucket, in time order.
	Thumbnails []string `json:"thumbnails,omitempty" dynamodbav:"thumbnails,omitempty"`
	// JobID is the transcoding job of the current attempt. Job events for any other id are
	// stale and must be ignored (see ApplyJobEvent).
	JobID string `json:"jobId,omitempty" dynamodbav:"jobId,omitempty"`
	// Attempts counts the transcoding jobs submitted for the asset.
	Attempts int `json:"attempts,omitempty" dynamodbav:"attempts,omitempty"`
	// PendingAttempt is the attempt (Attempts+1) the transcode stage recorded just before
	// submitting its job, so that a redelivered request, however late, looks the job up
	// instead of submitting a second one. It equals Attempts once the job is recorded.
	PendingAttempt int `json:"pendingAttempt,omitempty" dynamodbav:"pendingAttempt,omitempty"`
	// BilledMinutes is what the transcode of the current plan bills, in MediaConvert output
	// minutes by tier and resolution class (see BilledMinutes).
	BilledMinutes *Minutes `json:"billedMinutes,omitempty" dynamodbav:"billedMinutes,omitempty"`
	// FailureCode is machine readable: a Reason for rejected assets, the transcoder's error
	// code for failed ones.
	FailureCode string `json:"failureCode,omitempty" dynamodbav:"failureCode,omitempty"`
	// FailureMessage is the human-readable detail that goes with FailureCode.
	FailureMessage string `json:"failureMessage,omitempty" dynamodbav:"failureMessage,omitempty"`
	// CreatedAt is when the upload was first seen.
	CreatedAt time.Time `json:"createdAt" dynamodbav:"createdAt"`
	// UpdatedAt is when the asset last changed.
	UpdatedAt time.Time `json:"updatedAt" dynamodbav:"updatedAt"`
}

// Object identifies one version of a stored object and what the store told us about it.
type Object struct {
	Bucket    string `json:"bucket" dynamodbav:"bucket"`
	Key       string `json:"key" dynamodbav:"key"`
	VersionID string `json:"versionId,omitempty" dynamodbav:"versionId,omitempty"`
	Size      int64  `json:"size" dynamodbav:"size"`
	ETag      string `json:"etag,omitempty" dynamodbav:"etag,omitempty"`
}

// ProbeSummary is what the catalog keeps of a probe: enough to show the asset and to explain
// its ladder, not the raw stream data.
type ProbeSummary struct {
	// Container is the probe's container name (mp4, mov, mpegts, mkv, ...).
	Container string `json:"container,omitempty" dynamodbav:"container,omitempty"`
	// Duration is in Go's nanoseconds in memory and in both encodings, so arithmetic on
	// stored items needs no unit conversion; DurationSeconds is there for people.
	Duration        time.Duration `json:"duration" dynamodbav:"duration"`
	DurationSeconds float64       `json:"durationSeconds" dynamodbav:"durationSeconds"`
	// Width and Height are the picture size of the video track, as stored (cropping applied).
	Width  int `json:"width" dynamodbav:"width"`
	Height int `json:"height" dynamodbav:"height"`
	// DisplayWidth and DisplayHeight are the size shown once the pixel aspect ratio is
	// applied (anamorphic 720x576 PAL 16:9 shows 1024x576), before rotation; omitted when the
	// pixels are square.
	DisplayWidth  int `json:"displayWidth,omitempty" dynamodbav:"displayWidth,omitempty"`
	DisplayHeight int `json:"displayHeight,omitempty" dynamodbav:"displayHeight,omitempty"`
	// HDR is "hdr10", "hlg" or empty for SDR; BitDepth the luma bit depth when known.
	HDR      string `json:"hdr,omitempty" dynamodbav:"hdr,omitempty"`
	BitDepth int    `json:"bitDepth,omitempty" dynamodbav:"bitDepth,omitempty"`
	// Interlaced reports a source coded as fields; its outputs are deinterlaced.
	Interlaced bool `json:"interlaced,omitempty" dynamodbav:"interlaced,omitempty"`
	// Rotation is the display rotation in degrees clockwise: 0, 90, 180 or 270.
	Rotation    int     `json:"rotation,omitempty" dynamodbav:"rotation,omitempty"`
	Codec       string  `json:"codec" dynamodbav:"codec"`
	FrameRate   float64 `json:"frameRate,omitempty" dynamodbav:"frameRate,omitempty"`
	AudioTracks int     `json:"audioTracks" dynamodbav:"audioTracks"`
	// Audio describes each audio track, in file order.
	Audio    []AudioTrack `json:"audio,omitempty" dynamodbav:"audio,omitempty"`
	Captions []Caption    `json:"captions,omitempty" dynamodbav:"captions,omitempty"`
}

// AudioTrack is one audio track found in the source.
type AudioTrack struct {
	Codec string `json:"codec,omitempty" dynamodbav:"codec,omitempty"`
	// Channels is the channel count (6 for 5.1), 0 when the container does not say.
	Channels int    `json:"channels,omitempty" dynamodbav:"channels,omitempty"`
	Language string `json:"language,omitempty" dynamodbav:"language,omitempty"`
}

// Caption is one caption or subtitle track found in the source.
type Caption struct {
	Codec    string `json:"codec" dynamodbav:"codec"`
	Language string `json:"language,omitempty" dynamodbav:"language,omitempty"`
	// Track is the zero-based index of the track among all the source's tracks, as the probe
	// numbers them (probe.CaptionTrack.Track): what the Transcoder API's text mapping needs.
	// 0 is a valid index, so it is always encoded.
	Track int `json:"track" dynamodbav:"track"`
}

// Rendition is one video output of the ladder. Width and Height are the output's display
// size; MaxBitrate is the encoder's peak in bits per second.
type Rendition struct {
	Width      int `json:"width" dynamodbav:"width"`
	Height     int `json:"height" dynamodbav:"height"`
	MaxBitrate int `json:"maxBitrate" dynamodbav:"maxBitrate"`
}

// idEncoding is lower-case base32 without padding: safe in S3 keys, URLs, cookie paths and
// DynamoDB keys, and case-insensitive file systems cannot merge two ids.
var idEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// AssetID derives the asset id from the uploaded object's bucket, key and version id. It is the
// first 20 bytes of the SHA-256 of the three fields, each preceded by its length as a big-endian
// uint64 (so "a"+"bc" and "ab"+"c" differ), in lower-case unpadded base32: 32 characters.
//
// The id must never change between releases: it is how a duplicate upload event finds the asset
// the first one created, and it is baked into delivery paths and viewers' links.
func AssetID(bucket, key, versionID string) string {
	h := sha256.New()
	var n [8]byte
	for _, field := range [...]string{bucket, key, versionID} {
		binary.BigEndian.PutUint64(n[:], uint64(len(field)))
		h.Write(n[:])
		h.Write([]byte(field))
	}
	sum := h.Sum(nil)
	return idEncoding.EncodeToString(sum[:20])
}

// Progress orders an asset's states along its life: Attempts*10 plus the status's phase,
// where the phase is the state machine's Rank with retrying placed after transcoding (its
// attempt has ended) and the final statuses after both. Every move CanMoveTo allows increases
// it, including transcoding → retrying (same attempt, later phase) and retrying → transcoding
// (next attempt), which Rank alone does not order. A Catalog refuses an Update whose asset's
// Progress is below the stored one's, so even a writer holding a stale copy cannot move an
// asset backwards.
func (a *Asset) Progress() int {
	phase := a.Status.Rank()
	switch {
	case a.Status == StatusRetrying:
		phase = 3
	case a.Status.Final():
		phase = 4
	}
	return a.Attempts*10 + phase
}

// IndexKey is the value of the catalog's byTenant index range key (manifest.CatalogIndexRangeKey):
// "<status>#<creation time, RFC 3339 UTC, fixed millisecond precision>", so a tenant's assets
// list by status, oldest first. The fixed width keeps string order equal to time order, which
// RFC3339Nano's trimmed fractions would break.
func (a *Asset) IndexKey() string {
	return string(a.Status) + "#" + a.CreatedAt.UTC().Format(indexTimeLayout)
}

const indexTimeLayout = "2006-01-02T15:04:05.000Z07:00"
