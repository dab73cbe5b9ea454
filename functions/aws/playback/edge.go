package playback

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
)

// ErrNoSecretValue is returned (wrapped) for a secret that exists without a value, as the
// edge signing secret does from the deployment that creates it until `ottkit keys rotate`
// stores the first key.
var ErrNoSecretValue = errors.New("secret has no value yet")

// SecretString returns a function reading secretID's current string value, for
// functions/edge/cloudflare.SecretKeys. A secret without a current value is ErrNoSecretValue,
// with what to run.
func SecretString(client *secretsmanager.Client, secretID string) func(ctx context.Context) (string, error) {
	return func(ctx context.Context) (string, error) {
		out, err := client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(secretID)})
		var nf *types.ResourceNotFoundException
		if errors.As(err, &nf) || (err == nil && aws.ToString(out.SecretString) == "") {
			return "", fmt.Errorf("read %s: %w: `ottkit keys rotate --stack <stack>` stores the first key", secretID, ErrNoSecretValue)
		}
		if err != nil {
			return "", fmt.Errorf("read %s: %w", secretID, err)
		}
		return aws.ToString(out.SecretString), nil
	}
}
