package cloudflare

import (
	"crypto/sha256"
	"encoding/hex"

	cf "github.com/pulumi/pulumi-cloudflare/sdk/v5/go/cloudflare"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// The permission groups of an R2 token that reads and writes the objects of named buckets and
// nothing else ("Object Read & Write" scoped to buckets in the dashboard). Their ids are
// global and fixed across accounts (GET /user/tokens/permission_groups); naming them here
// keeps the plan offline and reviewable, where a lookup would need the API at plan time.
const (
	PermissionR2BucketItemRead  = "6a018a9f2fc74eb6b293b0c548f38b39" // Workers R2 Storage Bucket Item Read
	PermissionR2BucketItemWrite = "2efd5506f9c8494dacb1fa10a3e7d5b6" // Workers R2 Storage Bucket Item Write
)

// R2BucketResource is the API token resource naming one R2 bucket of an account (default
// jurisdiction).
func R2BucketResource(accountID, bucket string) string {
	return "com.cloudflare.edge.r2.bucket." + accountID + "_default_" + bucket
}

// R2Endpoint is the S3 API endpoint of the account's R2 buckets.
func R2Endpoint(accountID string) string { return "https://" + accountID + ".r2.cloudflarestorage.com" }

// S3SecretAccessKey derives an R2 token's S3 secret access key from its value: the SHA-256 of
// the value, in lowercase hex (the access key id is the token's id).
func S3SecretAccessKey(tokenValue string) string {
	sum := sha256.Sum256([]byte(tokenValue))
	return hex.EncodeToString(sum[:])
}

// Mirror is the write side of the edge's R2 bucket: a Cloudflare API token that can read,
// write, list and delete the objects of that one bucket, as S3 credentials for the complete
// function, which copies verified outputs there. The caller stores the credentials in its
// cloud's secret store.
type Mirror struct {
	Token *cf.ApiToken
	// Endpoint is R2's S3 API URL; AccessKeyID the token id; SecretAccessKey (a secret)
	// the SHA-256 of the token's value.
	Endpoint        pulumi.StringOutput
	AccessKeyID     pulumi.StringOutput
	SecretAccessKey pulumi.StringOutput
}

// newMirror creates the token scoped to bucketName, the edge's R2 bucket (a plain name: a
// policy's resources are map keys, which cannot wait for an output).
func newMirror(ctx *pulumi.Context, name string, args *EdgeArgs, bucketName string, opts ...pulumi.ResourceOption) (*Mirror, error) {
	token, err := cf.NewApiToken(ctx, name+"-mirror-token", &cf.ApiTokenArgs{
		Name: pulumi.String(args.Prefix + "-edge-mirror"),
		Policies: cf.ApiTokenPolicyArray{cf.ApiTokenPolicyArgs{
			Effect:           pulumi.String("allow"),
			PermissionGroups: pulumi.ToStringArray([]string{PermissionR2BucketItemRead, PermissionR2BucketItemWrite}),
			Resources:        pulumi.StringMap{R2BucketResource(args.AccountID, bucketName): pulumi.String("*")},
		}},
	}, opts...)
	if err != nil {
		return nil, err
	}
	return &Mirror{
		Token:           token,
		Endpoint:        pulumi.String(R2Endpoint(args.AccountID)).ToStringOutput(),
		AccessKeyID:     token.ID().ToStringOutput(),
		SecretAccessKey: pulumi.ToSecret(token.Value.ApplyT(S3SecretAccessKey)).(pulumi.StringOutput),
	}, nil
}
