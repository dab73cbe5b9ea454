// Package policy_test holds the policy pack's mutation suite: deliberate misconfigurations of
// the reference AWS stack, each applied to the real stack program with a Pulumi
// transformation, each caught by the rule meant to catch it and by no other.
package policy_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudfront"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/dynamodb"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lambda"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sqs"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ottkit/ottkit/components/offline"
	"github.com/ottkit/ottkit/components/platform"
	"github.com/ottkit/ottkit/policies"
)

const (
	projectDir = "../.."
	// reference is the stack the mutations start from: production settings, custom domain,
	// WAF, an explicit provider and a data-residency list, so every rule has something to see.
	reference = "acme-prod"
	n         = "acme-prod" // the platform name (customer-environment) resources start with
)

// mutation is one deliberate misconfiguration.
type mutation struct {
	name   string
	typ    string // type token of the resource to change
	target string // its logical name
	change func(args *pulumi.ResourceTransformationArgs) error
	opts   []pulumi.ResourceOption // options appended to the resource's own
	want   string                  // the rule that must catch it, alone
}

// addition is a mutation that adds a resource beside the stack's own: a function URL, an
// access key, a bucket website.
type addition struct {
	name string
	add  func(ctx *pulumi.Context) error
	want string // the rule that must catch it, alone
}

// plan runs the reference stack with the transformations and returns the violated rules with
// their levels, and the violations.
func plan(t *testing.T, transformations ...pulumi.ResourceTransformation) (map[string]policies.Level, []policies.Violation) {
	t.Helper()
	return planWith(t, nil, transformations...)
}

// planWith is plan with add, when set, registering its resources after the stack program's.
func planWith(t *testing.T, add func(*pulumi.Context) error, transformations ...pulumi.ResourceTransformation) (map[string]policies.Level, []policies.Violation) {
	t.Helper()
	program := platform.Program
	if add != nil {
		program = func(ctx *pulumi.Context) error {
			if err := platform.Program(ctx); err != nil {
				return err
			}
			return add(ctx)
		}
	}
	rules, vs, _ := planStack(t, reference, program, transformations...)
	return rules, vs
}

// planStack runs program for the shipped stack file of stack, offline, with the
// transformations, evaluates the pack with that stack's policy configuration, and returns the
// violated rules, the violations and the policy inputs of the resources.
func planStack(t *testing.T, stack string, program pulumi.RunFunc, transformations ...pulumi.ResourceTransformation) (map[string]policies.Level, []policies.Violation, []policies.Resource) {
	t.Helper()
	return planStackIn(t, projectDir, stack, program, transformations...)
}

// planStackIn is planStack for a stack file of the project in dir.
func planStackIn(t *testing.T, dir, stack string, program pulumi.RunFunc, transformations ...pulumi.ResourceTransformation) (map[string]policies.Level, []policies.Violation, []policies.Resource) {
	t.Helper()
	cfg, err := platform.ReadStackConfig(dir, stack)
	if err != nil {
		t.Fatal(err)
	}
	return planConfig(t, stack, cfg, program, transformations...)
}

// planConfig is planStack over cfg, the configuration of stack (its file's, changed).
func planConfig(t *testing.T, stack string, cfg map[string]string, program pulumi.RunFunc, transformations ...pulumi.ResourceTransformation) (map[string]policies.Level, []policies.Violation, []policies.Resource) {
	t.Helper()
	res, err := offline.Run(program, offline.Options{Project: "ottkit", Stack: stack, Config: cfg,
		Transformations: transformations})
	if err != nil {
		t.Fatalf("running %s: %v", stack, err)
	}
	base, err := policies.ForStack(cfg)
	if err != nil {
		t.Fatal(err)
	}
	pack, err := policies.Default()
	if err != nil {
		t.Fatal(err)
	}
	e, err := pack.Prepare(context.Background(), base)
	if err != nil {
		t.Fatal(err)
	}
	rs := policies.FromOffline(res, cfg)
	vs, err := e.Evaluate(context.Background(), policies.StackURN("ottkit", stack), rs)
	if err != nil {
		t.Fatal(err)
	}
	rules := map[string]policies.Level{}
	for _, v := range vs {
		rules[v.Policy] = v.Level
	}
	return rules, vs, rs
}

