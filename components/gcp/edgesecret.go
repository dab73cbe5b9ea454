package gcp

import (
	"errors"

	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/secretmanager"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// EdgeSigningSecretType is the type token of EdgeSigningSecret.
const EdgeSigningSecretType = "ottkit:gcp:EdgeSigningSecret"

// EdgeSigningSecretArgs configures the edge viewer token's signing secret.
type EdgeSigningSecretArgs struct {
	// Project and Region: the secret is replicated only to Region. Required.
	Project, Region string
	// SecretID is the secret's id, <prefix>-edge-signing, the name `ottkit keys` writes.
	// Required.
	SecretID string
	// KeyID encrypts the secret. Required.
	KeyID pulumi.StringInput
	// Labels are set on the secret.
	Labels pulumi.StringMap
}

// EdgeSigningSecret is the Secret Manager secret the api reads the Cloudflare edge's
// viewer-token key from (manifest.EdgeSigningSecret). It is created without a version: the
// private key never passes through the program or Pulumi state; `ottkit keys rotate` adds
// it, and until then the api refuses playback grants with an error saying so.
type EdgeSigningSecret struct {
	pulumi.ResourceState

	Secret *secretmanager.Secret
	// ID is the secret's resource name, projects/<p>/secrets/<id> (the manifest's ID).
	ID pulumi.StringOutput `pulumi:"secretId"`
}

// NewEdgeSigningSecret creates the secret, empty.
func NewEdgeSigningSecret(ctx *pulumi.Context, name string, args *EdgeSigningSecretArgs, opts ...pulumi.ResourceOption) (*EdgeSigningSecret, error) {
	if args == nil {
		return nil, errors.New("edge signing secret: args are required")
	}
	if err := checkName("edge signing secret", args.SecretID, 255); err != nil {
		return nil, err
	}
	if err := checkPlace("edge signing secret", args.Project, args.Region); err != nil {
		return nil, err
	}
	if args.KeyID == nil {
		return nil, errors.New("edge signing secret: KeyID is required")
	}
	s := &EdgeSigningSecret{}
	if err := ctx.RegisterComponentResource(EdgeSigningSecretType, name, s, opts...); err != nil {
		return nil, err
	}
	var err error
	s.Secret, err = newRegionalSecret(ctx, name+"-secret", args.Project, args.SecretID, args.Region, args.KeyID, args.Labels, s)
	if err != nil {
		return nil, err
	}
	s.ID = s.Secret.ID().ToStringOutput()
	return s, ctx.RegisterResourceOutputs(s, pulumi.Map{"secretId": s.ID})
}
