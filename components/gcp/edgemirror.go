package gcp

import (
	"encoding/json"
	"errors"

	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/secretmanager"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	awsmanifest "github.com/ottkit/ottkit/functions/aws/manifest"
)

// EdgeMirrorSecretType is the type token of EdgeMirrorSecret.
const EdgeMirrorSecretType = "ottkit:gcp:EdgeMirrorSecret"

// EdgeMirrorSecretArgs configures the secret holding the edge mirror's R2 credentials.
type EdgeMirrorSecretArgs struct {
	// Project and Region: the secret is replicated only to Region. Required.
	Project, Region string
	// KeyID encrypts the secret. Required.
	KeyID pulumi.StringInput
	// AccessKeyID and SecretAccessKey are the R2 token's S3 credentials. Required.
	AccessKeyID, SecretAccessKey pulumi.StringInput
	// Labels are set on the secret.
	Labels pulumi.StringMap
}

// EdgeMirrorSecret is the Secret Manager secret (manifest.EdgeMirrorSecret) the complete
// function reads the R2 credentials from, as R2Credentials JSON (functions/aws/manifest). Only
// the complete function's service account is granted access to it, through the manifest.
type EdgeMirrorSecret struct {
	pulumi.ResourceState

	Secret  *secretmanager.Secret
	Version *secretmanager.SecretVersion
	// SecretID is the secret's resource name, projects/<p>/secrets/<id>.
	SecretID pulumi.StringOutput `pulumi:"secretId"`
}

// NewEdgeMirrorSecret stores the credentials, encrypted with the stack key in the region.
func NewEdgeMirrorSecret(ctx *pulumi.Context, name string, args *EdgeMirrorSecretArgs, opts ...pulumi.ResourceOption) (*EdgeMirrorSecret, error) {
	if args == nil {
		return nil, errors.New("edge mirror secret: args are required")
	}
	if err := checkName("edge mirror secret", name, 255); err != nil {
		return nil, err
	}
	if err := checkPlace("edge mirror secret", args.Project, args.Region); err != nil {
		return nil, err
	}
	switch {
	case args.KeyID == nil:
		return nil, errors.New("edge mirror secret: KeyID is required")
	case args.AccessKeyID == nil || args.SecretAccessKey == nil:
		return nil, errors.New("edge mirror secret: AccessKeyID and SecretAccessKey are required")
	}
	s := &EdgeMirrorSecret{}
	if err := ctx.RegisterComponentResource(EdgeMirrorSecretType, name, s, opts...); err != nil {
		return nil, err
	}
	var err error
	s.Secret, err = secretmanager.NewSecret(ctx, name+"-secret", &secretmanager.SecretArgs{
		Project:  pulumi.String(args.Project),
		SecretId: pulumi.String(name),
		Replication: &secretmanager.SecretReplicationArgs{
			UserManaged: &secretmanager.SecretReplicationUserManagedArgs{
				Replicas: secretmanager.SecretReplicationUserManagedReplicaArray{
					secretmanager.SecretReplicationUserManagedReplicaArgs{
						Location: pulumi.String(args.Region),
						CustomerManagedEncryption: &secretmanager.SecretReplicationUserManagedReplicaCustomerManagedEncryptionArgs{
							KmsKeyName: args.KeyID,
						},
					},
				},
			},
		},
		Labels: labelsOrEmpty(args.Labels),
	}, pulumi.Parent(s))
	if err != nil {
		return nil, err
	}
	payload := pulumi.All(args.AccessKeyID, args.SecretAccessKey).ApplyT(func(v []any) (string, error) {
		b, err := json.Marshal(awsmanifest.R2Credentials{AccessKeyID: v[0].(string), SecretAccessKey: v[1].(string)})
		return string(b), err
	}).(pulumi.StringOutput)
	s.Version, err = secretmanager.NewSecretVersion(ctx, name+"-value", &secretmanager.SecretVersionArgs{
		Secret:     s.Secret.ID(),
		SecretData: pulumi.ToSecret(payload).(pulumi.StringOutput),
	}, pulumi.Parent(s))
	if err != nil {
		return nil, err
	}
	s.SecretID = s.Secret.ID().ToStringOutput()
	return s, ctx.RegisterResourceOutputs(s, pulumi.Map{"secretId": s.SecretID})
}
