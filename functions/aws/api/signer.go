package api

import (
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/ottkit/ottkit/functions/aws/playback"
	"github.com/ottkit/ottkit/functions/edge/cloudflare"
	"github.com/ottkit/ottkit/functions/pipeline"
)

// NewSigner returns the playback signer cfg calls for: CloudFront's signed cookies for the
// distribution, and on a stack with a Cloudflare edge the edge's viewer token next to them
// (the distribution still serves its own host), each key read from its secret through sm.
func NewSigner(cfg Config, sm *secretsmanager.Client) pipeline.PlaybackSigner {
	cdn := playback.NewSigner(playback.NewSecretKeys(sm, cfg.SigningSecretARN), cfg.PlaybackDomain)
	if !cfg.Edge() {
		return cdn
	}
	edge := cloudflare.NewSigner(&cloudflare.SecretKeys{Name: cfg.EdgeSigningSecretARN, Fetch: playback.SecretString(sm, cfg.EdgeSigningSecretARN)})
	return pipeline.PlaybackSigners{cdn, edge}
}
