package complete

import (
	"errors"
	"strings"

	"github.com/ottkit/ottkit/functions/aws/envconfig"
	"github.com/ottkit/ottkit/functions/aws/s3store"
	"github.com/ottkit/ottkit/functions/pipeline"
)

// ArchiveStorageClasses are the S3 storage classes a master may move to once transcoded.
var ArchiveStorageClasses = []string{"STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER_IR", "GLACIER", "DEEP_ARCHIVE"}

// Config is the complete function's configuration; LoadConfig reads exactly the variables
// manifest.Complete.Env lists.
type Config struct {
	CatalogTable        string // CATALOG_TABLE
	DeliveryBucket      string // DELIVERY_BUCKET
	MastersBucket       string // MASTERS_BUCKET
	NotifyTopicARN      string // NOTIFY_TOPIC_ARN
	TranscodeQueueURL   string // TRANSCODE_QUEUE_URL
	ArchiveStorageClass string // ARCHIVE_STORAGE_CLASS, default GLACIER_IR
	MaxRetries          int    // MAX_RETRIES, default 2: a job is tried at most 1+MaxRetries times
	VideoCodec          string // VIDEO_CODEC, h264 (default) or hevc: the tier the billed minutes are at

	// The edge mirror (manifest.CompleteMirror): all three, or none for a stack without one.
	EdgeMirrorBucket    string // EDGE_MIRROR_BUCKET, the R2 bucket
	EdgeMirrorEndpoint  string // EDGE_MIRROR_ENDPOINT, https://<account id>.r2.cloudflarestorage.com
	EdgeMirrorSecretARN string // EDGE_MIRROR_SECRET_ARN, the R2 token's S3 credentials
}

// HasMirror reports whether the configuration names an edge mirror.
func (c Config) HasMirror() bool { return c.EdgeMirrorBucket != "" }

// LoadConfig reads the configuration through getenv and returns an error naming every missing
// or invalid variable.
func LoadConfig(getenv func(string) string) (Config, error) {
	r := envconfig.New(getenv)
	c := Config{
		CatalogTable:        r.String("CATALOG_TABLE"),
		DeliveryBucket:      r.String("DELIVERY_BUCKET"),
		MastersBucket:       r.String("MASTERS_BUCKET"),
		NotifyTopicARN:      r.String("NOTIFY_TOPIC_ARN"),
		TranscodeQueueURL:   r.String("TRANSCODE_QUEUE_URL"),
		ArchiveStorageClass: r.OneOf("ARCHIVE_STORAGE_CLASS", "GLACIER_IR", ArchiveStorageClasses...),
		MaxRetries:          int(r.Int("MAX_RETRIES", 2, 0, 10)),
		VideoCodec:          r.OneOf("VIDEO_CODEC", pipeline.CodecH264, pipeline.CodecH264, pipeline.CodecHEVC),
	}
	m, err := s3store.ReadR2Mirror(getenv, "EDGE_MIRROR_SECRET_ARN", func(v string) string {
		if !strings.HasPrefix(v, "arn:") {
			return "is not a Secrets Manager ARN"
		}
		return ""
	})
	c.EdgeMirrorBucket, c.EdgeMirrorEndpoint, c.EdgeMirrorSecretARN = m.Bucket, m.Endpoint, m.Secret
	return c, errors.Join(r.Err(), err)
}
