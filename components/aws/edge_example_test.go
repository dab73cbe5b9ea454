package aws_test

import (
	"encoding/json"
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ottkit/ottkit/components/aws"
	"github.com/ottkit/ottkit/components/offline"
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

// A function is deployed from its manifest entry: its role grants what the manifest lists, on
// the resources given here, plus what every function needs; its environment holds exactly the
// manifest's variables.
func ExampleNewGoFunction() {
	ref := func(name, arn string) aws.ResourceRef {
		return aws.ResourceRef{Name: pulumi.String(name), Arn: pulumi.String(arn)}
	}
	res, err := offline.Run(func(ctx *pulumi.Context) error {
		_, err := aws.NewGoFunction(ctx, "acme-prod-fn-api", &aws.GoFunctionArgs{
			Function: manifest.API,
			Resources: map[manifest.Resource]aws.ResourceRef{
				manifest.IngestBucket:  ref("acme-prod-ingest", "arn:aws:s3:::acme-prod-ingest"),
				manifest.CatalogTable:  ref("acme-prod-catalog", "arn:aws:dynamodb:eu-west-1:123456789012:table/acme-prod-catalog"),
				manifest.SigningSecret: ref("", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:acme-prod-signing-AbCdEf"),
			},
			Settings: map[manifest.Setting]pulumi.StringInput{
				manifest.PlaybackDomain:   pulumi.String("media.example.com"),
				manifest.PlaybackTTL:      pulumi.String("3600"),
				manifest.UploadTTL:        pulumi.String("900"),
				manifest.TenantClaim:      pulumi.String("tenant"),
				manifest.RolesClaim:       pulumi.String("roles"),
				manifest.EdgeSessionsMode: pulumi.String("off"),
				manifest.MaxUploadBytes:   pulumi.String("5368709120"),
			},
			KeyArn:       pulumi.String("arn:aws:kms:eu-west-1:123456789012:key/mrk-acme"),
			AlarmActions: pulumi.StringArray{pulumi.String("arn:aws:sns:eu-west-1:123456789012:acme-prod-alerts")},
		})
		return err
	}, offline.Options{Config: map[string]string{"aws:region": "eu-west-1"}})
	if err != nil {
		panic(err)
	}
	policy, _ := res.Find("aws:iam/rolePolicy:RolePolicy", "acme-prod-fn-api-policy")
	var doc struct {
		Statement []struct {
			Sid              string
			Action, Resource []string
		}
	}
	if err := json.Unmarshal([]byte(policy.Inputs["policy"].(string)), &doc); err != nil {
		panic(err)
	}
	for _, s := range doc.Statement {
		fmt.Println(s.Sid, s.Action, s.Resource)
	}
	// Output:
	// IngestBucketUploads [s3:ListMultipartUploadParts s3:PutObject] [arn:aws:s3:::acme-prod-ingest/uploads/*]
	// CatalogTable [dynamodb:GetItem] [arn:aws:dynamodb:eu-west-1:123456789012:table/acme-prod-catalog]
	// CatalogTableIndex [dynamodb:Query] [arn:aws:dynamodb:eu-west-1:123456789012:table/acme-prod-catalog/index/*]
	// SigningSecret [secretsmanager:GetSecretValue] [arn:aws:secretsmanager:eu-west-1:123456789012:secret:acme-prod-signing-AbCdEf]
	// StackKey [kms:Decrypt kms:GenerateDataKey] [arn:aws:kms:eu-west-1:123456789012:key/mrk-acme]
	// OwnLogGroup [logs:CreateLogStream logs:PutLogEvents] [arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/acme-prod-fn-api:log-stream:*]
	// XRay [xray:PutTelemetryRecords xray:PutTraceSegments] [*]
}
