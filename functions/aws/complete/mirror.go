package complete

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/ottkit/ottkit/functions/aws/s3store"
	"github.com/ottkit/ottkit/functions/pipeline"
	"github.com/ottkit/ottkit/functions/stages/complete"
)

// SecretReader reads a Secrets Manager secret (a *secretsmanager.Client).
type SecretReader interface {
	GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

// NewMirror returns the R2 store of cfg's edge mirror, signing with the credentials in the
// secret cfg.EdgeMirrorSecretARN (read when first needed, then every
// s3store.R2CredentialsTTL); httpClient may be nil for the SDK's default.
func NewMirror(cfg Config, secrets SecretReader, httpClient aws.HTTPClient) *s3store.Store {
	creds := s3store.R2SecretCredentials(cfg.EdgeMirrorSecretARN, func(ctx context.Context) ([]byte, error) {
		out, err := secrets.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(cfg.EdgeMirrorSecretARN)})
		if err != nil {
			return nil, fmt.Errorf("complete: %w", err)
		}
		return []byte(aws.ToString(out.SecretString)), nil
	})
	return s3store.NewR2(cfg.EdgeMirrorEndpoint, creds, httpClient)
}

// MirrorTo makes the handler copy verified outputs from the delivery bucket (read through
// source) to the mirror cfg names, before any asset is ready.
func (h *Handler) MirrorTo(cfg Config, mirror *s3store.Store, source pipeline.ObjectGetter) error {
	return h.Stage.MirrorTo(complete.Mirror{Source: source, Store: mirror, Bucket: cfg.EdgeMirrorBucket})
}
