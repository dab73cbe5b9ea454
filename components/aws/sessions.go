package aws

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudfront"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	cfsession "github.com/ottkit/ottkit/functions/edge/cloudfront"
)

// sessionCheck creates the edge session check: the KeyValueStore holding its HMAC keys and
// revocations (written by the api, never by Pulumi, so no key enters the state), and the
// published CloudFront Function that reads it, its code the repository's session.js byte for
// byte (an unchanged file plans no change).
func sessionCheck(ctx *pulumi.Context, name string, parent pulumi.ResourceOption) (*cloudfront.Function, *cloudfront.KeyValueStore, error) {
	store, err := cloudfront.NewKeyValueStore(ctx, name+"-sessions", &cloudfront.KeyValueStoreArgs{
		Name:    pulumi.String(name + "-sessions"),
		Comment: pulumi.String("ottkit " + name + ": edge session keys and revocations, written by the api"),
	}, parent)
	if err != nil {
		return nil, nil, err
	}
	fn, err := cloudfront.NewFunction(ctx, name+"-session-check", &cloudfront.FunctionArgs{
		Name:                      pulumi.String(name + "-session-check"),
		Comment:                   pulumi.String("ottkit " + name + ": requires the api's session cookie on media requests"),
		Runtime:                   pulumi.String(cfsession.FunctionRuntime),
		Code:                      pulumi.String(cfsession.FunctionCode),
		Publish:                   pulumi.Bool(true),
		KeyValueStoreAssociations: pulumi.StringArray{store.Arn},
	}, parent)
	if err != nil {
		return nil, nil, err
	}
	return fn, store, nil
}
