// Command ingest is the Lambda function that probes, quarantines or accepts uploads; see
// package github.com/ottkit/ottkit/functions/aws/ingest.
package main

import (
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/ottkit/ottkit/functions/aws/catalog"
	"github.com/ottkit/ottkit/functions/aws/ingest"
	"github.com/ottkit/ottkit/functions/aws/lambdamain"
	"github.com/ottkit/ottkit/functions/aws/s3store"
	"github.com/ottkit/ottkit/functions/aws/sqsqueue"
)

func main() {
	lambdamain.Start(ingest.LoadConfig, func(cfg ingest.Config, awsCfg aws.Config, log *slog.Logger) any {
		return ingest.New(cfg,
			s3store.New(s3.NewFromConfig(awsCfg)),
			catalog.New(dynamodb.NewFromConfig(awsCfg), cfg.CatalogTable),
			sqsqueue.New(sqs.NewFromConfig(awsCfg), cfg.TranscodeQueueURL),
			log).Handle
	})
}
