package gcp

import (
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/secretmanager"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// newRegionalSecret creates a Secret Manager secret replicated to region only and encrypted
// there with key (the stack's CMEK): the shape of every secret the stack keeps.
func newRegionalSecret(ctx *pulumi.Context, name, project, secretID, region string, key pulumi.StringInput, labels pulumi.StringMap, parent pulumi.Resource) (*secretmanager.Secret, error) {
	return secretmanager.NewSecret(ctx, name, &secretmanager.SecretArgs{
		Project:  pulumi.String(project),
		SecretId: pulumi.String(secretID),
		Replication: &secretmanager.SecretReplicationArgs{
			UserManaged: &secretmanager.SecretReplicationUserManagedArgs{
				Replicas: secretmanager.SecretReplicationUserManagedReplicaArray{
					secretmanager.SecretReplicationUserManagedReplicaArgs{
						Location: pulumi.String(region),
						CustomerManagedEncryption: &secretmanager.SecretReplicationUserManagedReplicaCustomerManagedEncryptionArgs{
							KmsKeyName: key,
						},
					},
				},
			},
		},
		Labels: labelsOrEmpty(labels),
	}, pulumi.Parent(parent))
}
