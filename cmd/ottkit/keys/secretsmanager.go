package keys

import (
	"context"
	"errors"
	"fmt"
	"strings"

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

// Delete implements SecretStore: the secret is recoverable for seven days. Deleting a secret
// that does not exist or is already scheduled for deletion succeeds, so a re-run after a crash
// can repeat it.
func (s SecretsManager) Delete(ctx context.Context, name string) error {
	_, err := s.Client.DeleteSecret(ctx, &secretsmanager.DeleteSecretInput{SecretId: aws.String(name), RecoveryWindowInDays: aws.Int64(7)})
	var nf *types.ResourceNotFoundException
	var ir *types.InvalidRequestException
	switch {
	case errors.As(err, &nf):
		return nil
	case errors.As(err, &ir) && strings.Contains(strings.ToLower(ir.ErrorMessage()), "deleted"):
		return nil
	}
	return err
}
