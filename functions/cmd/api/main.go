// Command api is the Lambda function behind ottkit's HTTP API; see package
// github.com/ottkit/ottkit/functions/aws/api.
package main

import (
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfrontkeyvaluestore"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/ottkit/ottkit/functions/aws/api"
	"github.com/ottkit/ottkit/functions/aws/catalog"
	"github.com/ottkit/ottkit/functions/aws/cfsessions"
	"github.com/ottkit/ottkit/functions/aws/lambdamain"
	"github.com/ottkit/ottkit/functions/aws/manifest"
	"github.com/ottkit/ottkit/functions/aws/s3store"
)

func main() {
	lambdamain.Start(api.LoadConfig, func(cfg api.Config, awsCfg aws.Config, log *slog.Logger) any {
		h := api.New(cfg,
			s3store.New(s3.NewFromConfig(awsCfg)),
			catalog.New(dynamodb.NewFromConfig(awsCfg), cfg.CatalogTable),
			api.NewSigner(cfg, secretsmanager.NewFromConfig(awsCfg)),
			log)
		if cfg.EdgeSessions != manifest.EdgeSessionsOff {
			h.WithSessions(cfg, cfsessions.New(cloudfrontkeyvaluestore.NewFromConfig(awsCfg), cfg.SessionsKVSARN))
		}
		return h.Handle
	})
}
