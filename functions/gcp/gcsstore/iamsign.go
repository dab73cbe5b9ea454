package gcsstore

import (
	"context"
	"fmt"
	"time"

	credentials "cloud.google.com/go/iam/credentials/apiv1"
	"cloud.google.com/go/iam/credentials/apiv1/credentialspb"
)

// IAMSigner signs with a service account's Google-managed key through the IAM Credentials
// API (iam.serviceAccounts.signBlob on the account), so no key file exists anywhere: the
// function signs upload URLs as its own service account.
type IAMSigner struct {
	Client *credentials.IamCredentialsClient
	// Account is the service account's email.
	Account string
}

// SignBytes signs b as Uploads.SignBytes wants it (RSA SHA-256).
func (s IAMSigner) SignBytes(b []byte) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := s.Client.SignBlob(ctx, &credentialspb.SignBlobRequest{
		Name: "projects/-/serviceAccounts/" + s.Account, Payload: b,
	})
	if err != nil {
		return nil, fmt.Errorf("gcsstore: signBlob as %s: %w", s.Account, err)
	}
	return out.SignedBlob, nil
}