// editPolicy rewrites a policy document input (JSON text, known or not yet) with edit.
func editPolicy(in pulumi.Input, edit func(doc map[string]any)) pulumi.StringOutput {
	return pulumi.ToOutput(in).ApplyT(func(v any) (string, error) {
		s, ok := v.(string)
		if !ok {
			return "", fmt.Errorf("policy is %T, not JSON text", v)
		}
		var doc map[string]any
		if err := json.Unmarshal([]byte(s), &doc); err != nil {
			return "", err
		}
		edit(doc)
		b, err := json.Marshal(doc)
		return string(b), err
	}).(pulumi.StringOutput)
}

// addStatement returns an edit that appends statement to a document.
func addStatement(statement map[string]any) func(map[string]any) {
	return func(doc map[string]any) {
		list, _ := doc["Statement"].([]any)
		doc["Statement"] = append(list, statement)
	}
}

func props[T any](args *pulumi.ResourceTransformationArgs) (*T, error) {
	p, ok := any(args.Props).(*T)
	if !ok {
		return nil, fmt.Errorf("%s %s: props are %T, want *%T", args.Type, args.Name, args.Props, *new(T))
	}
	return p, nil
}

// orderedBehaviours replaces the distribution's ordered cache behaviours by copies f has
// changed.
func orderedBehaviours(d *cloudfront.DistributionArgs, f func(*cloudfront.DistributionOrderedCacheBehaviorArgs)) error {
	list, ok := d.OrderedCacheBehaviors.(cloudfront.DistributionOrderedCacheBehaviorArray)
	if !ok || len(list) == 0 {
		return fmt.Errorf("ordered cache behaviours are %T, want a literal array", d.OrderedCacheBehaviors)
	}
	changed := make(cloudfront.DistributionOrderedCacheBehaviorArray, len(list))
	for i, b := range list {
		var x cloudfront.DistributionOrderedCacheBehaviorArgs
		switch v := b.(type) {
		case cloudfront.DistributionOrderedCacheBehaviorArgs:
			x = v
		case *cloudfront.DistributionOrderedCacheBehaviorArgs:
			x = *v
		default:
			return fmt.Errorf("ordered behaviour is %T", b)
		}
		f(&x)
		changed[i] = x
	}
	d.OrderedCacheBehaviors = changed
	return nil
}

