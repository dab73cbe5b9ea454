// Package transcode wires the transcode function on GCP; see package entry.
package transcode

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"

	transcoder "cloud.google.com/go/video/transcoder/apiv1"

	"github.com/ottkit/ottkit/functions/aws/envconfig"
	"github.com/ottkit/ottkit/functions/gcp/entry"
	"github.com/ottkit/ottkit/functions/gcp/firestorecat"
	"github.com/ottkit/ottkit/functions/gcp/pubsubq"
	"github.com/ottkit/ottkit/functions/gcp/push"
	"github.com/ottkit/ottkit/functions/gcp/runmain"
	"github.com/ottkit/ottkit/functions/gcp/transcoderapi"
	"github.com/ottkit/ottkit/functions/pipeline"
	stage "github.com/ottkit/ottkit/functions/stages/transcode"
)

// Config is the transcode function's configuration (manifest.Transcode.Env).
type Config struct {
	Project           string                // GCP_PROJECT
	Database          string                // FIRESTORE_DATABASE
	DeliveryBucket    string                // DELIVERY_BUCKET
	Location          string                // TRANSCODER_LOCATION: projects/<p>/locations/<region>
	JobsTopic         string                // JOBS_TOPIC
	NotifyTopic       string                // NOTIFY_TOPIC
	Ladder            pipeline.LadderConfig // LADDER, MAX_HEIGHT, VIDEO_CODEC
	ThumbnailInterval int                   // THUMBNAIL_INTERVAL seconds, default 10
}

// LoadConfig reads the configuration, naming every missing or invalid variable.
func LoadConfig(getenv func(string) string) (Config, error) {
	r := envconfig.New(getenv)
	c := Config{
		Project: r.String("GCP_PROJECT"), Database: r.String("FIRESTORE_DATABASE"),
		DeliveryBucket: r.String("DELIVERY_BUCKET"), Location: r.String("TRANSCODER_LOCATION"),
		JobsTopic: r.String("JOBS_TOPIC"), NotifyTopic: r.String("NOTIFY_TOPIC"),
		ThumbnailInterval: int(r.Int("THUMBNAIL_INTERVAL", 10, 1, 3600)),
	}
	if ladder := r.String("LADDER"); ladder != "" {
		rungs, err := pipeline.ParseLadder(ladder)
		r.Check("LADDER", err)
		c.Ladder.Rungs = rungs
	}
	c.Ladder.MaxHeight = int(r.Int("MAX_HEIGHT", 0, 0, pipeline.MaxRungHeight))
	c.Ladder.Codec = r.OneOf("VIDEO_CODEC", pipeline.CodecH264, pipeline.CodecH264, pipeline.CodecHEVC)
	r.Check("TRANSCODER_LOCATION", transcoderapi.Config{Parent: c.Location, DeliveryBucket: "x", Topic: "x", ThumbnailInterval: 1}.Validate())
	if err := r.Err(); err != nil {
		return c, err
	}
	r.Check("LADDER", c.Ladder.Validate())
	return c, r.Err()
}

// Build builds the transcode function: Pub/Sub pushes from ingest and Cloud Tasks retries
// from complete, both carrying a pipeline.TranscodeRequest.
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
		tcc, err := transcoder.NewClient(ctx, ep.Transcoder...)
		if err != nil {
			return nil, fmt.Errorf("transcoder client: %w", err)
		}
		ps, err := ep.PubSubClient(ctx, cfg.Project)
		if err != nil {
			return nil, err
		}
		tc, err := transcoderapi.New(tcc, transcoderapi.Config{
			Parent: cfg.Location, DeliveryBucket: cfg.DeliveryBucket, Topic: cfg.JobsTopic, ThumbnailInterval: cfg.ThumbnailInterval,
		})
		if err != nil {
			return nil, err
		}
		stage := stage.New(stage.Config{Ladder: cfg.Ladder}, firestorecat.New(fs), tc,
			pubsubq.Notifier{Topic: pubsubq.New(ps, cfg.NotifyTopic)}, log)
		return push.ServeRequests(log, func(ctx context.Context, data []byte) error {
			req, err := push.TranscodeRequest(data)
			if err != nil {
				return err
			}
			return stage.Handle(ctx, req)
		}), nil
	}
}
