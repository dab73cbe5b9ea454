package offline

import (
	"strings"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sqs"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"
)

type box struct{ pulumi.ResourceState }

// program registers a component with children, one on an explicit provider, and exports.
func program(ctx *pulumi.Context) error {
	var c box
	if err := ctx.RegisterComponentResource("test:index:Box", "box", &c); err != nil {
		return err
	}
	east, err := aws.NewProvider(ctx, "east", &aws.ProviderArgs{Region: pulumi.String("us-east-1")})
	if err != nil {
		return err
	}
	b, err := s3.NewBucketV2(ctx, "box-data", &s3.BucketV2Args{
		Bucket: pulumi.String("acme-data"),
		Tags:   pulumi.StringMap{"customer": pulumi.String(config.Get(ctx, "ottkit:customer"))},
	}, pulumi.Parent(&c), pulumi.RetainOnDelete(true), pulumi.Protect(true))
	if err != nil {
		return err
	}
	q, err := sqs.NewQueue(ctx, "box-queue", &sqs.QueueArgs{Name: pulumi.String("acme-q")},
		pulumi.Parent(&c), pulumi.Provider(east))
	if err != nil {
		return err
	}
	if _, err := s3.NewBucketVersioningV2(ctx, "box-data-versioning", &s3.BucketVersioningV2Args{
		Bucket:                  b.ID(),
		VersioningConfiguration: s3.BucketVersioningV2VersioningConfigurationArgs{Status: pulumi.String("Enabled")},
	}, pulumi.Parent(&c)); err != nil {
		return err
	}
	ctx.Export("bucketArn", b.Arn)
	ctx.Export("queueUrl", q.Url)
	ctx.Export("names", pulumi.StringArray{b.Bucket, q.Name})
	return nil
}

func TestRunRecordsResources(t *testing.T) {
	res, err := Run(program, Options{Stack: "acme-prod", Config: map[string]string{
		"ottkit:customer": "acme", "aws:region": "eu-west-1",
	}})
	if err != nil {
		t.Fatalf("Run() error: %v", err)
	}
	wantInventory := []string{
		"aws:s3/bucketV2:BucketV2 box-data",
		"aws:s3/bucketVersioningV2:BucketVersioningV2 box-data-versioning",
		"aws:sqs/queue:Queue box-queue",
		"pulumi:providers:aws east",
		"test:index:Box box",
	}
	if got := strings.Join(res.Inventory(), "\n"); got != strings.Join(wantInventory, "\n") {
		t.Errorf("Inventory() =\n%s\nwant\n%s", got, strings.Join(wantInventory, "\n"))
	}

	box, ok := res.Find("test:index:Box", "box")
	if !ok || box.Custom {
		t.Fatalf("component box: found %v, custom %v", ok, box.Custom)
	}
	if want := "urn:pulumi:acme-prod::ottkit::test:index:Box::box"; box.URN != want {
		t.Errorf("box URN = %q, want %q", box.URN, want)
	}

	bucket, _ := res.Find("aws:s3/bucketV2:BucketV2", "box-data")
	if bucket.Parent != box.URN {
		t.Errorf("bucket parent = %q, want %q", bucket.Parent, box.URN)
	}
	if want := "urn:pulumi:acme-prod::ottkit::test:index:Box$aws:s3/bucketV2:BucketV2::box-data"; bucket.URN != want {
		t.Errorf("bucket URN = %q, want %q", bucket.URN, want)
	}
	if !bucket.RetainOnDelete || !bucket.Protect {
		t.Errorf("bucket retainOnDelete=%v protect=%v, want both true", bucket.RetainOnDelete, bucket.Protect)
	}
	if got := bucket.Inputs["tags"].(map[string]any)["customer"]; got != "acme" {
		t.Errorf("bucket tag customer = %v, want acme (from config)", got)
	}
	if got := bucket.Outputs["arn"]; got != "arn:aws:s3:::acme-data" {
		t.Errorf("bucket arn = %v", got)
	}

	ver, _ := res.Find("aws:s3/bucketVersioningV2:BucketVersioningV2", "box-data-versioning")
	if got := ver.Inputs["bucket"]; got != "acme-data" {
		t.Errorf("versioning bucket input = %v, want the bucket's id acme-data", got)
	}

	queue, _ := res.Find("aws:sqs/queue:Queue", "box-queue")
	if !strings.Contains(queue.Provider, "pulumi:providers:aws::east") {
		t.Errorf("queue provider = %q, want the east provider", queue.Provider)
	}
	if got, want := queue.Outputs["url"], "https://sqs.us-east-1.amazonaws.com/123456789012/acme-q"; got != want {
		t.Errorf("queue url = %v, want %v (region of its explicit provider)", got, want)
	}

	if got := res.Outputs["bucketArn"]; got != "arn:aws:s3:::acme-data" {
		t.Errorf("output bucketArn = %v", got)
	}
	names, _ := res.Outputs["names"].([]any)
	if len(names) != 2 || names[0] != "acme-data" || names[1] != "acme-q" {
		t.Errorf("output names = %#v", res.Outputs["names"])
	}
}

func TestRunAppliesTransformations(t *testing.T) {
	noProtect := func(args *pulumi.ResourceTransformationArgs) *pulumi.ResourceTransformationResult {
		if args.Type != "aws:s3/bucketV2:BucketV2" {
			return nil
		}
		a := args.Props.(*s3.BucketV2Args)
		a.Bucket = pulumi.String("mutated")
		return &pulumi.ResourceTransformationResult{Props: a, Opts: args.Opts}
	}
	res, err := Run(program, Options{Transformations: []pulumi.ResourceTransformation{noProtect}})
	if err != nil {
		t.Fatalf("Run() error: %v", err)
	}
	b, _ := res.Find("aws:s3/bucketV2:BucketV2", "box-data")
	if got := b.Inputs["bucket"]; got != "mutated" {
		t.Errorf("bucket input after transformation = %v, want mutated", got)
	}
}

func TestRunReturnsProgramError(t *testing.T) {
	_, err := Run(func(ctx *pulumi.Context) error {
		_, err := s3.NewBucketV2(ctx, "b", &s3.BucketV2Args{})
		if err != nil {
			return err
		}
		return errTest
	}, Options{})
	if err == nil || !strings.Contains(err.Error(), "boom") {
		t.Errorf("Run() error = %v, want the program's error", err)
	}
}

var errTest = &testError{}

type testError struct{}

func (*testError) Error() string { return "boom" }
