package gcp

import (
	"errors"

	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/secretmanager"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// SigningKeyType is the type token of SigningKey.
const SigningKeyType = "ottkit:gcp:SigningKey"

// SigningKeyBytes is the size of a Cloud CDN signing key (128 bits).
const SigningKeyBytes = 16

// SigningKeyArgs configures the signed-cookie key's secrets.
type SigningKeyArgs struct {
	// Project and Region: the secrets are replicated only to Region. Required.
	Project, Region string
	// KeyID encrypts the secrets. Required.
	KeyID pulumi.StringInput
	// Labels are set on the secrets.
	Labels pulumi.StringMap
}

// SigningKey is the pair of Secret Manager secrets of the Cloud CDN signed-cookie keys,
// created without a version: <name> is the one the api function signs with,
// {"keyName": ..., "key": <base64url>} (functions/gcp/cdnsign), <name>-next the rotation's
// bookkeeping. The keys themselves never pass through the program or Pulumi state:
// `ottkit keys rotate --kind cloudcdn` generates each key, stores it in these secrets and adds
// it to the delivery backend bucket's keyset; the stack file holds only key names.
type SigningKey struct {
	pulumi.ResourceState

	Secret *secretmanager.Secret
	Next   *secretmanager.Secret
	// SecretID is the signing secret's resource name (manifest.SigningSecret's ID).
	SecretID pulumi.StringOutput `pulumi:"secretId"`
}

// NewSigningKey creates the two secrets, empty.
func NewSigningKey(ctx *pulumi.Context, name string, args *SigningKeyArgs, opts ...pulumi.ResourceOption) (*SigningKey, error) {
	if args == nil {
		return nil, errors.New("signing key: args are required")
	}
	if err := checkName("signing key", name, 63-len("-next")); err != nil {
		return nil, err
	}
	if err := checkPlace("signing key", args.Project, args.Region); err != nil {
		return nil, err
	}
	if args.KeyID == nil {
		return nil, errors.New("signing key: KeyID is required")
	}
	k := &SigningKey{}
	if err := ctx.RegisterComponentResource(SigningKeyType, name, k, opts...); err != nil {
		return nil, err
	}
	secret := func(resource, id string) (*secretmanager.Secret, error) {
		return newRegionalSecret(ctx, resource, args.Project, id, args.Region, args.KeyID, args.Labels, k)
	}
	var err error
	if k.Secret, err = secret(name+"-secret", name); err != nil {
		return nil, err
	}
	if k.Next, err = secret(name+"-next", name+"-next"); err != nil {
		return nil, err
	}
	k.SecretID = k.Secret.ID().ToStringOutput()
	return k, ctx.RegisterResourceOutputs(k, pulumi.Map{"secretId": k.SecretID})
}
