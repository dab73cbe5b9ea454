// Package lambdamain starts an ottkit Lambda function the same way every time: JSON logs on
// standard output, the function's configuration read from the environment and validated
// before anything else (an invalid variable stops the start with an error naming it), the AWS
// SDK's default configuration, then lambda.Start.
package lambdamain

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/ottkit/ottkit/functions/aws/lambdalog"
)

// Start loads the function's configuration with load, builds its handler with build, and
// hands the handler to lambda.Start. It does not return; a configuration error ends the
// process with status 1 after logging it, so Lambda reports a failed init.
func Start[C any](load func(getenv func(string) string) (C, error), build func(cfg C, awsCfg aws.Config, log *slog.Logger) any) {
	log := lambdalog.New(os.Stdout, slog.LevelInfo)
	cfg, err := load(os.Getenv)
	if err != nil {
		log.Error("invalid configuration", "error", err.Error())
		os.Exit(1)
	}
	awsCfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		log.Error("aws configuration", "error", err.Error())
		os.Exit(1)
	}
	lambda.Start(build(cfg, awsCfg, log))
}
