package playback

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
)

// SecretString returns a function reading secretID's current string value, for
// functions/edge/cloudflare.SecretKeys: "" for a secret without a current value (which
// SecretKeys reports with what to run).
func SecretString(client *secretsmanager.Client, secretID string) func(ctx context.Context) (string, error) {
	return func(ctx context.Context) (string, error) {
		out, err := client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(secretID)})
		var nf *types.ResourceNotFoundException
		if errors.As(err, &nf) || (err == nil && aws.ToString(out.SecretString) == "") {
			return "", nil
		}
		if err != nil {
			return "", fmt.Errorf("read %s: %w", secretID, err)
		}
		return aws.ToString(out.SecretString), nil
	}
}
