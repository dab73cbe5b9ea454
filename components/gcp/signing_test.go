package gcp

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// TestSigningKeysOutOfState: the program makes the two signing secrets empty (no version, no
// key value anywhere in the plan), puts no key on the backend bucket, and gives Cloud CDN's
// fill identity its read grant only once the stack names a key.
func TestSigningKeysOutOfState(t *testing.T) {
	for _, names := range [][]string{nil, {"k20261201-100000"}} {
		res := run(t, func(ctx *pulumi.Context) error {
			k, err := NewSigningKey(ctx, "p-signing", &SigningKeyArgs{Project: proj, Region: region, KeyID: pulumi.String(keyID)})
			if err != nil {
				return err
			}
			_, err = NewDelivery(ctx, "p-delivery", &DeliveryArgs{Project: proj, Region: region, BucketName: pulumi.String("b"), Domain: "media.acme.example",
				SigningKey: k, KeyNames: names, FillAgent: pulumi.String("cdn@x"), PlaybackTTL: 600})
			return err
		})
		secrets := map[string]bool{}
		grant := false
		for _, r := range res.Resources {
			switch r.Type {
			case "gcp:secretmanager/secretVersion:SecretVersion", "gcp:compute/backendBucketSignedUrlKey:BackendBucketSignedUrlKey":
				t.Errorf("%s %s puts a key in Pulumi state", r.Type, r.Name)
			case "gcp:secretmanager/secret:Secret":
				secrets[r.Inputs["secretId"].(string)] = true
				if at(r.Inputs, "replication", "userManaged", "replicas") == nil {
					t.Errorf("secret %s is not regional", r.Name)
				}
			case "gcp:storage/bucketIAMMember:BucketIAMMember":
				grant = grant || r.Name == "p-delivery-fill-reads"
			}
		}
		if !secrets["p-signing"] || !secrets["p-signing-next"] || len(secrets) != 2 {
			t.Errorf("secrets %v, want p-signing and p-signing-next", secrets)
		}
		if grant != (len(names) > 0) {
			t.Errorf("key names %v: fill grant %v", names, grant)
		}
	}
}