func mutations() []mutation {
	fn := func(name string) string { return n + "-fn-" + name }
	storage := func(role string) string { return n + "-storage-" + role }
	kmsRule := func(alg string, bucketKey bool) s3.BucketServerSideEncryptionConfigurationV2RuleArray {
		def := &s3.BucketServerSideEncryptionConfigurationV2RuleApplyServerSideEncryptionByDefaultArgs{SseAlgorithm: pulumi.String(alg)}
		if alg != "AES256" {
			def.KmsMasterKeyId = pulumi.String("arn:aws:kms:eu-west-1:123456789012:key/mrk-acme")
		}
		return s3.BucketServerSideEncryptionConfigurationV2RuleArray{s3.BucketServerSideEncryptionConfigurationV2RuleArgs{
			ApplyServerSideEncryptionByDefault: def, BucketKeyEnabled: pulumi.Bool(bucketKey)}}
	}
	return append([]mutation{
		// storage
		{"public bucket", "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", storage("delivery") + "-public-access",
			func(a *pulumi.ResourceTransformationArgs) error {
				p, err := props[s3.BucketPublicAccessBlockArgs](a)
				if err == nil {
					p.BlockPublicPolicy, p.RestrictPublicBuckets = pulumi.Bool(false), pulumi.Bool(false)
				}
				return err
			}, nil, "stack_deny_s3_public_access_block"},
		{"AES256 masters", "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2", storage("masters") + "-encryption",
			func(a *pulumi.ResourceTransformationArgs) error {
				p, err := props[s3.BucketServerSideEncryptionConfigurationV2Args](a)
				if err == nil {
					p.Rules = kmsRule("AES256", false)
				}
				return err
			}, nil, "stack_deny_s3_encryption_kms"},
		{"no bucket key", "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2", storage("ingest") + "-encryption",
			func(a *pulumi.ResourceTransformationArgs) error {
				p, err := props[s3.BucketServerSideEncryptionConfigurationV2Args](a)
				if err == nil {
					p.Rules = kmsRule("aws:kms", false)
				}
				return err
			}, nil, "stack_deny_s3_encryption_kms"},
		{"KMS on the access-log bucket", "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2", storage("logs") + "-encryption",
			func(a *pulumi.ResourceTransformationArgs) error {
				p, err := props[s3.BucketServerSideEncryptionConfigurationV2Args](a)
				if err == nil {
					p.Rules = kmsRule("aws:kms", true)
				}
				return err
			}, nil, "stack_deny_s3_log_bucket_encryption"},
		{"plain HTTP allowed", "aws:s3/bucketPolicy:BucketPolicy", storage("ingest") + "-policy",
			func(a *pulumi.ResourceTransformationArgs) error {
				p, err := props[s3.BucketPolicyArgs](a)
				if err == nil {
					p.Policy = pulumi.String(`{"Version":"2012-10-17","Statement":[{"Sid":"KeepBucket","Effect":"Deny","Principal":"*","Action":"s3:DeleteBucket","Resource":"arn:aws:s3:::` + storage("ingest") + `-123456789012"}]}`)
				}
				return err
			}, nil, "stack_deny_s3_tls_only"},
		{"masters unversioned", "aws:s3/bucketVersioningV2:BucketVersioningV2", storage("masters") + "-versioning",
			func(a *pulumi.ResourceTransformationArgs) error {
				p, err := props[s3.BucketVersioningV2Args](a)
				if err == nil {
					p.VersioningConfiguration = &s3.BucketVersioningV2VersioningConfigurationArgs{Status: pulumi.String("Suspended")}
				}
				return err
			}, nil, "stack_deny_s3_versioning"},
		{"lifecycle disabled", "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2", storage("delivery") + "-lifecycle",
			func(a *pulumi.ResourceTransformationArgs) error {
				p, err := props[s3.BucketLifecycleConfigurationV2Args](a)
				if err == nil {
					p.Rules = s3.BucketLifecycleConfigurationV2RuleArray{s3.BucketLifecycleConfigurationV2RuleArgs{
						Id: pulumi.String("tiering"), Status: pulumi.String("Disabled"),
						Filter: &s3.BucketLifecycleConfigurationV2RuleFilterArgs{Prefix: pulumi.String("")},
						AbortIncompleteMultipartUpload: &s3.BucketLifecycleConfigurationV2RuleAbortIncompleteMultipartUploadArgs{
							DaysAfterInitiation: pulumi.Int(1)},
					}}
				}
				return err
			}, nil, "stack_deny_s3_lifecycle"},
		{"multipart uploads kept", "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2", storage("ingest") + "-lifecycle",
			func(a *pulumi.ResourceTransformationArgs) error {
				p, err := props[s3.BucketLifecycleConfigurationV2Args](a)
				if err == nil {
					p.Rules = s3.BucketLifecycleConfigurationV2RuleArray{s3.BucketLifecycleConfigurationV2RuleArgs{
						Id: pulumi.String("expire-uploads"), Status: pulumi.String("Enabled"),
						Filter:     &s3.BucketLifecycleConfigurationV2RuleFilterArgs{Prefix: pulumi.String("")},
						Expiration: &s3.BucketLifecycleConfigurationV2RuleExpirationArgs{Days: pulumi.Int(14)},
					}}
				}
				return err
			}, nil, "stack_deny_s3_abort_multipart"},
		{"access logging off", "aws:s3/bucketLoggingV2:BucketLoggingV2", storage("masters") + "-logging",
			func(a *pulumi.ResourceTransformationArgs) error {
				p, err := props[s3.BucketLoggingV2Args](a)
				if err == nil {
					p.TargetBucket = pulumi.String("")
				}
				return err
			}, nil, "stack_deny_s3_access_logging"},
		{"masters not retained", "aws:s3/bucketV2:BucketV2", storage("masters"),
			func(*pulumi.ResourceTransformationArgs) error { return nil },
			[]pulumi.ResourceOption{pulumi.RetainOnDelete(false)}, "deny_stateful_retained"},

		// queues
		{"queue without DLQ", "aws:sqs/queue:Queue", n + "-transcode-queue",
			func(a *pulumi.ResourceTransformationArgs) error {
				p, err := props[sqs.QueueArgs](a)
				if err == nil {
					p.RedrivePolicy = nil
				}
				return err
			}, nil, "stack_deny_sqs_dead_letter"},
		{"queue without KMS", "aws:sqs/queue:Queue", n + "-ingest-queue",
			func(a *pulumi.ResourceTransformationArgs) error {
				p, err := props[sqs.QueueArgs](a)
				if err == nil {
					p.KmsMasterKeyId, p.SqsManagedSseEnabled = nil, pulumi.Bool(true)
				}
				return err
			}, nil, "deny_sqs_kms"},
		{"visibility below 6x", "aws:sqs/queue:Queue", n + "-events-queue",
			func(a *pulumi.ResourceTransformationArgs) error {
				p, err := props[sqs.QueueArgs](a)
				if err == nil {
					p.VisibilityTimeoutSeconds = pulumi.Int(5)
				}
				return err
			}, nil, "stack_deny_sqs_visibility_timeout"},
		{"missing tag", "aws:sqs/queue:Queue", n + "-ingest-dlq",
			func(a *pulumi.ResourceTransformationArgs) error {
				p, err := props[sqs.QueueArgs](a)
				if err != nil {
					return err
				}
				tags, ok := p.Tags.(pulumi.StringMap)
				if !ok {
					return fmt.Errorf("queue tags are %T", p.Tags)
				}
				kept := pulumi.StringMap{}
				for k, v := range tags {
					if k != "ottkit:customer" {
						kept[k] = v
					}
				}
				p.Tags = kept
				return nil
			}, nil, "deny_required_tags"},

		// iam
		{"wildcard action", "aws:iam/rolePolicy:RolePolicy", fn("ingest") + "-policy",
			func(a *pulumi.ResourceTransformationArgs) error {
				p, err := props[iam.RolePolicyArgs](a)
				if err == nil {
					p.Policy = editPolicy(p.Policy, addStatement(map[string]any{"Effect": "Allow", "Action": "s3:*",
						"Resource": "arn:aws:s3:::" + storage("ingest") + "-123456789012/*"}))
				}
				return err
			}, nil, "deny_iam_wildcard_action"},
		{"Resource *", "aws:iam/rolePolicy:RolePolicy", fn("complete") + "-policy",
			func(a *pulumi.ResourceTransformationArgs) error {
				p, err := props[iam.RolePolicyArgs](a)
				if err == nil {
					p.Policy = editPolicy(p.Policy, addStatement(map[string]any{"Effect": "Allow",
						"Action": []any{"dynamodb:GetItem"}, "Resource": "*"}))
				}
				return err
			}, nil, "deny_iam_wildcard_resource"},
		{"PassRole without condition", "aws:iam/rolePolicy:RolePolicy", fn("transcode") + "-policy",
			func(a *pulumi.ResourceTransformationArgs) error {
				p, err := props[iam.RolePolicyArgs](a)
				if err == nil {
					p.Policy = editPolicy(p.Policy, addStatement(map[string]any{"Effect": "Allow", "Action": "iam:PassRole",
						"Resource": "arn:aws:iam::123456789012:role/" + n + "-transcoder-role"}))
				}
				return err
			}, nil, "deny_iam_passrole"},
		{"AdministratorAccess", "aws:iam/role:Role", fn("api") + "-role",
			func(a *pulumi.ResourceTransformationArgs) error {
				p, err := props[iam.RoleArgs](a)
				if err == nil {
					p.ManagedPolicyArns = pulumi.StringArray{pulumi.String("arn:aws:iam::aws:policy/AdministratorAccess")}
				}
				return err
			}, nil, "deny_iam_managed_admin"},

		// cdn
		{"allow-all viewer protocol", "aws:cloudfront/distribution:Distribution", n + "-delivery-cdn",
			func(a *pulumi.ResourceTransformationArgs) error {
				p, err := props[cloudfront.DistributionArgs](a)
				if err != nil {
					return err
				}
				return orderedBehaviours(p, func(b *cloudfront.DistributionOrderedCacheBehaviorArgs) {
					b.ViewerProtocolPolicy = pulumi.String("allow-all")
				})
			}, nil, "deny_cloudfront_viewer_protocol"},
		{"TLSv1", "aws:cloudfront/distribution:Distribution", n + "-delivery-cdn",
			func(a *pulumi.ResourceTransformationArgs) error {
				p, err := props[cloudfront.DistributionArgs](a)
				if err == nil {
					p.ViewerCertificate = &cloudfront.DistributionViewerCertificateArgs{
						AcmCertificateArn:      pulumi.String("arn:aws:acm:us-east-1:210987654321:certificate/4b0c9a36-2f1e-4b8e-9d67-0c1a2b3c4d5e"),
						SslSupportMethod:       pulumi.String("sni-only"),
						MinimumProtocolVersion: pulumi.String("TLSv1"),
					}
				}
				return err
			}, nil, "deny_cloudfront_tls"},
		{"no key group", "aws:cloudfront/distribution:Distribution", n + "-delivery-cdn",
			func(a *pulumi.ResourceTransformationArgs) error {
				p, err := props[cloudfront.DistributionArgs](a)
				if err != nil {
					return err
				}
				return orderedBehaviours(p, func(b *cloudfront.DistributionOrderedCacheBehaviorArgs) {
					b.TrustedKeyGroups = pulumi.StringArray{}
				})
			}, nil, "deny_cloudfront_signed_urls"},
		{"origin access identity", "aws:cloudfront/distribution:Distribution", n + "-delivery-cdn",
			func(a *pulumi.ResourceTransformationArgs) error {
				p, err := props[cloudfront.DistributionArgs](a)
				if err == nil {
					p.Origins = cloudfront.DistributionOriginArray{&cloudfront.DistributionOriginArgs{
						OriginId:   pulumi.String("delivery"),
						DomainName: pulumi.String(storage("delivery") + "-123456789012.s3.eu-west-1.amazonaws.com"),
						S3OriginConfig: &cloudfront.DistributionOriginS3OriginConfigArgs{
							OriginAccessIdentity: pulumi.String("origin-access-identity/cloudfront/E2QWRUHAPOMQZL")},
					}}
				}
				return err
			}, nil, "deny_cloudfront_origin_access"},
		{"no CDN logging", "aws:cloudfront/distribution:Distribution", n + "-delivery-cdn",
			func(a *pulumi.ResourceTransformationArgs) error {
				p, err := props[cloudfront.DistributionArgs](a)
				if err == nil {
					p.LoggingConfig = nil
				}
				return err
			}, nil, "deny_cloudfront_logging"},
		{"no response headers policy", "aws:cloudfront/distribution:Distribution", n + "-delivery-cdn",
			func(a *pulumi.ResourceTransformationArgs) error {
				p, err := props[cloudfront.DistributionArgs](a)
				if err != nil {
					return err
				}
				return orderedBehaviours(p, func(b *cloudfront.DistributionOrderedCacheBehaviorArgs) {
					b.ResponseHeadersPolicyId = nil
				})
			}, nil, "deny_cloudfront_response_headers"},
		{"prod without WAF", "aws:cloudfront/distribution:Distribution", n + "-delivery-cdn",
			func(a *pulumi.ResourceTransformationArgs) error {
				p, err := props[cloudfront.DistributionArgs](a)
				if err == nil {
					p.WebAclId = nil
				}
				return err
			}, nil, "deny_cloudfront_waf"},

		// functions
		{"deprecated runtime", "aws:lambda/function:Function", fn("ingest") + "-function",
			func(a *pulumi.ResourceTransformationArgs) error {
				p, err := props[lambda.FunctionArgs](a)
				if err == nil {
					p.Runtime = pulumi.String("go1.x")
				}
				return err
			}, nil, "deny_lambda_runtime"},
		{"x86_64", "aws:lambda/function:Function", fn("complete") + "-function",
			func(a *pulumi.ResourceTransformationArgs) error {
				p, err := props[lambda.FunctionArgs](a)
				if err == nil {
					p.Architectures = pulumi.StringArray{pulumi.String("x86_64")}
				}
				return err
			}, nil, "warn_lambda_arm64"},
		{"no tracing", "aws:lambda/function:Function", fn("transcode") + "-function",
			func(a *pulumi.ResourceTransformationArgs) error {
				p, err := props[lambda.FunctionArgs](a)
				if err == nil {
					p.TracingConfig = &lambda.FunctionTracingConfigArgs{Mode: pulumi.String("PassThrough")}
				}
				return err
			}, nil, "deny_lambda_tracing"},
		{"uncapped queue trigger", "aws:lambda/eventSourceMapping:EventSourceMapping", fn("ingest") + "-trigger",
			func(a *pulumi.ResourceTransformationArgs) error {
				p, err := props[lambda.EventSourceMappingArgs](a)
				if err == nil {
					p.ScalingConfig = nil
				}
				return err
			}, nil, "deny_lambda_unbounded_concurrency"},
		{"concurrency reserved from the account's pool", "aws:lambda/function:Function", fn("api") + "-function",
			func(a *pulumi.ResourceTransformationArgs) error {
				p, err := props[lambda.FunctionArgs](a)
				if err == nil {
					p.ReservedConcurrentExecutions = pulumi.IntPtr(20)
				}
				return err
			}, nil, "deny_lambda_unbounded_concurrency"},
		{"15 minute timeout", "aws:lambda/function:Function", fn("api") + "-function",
			func(a *pulumi.ResourceTransformationArgs) error {
				p, err := props[lambda.FunctionArgs](a)
				if err == nil {
					p.Timeout = pulumi.Int(900)
				}
				return err
			}, nil, "deny_lambda_timeout"},
		{"password in environment", "aws:lambda/function:Function", fn("api") + "-function",
			func(a *pulumi.ResourceTransformationArgs) error {
				p, err := props[lambda.FunctionArgs](a)
				if err == nil {
					p.Environment = &lambda.FunctionEnvironmentArgs{Variables: pulumi.StringMap{"DB_PASSWORD": pulumi.String("hunter2")}}
				}
				return err
			}, nil, "deny_lambda_env_secrets"},
		{"week-long playback cookies", "aws:lambda/function:Function", fn("api") + "-function",
			func(a *pulumi.ResourceTransformationArgs) error {
				p, err := props[lambda.FunctionArgs](a)
				if err != nil {
					return err
				}
				env, ok := p.Environment.(*lambda.FunctionEnvironmentArgs)
				if !ok {
					return fmt.Errorf("environment is %T", p.Environment)
				}
				vars, ok := env.Variables.(pulumi.StringMap)
				if !ok {
					return fmt.Errorf("environment variables are %T", env.Variables)
				}
				changed := pulumi.StringMap{}
				for k, v := range vars {
					changed[k] = v
				}
				changed["PLAYBACK_TTL"] = pulumi.String("604800")
				p.Environment = &lambda.FunctionEnvironmentArgs{Variables: changed}
				return nil
			}, nil, "deny_signed_cookie_lifetime"},
		{"logs kept forever", "aws:cloudwatch/logGroup:LogGroup", fn("ingest") + "-logs",
			func(a *pulumi.ResourceTransformationArgs) error {
				p, err := props[cloudwatch.LogGroupArgs](a)
				if err == nil {
					p.RetentionInDays = nil
				}
				return err
			}, nil, "deny_log_group_retention"},

		// catalog
		{"no PITR", "aws:dynamodb/table:Table", n + "-catalog-table",
			func(a *pulumi.ResourceTransformationArgs) error {
				p, err := props[dynamodb.TableArgs](a)
				if err == nil {
					p.PointInTimeRecovery = &dynamodb.TablePointInTimeRecoveryArgs{Enabled: pulumi.Bool(false)}
				}
				return err
			}, nil, "deny_dynamodb_pitr"},
		{"no deletion protection", "aws:dynamodb/table:Table", n + "-catalog-table",
			func(a *pulumi.ResourceTransformationArgs) error {
				p, err := props[dynamodb.TableArgs](a)
				if err == nil {
					p.DeletionProtectionEnabled = pulumi.Bool(false)
				}
				return err
			}, nil, "deny_dynamodb_deletion_protection"},
		{"AWS owned table key", "aws:dynamodb/table:Table", n + "-catalog-table",
			func(a *pulumi.ResourceTransformationArgs) error {
				p, err := props[dynamodb.TableArgs](a)
				if err == nil {
					p.ServerSideEncryption = nil
				}
				return err
			}, nil, "deny_dynamodb_encryption"},

		// governance
		{"region outside the allow-list", "pulumi:providers:aws", n + "-provider",
			func(a *pulumi.ResourceTransformationArgs) error {
				p, err := props[aws.ProviderArgs](a)
				if err == nil {
					p.Region = pulumi.String("ap-south-1")
				}
				return err
			}, nil, "deny_region"},
		{"key without rotation", "aws:kms/key:Key", n + "-key-cmk",
			func(a *pulumi.ResourceTransformationArgs) error {
				p, err := props[kms.KeyArgs](a)
				if err == nil {
					p.EnableKeyRotation = pulumi.Bool(false)
				}
				return err
			}, nil, "deny_kms_key_rotation"},
	}, exposureMutations()...)
}

