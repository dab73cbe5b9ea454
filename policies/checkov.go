package policies

import "sort"

// Relevance is how much a Checkov check matters for this platform.
type Relevance string

// The relevances, decided for a serverless video platform: High where a miss exposes media,
// credentials or an entry point, Low where the check is hygiene.
const (
	High   Relevance = "high"
	Medium Relevance = "medium"
	Low    Relevance = "low"
)

// CheckovCheck is one Checkov check (bridgecrewio/checkov, checkov/terraform/checks) on a
// resource type of the services an ottkit stack deploys: S3, CloudFront, Lambda, SQS, SNS,
// DynamoDB, KMS, IAM, API Gateway v2, CloudWatch Logs, Secrets Manager, WAFv2 and EventBridge.
type CheckovCheck struct {
	ID        string
	Title     string // Checkov's name for it
	Resources string // the Terraform resource types it inspects
	Relevance Relevance
	// LeftOut says why the pack deliberately does not enforce an applicable check.
	LeftOut string
	// NotApplicable says why the check has nothing to judge in an ottkit stack; such checks do
	// not count in the coverage.
	NotApplicable string
}

// CheckovChecks lists every Checkov check on those services, in id order. A check is covered
// when a rule's METADATA names it (custom.checkov); TestCheckovCoverage holds each one to
// exactly one of covered, LeftOut and NotApplicable.
var CheckovChecks = []CheckovCheck{
	{ID: "CKV_AWS_7", Title: "Ensure rotation for customer created CMKs is enabled", Resources: "aws_kms_key", Relevance: High},
	{ID: "CKV_AWS_9", Title: "Ensure IAM password policy expires passwords within 90 days or less", Resources: "aws_iam_account_password_policy", Relevance: Medium, NotApplicable: "account password policy: account-wide, not part of a customer stack (people sign in through SSO; deny_iam_users forbids IAM users)"},
	{ID: "CKV_AWS_10", Title: "Ensure IAM password policy requires minimum length of 14 or greater", Resources: "aws_iam_account_password_policy", Relevance: Medium, NotApplicable: "account password policy: account-wide, not part of a customer stack (people sign in through SSO; deny_iam_users forbids IAM users)"},
	{ID: "CKV_AWS_11", Title: "Ensure IAM password policy requires at least one lowercase letter", Resources: "aws_iam_account_password_policy", Relevance: Medium, NotApplicable: "account password policy: account-wide, not part of a customer stack (people sign in through SSO; deny_iam_users forbids IAM users)"},
	{ID: "CKV_AWS_12", Title: "Ensure IAM password policy requires at least one number", Resources: "aws_iam_account_password_policy", Relevance: Medium, NotApplicable: "account password policy: account-wide, not part of a customer stack (people sign in through SSO; deny_iam_users forbids IAM users)"},
	{ID: "CKV_AWS_13", Title: "Ensure IAM password policy prevents password reuse", Resources: "aws_iam_account_password_policy", Relevance: Medium, NotApplicable: "account password policy: account-wide, not part of a customer stack (people sign in through SSO; deny_iam_users forbids IAM users)"},
	{ID: "CKV_AWS_14", Title: "Ensure IAM password policy requires at least one symbol", Resources: "aws_iam_account_password_policy", Relevance: Medium, NotApplicable: "account password policy: account-wide, not part of a customer stack (people sign in through SSO; deny_iam_users forbids IAM users)"},
	{ID: "CKV_AWS_15", Title: "Ensure IAM password policy requires at least one uppercase letter", Resources: "aws_iam_account_password_policy", Relevance: Medium, NotApplicable: "account password policy: account-wide, not part of a customer stack (people sign in through SSO; deny_iam_users forbids IAM users)"},
	{ID: "CKV_AWS_18", Title: "Ensure the S3 bucket has access logging enabled", Resources: "aws_s3_bucket,aws_s3_bucket_logging", Relevance: High},
	{ID: "CKV_AWS_19", Title: "Ensure all data stored in the S3 bucket is securely encrypted at rest", Resources: "aws_s3_bucket,aws_s3_bucket_server_side_encryption_configuration", Relevance: High},
	{ID: "CKV_AWS_20", Title: "S3 Bucket has an ACL defined which allows public READ access", Resources: "aws_s3_bucket,aws_s3_bucket_acl", Relevance: High},
	{ID: "CKV_AWS_21", Title: "Ensure all data stored in the S3 bucket have versioning enabled", Resources: "aws_s3_bucket,aws_s3_bucket_versioning", Relevance: Medium},
	{ID: "CKV_AWS_26", Title: "Ensure all data stored in the SNS topic is encrypted", Resources: "aws_sns_topic", Relevance: High},
	{ID: "CKV_AWS_27", Title: "Ensure all data stored in the SQS queue is encrypted", Resources: "aws_sqs_queue", Relevance: High},
	{ID: "CKV_AWS_28", Title: "Ensure DynamoDB point in time recovery (backup) is enabled", Resources: "aws_dynamodb_table", Relevance: High},
	{ID: "CKV_AWS_33", Title: "Ensure KMS key policy does not contain wildcard (*) principal", Resources: "aws_kms_key", Relevance: High},
	{ID: "CKV_AWS_34", Title: "Ensure CloudFront distribution ViewerProtocolPolicy is set to HTTPS", Resources: "aws_cloudfront_distribution", Relevance: High},
	{ID: "CKV_AWS_40", Title: "Ensure IAM policies are attached only to groups or roles", Resources: "aws_iam_policy_attachment,aws_iam_user_policy,aws_iam_user_policy_attachment", Relevance: Medium},
	{ID: "CKV_AWS_45", Title: "Ensure no hard-coded secrets exist in lambda environment", Resources: "aws_lambda_function", Relevance: High},
	{ID: "CKV_AWS_50", Title: "X-Ray tracing is enabled for Lambda", Resources: "aws_lambda_function", Relevance: Medium},
	{ID: "CKV_AWS_53", Title: "Ensure S3 bucket has block public ACLS enabled", Resources: "aws_s3_bucket_public_access_block", Relevance: High},
	{ID: "CKV_AWS_54", Title: "Ensure S3 bucket has block public policy enabled", Resources: "aws_s3_bucket_public_access_block", Relevance: High},
	{ID: "CKV_AWS_55", Title: "Ensure S3 bucket has ignore public ACLs enabled", Resources: "aws_s3_bucket_public_access_block", Relevance: High},
	{ID: "CKV_AWS_56", Title: "Ensure S3 bucket has 'restrict_public_buckets' enabled", Resources: "aws_s3_bucket_public_access_block", Relevance: High},
	{ID: "CKV_AWS_57", Title: "S3 Bucket has an ACL defined which allows public WRITE access", Resources: "aws_s3_bucket,aws_s3_bucket_acl", Relevance: High},
	{ID: "CKV_AWS_60", Title: "Ensure IAM role allows only specific services or principals to assume it", Resources: "aws_iam_role", Relevance: High},
	{ID: "CKV_AWS_61", Title: "Ensure AWS IAM policy does not allow assume role permission across all services", Resources: "aws_iam_role", Relevance: High},
	{ID: "CKV_AWS_62", Title: "Ensure IAM policies that allow full \"*-*\" administrative privileges are not created", Resources: "aws_iam_group_policy,aws_iam_policy,aws_iam_role_policy,aws_iam_user_policy", Relevance: High},
	{ID: "CKV_AWS_63", Title: "Ensure no IAM policies documents allow \"*\" as a statement's actions", Resources: "aws_iam_group_policy,aws_iam_policy,aws_iam_role_policy,aws_iam_user_policy", Relevance: High},
	{ID: "CKV_AWS_66", Title: "Ensure that CloudWatch Log Group specifies retention days", Resources: "aws_cloudwatch_log_group", Relevance: High},
	{ID: "CKV_AWS_68", Title: "CloudFront Distribution should have WAF enabled", Resources: "aws_cloudfront_distribution", Relevance: High},
	{ID: "CKV_AWS_70", Title: "Ensure S3 bucket does not allow an action with any Principal", Resources: "aws_s3_bucket,aws_s3_bucket_policy", Relevance: High},
	{ID: "CKV_AWS_72", Title: "Ensure SQS policy does not allow ALL (*) actions", Resources: "aws_sqs_queue_policy", Relevance: High},
	{ID: "CKV_AWS_76", Title: "Ensure API Gateway has Access Logging enabled", Resources: "aws_apigatewayv2_stage", Relevance: High},
	{ID: "CKV_AWS_86", Title: "Ensure CloudFront distribution has Access Logging enabled", Resources: "aws_cloudfront_distribution", Relevance: High},
	{ID: "CKV_AWS_93", Title: "Ensure S3 bucket policy does not lockout all but root user. (Prevent lockouts needing root account fixes)", Resources: "aws_s3_bucket,aws_s3_bucket_policy", Relevance: Low},
	{ID: "CKV_AWS_94", Title: "Ensure Glue Data Catalog Encryption is enabled", Resources: "aws_kms_key_id", Relevance: Medium, NotApplicable: "Glue Data Catalog: not a service the platform deploys"},
	{ID: "CKV_AWS_115", Title: "Ensure that AWS Lambda function is configured for function-level concurrent execution limit", Resources: "aws_lambda_function", Relevance: Medium, LeftOut: "issue 9 replaced per-function reservations with a cap on each queue trigger (deny_lambda_unbounded_concurrency, scalingConfig.maximumConcurrency): a reservation per function per customer would drain the account's concurrency pool across a hundred stacks, so reservations are an explicit option, not a rule"},
	{ID: "CKV_AWS_116", Title: "Ensure that AWS Lambda function is configured for a Dead Letter Queue(DLQ)", Resources: "aws_lambda_function", Relevance: Medium},
	{ID: "CKV_AWS_117", Title: "Ensure that AWS Lambda function is configured inside a VPC", Resources: "aws_lambda_function", Relevance: Low, LeftOut: "the functions call only AWS APIs and no private resource: a VPC would add NAT gateways, cost and cold starts without shrinking the exposure (there is no network path to protect)"},
	{ID: "CKV_AWS_119", Title: "Ensure DynamoDB Tables are encrypted using a KMS Customer Managed CMK", Resources: "aws_dynamodb_table", Relevance: High},
	{ID: "CKV_AWS_143", Title: "Ensure that S3 bucket has lock configuration enabled by default", Resources: "aws_s3_bucket", Relevance: Low, LeftOut: "Object Lock (WORM) conflicts with the lifecycle rules that expire uploads and re-render renditions; masters are protected by versioning, noncurrent-version expiry and retain-on-delete instead"},
	{ID: "CKV_AWS_144", Title: "Ensure that S3 bucket has cross-region replication enabled", Resources: "aws_s3_bucket,aws_s3_bucket_replication_configuration", Relevance: Low, LeftOut: "cross-region replication copies masters out of the customer's region, against data residency (deny_region); durability within a region is 11 nines"},
	{ID: "CKV_AWS_145", Title: "Ensure that S3 buckets are encrypted with KMS by default", Resources: "aws_s3_bucket,aws_s3_bucket_server_side_encryption_configuration", Relevance: High},
	{ID: "CKV_AWS_149", Title: "Ensure that Secrets Manager secret is encrypted using KMS CMK", Resources: "aws_secretsmanager_secret", Relevance: High},
	{ID: "CKV_AWS_158", Title: "Ensure that CloudWatch Log Group is encrypted by KMS", Resources: "aws_cloudwatch_log_group", Relevance: High},
	{ID: "CKV_AWS_165", Title: "Ensure DynamoDB point in time recovery (backup) is enabled for global tables", Resources: "aws_dynamodb_global_table", Relevance: Low, LeftOut: "version 2017.11.29 global tables are a legacy API the platform never creates, and replicas in other regions conflict with data residency"},
	{ID: "CKV_AWS_168", Title: "Ensure SQS queue policy is not public by only allowing specific services or principals to access it", Resources: "aws_sqs_queue,aws_sqs_queue_policy", Relevance: High},
	{ID: "CKV_AWS_169", Title: "Ensure SNS topic policy is not public by only allowing specific services or principals to access it", Resources: "aws_sns_topic_policy", Relevance: High},
	{ID: "CKV_AWS_173", Title: "Check encryption settings for Lambda environmental variable", Resources: "aws_lambda_function", Relevance: High},
	{ID: "CKV_AWS_174", Title: "Verify CloudFront Distribution Viewer Certificate is using TLS v1.2 or higher", Resources: "aws_cloudfront_distribution", Relevance: High},
	{ID: "CKV_AWS_175", Title: "Ensure WAF has associated rules", Resources: "aws_wafv2_web_acl", Relevance: Medium},
	{ID: "CKV_AWS_181", Title: "Ensure S3 Object Copy is encrypted by KMS using a customer managed Key (CMK)", Resources: "aws_s3_object_copy", Relevance: Medium},
	{ID: "CKV_AWS_186", Title: "Ensure S3 bucket Object is encrypted by KMS using a customer managed Key (CMK)", Resources: "aws_s3_bucket_object", Relevance: Medium},
	{ID: "CKV_AWS_192", Title: "Ensure WAF prevents message lookup in Log4j2. See CVE-2021-44228 aka log4jshell", Resources: "aws_wafv2_web_acl", Relevance: High},
	{ID: "CKV_AWS_216", Title: "Ensure CloudFront distribution is enabled", Resources: "aws_cloudfront_distribution", Relevance: Low},
	{ID: "CKV_AWS_227", Title: "Ensure KMS key is enabled", Resources: "aws_kms_key", Relevance: Medium},
	{ID: "CKV_AWS_258", Title: "Ensure that Lambda function URLs AuthType is not None", Resources: "aws_lambda_function_url", Relevance: High},
	{ID: "CKV_AWS_259", Title: "Ensure CloudFront response header policy enforces Strict Transport Security", Resources: "aws_cloudfront_response_headers_policy", Relevance: High},
	{ID: "CKV_AWS_271", Title: "Ensure DynamoDB table replica KMS encryption uses CMK", Resources: "aws_dynamodb_table_replica", Relevance: Medium},
	{ID: "CKV_AWS_272", Title: "Ensure AWS Lambda function is configured to validate code-signing", Resources: "aws_lambda_function", Relevance: Medium, LeftOut: "archives are built reproducibly from the repository's source by the same program that deploys them; AWS Signer profiles and signing jobs sit outside Pulumi's plan"},
	{ID: "CKV_AWS_273", Title: "Ensure access is controlled through SSO and not AWS IAM defined users", Resources: "aws_iam_user", Relevance: High},
	{ID: "CKV_AWS_274", Title: "Disallow IAM roles, users, and groups from using the AWS AdministratorAccess policy", Resources: "aws_iam_group_policy_attachment,aws_iam_policy_attachment,aws_iam_role,aws_iam_role_policy_attachment,aws_iam_user_policy_attachment", Relevance: High},
	{ID: "CKV_AWS_286", Title: "Ensure IAM policies does not allow privilege escalation", Resources: "aws_iam_policy,aws_iam_role_policy", Relevance: High},
	{ID: "CKV_AWS_287", Title: "Ensure IAM policies does not allow credentials exposure", Resources: "aws_iam_policy,aws_iam_role_policy", Relevance: High},
	{ID: "CKV_AWS_288", Title: "Ensure IAM policies does not allow data exfiltration", Resources: "aws_iam_policy,aws_iam_role_policy", Relevance: High},
	{ID: "CKV_AWS_289", Title: "Ensure IAM policies does not allow permissions management / resource exposure without constraints", Resources: "aws_iam_policy,aws_iam_role_policy", Relevance: High},
	{ID: "CKV_AWS_290", Title: "Ensure IAM policies does not allow write access without constraints", Resources: "aws_iam_policy,aws_iam_role_policy", Relevance: High},
	{ID: "CKV_AWS_297", Title: "Ensure EventBridge Scheduler Schedule uses Customer Managed Key (CMK)", Resources: "aws_scheduler_schedule", Relevance: Medium},
	{ID: "CKV_AWS_300", Title: "Ensure S3 lifecycle configuration sets period for aborting failed uploads", Resources: "aws_s3_bucket_lifecycle_configuration", Relevance: Medium},
	{ID: "CKV_AWS_301", Title: "Ensure that AWS Lambda function is not publicly accessible", Resources: "aws_lambda_permission", Relevance: High},
	{ID: "CKV_AWS_304", Title: "Ensure Secrets Manager secrets should be rotated within 90 days", Resources: "aws_secretsmanager_secret_rotation", Relevance: Medium},
	{ID: "CKV_AWS_305", Title: "Ensure CloudFront distribution has a default root object configured", Resources: "aws_cloudfront_distribution", Relevance: Low, LeftOut: "the distribution serves only /assets/* behind signed cookies; there is no index page, and a default root object would expose one"},
	{ID: "CKV_AWS_309", Title: "Ensure API GatewayV2 routes specify an authorization type", Resources: "aws_apigatewayv2_route", Relevance: High},
	{ID: "CKV_AWS_310", Title: "Ensure CloudFront distributions should have origin failover configured", Resources: "aws_cloudfront_distribution", Relevance: Low, LeftOut: "failover needs a second origin bucket, i.e. replicated masters or renditions in another region, against data residency"},
	{ID: "CKV_AWS_338", Title: "Ensure CloudWatch log groups retains logs for at least 1 year", Resources: "aws_cloudwatch_log_group", Relevance: Medium, LeftOut: "retention is the customer's choice (ottkit:logRetentionDays, default 30 days) because function and API logs hold viewer IPs (GDPR storage limitation); deny_log_group_retention makes retention mandatory and takes minDays for customers who need a year"},
	{ID: "CKV_AWS_342", Title: "Ensure WAF rule has any actions", Resources: "aws_wafv2_rule_group,aws_wafv2_web_acl", Relevance: Medium},
	{ID: "CKV_AWS_348", Title: "Ensure IAM root user does not have Access keys", Resources: "aws_iam_access_key", Relevance: High},
	{ID: "CKV_AWS_355", Title: "Ensure no IAM policies documents allow \"*\" as a statement's resource for restrictable actions", Resources: "aws_iam_policy,aws_iam_role_policy", Relevance: High},
	{ID: "CKV_AWS_363", Title: "Ensure Lambda Runtime is not deprecated", Resources: "aws_lambda_function", Relevance: Medium},
	{ID: "CKV_AWS_364", Title: "Ensure that AWS Lambda function permissions delegated to AWS services are limited by SourceArn or SourceAccount", Resources: "aws_lambda_permission", Relevance: High},
	{ID: "CKV_AWS_374", Title: "Ensure AWS CloudFront web distribution has geo restriction enabled", Resources: "aws_cloudfront_distribution", Relevance: Low},
	{ID: "CKV_AWS_375", Title: "Ensure AWS S3 bucket does not have global view ACL permissions enabled", Resources: "aws_s3_bucket_acl", Relevance: High},
	{ID: "CKV_AWS_379", Title: "Ensure AWS S3 bucket is configured with secure data transport policy", Resources: "aws_s3_bucket_acl,aws_s3_bucket_policy,aws_s3_bucket_public_access_block,aws_s3_bucket_website_configuration", Relevance: High},
	{ID: "CKV_AWS_385", Title: "Ensure AWS SNS topic policies do not allow cross-account access", Resources: "aws_sns_topic_policy", Relevance: High},
	{ID: "CKV_AWS_387", Title: "Ensure SQS policy does not allow public access through wildcards", Resources: "aws_sqs_queue_policy", Relevance: High},
	{ID: "CKV_AWS_392", Title: "Ensure AWS S3 access point block public access setting is enabled", Resources: "aws_s3_access_point", Relevance: High},
	{ID: "CKV_AWS_393", Title: "Ensure AWS GitHub Actions OIDC authorization policies only allow", Resources: "aws_iam_policy_document,aws_iam_role", Relevance: High},
	{ID: "CKV2_AWS_5", Title: "Ensure that Security Groups are attached to another resource", Resources: "aws_apigatewayv2_vpc_link,aws_cloudwatch_event_target,aws_lambda_function", Relevance: Medium, NotApplicable: "EC2 security groups: the platform runs no VPC resources"},
	{ID: "CKV2_AWS_6", Title: "Ensure that S3 bucket has a Public Access block", Resources: "aws_s3_bucket,aws_s3_bucket_public_access_block", Relevance: High},
	{ID: "CKV2_AWS_10", Title: "Ensure CloudTrail trails are integrated with CloudWatch Logs", Resources: "aws_cloudwatch_log_group", Relevance: Medium, NotApplicable: "CloudTrail: account-level audit trail, owned by the customer's landing zone, not by a platform stack"},
	{ID: "CKV2_AWS_14", Title: "Ensure that IAM groups includes at least one IAM user", Resources: "aws_iam_group,aws_iam_group_membership,aws_iam_user", Relevance: Medium, NotApplicable: "IAM group membership: the pack forbids IAM users altogether (deny_iam_users), so there is no membership to judge"},
	{ID: "CKV2_AWS_16", Title: "Ensure that Auto Scaling is enabled on your DynamoDB tables", Resources: "aws_dynamodb_table", Relevance: Low},
	{ID: "CKV2_AWS_21", Title: "Ensure that all IAM users are members of at least one IAM group", Resources: "aws_iam_group,aws_iam_group_membership,aws_iam_user", Relevance: Medium, NotApplicable: "IAM group membership: the pack forbids IAM users altogether (deny_iam_users), so there is no membership to judge"},
	{ID: "CKV2_AWS_22", Title: "Ensure an IAM User does not have access to the console", Resources: "aws_iam_user,aws_iam_user_login_profile", Relevance: Medium},
	{ID: "CKV2_AWS_23", Title: "Route53 A Record has Attached Resource", Resources: "aws_apigatewayv2_domain_name,aws_cloudfront_distribution,aws_s3_bucket", Relevance: Medium, NotApplicable: "Route 53 records: the customer's DNS lives outside the stack"},
	{ID: "CKV2_AWS_28", Title: "Ensure public facing ALB are protected by WAF", Resources: "aws_wafv2_web_acl_association", Relevance: Medium, NotApplicable: "Application Load Balancers: not deployed"},
	{ID: "CKV2_AWS_29", Title: "Ensure public API gateway are protected by WAF", Resources: "aws_wafv2_web_acl_association", Relevance: Medium, LeftOut: "WAFv2 cannot be associated with an API Gateway HTTP API (only REST APIs); the API is authenticated (JWT) and throttled, and issue 9 puts it behind the CloudFront WAF"},
	{ID: "CKV2_AWS_31", Title: "Ensure WAF2 has a Logging Configuration", Resources: "aws_wafv2_web_acl,aws_wafv2_web_acl_logging_configuration", Relevance: Medium, LeftOut: "a CLOUDFRONT web ACL logs only to us-east-1 (CloudWatch Logs) or an aws-waf-logs- bucket or stream: a second log destination, key and residency exception per stack; left to the WAF work of issue 9"},
	{ID: "CKV2_AWS_32", Title: "Ensure CloudFront distribution has a response headers policy attached", Resources: "aws_cloudfront_distribution,aws_cloudfront_response_headers_policy", Relevance: Medium},
	{ID: "CKV2_AWS_33", Title: "Ensure AppSync is protected by WAF", Resources: "aws_wafv2_web_acl_association", Relevance: Medium, NotApplicable: "AppSync: not deployed"},
	{ID: "CKV2_AWS_40", Title: "Ensure AWS IAM policy does not allow full IAM privileges", Resources: "aws_iam_group_policy,aws_iam_policy,aws_iam_policy_document,aws_iam_role_policy,aws_iam_user_policy", Relevance: High},
	{ID: "CKV2_AWS_42", Title: "Ensure AWS CloudFront distribution uses custom SSL certificate", Resources: "aws_cloudfront_distribution", Relevance: High},
	{ID: "CKV2_AWS_43", Title: "Ensure S3 Bucket does not allow access to all Authenticated users", Resources: "aws_s3_bucket_acl", Relevance: High},
	{ID: "CKV2_AWS_46", Title: "Ensure AWS CloudFront Distribution with S3 have Origin Access set to enabled", Resources: "aws_cloudfront_distribution,aws_s3_bucket", Relevance: High},
	{ID: "CKV2_AWS_47", Title: "Ensure AWS CloudFront attached WAFv2 WebACL is configured with AMR for Log4j Vulnerability", Resources: "aws_cloudfront_distribution,aws_wafv2_web_acl", Relevance: High},
	{ID: "CKV2_AWS_51", Title: "Ensure AWS API Gateway endpoints uses client certificate authentication", Resources: "aws_apigatewayv2_api,aws_apigatewayv2_stage", Relevance: Medium, LeftOut: "mutual TLS is not possible for browser players and studios, the API's clients; they authenticate with JWTs"},
	{ID: "CKV2_AWS_54", Title: "Ensure AWS CloudFront distribution is using secure SSL protocols for HTTPS communication", Resources: "aws_cloudfront_distribution", Relevance: High},
	{ID: "CKV2_AWS_56", Title: "Ensure AWS Managed IAMFullAccess IAM policy is not used", Resources: "aws_iam_group_policy_attachment,aws_iam_policy,aws_iam_policy_attachment,aws_iam_role,aws_iam_role_policy_attachment,aws_iam_user_policy_attachment", Relevance: High},
	{ID: "CKV2_AWS_57", Title: "Ensure Secrets Manager secrets should have automatic rotation enabled", Resources: "aws_secretsmanager_secret,aws_secretsmanager_secret_rotation", Relevance: Medium, LeftOut: "the one secret is the CloudFront cookie-signing key, rotated by adding a public key to the key group (two while rotating), not by a Secrets Manager rotation function; deny_secret_rotation_period checks any rotation that is configured"},
	{ID: "CKV2_AWS_61", Title: "Ensure that an S3 bucket has a lifecycle configuration", Resources: "aws_s3_bucket,aws_s3_bucket_lifecycle_configuration", Relevance: Medium},
	{ID: "CKV2_AWS_62", Title: "Ensure S3 buckets should have event notifications enabled", Resources: "aws_s3_bucket,aws_s3_bucket_notification", Relevance: Low},
	{ID: "CKV2_AWS_64", Title: "Ensure KMS key Policy is defined", Resources: "aws_kms_key,aws_kms_key_policy", Relevance: Medium},
	{ID: "CKV2_AWS_65", Title: "Ensure access control lists for S3 buckets are disabled", Resources: "aws_s3_bucket_ownership_controls", Relevance: High},
	{ID: "CKV2_AWS_68", Title: "Ensure SageMaker notebook instance IAM policy is not overly permissive", Resources: "aws_iam_role", Relevance: Medium, NotApplicable: "SageMaker notebook roles: not deployed"},
	{ID: "CKV2_AWS_72", Title: "Ensure AWS CloudFront origin protocol policy enforces HTTPS-only", Resources: "aws_cloudfront_distribution", Relevance: High},
	{ID: "CKV2_AWS_73", Title: "Ensure AWS SQS uses CMK not AWS default keys for encryption", Resources: "aws_sqs_queue", Relevance: High},
	{ID: "CKV2_AWS_75", Title: "Ensure no open CORS policy", Resources: "aws_lambda_function,aws_lambda_function_url", Relevance: High},
	{ID: "CKV2_AWS_76", Title: "Ensure AWS ALB attached WAFv2 WebACL is configured with AMR for Log4j Vulnerability", Resources: "aws_wafv2_web_acl,aws_wafv2_web_acl_association", Relevance: Medium, NotApplicable: "Application Load Balancers: not deployed"},
	{ID: "CKV2_AWS_77", Title: "Ensure AWS API Gateway Rest API attached WAFv2 WebACL is configured with AMR for Log4j Vulnerability", Resources: "aws_apigatewayv2_api,aws_wafv2_web_acl,aws_wafv2_web_acl_association", Relevance: Medium, LeftOut: "WAFv2 cannot be associated with an API Gateway HTTP API (only REST APIs); see CKV2_AWS_29"},
	{ID: "CKV2_AWS_78", Title: "Ensure AWS AppSync attached WAFv2 WebACL is configured with AMR for Log4j Vulnerability", Resources: "aws_wafv2_web_acl,aws_wafv2_web_acl_association", Relevance: Medium, NotApplicable: "AppSync: not deployed"},
}

