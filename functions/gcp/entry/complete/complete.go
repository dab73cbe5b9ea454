// Package complete wires the complete function on GCP; see package entry.
package complete

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"

	cloudtasks "cloud.google.com/go/cloudtasks/apiv2"
	secretmanager "cloud.google.com/go/secretmanager/apiv1"
	"cloud.google.com/go/secretmanager/apiv1/secretmanagerpb"
	transcoder "cloud.google.com/go/video/transcoder/apiv1"

	"github.com/ottkit/ottkit/functions/aws/envconfig"
	"github.com/ottkit/ottkit/functions/aws/s3store"
	"github.com/ottkit/ottkit/functions/gcp/entry"
	"github.com/ottkit/ottkit/functions/gcp/firestorecat"
	"github.com/ottkit/ottkit/functions/gcp/gcsstore"
	"github.com/ottkit/ottkit/functions/gcp/pubsubq"
	"github.com/ottkit/ottkit/functions/gcp/push"
	"github.com/ottkit/ottkit/functions/gcp/runmain"
	"github.com/ottkit/ottkit/functions/gcp/tasksq"
	"github.com/ottkit/ottkit/functions/gcp/tcjob"
	"github.com/ottkit/ottkit/functions/gcp/transcoderapi"
	"github.com/ottkit/ottkit/functions/pipeline"
	stage "github.com/ottkit/ottkit/functions/stages/complete"
)

// ArchiveStorageClasses are the GCS classes a master may move to once transcoded.
var ArchiveStorageClasses = []string{"NEARLINE", "COLDLINE", "ARCHIVE"}

// Config is the complete function's configuration (manifest.Complete.Env).
type Config struct {
	Project, Database             string // GCP_PROJECT, FIRESTORE_DATABASE
	DeliveryBucket, MastersBucket string // DELIVERY_BUCKET, MASTERS_BUCKET
	NotifyTopic                   string // NOTIFY_TOPIC
	Retries                       tasksq.Config
	ArchiveStorageClass           string // ARCHIVE_STORAGE_CLASS, default ARCHIVE
	MaxRetries                    int    // MAX_RETRIES, default 2
	// EdgeMirror is the edge's R2 bucket (manifest.CompleteMirror: EDGE_MIRROR_BUCKET,
	// EDGE_MIRROR_ENDPOINT, EDGE_MIRROR_SECRET); zero without one.
	EdgeMirror s3store.R2Mirror
}

// LoadConfig reads the configuration, naming every missing or invalid variable.
func LoadConfig(getenv func(string) string) (Config, error) {
	r := envconfig.New(getenv)
	c := Config{
		Project: r.String("GCP_PROJECT"), Database: r.String("FIRESTORE_DATABASE"),
		DeliveryBucket: r.String("DELIVERY_BUCKET"), MastersBucket: r.String("MASTERS_BUCKET"),
		NotifyTopic: r.String("NOTIFY_TOPIC"),
		Retries: tasksq.Config{
			Queue: r.String("RETRY_QUEUE"), URL: r.String("RETRY_URL"), ServiceAccount: r.String("TASKS_INVOKER"),
		},
		ArchiveStorageClass: r.OneOf("ARCHIVE_STORAGE_CLASS", "ARCHIVE", ArchiveStorageClasses...),
		MaxRetries:          int(r.Int("MAX_RETRIES", 2, 0, 10)),
	}
	mirror, mirrorErr := s3store.ReadR2Mirror(getenv, "EDGE_MIRROR_SECRET", func(v string) string {
		if !secretName.MatchString(v) {
			return "is not a Secret Manager secret name (projects/<project>/secrets/<id>)"
		}
		return ""
	})
	c.EdgeMirror = mirror
	if err := errors.Join(r.Err(), mirrorErr); err != nil {
		return c, err
	}
	r.Check("RETRY_QUEUE", c.Retries.Validate())
	return c, r.Err()
}

var secretName = regexp.MustCompile(`^projects/[^/]+/secrets/[A-Za-z0-9_-]+$`)

// mirrorTo makes h copy verified outputs from the delivery bucket to cfg's edge mirror,
// signing with the R2 credentials in the EDGE_MIRROR_SECRET secret.
func mirrorTo(ctx context.Context, h *stage.Handler, ep entry.Endpoints, cfg Config, delivery *gcsstore.Store) error {
	sm, err := secretmanager.NewClient(ctx, ep.SecretManager...)
	if err != nil {
		return fmt.Errorf("secret manager client: %w", err)
	}
	name := cfg.EdgeMirror.Secret
	creds := s3store.R2SecretCredentials(name, func(ctx context.Context) ([]byte, error) {
		v, err := sm.AccessSecretVersion(ctx, &secretmanagerpb.AccessSecretVersionRequest{Name: name + "/versions/latest"})
		if err != nil {
			return nil, fmt.Errorf("complete: %w", err)
		}
		return v.GetPayload().GetData(), nil
	})
	return h.MirrorTo(stage.Mirror{
		Source: delivery, Store: s3store.NewR2(cfg.EdgeMirror.Endpoint, creds, ep.R2HTTP), Bucket: cfg.EdgeMirror.Bucket,
	})
}

// Build builds the complete function: Transcoder job notifications pushed from the jobs
// topic. Each names a job, which is fetched for its labels and state.
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
		tcc, err := transcoder.NewClient(ctx, ep.Transcoder...)
		if err != nil {
			return nil, fmt.Errorf("transcoder client: %w", err)
		}
		ps, err := ep.PubSubClient(ctx, cfg.Project)
		if err != nil {
			return nil, err
		}
		ct, err := cloudtasks.NewClient(ctx, ep.Tasks...)
		if err != nil {
			return nil, fmt.Errorf("cloud tasks client: %w", err)
		}
		retries, err := tasksq.New(ct, cfg.Retries)
		if err != nil {
			return nil, err
		}
		delivery := gcsstore.New(gcs)
		stage := stage.New(stage.Config{
			DeliveryBucket: cfg.DeliveryBucket, MastersBucket: cfg.MastersBucket,
			ArchiveStorageClass: cfg.ArchiveStorageClass, MaxRetries: cfg.MaxRetries,
			// tcjob's sprite sheets: poster0000000001.jpeg, thumbs/thumb0000000000.jpeg, …
			Naming: pipeline.TranscoderSprites,
			// Ready assets record what the Transcoder API job billed, not MediaConvert's.
			Billing: tcjob.BilledMinutes,
		}, firestorecat.New(fs), delivery, retries, pubsubq.Notifier{Topic: pubsubq.New(ps, cfg.NotifyTopic)}, log)
		if cfg.EdgeMirror.Bucket != "" {
			if err := mirrorTo(ctx, stage, ep, cfg, delivery); err != nil {
				return nil, err
			}
		}
		results := transcoderapi.Results{Client: tcc}
		return push.Serve(log, func(ctx context.Context, m push.Message) error {
			n, err := push.DecodeJobNotification(m)
			if err != nil {
				return err
			}
			res, err := results.Result(ctx, n.Name)
			if errors.Is(err, transcoderapi.ErrUnknownJob) {
				return fmt.Errorf("%w: %w", push.ErrMalformed, err)
			}
			if err != nil {
				return err
			}
			return stage.Handle(ctx, res)
		}), nil
	}
}
