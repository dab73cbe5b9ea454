package policies

import (
	"context"
	"strings"
	"testing"

	"github.com/ottkit/ottkit/components/offline"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sqs"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

func TestFromOffline(t *testing.T) {
	program := func(ctx *pulumi.Context) error {
		b, err := s3.NewBucketV2(ctx, "media-masters", &s3.BucketV2Args{}, pulumi.RetainOnDelete(true))
		if err != nil {
			return err
		}
		if _, err := s3.NewBucketVersioningV2(ctx, "media-masters-versioning", &s3.BucketVersioningV2Args{
			Bucket: b.ID(),
			VersioningConfiguration: &s3.BucketVersioningV2VersioningConfigurationArgs{
				Status: pulumi.String("Enabled")},
		}); err != nil {
			return err
		}
		east, err := aws.NewProvider(ctx, "east", &aws.ProviderArgs{Region: pulumi.String("ap-south-1")})
		if err != nil {
			return err
		}
		_, err = sqs.NewQueue(ctx, "jobs", &sqs.QueueArgs{}, pulumi.Provider(east))
		return err
	}
	cfg := map[string]string{"aws:region": "eu-west-1", "aws:defaultTags": `{"tags":{"ottkit:customer":"acme"}}`}
	res, err := offline.Run(program, offline.Options{Project: "ottkit", Stack: "prod", Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	rs := FromOffline(res, cfg)

	bucket, _ := find(rs, "media-masters")
	if bucket.Properties["bucket"] != "media-masters" {
		t.Errorf("got bucket inputs %v, want the auto-name in bucket", bucket.Properties)
	}
	if !bucket.RetainOnDelete || !bucket.RetainOnDeleteKnown {
		t.Errorf("got retainOnDelete %v (known %v), want true", bucket.RetainOnDelete, bucket.RetainOnDeleteKnown)
	}
	if bucket.Provider == nil || bucket.Provider.Properties["region"] != "eu-west-1" ||
		bucket.Provider.Properties["defaultTags"] != `{"tags":{"ottkit:customer":"acme"}}` {
		t.Errorf("got provider %+v, want the default provider from aws: config", bucket.Provider)
	}
	versioning, _ := find(rs, "media-masters-versioning")
	if versioning.Properties["bucket"] != "media-masters" {
		t.Errorf("got versioning bucket %v, want the bucket's name", versioning.Properties["bucket"])
	}
	jobs, _ := find(rs, "jobs")
	if jobs.Provider == nil || jobs.Provider.Name != "east" || jobs.Provider.Properties["region"] != "ap-south-1" {
		t.Errorf("got provider %+v, want the explicit provider east", jobs.Provider)
	}

	e, err := mustPack(t).Prepare(context.Background(), Config{"deny_region": {Properties: map[string]any{"allowedRegions": []any{"eu-west-1"}}}})
	if err != nil {
		t.Fatal(err)
	}
	vs, err := e.Evaluate(context.Background(), StackURN("ottkit", "prod"), rs)
	if err != nil {
		t.Fatal(err)
	}
	got := policiesOf(vs)
	for _, want := range []string{"deny_region", "deny_required_tags", "deny_sqs_kms", "stack_deny_s3_public_access_block"} {
		if _, ok := got[want]; !ok {
			t.Errorf("no %s violation in %v", want, vs)
		}
	}
	if _, ok := got["stack_deny_s3_versioning"]; ok {
		t.Errorf("versioning is enabled, but got %v", vs)
	}
	for _, v := range vs {
		if v.Policy == "deny_required_tags" && strings.Contains(v.Message, `"media-masters" is missing the required tag "ottkit:customer"`) {
			t.Errorf("ottkit:customer comes from aws:defaultTags, but got %q", v.Message)
		}
	}
}