// CheckovCoverage is how the pack covers CheckovChecks.
type CheckovCoverage struct {
	// Covered maps each covered check's id to the rules that enforce it, sorted.
	Covered map[string][]string
	// Applicable counts the checks that are not NotApplicable.
	Applicable int
	// High and HighCovered count the applicable high-relevance checks and those covered.
	High, HighCovered int
}

// Checkov computes the pack's coverage of CheckovChecks from its rules' METADATA.
func (p *Pack) Checkov() CheckovCoverage {
	c := CheckovCoverage{Covered: map[string][]string{}}
	for _, r := range p.Rules {
		for _, id := range r.Checkov {
			c.Covered[id] = append(c.Covered[id], r.Name)
		}
	}
	for _, rules := range c.Covered {
		sort.Strings(rules)
	}
	for _, check := range CheckovChecks {
		if check.NotApplicable != "" {
			continue
		}
		c.Applicable++
		if check.Relevance == High {
			c.High++
			if len(c.Covered[check.ID]) > 0 {
				c.HighCovered++
			}
		}
	}
	return c
}

// CoveredApplicable counts the applicable checks at least one rule covers.
func (c CheckovCoverage) CoveredApplicable() int {
	n := 0
	for _, check := range CheckovChecks {
		if check.NotApplicable == "" && len(c.Covered[check.ID]) > 0 {
			n++
		}
	}
	return n
}
