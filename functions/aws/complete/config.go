package complete

import (
	"errors"
	"fmt"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/ottkit/ottkit/functions/aws/envconfig"
	"github.com/ottkit/ottkit/functions/pipeline"
)

// ArchiveStorageClasses are the S3 storage classes a master may move to once transcoded.
var ArchiveStorageClasses = []string{"STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER_IR", "GLACIER", "DEEP_ARCHIVE"}

var r2Bucket = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$`)

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
	mirror := map[string]*string{
		"EDGE_MIRROR_BUCKET": &c.EdgeMirrorBucket, "EDGE_MIRROR_ENDPOINT": &c.EdgeMirrorEndpoint, "EDGE_MIRROR_SECRET_ARN": &c.EdgeMirrorSecretARN,
	}
	errs := []error{r.Err()}
	for _, name := range slices.Sorted(maps.Keys(mirror)) {
		*mirror[name] = strings.TrimSpace(getenv(name))
	}
	if c.EdgeMirrorBucket != "" || c.EdgeMirrorEndpoint != "" || c.EdgeMirrorSecretARN != "" {
		for _, name := range slices.Sorted(maps.Keys(mirror)) {
			if *mirror[name] == "" {
				errs = append(errs, fmt.Errorf("%s: required with an edge mirror (EDGE_MIRROR_BUCKET, EDGE_MIRROR_ENDPOINT and EDGE_MIRROR_SECRET_ARN are set together)", name))
			}
		}
		if u, err := url.Parse(c.EdgeMirrorEndpoint); c.EdgeMirrorEndpoint != "" && (err != nil || u.Scheme != "https" || u.Host == "" || (u.Path != "" && u.Path != "/")) {
			errs = append(errs, fmt.Errorf("EDGE_MIRROR_ENDPOINT: %q must be an https URL with no path, such as https://<account id>.r2.cloudflarestorage.com", c.EdgeMirrorEndpoint))
		}
		if c.EdgeMirrorBucket != "" && !r2Bucket.MatchString(c.EdgeMirrorBucket) {
			errs = append(errs, fmt.Errorf("EDGE_MIRROR_BUCKET: %q is not an R2 bucket name (3-63 lowercase letters, digits and hyphens)", c.EdgeMirrorBucket))
		}
		if !strings.HasPrefix(c.EdgeMirrorSecretARN, "arn:") && c.EdgeMirrorSecretARN != "" {
			errs = append(errs, fmt.Errorf("EDGE_MIRROR_SECRET_ARN: %q is not a Secrets Manager ARN", c.EdgeMirrorSecretARN))
		}
	}
	return c, errors.Join(errs...)
}