// TestReferenceStackIsClean is the baseline every mutation is compared with.
func TestReferenceStackIsClean(t *testing.T) {
	rules, vs := plan(t)
	if len(rules) != 0 {
		t.Fatalf("the reference stack %s has violations: %v", reference, vs)
	}
}

func TestMutations(t *testing.T) {
	ms := mutations()
	if len(ms) < 60 {
		t.Fatalf("got %d mutations, want at least 60", len(ms))
	}
	for _, m := range ms {
		t.Run(m.name, func(t *testing.T) {
			var applied atomic.Int32
			var changeErr atomic.Value
			transform := func(args *pulumi.ResourceTransformationArgs) *pulumi.ResourceTransformationResult {
				if args.Type != m.typ || args.Name != m.target {
					return nil
				}
				applied.Add(1)
				if err := m.change(args); err != nil {
					changeErr.Store(err)
				}
				return &pulumi.ResourceTransformationResult{Props: args.Props, Opts: append(args.Opts, m.opts...)}
			}
			rules, vs := plan(t, transform)
			if err, _ := changeErr.Load().(error); err != nil {
				t.Fatalf("applying the mutation: %v", err)
			}
			if got := applied.Load(); got != 1 {
				t.Fatalf("the mutation matched %d resources (%s %s), want 1", got, m.typ, m.target)
			}
			got := make([]string, 0, len(rules))
			for r := range rules {
				got = append(got, r)
			}
			sort.Strings(got)
			if strings.Join(got, ",") != m.want {
				t.Errorf("caught by %v, want by %s alone; violations: %v", got, m.want, vs)
			}
		})
	}
}

