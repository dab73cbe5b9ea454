package aws_test

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ottkit/ottkit/components/aws"
	"github.com/ottkit/ottkit/functions/aws/manifest"
)

// The events queue receives exactly the job state changes of the stack's MediaConvert queue.
func ExampleJobEventPattern() {
	pattern, err := aws.JobEventPattern("arn:aws:mediaconvert:eu-west-1:123456789012:queues/acme-prod-transcoder-queue")
	if err != nil {
		panic(err)
	}
	fmt.Println(pattern)
	// Output:
	// {"detail":{"queue":["arn:aws:mediaconvert:eu-west-1:123456789012:queues/acme-prod-transcoder-queue"]},"detail-type":["MediaConvert Job State Change"],"source":["aws.mediaconvert"]}
}

// A function is deployed from its manifest entry; its role grants what the manifest lists on
// the resources given here, and its environment holds exactly the manifest's variables.
func ExampleNewGoFunction() {
	program := func(ctx *pulumi.Context, key pulumi.StringInput, alerts pulumi.StringInput,
		refs map[manifest.Resource]aws.ResourceRef, settings map[manifest.Setting]pulumi.StringInput) error {
		fn, err := aws.NewGoFunction(ctx, "acme-prod-fn-ingest", &aws.GoFunctionArgs{
			Function:     manifest.Ingest,
			Resources:    refs,
			Settings:     settings,
			KeyArn:       key,
			AlarmActions: pulumi.StringArray{alerts},
		})
		if err != nil {
			return err
		}
		ctx.Export("ingestArchiveSha256", pulumi.String(fn.Archive.SHA256))
		return nil
	}
	_ = program
}
