package ingest

import (
	"time"

	"github.com/ottkit/ottkit/functions/aws/envconfig"
	"github.com/ottkit/ottkit/functions/aws/s3store"
)

// Config is the ingest function's configuration; LoadConfig reads exactly the variables
// manifest.Ingest.Env lists.
type Config struct {
	IngestBucket      string        // INGEST_BUCKET
	MastersBucket     string        // MASTERS_BUCKET
	CatalogTable      string        // CATALOG_TABLE
	TranscodeQueueURL string        // TRANSCODE_QUEUE_URL
	MaxDuration       time.Duration // MAX_DURATION seconds, default 4 h
	MaxUploadBytes    int64         // MAX_UPLOAD_BYTES, default and ceiling 5 GiB (one CopyObject)
}

// LoadConfig reads the configuration through getenv and returns an error naming every missing
// or invalid variable.
func LoadConfig(getenv func(string) string) (Config, error) {
	r := envconfig.New(getenv)
	c := Config{
		IngestBucket:      r.String("INGEST_BUCKET"),
		MastersBucket:     r.String("MASTERS_BUCKET"),
		CatalogTable:      r.String("CATALOG_TABLE"),
		TranscodeQueueURL: r.String("TRANSCODE_QUEUE_URL"),
		MaxDuration:       r.Seconds("MAX_DURATION", 4*time.Hour, time.Second, 24*time.Hour),
		MaxUploadBytes:    r.Int("MAX_UPLOAD_BYTES", s3store.MaxCopySize, 1, s3store.MaxCopySize),
	}
	return c, r.Err()
}
