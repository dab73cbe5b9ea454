package cdnsign

import (
	"context"
	"fmt"
	"hash/crc32"

	secretmanager "cloud.google.com/go/secretmanager/apiv1"
	"cloud.google.com/go/secretmanager/apiv1/secretmanagerpb"
)

// SecretManager reads secrets through the Secret Manager API (permission
// secretmanager.versions.access on the secret).
type SecretManager struct {
	Client *secretmanager.Client
}

// Read returns the payload of the secret version name
// (projects/<p>/secrets/<s>/versions/<v>), checking its CRC32C when the API sends one.
func (m SecretManager) Read(ctx context.Context, name string) ([]byte, error) {
	out, err := m.Client.AccessSecretVersion(ctx, &secretmanagerpb.AccessSecretVersionRequest{Name: name})
	if err != nil {
		return nil, fmt.Errorf("access %s: %w", name, err)
	}
	p := out.GetPayload()
	if p.DataCrc32C != nil && int64(crc32.Checksum(p.Data, crc32.MakeTable(crc32.Castagnoli))) != p.GetDataCrc32C() {
		return nil, fmt.Errorf("access %s: payload fails its CRC32C check", name)
	}
	return p.Data, nil
}
