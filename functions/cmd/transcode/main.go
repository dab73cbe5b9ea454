// Command transcode is the Lambda function that submits MediaConvert jobs; see package
// github.com/ottkit/ottkit/functions/aws/transcode.
package main

import (
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/mediaconvert"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/ottkit/ottkit/functions/aws/catalog"
	"github.com/ottkit/ottkit/functions/aws/lambdamain"
	"github.com/ottkit/ottkit/functions/aws/snstopic"
	"github.com/ottkit/ottkit/functions/aws/transcode"
	"github.com/ottkit/ottkit/functions/aws/transcoder"
)

func main() {
	lambdamain.Start(transcode.LoadConfig, func(cfg transcode.Config, awsCfg aws.Config, log *slog.Logger) any {
		tc := transcoder.New(mediaconvert.NewFromConfig(awsCfg), transcoder.Config{
			Queue: cfg.Queue, Role: cfg.Role, DeliveryBucket: cfg.DeliveryBucket, ThumbnailInterval: cfg.ThumbnailInterval,
		})
		return transcode.New(cfg, catalog.New(dynamodb.NewFromConfig(awsCfg), cfg.CatalogTable), tc,
			snstopic.New(sns.NewFromConfig(awsCfg), cfg.NotifyTopicARN), log).Handle
	})
}
