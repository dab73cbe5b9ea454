package gcp

import (
	"errors"
	"fmt"
	"sort"

	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/kms"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// StackKeyType is the type token of StackKey.
const StackKeyType = "ottkit:gcp:StackKey"

// KeyRotationPeriod is how often the stack key makes a new primary version (90 days).
const KeyRotationPeriod = "7776000s"

// StackKeyArgs configures the stack's customer-managed encryption key.
type StackKeyArgs struct {
	// Project and Region place the key ring; the region must be that of the buckets, topics
	// and catalog the key encrypts. Required.
	Project, Region string
	// Users are the service agents that encrypt and decrypt with the key, by a role name used
	// in the child's name (storage, pubsub, firestore, ...). Each gets
	// roles/cloudkms.cryptoKeyEncrypterDecrypter on this key only.
	Users map[string]pulumi.StringInput
	// DestroyData lets `pulumi destroy` schedule the key's destruction. By default the key is
	// retained (and the key ring always is: Cloud KMS never deletes key rings).
	DestroyData bool
	// Labels are set on the key.
	Labels pulumi.StringMap
}

// StackKey is one key ring and one symmetric key per stack, rotated every 90 days, with a
// 30-day scheduled-destruction window.
type StackKey struct {
	pulumi.ResourceState

	Ring *kms.KeyRing
	Key  *kms.CryptoKey
	// ID is the key's resource name: projects/P/locations/R/keyRings/K/cryptoKeys/C.
	ID pulumi.StringOutput `pulumi:"id"`
}

// NewStackKey creates the key ring, the key and its grants.
func NewStackKey(ctx *pulumi.Context, name string, args *StackKeyArgs, opts ...pulumi.ResourceOption) (*StackKey, error) {
	if args == nil {
		return nil, errors.New("key: args are required")
	}
	if err := checkName("key", name, 63-len("-ring")); err != nil {
		return nil, err
	}
	if err := checkPlace("key", args.Project, args.Region); err != nil {
		return nil, err
	}
	for role, email := range args.Users {
		if email == nil || !nameRe.MatchString(role) {
			return nil, fmt.Errorf("key: Users[%q] needs a lowercase role name and an email", role)
		}
	}
	k := &StackKey{}
	if err := ctx.RegisterComponentResource(StackKeyType, name, k, opts...); err != nil {
		return nil, err
	}
	var err error
	k.Ring, err = kms.NewKeyRing(ctx, name+"-ring", &kms.KeyRingArgs{
		Project:  pulumi.String(args.Project),
		Location: pulumi.String(args.Region),
		Name:     pulumi.String(name + "-ring"),
	}, pulumi.Parent(k), pulumi.RetainOnDelete(true))
	if err != nil {
		return nil, err
	}
	keyOpts := []pulumi.ResourceOption{pulumi.Parent(k)}
	if !args.DestroyData {
		keyOpts = append(keyOpts, pulumi.RetainOnDelete(true))
	}
	k.Key, err = kms.NewCryptoKey(ctx, name+"-key", &kms.CryptoKeyArgs{
		KeyRing:                  k.Ring.ID(),
		Name:                     pulumi.String(name),
		Purpose:                  pulumi.String("ENCRYPT_DECRYPT"),
		RotationPeriod:           pulumi.String(KeyRotationPeriod),
		DestroyScheduledDuration: pulumi.String("2592000s"),
		VersionTemplate: &kms.CryptoKeyVersionTemplateArgs{
			Algorithm:       pulumi.String("GOOGLE_SYMMETRIC_ENCRYPTION"),
			ProtectionLevel: pulumi.String("SOFTWARE"),
		},
		Labels: labelsOrEmpty(args.Labels),
	}, keyOpts...)
	if err != nil {
		return nil, err
	}
	roles := make([]string, 0, len(args.Users))
	for role := range args.Users {
		roles = append(roles, role)
	}
	sort.Strings(roles)
	for _, role := range roles {
		if _, err := kms.NewCryptoKeyIAMMember(ctx, name+"-"+role, &kms.CryptoKeyIAMMemberArgs{
			CryptoKeyId: k.Key.ID(),
			Role:        pulumi.String("roles/cloudkms.cryptoKeyEncrypterDecrypter"),
			Member:      saMember(args.Users[role]),
		}, pulumi.Parent(k)); err != nil {
			return nil, err
		}
	}
	k.ID = k.Key.ID().ToStringOutput()
	return k, ctx.RegisterResourceOutputs(k, pulumi.Map{"id": k.ID})
}
