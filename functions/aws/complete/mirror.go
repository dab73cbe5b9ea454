package complete

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/ottkit/ottkit/functions/aws/manifest"
	"github.com/ottkit/ottkit/functions/aws/s3store"
	"github.com/ottkit/ottkit/functions/pipeline"
	"github.com/ottkit/ottkit/functions/stages/complete"
)

// SecretReader reads a Secrets Manager secret (a *secretsmanager.Client).
type SecretReader interface {
	GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

// credentialsTTL is how long the R2 credentials read from the secret are used before they are
// read again, so a rotated token is picked up by warm functions too.
const credentialsTTL = 15 * time.Minute

// r2Credentials reads the R2 token's S3 credentials from the mirror secret when the SDK
// first needs them and again after credentialsTTL (behind aws.CredentialsCache). A failed
// read fails the copy, so the job result is delivered again.
type r2Credentials struct {
	secrets SecretReader
	arn     string
}

func (c r2Credentials) Retrieve(ctx context.Context) (aws.Credentials, error) {
	out, err := c.secrets.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(c.arn)})
	if err != nil {
		return aws.Credentials{}, fmt.Errorf("complete: read the R2 credentials %s: %w", c.arn, err)
	}
	var cred manifest.R2Credentials
	if err := json.Unmarshal([]byte(aws.ToString(out.SecretString)), &cred); err != nil || cred.AccessKeyID == "" || cred.SecretAccessKey == "" {
		return aws.Credentials{}, fmt.Errorf("complete: secret %s must hold {\"accessKeyId\", \"secretAccessKey\"} (the R2 token's S3 credentials)", c.arn)
	}
	return aws.Credentials{
		AccessKeyID: cred.AccessKeyID, SecretAccessKey: cred.SecretAccessKey, Source: "ottkit edge mirror secret",
		CanExpire: true, Expires: time.Now().Add(credentialsTTL),
	}, nil
}

// NewMirror returns the R2 store of cfg's edge mirror, signing with the credentials in
// cfg.EdgeMirrorSecretARN; httpClient may be nil for the SDK's default.
func NewMirror(cfg Config, secrets SecretReader, httpClient aws.HTTPClient) *s3store.Store {
	creds := aws.NewCredentialsCache(r2Credentials{secrets: secrets, arn: cfg.EdgeMirrorSecretARN})
	return s3store.NewR2(cfg.EdgeMirrorEndpoint, creds, httpClient)
}

// MirrorTo makes the handler copy verified outputs from the delivery bucket (read through
// source) to the mirror cfg names, before any asset is ready.
func (h *Handler) MirrorTo(cfg Config, mirror *s3store.Store, source pipeline.ObjectGetter) error {
	return h.Stage.MirrorTo(complete.Mirror{Source: source, Store: mirror, Bucket: cfg.EdgeMirrorBucket})
}
