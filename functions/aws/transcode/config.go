package transcode

import (
	"github.com/ottkit/ottkit/functions/aws/envconfig"
	"github.com/ottkit/ottkit/functions/pipeline"
)

// Config is the transcode function's configuration; LoadConfig reads exactly the variables
// manifest.Transcode.Env lists.
type Config struct {
	CatalogTable      string                // CATALOG_TABLE
	DeliveryBucket    string                // DELIVERY_BUCKET
	Queue             string                // MEDIACONVERT_QUEUE_ARN
	Role              string                // MEDIACONVERT_ROLE_ARN
	NotifyTopicARN    string                // NOTIFY_TOPIC_ARN
	Ladder            pipeline.LadderConfig // LADDER (JSON rungs), MAX_HEIGHT (default 0: none), VIDEO_CODEC (default h264)
	ThumbnailInterval int                   // THUMBNAIL_INTERVAL seconds, default 10
}

// LoadConfig reads the configuration through getenv and returns an error naming every missing
// or invalid variable.
func LoadConfig(getenv func(string) string) (Config, error) {
	r := envconfig.New(getenv)
	c := Config{
		CatalogTable:      r.String("CATALOG_TABLE"),
		DeliveryBucket:    r.String("DELIVERY_BUCKET"),
		Queue:             r.String("MEDIACONVERT_QUEUE_ARN"),
		Role:              r.String("MEDIACONVERT_ROLE_ARN"),
		NotifyTopicARN:    r.String("NOTIFY_TOPIC_ARN"),
		ThumbnailInterval: int(r.Int("THUMBNAIL_INTERVAL", 10, 1, 3600)),
	}
	if ladder := r.String("LADDER"); ladder != "" {
		rungs, err := pipeline.ParseLadder(ladder)
		r.Check("LADDER", err)
		c.Ladder.Rungs = rungs
	}
	c.Ladder.MaxHeight = int(r.Int("MAX_HEIGHT", 0, 0, pipeline.MaxRungHeight))
	c.Ladder.Codec = r.OneOf("VIDEO_CODEC", pipeline.CodecH264, pipeline.CodecH264, pipeline.CodecHEVC)
	if err := r.Err(); err != nil {
		return c, err
	}
	r.Check("LADDER", c.Ladder.Validate())
	return c, r.Err()
}
