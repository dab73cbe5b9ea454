// Command api is the Lambda function behind ottkit's HTTP API; see package
// github.com/ottkit/ottkit/functions/aws/api.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/ottkit/ottkit/functions/aws/api"
	"github.com/ottkit/ottkit/functions/aws/catalog"
	"github.com/ottkit/ottkit/functions/aws/lambdalog"
	"github.com/ottkit/ottkit/functions/aws/playback"
	"github.com/ottkit/ottkit/functions/aws/s3store"
)

func main() {
	log := lambdalog.New(os.Stdout, slog.LevelInfo)
	cfg, err := api.LoadConfig(os.Getenv)
	if err != nil {
		log.Error("invalid configuration", "error", err.Error())
		os.Exit(1)
	}
	awsCfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		log.Error("aws configuration", "error", err.Error())
		os.Exit(1)
	}
	h := api.New(cfg,
		s3store.New(s3.NewFromConfig(awsCfg)),
		catalog.New(dynamodb.NewFromConfig(awsCfg), cfg.CatalogTable),
		playback.NewSecretKeys(secretsmanager.NewFromConfig(awsCfg), cfg.SigningSecretARN),
		log)
	lambda.Start(h.Handle)
}
