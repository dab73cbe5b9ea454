package policy_test

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/apigatewayv2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudfront"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/dynamodb"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lambda"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/scheduler"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/secretsmanager"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sns"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sqs"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/wafv2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// The reference stack's account and names, as the offline engine resolves them.
const (
	account     = "123456789012"
	apiFunction = "arn:aws:lambda:eu-west-1:" + account + ":function:" + n + "-fn-api"
)

// exposureMutations are the faults a security reviewer looks for first: grants to everyone or
// to another account, unauthenticated entry points, data outside the stack key, and the
// services the first mutations do not touch (API, WAF, logs, secrets, topics, schedules).
func exposureMutations() []mutation {
	fn := func(name string) string { return n + "-fn-" + name }
	storage := func(role string) string { return n + "-storage-" + role }
	bucket := func(role string) string { return storage(role) + "-" + account }
	grant := func(statement map[string]any) func(map[string]any) { return addStatement(statement) }
	return []mutation{
		// grants to everyone, whatever the action
		{"queue open to everyone", "aws:sqs/queuePolicy:QueuePolicy", n + "-ingest-policy",
			func(a *pulumi.ResourceTransformationArgs) error {
				p, err := props[sqs.QueuePolicyArgs](a)
				if err == nil {
					p.Policy = editPolicy(p.Policy, grant(map[string]any{"Effect": "Allow", "Principal": "*",
						"Action": "sqs:SendMessage", "Resource": "arn:aws:sqs:eu-west-1:" + account + ":" + n + "-ingest-queue"}))
				}
				return err
			}, nil, "deny_public_resource_policy"},
		{"role anyone can assume", "aws:iam/role:Role", fn("api") + "-role",
			func(a *pulumi.ResourceTransformationArgs) error {
				p, err := props[iam.RoleArgs](a)
				if err == nil {
					p.AssumeRolePolicy = editPolicy(p.AssumeRolePolicy, grant(map[string]any{"Effect": "Allow",
						"Principal": map[string]any{"AWS": "*"}, "Action": "sts:AssumeRole"}))
				}
				return err
			}, nil, "deny_iam_trust_public"},
		{"role trusting a whole account", "aws:iam/role:Role", fn("ingest") + "-role",
			func(a *pulumi.ResourceTransformationArgs) error {
				p, err := props[iam.RoleArgs](a)
				if err == nil {
					p.AssumeRolePolicy = editPolicy(p.AssumeRolePolicy, grant(map[string]any{"Effect": "Allow",
						"Principal": map[string]any{"AWS": "arn:aws:iam::" + account + ":root"}, "Action": "sts:AssumeRole"}))
				}
				return err
			}, nil, "deny_iam_trust_account"},
		{"GitHub OIDC trust without subject", "aws:iam/role:Role", fn("complete") + "-role",
			func(a *pulumi.ResourceTransformationArgs) error {
				p, err := props[iam.RoleArgs](a)
				if err == nil {
					p.AssumeRolePolicy = editPolicy(p.AssumeRolePolicy, grant(map[string]any{"Effect": "Allow",
						"Principal": map[string]any{"Federated": "arn:aws:iam::" + account + ":oidc-provider/token.actions.githubusercontent.com"},
						"Action":    "sts:AssumeRoleWithWebIdentity",
						"Condition": map[string]any{"StringEquals": map[string]any{"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}}}))
				}
				return err
			}, nil, "deny_iam_trust_oidc"},
		{"function can rewrite its role", "aws:iam/rolePolicy:RolePolicy", fn("ingest") + "-policy",
			func(a *pulumi.ResourceTransformationArgs) error {
				p, err := props[iam.RolePolicyArgs](a)
				if err == nil {
					p.Policy = editPolicy(p.Policy, grant(map[string]any{"Effect": "Allow", "Action": "iam:AttachRolePolicy",
						"Resource": "arn:aws:iam::" + account + ":role/" + fn("ingest") + "-role"}))
				}
				return err
			}, nil, "deny_iam_privilege_escalation"},
		{"function mints access keys", "aws:iam/rolePolicy:RolePolicy", fn("complete") + "-policy",
			func(a *pulumi.ResourceTransformationArgs) error {
				p, err := props[iam.RolePolicyArgs](a)
				if err == nil {
					p.Policy = editPolicy(p.Policy, grant(map[string]any{"Effect": "Allow", "Action": "iam:CreateAccessKey",
						"Resource": "arn:aws:iam::" + account + ":user/deploy"}))
				}
				return err
			}, nil, "deny_iam_credentials_exposure"},
		{"topic shared with another account", "aws:sns/topicPolicy:TopicPolicy", n + "-alerts-notify-policy",
			func(a *pulumi.ResourceTransformationArgs) error {
				p, err := props[sns.TopicPolicyArgs](a)
				if err == nil {
					p.Policy = editPolicy(p.Policy, grant(map[string]any{"Effect": "Allow",
						"Principal": map[string]any{"AWS": "arn:aws:iam::999988887777:root"}, "Action": "sns:Subscribe",
						"Resource":  "arn:aws:sns:eu-west-1:" + account + ":" + n + "-alerts-notify",
						"Condition": map[string]any{"StringEquals": map[string]any{"sns:Protocol": "sqs"}}}))
				}
				return err
			}, nil, "stack_deny_cross_account"},

		// buckets
		{"ACLs left on", "aws:s3/bucketOwnershipControls:BucketOwnershipControls", storage("masters") + "-ownership",
			func(a *pulumi.ResourceTransformationArgs) error {
				p, err := props[s3.BucketOwnershipControlsArgs](a)
				if err == nil {
					p.Rule = &s3.BucketOwnershipControlsRuleArgs{ObjectOwnership: pulumi.String("ObjectWriter")}
				}
				return err
			}, nil, "stack_deny_s3_object_ownership"},
		{"policy locking everyone out", "aws:s3/bucketPolicy:BucketPolicy", storage("masters") + "-policy",
			func(a *pulumi.ResourceTransformationArgs) error {
				p, err := props[s3.BucketPolicyArgs](a)
				if err == nil {
					p.Policy = editPolicy(p.Policy, grant(map[string]any{"Effect": "Deny", "Principal": "*", "Action": "s3:*",
						"Resource": []any{"arn:aws:s3:::" + bucket("masters"), "arn:aws:s3:::" + bucket("masters") + "/*"}}))
				}
				return err
			}, nil, "deny_s3_policy_lockout"},
		{"upload CORS *", "aws:s3/bucketCorsConfigurationV2:BucketCorsConfigurationV2", storage("ingest") + "-cors",
			func(a *pulumi.ResourceTransformationArgs) error {
				p, err := props[s3.BucketCorsConfigurationV2Args](a)
				if err == nil {
					p.CorsRules = s3.BucketCorsConfigurationV2CorsRuleArray{s3.BucketCorsConfigurationV2CorsRuleArgs{
						AllowedMethods: pulumi.StringArray{pulumi.String("PUT")},
						AllowedOrigins: pulumi.StringArray{pulumi.String("*")},
						AllowedHeaders: pulumi.StringArray{pulumi.String("content-type")}}}
				}
				return err
			}, nil, "deny_s3_cors_origins"},
		{"uploads never announced", "aws:s3/bucketNotification:BucketNotification", storage("ingest") + "-events",
			func(a *pulumi.ResourceTransformationArgs) error {
				p, err := props[s3.BucketNotificationArgs](a)
				if err == nil {
					p.Eventbridge = pulumi.Bool(false)
				}
				return err
			}, nil, "stack_deny_s3_ingest_notifications"},

		// CDN and WAF
		{"origin over plain HTTP", "aws:cloudfront/distribution:Distribution", n + "-delivery-cdn",
			func(a *pulumi.ResourceTransformationArgs) error {
				return addOrigin(a, &cloudfront.DistributionOriginArgs{OriginId: pulumi.String("packager"),
					DomainName: pulumi.String("packager.acme.example"),
					CustomOriginConfig: &cloudfront.DistributionOriginCustomOriginConfigArgs{HttpPort: pulumi.Int(80), HttpsPort: pulumi.Int(443),
						OriginProtocolPolicy: pulumi.String("http-only"), OriginSslProtocols: pulumi.StringArray{pulumi.String("TLSv1.2")}}})
			}, nil, "deny_cloudfront_origin_protocol"},
		{"S3 website origin", "aws:cloudfront/distribution:Distribution", n + "-delivery-cdn",
			func(a *pulumi.ResourceTransformationArgs) error {
				return addOrigin(a, &cloudfront.DistributionOriginArgs{OriginId: pulumi.String("site"),
					DomainName: pulumi.String(bucket("delivery") + ".s3-website-eu-west-1.amazonaws.com"),
					CustomOriginConfig: &cloudfront.DistributionOriginCustomOriginConfigArgs{HttpPort: pulumi.Int(80), HttpsPort: pulumi.Int(443),
						OriginProtocolPolicy: pulumi.String("https-only"), OriginSslProtocols: pulumi.StringArray{pulumi.String("TLSv1.2")}}})
			}, nil, "deny_cloudfront_website_origin"},
		{"worldwide playback", "aws:cloudfront/distribution:Distribution", n + "-delivery-cdn",
			func(a *pulumi.ResourceTransformationArgs) error {
				p, err := props[cloudfront.DistributionArgs](a)
				if err == nil {
					p.Restrictions = &cloudfront.DistributionRestrictionsArgs{GeoRestriction: &cloudfront.DistributionRestrictionsGeoRestrictionArgs{
						RestrictionType: pulumi.String("none")}}
				}
				return err
			}, nil, "deny_cloudfront_geo_restriction"},
		{"distribution disabled", "aws:cloudfront/distribution:Distribution", n + "-delivery-cdn",
			func(a *pulumi.ResourceTransformationArgs) error {
				p, err := props[cloudfront.DistributionArgs](a)
				if err == nil {
					p.Enabled = pulumi.Bool(false)
				}
				return err
			}, nil, "warn_cloudfront_enabled"},
		{"HSTS for an hour", "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy", n + "-delivery-headers",
			func(a *pulumi.ResourceTransformationArgs) error {
				p, err := props[cloudfront.ResponseHeadersPolicyArgs](a)
				if err != nil {
					return err
				}
				sec, ok := p.SecurityHeadersConfig.(*cloudfront.ResponseHeadersPolicySecurityHeadersConfigArgs)
				if !ok {
					return fmt.Errorf("security headers are %T", p.SecurityHeadersConfig)
				}
				changed := *sec
				changed.StrictTransportSecurity = &cloudfront.ResponseHeadersPolicySecurityHeadersConfigStrictTransportSecurityArgs{
					AccessControlMaxAgeSec: pulumi.Int(3600), IncludeSubdomains: pulumi.Bool(true), Override: pulumi.Bool(true)}
				p.SecurityHeadersConfig = &changed
				return nil
			}, nil, "deny_cloudfront_hsts"},
		{"WAF rule without action", "aws:wafv2/webAcl:WebAcl", n + "-delivery-waf",
			func(a *pulumi.ResourceTransformationArgs) error {
				return editRules(a, func(rules []*wafv2.WebAclRuleArgs) []*wafv2.WebAclRuleArgs {
					first := *rules[0]
					first.Action = nil
					return append([]*wafv2.WebAclRuleArgs{&first}, rules[1:]...)
				})
			}, nil, "deny_waf_rules"},
		{"no known bad inputs", "aws:wafv2/webAcl:WebAcl", n + "-delivery-waf",
			func(a *pulumi.ResourceTransformationArgs) error {
				return editRules(a, func(rules []*wafv2.WebAclRuleArgs) []*wafv2.WebAclRuleArgs {
					var kept []*wafv2.WebAclRuleArgs
					for _, r := range rules {
						if r.Name != pulumi.String("aws-known-bad-inputs") {
							kept = append(kept, r)
						}
					}
					return kept
				})
			}, nil, "deny_waf_bad_inputs"},

		// entry points
		{"anyone may invoke", "aws:lambda/permission:Permission", n + "-api-invoke",
			func(a *pulumi.ResourceTransformationArgs) error {
				p, err := props[lambda.PermissionArgs](a)
				if err == nil {
					p.Principal = pulumi.String("*")
				}
				return err
			}, nil, "deny_lambda_public_permission"},
		{"service permission without source", "aws:lambda/permission:Permission", n + "-api-invoke",
			func(a *pulumi.ResourceTransformationArgs) error {
				p, err := props[lambda.PermissionArgs](a)
				if err == nil {
					p.SourceArn = nil
				}
				return err
			}, nil, "deny_lambda_permission_source"},
		{"route without authorizer", "aws:apigatewayv2/route:Route", n + "-api-route-get-assets",
			func(a *pulumi.ResourceTransformationArgs) error {
				p, err := props[apigatewayv2.RouteArgs](a)
				if err == nil {
					p.AuthorizationType, p.AuthorizerId = pulumi.String("NONE"), nil
				}
				return err
			}, nil, "deny_apigw_route_auth"},
		{"stage without access logs", "aws:apigatewayv2/stage:Stage", n + "-api-stage",
			func(a *pulumi.ResourceTransformationArgs) error {
				p, err := props[apigatewayv2.StageArgs](a)
				if err == nil {
					p.AccessLogSettings = nil
				}
				return err
			}, nil, "deny_apigw_access_logs"},
		{"stage without throttling", "aws:apigatewayv2/stage:Stage", n + "-api-stage",
			func(a *pulumi.ResourceTransformationArgs) error {
				p, err := props[apigatewayv2.StageArgs](a)
				if err == nil {
					p.DefaultRouteSettings = &apigatewayv2.StageDefaultRouteSettingsArgs{DetailedMetricsEnabled: pulumi.Bool(true)}
				}
				return err
			}, nil, "deny_apigw_throttling"},
		{"API CORS *", "aws:apigatewayv2/api:Api", n + "-api-api",
			func(a *pulumi.ResourceTransformationArgs) error {
				p, err := props[apigatewayv2.ApiArgs](a)
				if err != nil {
					return err
				}
				cors, ok := p.CorsConfiguration.(*apigatewayv2.ApiCorsConfigurationArgs)
				if !ok {
					return fmt.Errorf("CORS configuration is %T", p.CorsConfiguration)
				}
				changed := *cors
				changed.AllowOrigins = pulumi.StringArray{pulumi.String("*")}
				p.CorsConfiguration = &changed
				return nil
			}, nil, "deny_apigw_cors"},
		{"async target without DLQ", "aws:cloudwatch/eventTarget:EventTarget", n + "-events-target",
			func(a *pulumi.ResourceTransformationArgs) error {
				p, err := props[cloudwatch.EventTargetArgs](a)
				if err == nil {
					p.Arn = pulumi.String("arn:aws:lambda:eu-west-1:" + account + ":function:" + fn("complete"))
				}
				return err
			}, nil, "stack_deny_lambda_async_dlq"},

		// data outside the stack key, logs
		{"environment under aws/lambda", "aws:lambda/function:Function", fn("complete") + "-function",
			func(a *pulumi.ResourceTransformationArgs) error {
				p, err := props[lambda.FunctionArgs](a)
				if err == nil {
					p.KmsKeyArn = nil
				}
				return err
			}, nil, "deny_lambda_env_kms"},
		{"function logs to a group nobody manages", "aws:lambda/function:Function", fn("ingest") + "-function",
			func(a *pulumi.ResourceTransformationArgs) error {
				p, err := props[lambda.FunctionArgs](a)
				if err == nil {
					p.LoggingConfig = &lambda.FunctionLoggingConfigArgs{LogFormat: pulumi.String("JSON"),
						LogGroup: pulumi.String("/aws/lambda/" + fn("ingest") + "-unmanaged")}
				}
				return err
			}, nil, "stack_deny_lambda_log_retention"},
		{"API logs without key", "aws:cloudwatch/logGroup:LogGroup", n + "-api-logs",
			func(a *pulumi.ResourceTransformationArgs) error {
				p, err := props[cloudwatch.LogGroupArgs](a)
				if err == nil {
					p.KmsKeyId = nil
				}
				return err
			}, nil, "deny_log_group_kms"},
		{"topic under aws/sns", "aws:sns/topic:Topic", n + "-alerts-notify",
			func(a *pulumi.ResourceTransformationArgs) error {
				p, err := props[sns.TopicArgs](a)
				if err == nil {
					p.KmsMasterKeyId = pulumi.String("alias/aws/sns")
				}
				return err
			}, nil, "deny_sns_kms"},
		{"secret under aws/secretsmanager", "aws:secretsmanager/secret:Secret", n + "-delivery-signing-secret",
			func(a *pulumi.ResourceTransformationArgs) error {
				p, err := props[secretsmanager.SecretArgs](a)
				if err == nil {
					p.KmsKeyId = nil
				}
				return err
			}, nil, "deny_secret_kms"},
		{"fixed table capacity", "aws:dynamodb/table:Table", n + "-catalog-table",
			func(a *pulumi.ResourceTransformationArgs) error {
				p, err := props[dynamodb.TableArgs](a)
				if err == nil {
					p.BillingMode, p.ReadCapacity, p.WriteCapacity = pulumi.String("PROVISIONED"), pulumi.Int(5), pulumi.Int(5)
				}
				return err
			}, nil, "stack_deny_dynamodb_capacity"},
		{"key created disabled", "aws:kms/key:Key", n + "-key-cmk",
			func(a *pulumi.ResourceTransformationArgs) error {
				p, err := props[kms.KeyArgs](a)
				if err == nil {
					p.IsEnabled = pulumi.Bool(false)
				}
				return err
			}, nil, "deny_kms_key_enabled"},
		{"default key policy", "aws:kms/key:Key", n + "-key-cmk",
			func(a *pulumi.ResourceTransformationArgs) error {
				p, err := props[kms.KeyArgs](a)
				if err == nil {
					p.Policy = nil
				}
				return err
			}, nil, "stack_deny_kms_key_policy"},
	}
}

// additions are the faults that add a resource rather than change one.
func additions() []addition {
	fn := func(name string) string { return n + "-fn-" + name }
	storage := func(role string) string { return n + "-storage-" + role }
	bucket := func(role string) string { return storage(role) + "-" + account }
	return append(append(cloudflareAdditions(), sessionAdditions()...), []addition{
		{"IAM user access key", func(ctx *pulumi.Context) error {
			_, err := iam.NewAccessKey(ctx, n+"-deploy-key", &iam.AccessKeyArgs{User: pulumi.String("deploy")})
			return err
		}, "deny_iam_users"},
		{"public-read ACL", func(ctx *pulumi.Context) error {
			_, err := s3.NewBucketAclV2(ctx, storage("delivery")+"-acl", &s3.BucketAclV2Args{
				Bucket: pulumi.String(bucket("delivery")), Acl: pulumi.String("public-read")})
			return err
		}, "deny_s3_public_acl"},
		{"bucket website", func(ctx *pulumi.Context) error {
			_, err := s3.NewBucketWebsiteConfigurationV2(ctx, storage("delivery")+"-website", &s3.BucketWebsiteConfigurationV2Args{
				Bucket:        pulumi.String(bucket("delivery")),
				IndexDocument: &s3.BucketWebsiteConfigurationV2IndexDocumentArgs{Suffix: pulumi.String("index.html")}})
			return err
		}, "deny_s3_website"},
		{"object under SSE-S3", func(ctx *pulumi.Context) error {
			_, err := s3.NewBucketObjectv2(ctx, storage("delivery")+"-crossdomain", &s3.BucketObjectv2Args{
				Bucket: pulumi.String(bucket("delivery")), Key: pulumi.String("crossdomain.xml"),
				Content: pulumi.String("<cross-domain-policy/>"), ServerSideEncryption: pulumi.String("AES256")})
			return err
		}, "deny_s3_object_kms"},
		{"public access point", func(ctx *pulumi.Context) error {
			_, err := s3.NewAccessPoint(ctx, storage("masters")+"-ap", &s3.AccessPointArgs{
				Bucket: pulumi.String(bucket("masters")), Name: pulumi.String(n + "-masters"),
				PublicAccessBlockConfiguration: &s3.AccessPointPublicAccessBlockConfigurationArgs{
					BlockPublicAcls: pulumi.Bool(true), BlockPublicPolicy: pulumi.Bool(false),
					IgnorePublicAcls: pulumi.Bool(true), RestrictPublicBuckets: pulumi.Bool(true)}})
			return err
		}, "deny_s3_access_point_public"},
		{"open block on a bucket outside the stack", func(ctx *pulumi.Context) error {
			_, err := s3.NewBucketPublicAccessBlock(ctx, n+"-legacy-public-access", &s3.BucketPublicAccessBlockArgs{
				Bucket: pulumi.String("acme-legacy-media"), BlockPublicAcls: pulumi.Bool(true), BlockPublicPolicy: pulumi.Bool(false),
				IgnorePublicAcls: pulumi.Bool(true), RestrictPublicBuckets: pulumi.Bool(true)})
			return err
		}, "stack_deny_s3_public_access_block"},
		{"function URL without auth", func(ctx *pulumi.Context) error {
			_, err := lambda.NewFunctionUrl(ctx, fn("api")+"-url", &lambda.FunctionUrlArgs{
				FunctionName: pulumi.String(fn("api")), AuthorizationType: pulumi.String("NONE")})
			return err
		}, "deny_lambda_url_auth"},
		{"function URL CORS *", func(ctx *pulumi.Context) error {
			_, err := lambda.NewFunctionUrl(ctx, fn("api")+"-url", &lambda.FunctionUrlArgs{
				FunctionName: pulumi.String(fn("api")), AuthorizationType: pulumi.String("AWS_IAM"),
				Cors: &lambda.FunctionUrlCorsArgs{AllowOrigins: pulumi.StringArray{pulumi.String("*")}}})
			return err
		}, "deny_lambda_url_cors"},
		{"yearly secret rotation", func(ctx *pulumi.Context) error {
			_, err := secretsmanager.NewSecretRotation(ctx, n+"-delivery-signing-rotation", &secretsmanager.SecretRotationArgs{
				SecretId:          pulumi.String(n + "-delivery-signing"),
				RotationLambdaArn: pulumi.String("arn:aws:lambda:eu-west-1:" + account + ":function:" + n + "-rotate"),
				RotationRules:     &secretsmanager.SecretRotationRotationRulesArgs{AutomaticallyAfterDays: pulumi.Int(365)}})
			return err
		}, "deny_secret_rotation_period"},
		{"schedule without key", func(ctx *pulumi.Context) error {
			_, err := scheduler.NewSchedule(ctx, n+"-nightly", &scheduler.ScheduleArgs{
				ScheduleExpression: pulumi.String("rate(1 day)"),
				FlexibleTimeWindow: &scheduler.ScheduleFlexibleTimeWindowArgs{Mode: pulumi.String("OFF")},
				Target: &scheduler.ScheduleTargetArgs{Arn: pulumi.String(apiFunction),
					RoleArn: pulumi.String("arn:aws:iam::" + account + ":role/" + n + "-scheduler")}})
			return err
		}, "deny_scheduler_kms"},
	}...)
}

// addOrigin appends origin to a distribution's origins.
func addOrigin(a *pulumi.ResourceTransformationArgs, origin *cloudfront.DistributionOriginArgs) error {
	p, err := props[cloudfront.DistributionArgs](a)
	if err != nil {
		return err
	}
	list, ok := p.Origins.(cloudfront.DistributionOriginArray)
	if !ok {
		return fmt.Errorf("origins are %T, want a literal array", p.Origins)
	}
	p.Origins = append(append(cloudfront.DistributionOriginArray{}, list...), origin)
	return nil
}

// editRules replaces a web ACL's rules by what edit makes of them.
func editRules(a *pulumi.ResourceTransformationArgs, edit func([]*wafv2.WebAclRuleArgs) []*wafv2.WebAclRuleArgs) error {
	p, err := props[wafv2.WebAclArgs](a)
	if err != nil {
		return err
	}
	list, ok := p.Rules.(wafv2.WebAclRuleArray)
	if !ok {
		return fmt.Errorf("rules are %T, want a literal array", p.Rules)
	}
	rules := make([]*wafv2.WebAclRuleArgs, len(list))
	for i, r := range list {
		x, ok := r.(*wafv2.WebAclRuleArgs)
		if !ok {
			return fmt.Errorf("rule %d is %T", i, r)
		}
		rules[i] = x
	}
	changed := wafv2.WebAclRuleArray{}
	for _, r := range edit(rules) {
		changed = append(changed, r)
	}
	p.Rules = changed
	return nil
}

func TestAdditions(t *testing.T) {
	as := additions()
	if len(as) < 10 {
		t.Fatalf("got %d additions, want at least 10", len(as))
	}
	for _, a := range as {
		t.Run(a.name, func(t *testing.T) {
			rules, vs := planWith(t, a.add)
			got := make([]string, 0, len(rules))
			for r := range rules {
				got = append(got, r)
			}
			sort.Strings(got)
			if strings.Join(got, ",") != a.want {
				t.Errorf("caught by %v, want by %s alone; violations: %v", got, a.want, vs)
			}
		})
	}
}