// TestMutationsCoverEveryRule holds the suite to one mutation at least per rule (TestMutations
// proves each is caught by the rule it names).
func TestMutationsCoverEveryRule(t *testing.T) {
	pack, err := policies.Default()
	if err != nil {
		t.Fatal(err)
	}
	covered := map[string]bool{}
	all := mutations()
	for _, m := range gcpMutations() {
		all = append(all, m.mutation)
	}
	for _, m := range all {
		if _, ok := pack.Rule(m.want); !ok {
			t.Errorf("mutation %q names %s, which is not a rule of the pack", m.name, m.want)
		}
		covered[m.want] = true
	}
	for _, a := range additions() {
		if _, ok := pack.Rule(a.want); !ok {
			t.Errorf("addition %q names %s, which is not a rule of the pack", a.name, a.want)
		}
		covered[a.want] = true
	}
	for _, r := range pack.Rules {
		if !covered[r.Name] {
			t.Errorf("no mutation is meant for %s", r.Name)
		}
	}
}

// TestEveryStackPasses plans every stack file with its own policy configuration.
func TestEveryStackPasses(t *testing.T) {
	stacks, err := stackNames()
	if err != nil {
		t.Fatal(err)
	}
	pack, err := policies.Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, stack := range stacks {
		t.Run(stack, func(t *testing.T) {
			cfg, err := platform.ReadStackConfig(projectDir, stack)
			if err != nil {
				t.Fatal(err)
			}
			res, err := offline.Run(platform.Program, offline.Options{Project: "ottkit", Stack: stack, Config: cfg})
			if err != nil {
				t.Fatal(err)
			}
			base, err := policies.ForStack(cfg)
			if err != nil {
				t.Fatal(err)
			}
			e, err := pack.Prepare(context.Background(), base)
			if err != nil {
				t.Fatal(err)
			}
			vs, err := e.Evaluate(context.Background(), policies.StackURN("ottkit", stack), policies.FromOffline(res, cfg))
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range vs {
				if v.Level == policies.Mandatory {
					t.Errorf("%s: %s (%s)", v.Policy, v.Message, v.URN)
				}
			}
		})
	}
}
