package keys

import (
	"context"
	"errors"
	"fmt"
	"hash/crc32"

	secretmanager "cloud.google.com/go/secretmanager/apiv1"
	"cloud.google.com/go/secretmanager/apiv1/secretmanagerpb"
	"google.golang.org/api/iterator"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// SecretManager is the SecretStore of Google Secret Manager. The secrets the api reads are
// created by the stack's program (regional, encrypted with the stack's key) without a
// version: Put adds versions, so a key never passes through the program or Pulumi state.
type SecretManager struct {
	Client *secretmanager.Client
	// Project holds the secrets.
	Project string
	// Region and KMSKey, when set, let Put create a secret the program does not (one per
	// edge key), replicated only to Region and encrypted with KMSKey
	// (projects/P/locations/R/keyRings/K/cryptoKeys/C), as the program's are.
	Region, KMSKey string
}

func (s SecretManager) name(secret string) string {
	return "projects/" + s.Project + "/secrets/" + secret
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Put implements SecretStore: value becomes the secret's latest version.
func (s SecretManager) Put(ctx context.Context, name, value string) error {
	crc := int64(crc32.Checksum([]byte(value), castagnoli))
	add := &secretmanagerpb.AddSecretVersionRequest{
		Parent:  s.name(name),
		Payload: &secretmanagerpb.SecretPayload{Data: []byte(value), DataCrc32C: &crc},
	}
	_, err := s.Client.AddSecretVersion(ctx, add)
	if status.Code(err) == codes.NotFound && s.Region != "" && s.KMSKey != "" {
		_, err = s.Client.CreateSecret(ctx, &secretmanagerpb.CreateSecretRequest{
			Parent:   "projects/" + s.Project,
			SecretId: name,
			Secret: &secretmanagerpb.Secret{
				Replication: &secretmanagerpb.Replication{Replication: &secretmanagerpb.Replication_UserManaged_{
					UserManaged: &secretmanagerpb.Replication_UserManaged{Replicas: []*secretmanagerpb.Replication_UserManaged_Replica{{
						Location:                  s.Region,
						CustomerManagedEncryption: &secretmanagerpb.CustomerManagedEncryption{KmsKeyName: s.KMSKey},
					}}},
				}},
				Labels: map[string]string{"written-by": "ottkit-keys"},
			},
		})
		if err != nil && status.Code(err) != codes.AlreadyExists {
			return fmt.Errorf("create secret %s: %w", s.name(name), err)
		}
		_, err = s.Client.AddSecretVersion(ctx, add)
	}
	if status.Code(err) == codes.NotFound {
		return fmt.Errorf("secret %s does not exist: deploy the stack first (its program creates the secret, empty): %w", s.name(name), err)
	}
	return err
}

// Get implements SecretStore: the latest version; a secret without one, or whose latest
// version was destroyed, is ErrNotFound.
func (s SecretManager) Get(ctx context.Context, name string) (string, error) {
	out, err := s.Client.AccessSecretVersion(ctx, &secretmanagerpb.AccessSecretVersionRequest{Name: s.name(name) + "/versions/latest"})
	switch status.Code(err) {
	case codes.OK:
	case codes.NotFound, codes.FailedPrecondition:
		return "", fmt.Errorf("%s: %w: %w", s.name(name), ErrNotFound, err)
	default:
		return "", err
	}
	p := out.GetPayload()
	if p.DataCrc32C != nil && int64(crc32.Checksum(p.Data, castagnoli)) != p.GetDataCrc32C() {
		return "", fmt.Errorf("%s: payload fails its CRC32C check", s.name(name))
	}
	return string(p.Data), nil
}

// Delete implements SecretStore: every version not yet destroyed is destroyed (the secret
// stays, created by the program). A secret that does not exist is no error, so a re-run
// after a crash can repeat it.
func (s SecretManager) Delete(ctx context.Context, name string) error {
	it := s.Client.ListSecretVersions(ctx, &secretmanagerpb.ListSecretVersionsRequest{Parent: s.name(name)})
	for {
		v, err := it.Next()
		if errors.Is(err, iterator.Done) {
			return nil
		}
		if status.Code(err) == codes.NotFound {
			return nil
		}
		if err != nil {
			return fmt.Errorf("list versions of %s: %w", s.name(name), err)
		}
		if v.GetState() == secretmanagerpb.SecretVersion_DESTROYED {
			continue
		}
		if _, err := s.Client.DestroySecretVersion(ctx, &secretmanagerpb.DestroySecretVersionRequest{Name: v.GetName()}); err != nil && status.Code(err) != codes.NotFound {
			return fmt.Errorf("destroy %s: %w", v.GetName(), err)
		}
	}
}
