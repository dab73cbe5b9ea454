// Command complete is the Lambda function that finishes assets from MediaConvert job state
// changes; see package github.com/ottkit/ottkit/functions/aws/complete.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/ottkit/ottkit/functions/aws/catalog"
	"github.com/ottkit/ottkit/functions/aws/complete"
	"github.com/ottkit/ottkit/functions/aws/lambdalog"
	"github.com/ottkit/ottkit/functions/aws/s3store"
	"github.com/ottkit/ottkit/functions/aws/snstopic"
	"github.com/ottkit/ottkit/functions/aws/sqsqueue"
)

func main() {
	log := lambdalog.New(os.Stdout, slog.LevelInfo)
	cfg, err := complete.LoadConfig(os.Getenv)
	if err != nil {
		log.Error("invalid configuration", "error", err.Error())
		os.Exit(1)
	}
	awsCfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		log.Error("aws configuration", "error", err.Error())
		os.Exit(1)
	}
	h := complete.New(cfg,
		catalog.New(dynamodb.NewFromConfig(awsCfg), cfg.CatalogTable),
		s3store.New(s3.NewFromConfig(awsCfg)),
		sqsqueue.New(sqs.NewFromConfig(awsCfg), cfg.TranscodeQueueURL),
		snstopic.New(sns.NewFromConfig(awsCfg), cfg.NotifyTopicARN),
		log)
	lambda.Start(h.Handle)
}
