package aws

import (
	"encoding/json"
	"errors"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/secretsmanager"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ottkit/ottkit/functions/aws/manifest"
)

// EdgeMirrorSecretType is the type token of EdgeMirrorSecret.
const EdgeMirrorSecretType = "ottkit:aws:EdgeMirrorSecret"

// EdgeMirrorSecretArgs configures the secret holding the edge mirror's R2 credentials.
type EdgeMirrorSecretArgs struct {
	// Name is the secret's name. Required.
	Name string
	// KeyArn is the stack key the secret is encrypted with. Required.
	KeyArn pulumi.StringInput
	// AccessKeyID and SecretAccessKey are the R2 token's S3 credentials. Required.
	AccessKeyID, SecretAccessKey pulumi.StringInput
	// DestroyData deletes the secret without a recovery window on destroy.
	DestroyData bool
	Tags        pulumi.StringMapInput
}

// EdgeMirrorSecret is the Secrets Manager secret (manifest.EdgeMirrorSecret) the complete
// function reads the R2 credentials from, as manifest.R2Credentials JSON. Of the stack's
// roles only the complete function's is granted secretsmanager:GetSecretValue on it.
type EdgeMirrorSecret struct {
	pulumi.ResourceState

	Secret  *secretsmanager.Secret
	Version *secretsmanager.SecretVersion

	Arn pulumi.StringOutput `pulumi:"arn"`
}

// NewEdgeMirrorSecret stores the credentials, encrypted with the stack key.
func NewEdgeMirrorSecret(ctx *pulumi.Context, name string, args *EdgeMirrorSecretArgs, opts ...pulumi.ResourceOption) (*EdgeMirrorSecret, error) {
	switch {
	case args == nil:
		return nil, errors.New("edge mirror secret: args are required")
	case args.Name == "":
		return nil, errors.New("edge mirror secret: Name is required")
	case args.KeyArn == nil:
		return nil, errors.New("edge mirror secret: KeyArn is required")
	case args.AccessKeyID == nil || args.SecretAccessKey == nil:
		return nil, errors.New("edge mirror secret: AccessKeyID and SecretAccessKey are required")
	}
	s := &EdgeMirrorSecret{}
	if err := ctx.RegisterComponentResource(EdgeMirrorSecretType, name, s, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(s)
	var err error
	s.Secret, err = secretsmanager.NewSecret(ctx, name+"-secret", &secretsmanager.SecretArgs{
		Name:                 pulumi.String(args.Name),
		Description:          pulumi.String("ottkit: S3 credentials of the Cloudflare API token that writes the edge's R2 bucket (the complete function's mirror)"),
		KmsKeyId:             args.KeyArn,
		RecoveryWindowInDays: pulumi.Int(secretRecoveryDays(args.DestroyData)),
		Tags:                 args.Tags,
	}, parent)
	if err != nil {
		return nil, err
	}
	value := pulumi.All(args.AccessKeyID, args.SecretAccessKey).ApplyT(func(v []any) (string, error) {
		b, err := json.Marshal(manifest.R2Credentials{AccessKeyID: v[0].(string), SecretAccessKey: v[1].(string)})
		return string(b), err
	}).(pulumi.StringOutput)
	s.Version, err = secretsmanager.NewSecretVersion(ctx, name+"-value", &secretsmanager.SecretVersionArgs{
		SecretId:     s.Secret.ID(),
		SecretString: pulumi.ToSecret(value).(pulumi.StringOutput),
	}, parent)
	if err != nil {
		return nil, err
	}
	s.Arn = s.Secret.Arn
	return s, ctx.RegisterResourceOutputs(s, pulumi.Map{"arn": s.Arn})
}
