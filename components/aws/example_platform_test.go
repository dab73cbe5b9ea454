package aws_test

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	ottaws "github.com/ottkit/ottkit/components/aws"
	"github.com/ottkit/ottkit/components/offline"
)

// A work queue fed by EventBridge: the rule, its target, the queue policy admitting that rule,
// the dead-letter queue (which also takes the events the rule cannot deliver) and three alarms come
// with it.
func ExampleNewWorkQueue() {
	res, err := offline.Run(func(ctx *pulumi.Context) error {
		key, err := ottaws.NewStackKey(ctx, "acme-prod-key", &ottaws.StackKeyArgs{Prefix: "acme-prod"})
		if err != nil {
			return err
		}
		_, err = ottaws.NewWorkQueue(ctx, "acme-prod-ingest", &ottaws.WorkQueueArgs{
			KeyArn:                 key.Arn,
			ConsumerTimeoutSeconds: 60, // the ingest function's timeout: visibility becomes 360 s
			EventPattern:           pulumi.String(`{"source":["aws.s3"],"detail-type":["Object Created"]}`),
		})
		return err
	}, offline.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range res.OfType("aws:sqs/queue:Queue") {
		fmt.Println(r.Inputs["name"])
	}
	q, _ := res.Find("aws:sqs/queue:Queue", "acme-prod-ingest-queue")
	fmt.Println("visibility", q.Inputs["visibilityTimeoutSeconds"])
	fmt.Println(len(res.OfType("aws:cloudwatch/metricAlarm:MetricAlarm")), "alarms")
	// Output:
	// acme-prod-ingest-dlq
	// acme-prod-ingest-queue
	// visibility 360
	// 3 alarms
}
