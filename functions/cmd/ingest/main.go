// Command ingest is the Lambda function that probes, quarantines or accepts uploads; see
// package github.com/ottkit/ottkit/functions/aws/ingest.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/ottkit/ottkit/functions/aws/catalog"
	"github.com/ottkit/ottkit/functions/aws/ingest"
	"github.com/ottkit/ottkit/functions/aws/lambdalog"
	"github.com/ottkit/ottkit/functions/aws/s3store"
	"github.com/ottkit/ottkit/functions/aws/sqsqueue"
)

func main() {
	log := lambdalog.New(os.Stdout, slog.LevelInfo)
	cfg, err := ingest.LoadConfig(os.Getenv)
	if err != nil {
		log.Error("invalid configuration", "error", err.Error())
		os.Exit(1)
	}
	awsCfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		log.Error("aws configuration", "error", err.Error())
		os.Exit(1)
	}
	h := ingest.New(cfg,
		s3store.New(s3.NewFromConfig(awsCfg)),
		catalog.New(dynamodb.NewFromConfig(awsCfg), cfg.CatalogTable),
		sqsqueue.New(sqs.NewFromConfig(awsCfg), cfg.TranscodeQueueURL),
		log)
	lambda.Start(h.Handle)
}
