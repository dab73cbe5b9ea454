package aws

import (
	"errors"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/secretsmanager"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// EdgeSigningSecretType is the type token of EdgeSigningSecret.
const EdgeSigningSecretType = "ottkit:aws:EdgeSigningSecret"

// EdgeSigningSecretArgs configures the edge viewer token's signing secret.
type EdgeSigningSecretArgs struct {
	// Name is the secret's name, <prefix>-edge-signing, the name `ottkit keys` writes.
	// Required.
	Name string
	// KeyArn is the stack key, which encrypts the secret. Required.
	KeyArn pulumi.StringInput
	// DestroyData deletes the secret at once on `pulumi destroy`, as the CloudFront signing
	// secret (SecretRecoveryDays otherwise).
	DestroyData bool
	// Tags are set on the secret.
	Tags pulumi.StringMap
}

// EdgeSigningSecret is the Secrets Manager secret the api reads the Cloudflare edge's
// viewer-token key from (manifest.EdgeSigningSecret). It is created without a value: the
// private key never passes through the program or Pulumi state; `ottkit keys rotate` puts
// it (PutSecretValue), and until then the api refuses playback grants with an error saying
// so.
type EdgeSigningSecret struct {
	pulumi.ResourceState

	Secret *secretsmanager.Secret
	// Arn is the secret's ARN (the manifest's ARN).
	Arn pulumi.StringOutput `pulumi:"arn"`
}

// NewEdgeSigningSecret creates the secret, empty.
func NewEdgeSigningSecret(ctx *pulumi.Context, name string, args *EdgeSigningSecretArgs, opts ...pulumi.ResourceOption) (*EdgeSigningSecret, error) {
	if args == nil {
		return nil, errors.New("edge signing secret: args are required")
	}
	if err := checkName("edge signing secret", args.Name, 512); err != nil {
		return nil, err
	}
	if args.KeyArn == nil {
		return nil, errors.New("edge signing secret: KeyArn is required")
	}
	s := &EdgeSigningSecret{}
	if err := ctx.RegisterComponentResource(EdgeSigningSecretType, name, s, opts...); err != nil {
		return nil, err
	}
	var err error
	s.Secret, err = secretsmanager.NewSecret(ctx, name+"-secret", &secretsmanager.SecretArgs{
		Name:                 pulumi.String(args.Name),
		Description:          pulumi.String("ottkit: Cloudflare edge viewer-token signing key, {\"keyId\", \"seed\"}, stored by ottkit keys rotate"),
		KmsKeyId:             args.KeyArn,
		RecoveryWindowInDays: pulumi.Int(secretRecoveryDays(args.DestroyData)),
		Tags:                 args.Tags,
	}, pulumi.Parent(s))
	if err != nil {
		return nil, err
	}
	s.Arn = s.Secret.Arn
	return s, ctx.RegisterResourceOutputs(s, pulumi.Map{"arn": s.Arn})
}
