package gcp

import (
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

func TestEdgeSigningSecret(t *testing.T) {
	res := run(t, func(ctx *pulumi.Context) error {
		_, err := NewEdgeSigningSecret(ctx, "acme-prod-edge-signing", &EdgeSigningSecretArgs{
			Project: proj, Region: region, SecretID: "acme-prod-edge-signing", KeyID: pulumi.String(keyID),
		})
		return err
	})
	s := find(t, res, "gcp:secretmanager/secret:Secret", "acme-prod-edge-signing-secret")
	if s.Inputs["secretId"] != "acme-prod-edge-signing" || at(s.Inputs, "replication", "userManaged", "replicas") == nil {
		t.Errorf("secret %v: want the id ottkit keys writes, replicated by the stack", s.Inputs)
	}
	replica := at(s.Inputs, "replication", "userManaged", "replicas").([]any)[0]
	if at(replica, "location") != region || at(replica, "customerManagedEncryption", "kmsKeyName") != keyID {
		t.Errorf("replica %v: want %s under the stack key", replica, region)
	}
	if n := len(res.OfType("gcp:secretmanager/secretVersion:SecretVersion")); n != 0 {
		t.Errorf("%d versions: the key must stay out of the program and its state", n)
	}
	for _, tt := range []struct {
		args *EdgeSigningSecretArgs
		want string
	}{
		{nil, "args are required"},
		{&EdgeSigningSecretArgs{Project: proj, Region: region, SecretID: "Edge", KeyID: pulumi.String(keyID)}, `name "Edge"`},
		{&EdgeSigningSecretArgs{Project: "x", Region: region, SecretID: "acme-prod-edge-signing", KeyID: pulumi.String(keyID)}, "Project"},
		{&EdgeSigningSecretArgs{Project: proj, Region: region, SecretID: "acme-prod-edge-signing"}, "KeyID is required"},
	} {
		err, n := runFailing(t, func(ctx *pulumi.Context) error {
			_, err := NewEdgeSigningSecret(ctx, "acme-prod-edge-signing", tt.args)
			return err
		})
		if !strings.Contains(err.Error(), tt.want) || n != 0 {
			t.Errorf("error %v after %d registrations, want %q before any", err, n, tt.want)
		}
	}
}
