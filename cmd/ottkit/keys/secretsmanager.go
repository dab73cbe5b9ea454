package keys

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
)

// SecretsManager is the SecretStore of AWS Secrets Manager.
type SecretsManager struct {
	Client *secretsmanager.Client
	// KmsKeyID encrypts new secrets; the account's aws/secretsmanager key when empty.
	KmsKeyID string
}

// Put implements SecretStore.
func (s SecretsManager) Put(ctx context.Context, name, value string) error {
	_, err := s.Client.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String(name), SecretString: aws.String(value)})
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) {
		return err
	}
	in := &secretsmanager.CreateSecretInput{Name: aws.String(name), SecretString: aws.String(value),
		Description: aws.String("ottkit playback signing key, written by ottkit keys")}
	if s.KmsKeyID != "" {
		in.KmsKeyId = aws.String(s.KmsKeyID)
	}
	_, err = s.Client.CreateSecret(ctx, in)
	return err
}

// Get implements SecretStore; a secret that does not exist or has no value yet is ErrNotFound.
func (s SecretsManager) Get(ctx context.Context, name string) (string, error) {
	out, err := s.Client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(name)})
	var nf *types.ResourceNotFoundException
	if errors.As(err, &nf) {
		return "", fmt.Errorf("%s: %w: %w", name, ErrNotFound, err)
	}
	if err != nil {
		return "", err
	}
	return aws.ToString(out.SecretString), nil
}

// Delete implements SecretStore: the secret is recoverable for seven days.
func (s SecretsManager) Delete(ctx context.Context, name string) error {
	_, err := s.Client.DeleteSecret(ctx, &secretsmanager.DeleteSecretInput{SecretId: aws.String(name), RecoveryWindowInDays: aws.Int64(7)})
	return err
}
