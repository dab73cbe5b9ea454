package policies_test

import (
	"context"
	"fmt"

	"github.com/ottkit/ottkit/policies"
)

// Evaluate the embedded pack on one queue, configured the way a stack with
// ottkit:allowedRegions [eu-west-1] would be.
func Example() {
	pack, err := policies.Default()
	if err != nil {
		panic(err)
	}
	cfg, err := policies.ForStack(map[string]string{"ottkit:allowedRegions": `["eu-west-1"]`})
	if err != nil {
		panic(err)
	}
	e, err := pack.Prepare(context.Background(), cfg)
	if err != nil {
		panic(err)
	}
	queue := policies.Resource{
		URN:  "urn:pulumi:dev::ottkit::aws:sqs/queue:Queue::jobs",
		Type: "aws:sqs/queue:Queue",
		Name: "jobs",
		Properties: map[string]any{
			"name":          "jobs",
			"redrivePolicy": `{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:123456789012:jobs-dlq","maxReceiveCount":5}`,
			"tags":          map[string]any{"ottkit:customer": "acme", "ottkit:environment": "dev"},
		},
		Provider: &policies.Provider{Type: "pulumi:providers:aws", Name: "default",
			Properties: map[string]any{"region": "us-east-1"}},
	}
	vs, err := e.Evaluate(context.Background(), policies.StackURN("ottkit", "dev"), []policies.Resource{queue})
	if err != nil {
		panic(err)
	}
	for _, v := range vs {
		fmt.Printf("%s %s: %s\n", v.Level, v.Policy, v.Message)
	}
	fmt.Println("blocking:", policies.Blocking(vs))
	// Output:
	// mandatory deny_region: Queue "jobs" is in region "us-east-1", outside the allowed regions ["eu-west-1"]
	// mandatory deny_sqs_kms: Queue "jobs" is not encrypted with a KMS key
	// blocking: true
}
