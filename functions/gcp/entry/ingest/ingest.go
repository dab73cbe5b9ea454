// Package ingest wires the ingest function on GCP; see package entry.
package ingest

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/ottkit/ottkit/functions/aws/envconfig"
	"github.com/ottkit/ottkit/functions/gcp/entry"
	"github.com/ottkit/ottkit/functions/gcp/firestorecat"
	"github.com/ottkit/ottkit/functions/gcp/gcsstore"
	"github.com/ottkit/ottkit/functions/gcp/pubsubq"
	"github.com/ottkit/ottkit/functions/gcp/push"
	"github.com/ottkit/ottkit/functions/gcp/runmain"
	stage "github.com/ottkit/ottkit/functions/stages/ingest"
)

// Config is the ingest function's configuration (manifest.Ingest.Env).
type Config struct {
	Project, Database           string        // GCP_PROJECT, FIRESTORE_DATABASE
	IngestBucket, MastersBucket string        // INGEST_BUCKET, MASTERS_BUCKET
	TranscodeTopic              string        // TRANSCODE_TOPIC
	MaxDuration                 time.Duration // MAX_DURATION seconds, default 6 hours
	MaxUploadBytes              int64         // MAX_UPLOAD_BYTES, default 5 TiB (GCS's object limit)
}

// LoadConfig reads the configuration, naming every missing or invalid variable.
func LoadConfig(getenv func(string) string) (Config, error) {
	r := envconfig.New(getenv)
	c := Config{
		Project: r.String("GCP_PROJECT"), Database: r.String("FIRESTORE_DATABASE"),
		IngestBucket: r.String("INGEST_BUCKET"), MastersBucket: r.String("MASTERS_BUCKET"),
		TranscodeTopic: r.String("TRANSCODE_TOPIC"),
		MaxDuration:    r.Seconds("MAX_DURATION", 6*time.Hour, time.Second, 48*time.Hour),
		MaxUploadBytes: r.Int("MAX_UPLOAD_BYTES", 5<<40, 1, 5<<40),
	}
	return c, r.Err()
}

// Build builds the ingest function: GCS OBJECT_FINALIZE notifications of the ingest bucket
// (prefix uploads/) pushed from the ingest topic. Cloud Storage rewrites objects of any size,
// so no upload is too large to quarantine.
func Build(ep entry.Endpoints) runmain.Build {
	return func(ctx context.Context, getenv func(string) string, log *slog.Logger) (http.Handler, error) {
		cfg, err := LoadConfig(getenv)
		if err != nil {
			return nil, err
		}
		fs, err := ep.FirestoreClient(ctx, cfg.Project, cfg.Database)
		if err != nil {
			return nil, err
		}
		gcs, err := ep.StorageClient(ctx)
		if err != nil {
			return nil, err
		}
		ps, err := ep.PubSubClient(ctx, cfg.Project)
		if err != nil {
			return nil, err
		}
		stage := stage.New(stage.Config{
			IngestBucket: cfg.IngestBucket, MastersBucket: cfg.MastersBucket,
			MaxDuration: cfg.MaxDuration, MaxUploadBytes: cfg.MaxUploadBytes,
		}, gcsstore.New(gcs), firestorecat.New(fs), pubsubq.Queue{Topic: pubsubq.New(ps, cfg.TranscodeTopic)}, log)
		return push.Serve(log, func(ctx context.Context, m push.Message) error {
			ev, ok, err := push.ObjectCreated(m)
			if err != nil || !ok {
				return err
			}
			return stage.Handle(ctx, ev)
		}), nil
	}
}
