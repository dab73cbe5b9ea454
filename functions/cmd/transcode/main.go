// Command transcode is the Lambda function that submits MediaConvert jobs; see package
// github.com/ottkit/ottkit/functions/aws/transcode.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/mediaconvert"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/ottkit/ottkit/functions/aws/catalog"
	"github.com/ottkit/ottkit/functions/aws/lambdalog"
	"github.com/ottkit/ottkit/functions/aws/snstopic"
	"github.com/ottkit/ottkit/functions/aws/transcode"
	"github.com/ottkit/ottkit/functions/aws/transcoder"
)

func main() {
	log := lambdalog.New(os.Stdout, slog.LevelInfo)
	cfg, err := transcode.LoadConfig(os.Getenv)
	if err != nil {
		log.Error("invalid configuration", "error", err.Error())
		os.Exit(1)
	}
	awsCfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		log.Error("aws configuration", "error", err.Error())
		os.Exit(1)
	}
	tc := transcoder.New(mediaconvert.NewFromConfig(awsCfg), transcoder.Config{
		Queue: cfg.Queue, Role: cfg.Role, DeliveryBucket: cfg.DeliveryBucket, ThumbnailInterval: cfg.ThumbnailInterval,
	})
	h := transcode.New(cfg, catalog.New(dynamodb.NewFromConfig(awsCfg), cfg.CatalogTable), tc,
		snstopic.New(sns.NewFromConfig(awsCfg), cfg.NotifyTopicARN), log)
	lambda.Start(h.Handle)
}
