// Command complete is the Lambda function that finishes assets from MediaConvert job state
// changes; see package github.com/ottkit/ottkit/functions/aws/complete.
package main

import (
	"log/slog"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/ottkit/ottkit/functions/aws/catalog"
	"github.com/ottkit/ottkit/functions/aws/complete"
	"github.com/ottkit/ottkit/functions/aws/lambdamain"
	"github.com/ottkit/ottkit/functions/aws/s3store"
	"github.com/ottkit/ottkit/functions/aws/snstopic"
	"github.com/ottkit/ottkit/functions/aws/sqsqueue"
)

func main() {
	lambdamain.Start(complete.LoadConfig, func(cfg complete.Config, awsCfg aws.Config, log *slog.Logger) any {
		delivery := s3store.New(s3.NewFromConfig(awsCfg))
		h := complete.New(cfg,
			catalog.New(dynamodb.NewFromConfig(awsCfg), cfg.CatalogTable),
			delivery,
			sqsqueue.New(sqs.NewFromConfig(awsCfg), cfg.TranscodeQueueURL),
			snstopic.New(sns.NewFromConfig(awsCfg), cfg.NotifyTopicARN),
			log)
		if cfg.HasMirror() {
			if err := h.MirrorTo(cfg, complete.NewMirror(cfg, secretsmanager.NewFromConfig(awsCfg), nil), delivery); err != nil {
				log.Error("edge mirror", "error", err.Error())
				os.Exit(1)
			}
		}
		return h.Handle
	})
}
