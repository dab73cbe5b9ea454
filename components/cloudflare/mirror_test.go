package cloudflare_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ottkit/ottkit/components/cloudflare"
	"github.com/ottkit/ottkit/components/offline"
)

// TestMirrorTokenIsScopedToTheBucket: the complete stage's R2 credentials can touch the
// objects of the edge's bucket and nothing else, and are derived as R2 documents.
func TestMirrorTokenIsScopedToTheBucket(t *testing.T) {
	res, err := offline.Run(func(ctx *pulumi.Context) error {
		e, err := cloudflare.NewEdge(ctx, "acme-prod-edge", r2Args(t))
		if err != nil {
			return err
		}
		ctx.Export("endpoint", e.Mirror.Endpoint)
		ctx.Export("accessKeyId", e.Mirror.AccessKeyID)
		ctx.Export("secretAccessKey", e.Mirror.SecretAccessKey)
		ctx.Export("bucket", e.BucketName)
		return nil
	}, offline.Options{Stack: "test"})
	if err != nil {
		t.Fatal(err)
	}
	token := must(t, res, "cloudflare:index/apiToken:ApiToken", "acme-prod-edge-mirror-token")
	policies, _ := token.Inputs["policies"].([]any)
	if len(policies) != 1 {
		t.Fatalf("policies %v, want exactly one", token.Inputs["policies"])
	}
	p := policies[0].(map[string]any)
	if p["effect"] != "allow" || fmt.Sprint(p["permissionGroups"]) != fmt.Sprint([]any{cloudflare.PermissionR2BucketItemRead, cloudflare.PermissionR2BucketItemWrite}) {
		t.Errorf("policy %v, want allow with the bucket item read and write groups only", p)
	}
	wantResource := "com.cloudflare.edge.r2.bucket." + account + "_default_" + res.Outputs["bucket"].(string)
	if r := p["resources"].(map[string]any); len(r) != 1 || r[wantResource] != "*" {
		t.Errorf("resources %v, want only %s", r, wantResource)
	}
	if res.Outputs["endpoint"] != "https://"+account+".r2.cloudflarestorage.com" {
		t.Errorf("endpoint %v", res.Outputs["endpoint"])
	}
	if res.Outputs["accessKeyId"] != token.ID {
		t.Errorf("access key id %v, want the token id %s", res.Outputs["accessKeyId"], token.ID)
	}
	sum := sha256.Sum256([]byte(token.Outputs["value"].(string)))
	if got := fmt.Sprint(res.Outputs["secretAccessKey"]); got != hex.EncodeToString(sum[:]) {
		t.Errorf("secret access key %s, want the SHA-256 hex of the token value", got)
	}
}

func TestS3SecretAccessKey(t *testing.T) {
	// sha256("abc"), the FIPS 180-2 test vector.
	if got := cloudflare.S3SecretAccessKey("abc"); got != "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" {
		t.Errorf("S3SecretAccessKey(abc) = %s", got)
	}
}
