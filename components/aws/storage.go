package aws

import (
	"errors"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ottkit/ottkit/components/iampolicy"
)

// MediaStorageType is the type token of MediaStorage.
const MediaStorageType = "ottkit:aws:MediaStorage"

// Defaults of MediaStorageArgs, in days.
const (
	DefaultIngestExpirationDays            = 7
	DefaultArchiveAfterDays                = 30
	DefaultDeepArchiveAfterDays            = 180
	DefaultNoncurrentVersionExpirationDays = 30
	DefaultAccessLogExpirationDays         = 365
	DefaultAbortIncompleteUploadDays       = 1
)

// MediaStorageArgs configures the platform's four buckets.
type MediaStorageArgs struct {
	// KeyArn is the KMS key the ingest, masters and delivery buckets encrypt with (SSE-KMS
	// with bucket keys). Required.
	KeyArn pulumi.StringInput
	// BucketSuffix ends every bucket name, which must be unique across all of S3:
	// "<name>-<role>-<suffix>". Plain because it decides physical names; defaults to the
	// account id.
	BucketSuffix string
	// UploadOrigins are the browser origins allowed to PUT presigned uploads into the ingest
	// bucket. Plain: without origins no CORS configuration is created.
	UploadOrigins []string
	// IngestExpirationDays is how long uploads and quarantined files stay in ingest.
	IngestExpirationDays int
	// ArchiveAfterDays moves masters to S3 Glacier Instant Retrieval; DeepArchiveAfterDays to
	// S3 Glacier Deep Archive (negative: never).
	ArchiveAfterDays     int
	DeepArchiveAfterDays int
	// NoncurrentVersionExpirationDays expires replaced master versions: overwritten or
	// deleted masters, and the STANDARD copy an in-place archive (CopyObject to the archive
	// storage class) leaves behind, which is why the default is short.
	NoncurrentVersionExpirationDays int
	// AccessLogExpirationDays expires access logs.
	AccessLogExpirationDays int
	// AbortIncompleteUploadDays aborts multipart uploads left unfinished.
	AbortIncompleteUploadDays int
	// DestroyData lets `pulumi destroy` delete masters, delivery and logs with their
	// contents. By default they are retained (and never force-destroyed).
	DestroyData bool
	// DeliveryPolicyByCaller leaves the delivery bucket's policy to the caller, which must
	// include SecureTransportStatements: S3 keeps one policy per bucket, and the statement
	// admitting the CDN can only be written once the distribution exists (the Delivery
	// component does both).
	DeliveryPolicyByCaller bool
	// Tags are set on every bucket.
	Tags pulumi.StringMap
}

// MediaStorage is the platform's storage: ingest (uploads, expiring), masters (versioned,
// archived), delivery (transcoded outputs, served only by the CDN) and logs (S3 access logs).
// Every bucket blocks public access, enforces bucket-owner object ownership, requires TLS 1.2
// or later and aborts abandoned multipart uploads.
type MediaStorage struct {
	pulumi.ResourceState

	Ingest, Masters, Delivery, Logs *s3.BucketV2

	IngestName   pulumi.StringOutput `pulumi:"ingestName"`
	MastersName  pulumi.StringOutput `pulumi:"mastersName"`
	DeliveryName pulumi.StringOutput `pulumi:"deliveryName"`
	LogsName     pulumi.StringOutput `pulumi:"logsName"`
	IngestArn    pulumi.StringOutput `pulumi:"ingestArn"`
	MastersArn   pulumi.StringOutput `pulumi:"mastersArn"`
	DeliveryArn  pulumi.StringOutput `pulumi:"deliveryArn"`
	LogsArn      pulumi.StringOutput `pulumi:"logsArn"`
	// DeliveryRegionalDomainName is the CDN origin's domain.
	DeliveryRegionalDomainName pulumi.StringOutput `pulumi:"deliveryRegionalDomainName"`
	// CDNLogsName is the logs bucket's name, resolved only once its object ownership accepts
	// ACLs (BucketOwnerPreferred). CloudFront standard logging refuses a bucket without ACL
	// access ("does not enable ACL access"), so a distribution that logs here must take its
	// bucket name from this output (DeliveryArgs.LogsBucketName), which makes it wait.
	CDNLogsName pulumi.StringOutput `pulumi:"cdnLogsName"`
}

func (a *MediaStorageArgs) withDefaults() MediaStorageArgs {
	out := *a
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&out.IngestExpirationDays, DefaultIngestExpirationDays)
	def(&out.ArchiveAfterDays, DefaultArchiveAfterDays)
	def(&out.DeepArchiveAfterDays, DefaultDeepArchiveAfterDays)
	def(&out.NoncurrentVersionExpirationDays, DefaultNoncurrentVersionExpirationDays)
	def(&out.AccessLogExpirationDays, DefaultAccessLogExpirationDays)
	def(&out.AbortIncompleteUploadDays, DefaultAbortIncompleteUploadDays)
	return out
}

func (a *MediaStorageArgs) validate(name string) error {
	var errs []error
	if a.KeyArn == nil {
		errs = append(errs, errors.New("media storage: KeyArn is required"))
	}
	// "<name>-delivery-<12-digit account>" must fit S3's 63 characters.
	suffix := len(a.BucketSuffix)
	if suffix == 0 {
		suffix = 12
	}
	if err := checkName("media storage", name, 63-len("-delivery-")-suffix); err != nil {
		errs = append(errs, err)
	}
	if a.BucketSuffix != "" && !nameRe.MatchString(a.BucketSuffix) {
		errs = append(errs, fmt.Errorf("media storage: BucketSuffix %q must be lowercase letters, digits and hyphens", a.BucketSuffix))
	} else {
		// The account id stands in for the default suffix: digits, so only the name can clash.
		sfx := a.BucketSuffix
		if sfx == "" {
			sfx = "000000000000"
		}
		for _, role := range bucketRoles {
			if err := CheckBucketName(BucketName(name, role, sfx)); err != nil {
				errs = append(errs, fmt.Errorf("media storage %s: %w", name, err))
				break
			}
		}
	}
	for _, f := range []struct {
		field string
		v     int
	}{
		{"IngestExpirationDays", a.IngestExpirationDays}, {"ArchiveAfterDays", a.ArchiveAfterDays},
		{"NoncurrentVersionExpirationDays", a.NoncurrentVersionExpirationDays},
		{"AccessLogExpirationDays", a.AccessLogExpirationDays}, {"AbortIncompleteUploadDays", a.AbortIncompleteUploadDays},
	} {
		if f.v < 0 {
			errs = append(errs, fmt.Errorf("media storage: %s %d is negative", f.field, f.v))
		}
	}
	if a.DeepArchiveAfterDays > 0 && a.DeepArchiveAfterDays <= a.ArchiveAfterDays {
		errs = append(errs, fmt.Errorf("media storage: DeepArchiveAfterDays %d must come after ArchiveAfterDays %d",
			a.DeepArchiveAfterDays, a.ArchiveAfterDays))
	}
	for i, o := range a.UploadOrigins {
		if o == "" || o == "*" {
			errs = append(errs, fmt.Errorf("media storage: UploadOrigins[%d] %q must name one origin", i, o))
		}
	}
	return errors.Join(errs...)
}

// NewMediaStorage creates the four buckets and their configuration.
func NewMediaStorage(ctx *pulumi.Context, name string, args *MediaStorageArgs, opts ...pulumi.ResourceOption) (*MediaStorage, error) {
	if args == nil {
		return nil, errors.New("media storage: args are required")
	}
	a := args.withDefaults()
	if err := a.validate(name); err != nil {
		return nil, err
	}
	m := &MediaStorage{}
	if err := ctx.RegisterComponentResource(MediaStorageType, name, m, opts...); err != nil {
		return nil, err
	}
	acct, err := lookupAccount(ctx, m)
	if err != nil {
		return nil, fmt.Errorf("media storage %s: %w", name, err)
	}
	suffix := a.BucketSuffix
	if suffix == "" {
		suffix = acct.ID
	}
	b := &bucketMaker{ctx: ctx, name: name, suffix: suffix, parent: m, args: &a, account: acct}

	// Logs first: the other buckets log into it.
	if m.Logs, err = b.bucket("logs", !a.DestroyData); err != nil {
		return nil, err
	}
	if m.Ingest, err = b.bucket("ingest", false); err != nil {
		return nil, err
	}
	if m.Masters, err = b.bucket("masters", !a.DestroyData); err != nil {
		return nil, err
	}
	if m.Delivery, err = b.bucket("delivery", !a.DestroyData); err != nil {
		return nil, err
	}
	if err := b.configure(m); err != nil {
		return nil, err
	}

	m.IngestName, m.MastersName, m.DeliveryName, m.LogsName = m.Ingest.Bucket, m.Masters.Bucket, m.Delivery.Bucket, m.Logs.Bucket
	m.IngestArn, m.MastersArn, m.DeliveryArn, m.LogsArn = m.Ingest.Arn, m.Masters.Arn, m.Delivery.Arn, m.Logs.Arn
	m.DeliveryRegionalDomainName = m.Delivery.BucketRegionalDomainName
	return m, ctx.RegisterResourceOutputs(m, pulumi.Map{
		"ingestName": m.IngestName, "mastersName": m.MastersName, "deliveryName": m.DeliveryName, "logsName": m.LogsName,
		"ingestArn": m.IngestArn, "mastersArn": m.MastersArn, "deliveryArn": m.DeliveryArn, "logsArn": m.LogsArn,
		"deliveryRegionalDomainName": m.DeliveryRegionalDomainName, "cdnLogsName": m.CDNLogsName,
	})
}

// bucketRoles are the four buckets, named "<name>-<role>-<suffix>".
var bucketRoles = []string{"logs", "ingest", "masters", "delivery"}

type bucketMaker struct {
	ctx     *pulumi.Context
	name    string
	suffix  string
	parent  pulumi.Resource
	args    *MediaStorageArgs
	account account
}

func (b *bucketMaker) opts(extra ...pulumi.ResourceOption) []pulumi.ResourceOption {
	return append([]pulumi.ResourceOption{pulumi.Parent(b.parent)}, extra...)
}

func (b *bucketMaker) bucket(role string, retain bool) (*s3.BucketV2, error) {
	var opts []pulumi.ResourceOption
	if retain {
		opts = append(opts, pulumi.RetainOnDelete(true))
	}
	return s3.NewBucketV2(b.ctx, b.name+"-"+role, &s3.BucketV2Args{
		Bucket: pulumi.String(BucketName(b.name, role, b.suffix)),
		// Only transient uploads may be deleted with their contents unless the stack opts in.
		ForceDestroy: pulumi.Bool(role == "ingest" || b.args.DestroyData),
		Tags:         b.args.Tags,
	}, b.opts(opts...)...)
}

// configure adds to each bucket what S3 keeps as separate resources.
func (b *bucketMaker) configure(m *MediaStorage) error {
	a := b.args
	type bucketConf struct {
		role      string
		bucket    *s3.BucketV2
		kms       bool
		versioned bool
		rules     s3.BucketLifecycleConfigurationV2RuleArray
		policy    bool
		logged    bool
		ownership string
	}
	abort := func(days int) *s3.BucketLifecycleConfigurationV2RuleAbortIncompleteMultipartUploadArgs {
		return &s3.BucketLifecycleConfigurationV2RuleAbortIncompleteMultipartUploadArgs{DaysAfterInitiation: pulumi.Int(days)}
	}
	all := &s3.BucketLifecycleConfigurationV2RuleFilterArgs{Prefix: pulumi.String("")}
	masterTransitions := s3.BucketLifecycleConfigurationV2RuleTransitionArray{
		s3.BucketLifecycleConfigurationV2RuleTransitionArgs{Days: pulumi.Int(a.ArchiveAfterDays), StorageClass: pulumi.String("GLACIER_IR")},
	}
	if a.DeepArchiveAfterDays > 0 {
		masterTransitions = append(masterTransitions, s3.BucketLifecycleConfigurationV2RuleTransitionArgs{
			Days: pulumi.Int(a.DeepArchiveAfterDays), StorageClass: pulumi.String("DEEP_ARCHIVE")})
	}
	confs := []bucketConf{
		{role: "logs", bucket: m.Logs, policy: true,
			// CloudFront standard logging writes with object ACLs, which BucketOwnerEnforced
			// disables; BucketOwnerPreferred still gives the bucket owner every object.
			ownership: "BucketOwnerPreferred",
			rules: s3.BucketLifecycleConfigurationV2RuleArray{s3.BucketLifecycleConfigurationV2RuleArgs{
				Id: pulumi.String("expire-logs"), Status: pulumi.String("Enabled"), Filter: all,
				Expiration:                     &s3.BucketLifecycleConfigurationV2RuleExpirationArgs{Days: pulumi.Int(a.AccessLogExpirationDays)},
				AbortIncompleteMultipartUpload: abort(a.AbortIncompleteUploadDays),
			}}},
		{role: "ingest", bucket: m.Ingest, kms: true, policy: true, logged: true, ownership: "BucketOwnerEnforced",
			rules: s3.BucketLifecycleConfigurationV2RuleArray{s3.BucketLifecycleConfigurationV2RuleArgs{
				Id: pulumi.String("expire-uploads"), Status: pulumi.String("Enabled"), Filter: all,
				Expiration:                     &s3.BucketLifecycleConfigurationV2RuleExpirationArgs{Days: pulumi.Int(a.IngestExpirationDays)},
				AbortIncompleteMultipartUpload: abort(a.AbortIncompleteUploadDays),
			}}},
		{role: "masters", bucket: m.Masters, kms: true, versioned: true, policy: true, logged: true, ownership: "BucketOwnerEnforced",
			rules: s3.BucketLifecycleConfigurationV2RuleArray{s3.BucketLifecycleConfigurationV2RuleArgs{
				Id: pulumi.String("archive-masters"), Status: pulumi.String("Enabled"), Filter: all,
				Transitions:                 masterTransitions,
				NoncurrentVersionExpiration: &s3.BucketLifecycleConfigurationV2RuleNoncurrentVersionExpirationArgs{NoncurrentDays: pulumi.Int(a.NoncurrentVersionExpirationDays)},
				// Delete markers left once every old version expired only clutter listings.
				Expiration:                     &s3.BucketLifecycleConfigurationV2RuleExpirationArgs{ExpiredObjectDeleteMarker: pulumi.Bool(true)},
				AbortIncompleteMultipartUpload: abort(a.AbortIncompleteUploadDays),
			}}},
		{role: "delivery", bucket: m.Delivery, kms: true, policy: !a.DeliveryPolicyByCaller, logged: true, ownership: "BucketOwnerEnforced",
			rules: s3.BucketLifecycleConfigurationV2RuleArray{s3.BucketLifecycleConfigurationV2RuleArgs{
				Id: pulumi.String("intelligent-tiering"), Status: pulumi.String("Enabled"), Filter: all,
				Transitions: s3.BucketLifecycleConfigurationV2RuleTransitionArray{
					s3.BucketLifecycleConfigurationV2RuleTransitionArgs{Days: pulumi.Int(0), StorageClass: pulumi.String("INTELLIGENT_TIERING")}},
				AbortIncompleteMultipartUpload: abort(a.AbortIncompleteUploadDays),
			}}},
	}

	for _, c := range confs {
		n := b.name + "-" + c.role
		pab, err := s3.NewBucketPublicAccessBlock(b.ctx, n+"-public-access", &s3.BucketPublicAccessBlockArgs{
			Bucket:                c.bucket.ID(),
			BlockPublicAcls:       pulumi.Bool(true),
			BlockPublicPolicy:     pulumi.Bool(true),
			IgnorePublicAcls:      pulumi.Bool(true),
			RestrictPublicBuckets: pulumi.Bool(true),
		}, b.opts()...)
		if err != nil {
			return err
		}
		ownership, err := s3.NewBucketOwnershipControls(b.ctx, n+"-ownership", &s3.BucketOwnershipControlsArgs{
			Bucket: c.bucket.ID(),
			Rule:   &s3.BucketOwnershipControlsRuleArgs{ObjectOwnership: pulumi.String(c.ownership)},
		}, b.opts()...)
		if err != nil {
			return err
		}
		if c.role == "logs" {
			m.CDNLogsName = ownership.Bucket
		}
		// Server access logs can only be delivered to a target bucket whose default
		// encryption is SSE-S3 (AES256), so the logs bucket uses it; the others use the key.
		sse := &s3.BucketServerSideEncryptionConfigurationV2RuleApplyServerSideEncryptionByDefaultArgs{SseAlgorithm: pulumi.String("AES256")}
		if c.kms {
			sse = &s3.BucketServerSideEncryptionConfigurationV2RuleApplyServerSideEncryptionByDefaultArgs{
				SseAlgorithm: pulumi.String("aws:kms"), KmsMasterKeyId: a.KeyArn}
		}
		if _, err := s3.NewBucketServerSideEncryptionConfigurationV2(b.ctx, n+"-encryption", &s3.BucketServerSideEncryptionConfigurationV2Args{
			Bucket: c.bucket.ID(),
			Rules: s3.BucketServerSideEncryptionConfigurationV2RuleArray{s3.BucketServerSideEncryptionConfigurationV2RuleArgs{
				ApplyServerSideEncryptionByDefault: sse,
				BucketKeyEnabled:                   pulumi.Bool(c.kms),
			}},
		}, b.opts()...); err != nil {
			return err
		}
		var lifecycleDeps []pulumi.Resource
		if c.versioned {
			v, err := s3.NewBucketVersioningV2(b.ctx, n+"-versioning", &s3.BucketVersioningV2Args{
				Bucket:                  c.bucket.ID(),
				VersioningConfiguration: &s3.BucketVersioningV2VersioningConfigurationArgs{Status: pulumi.String("Enabled")},
			}, b.opts()...)
			if err != nil {
				return err
			}
			// Noncurrent-version rules need versioning in place first.
			lifecycleDeps = append(lifecycleDeps, v)
		}
		if _, err := s3.NewBucketLifecycleConfigurationV2(b.ctx, n+"-lifecycle", &s3.BucketLifecycleConfigurationV2Args{
			Bucket: c.bucket.ID(),
			Rules:  c.rules,
		}, b.opts(pulumi.DependsOn(lifecycleDeps))...); err != nil {
			return err
		}
		if c.logged {
			if _, err := s3.NewBucketLoggingV2(b.ctx, n+"-logging", &s3.BucketLoggingV2Args{
				Bucket:       c.bucket.ID(),
				TargetBucket: m.Logs.ID(),
				TargetPrefix: pulumi.String("s3/" + c.role + "/"),
			}, b.opts()...); err != nil {
				return err
			}
		}
		if c.policy {
			doc := b.policyFor(c.role, c.bucket, m)
			// S3 rejects a bucket policy while the public access block is being changed.
			if _, err := s3.NewBucketPolicy(b.ctx, n+"-policy", &s3.BucketPolicyArgs{
				Bucket: c.bucket.ID(),
				Policy: doc,
			}, b.opts(pulumi.DependsOn([]pulumi.Resource{pab}))...); err != nil {
				return err
			}
		}
	}

	if _, err := s3.NewBucketNotification(b.ctx, b.name+"-ingest-events", &s3.BucketNotificationArgs{
		Bucket:      m.Ingest.ID(),
		Eventbridge: pulumi.Bool(true),
	}, b.opts()...); err != nil {
		return err
	}
	if len(a.UploadOrigins) > 0 {
		if _, err := s3.NewBucketCorsConfigurationV2(b.ctx, b.name+"-ingest-cors", &s3.BucketCorsConfigurationV2Args{
			Bucket: m.Ingest.ID(),
			CorsRules: s3.BucketCorsConfigurationV2CorsRuleArray{s3.BucketCorsConfigurationV2CorsRuleArgs{
				Id:             pulumi.String("browser-uploads"),
				AllowedMethods: pulumi.ToStringArray([]string{"PUT"}),
				AllowedOrigins: pulumi.ToStringArray(a.UploadOrigins),
				// The signed PUT's headers, including its create-only If-None-Match: *.
				AllowedHeaders: pulumi.ToStringArray([]string{"content-type", "content-md5", "if-none-match", "x-amz-*"}),
				ExposeHeaders:  pulumi.ToStringArray([]string{"ETag"}),
				MaxAgeSeconds:  pulumi.Int(3000),
			}},
		}, b.opts()...); err != nil {
			return err
		}
	}
	return nil
}

// policyFor renders a bucket's policy: TLS only, and for the logs bucket the S3 log delivery
// service, restricted to this account's three source buckets.
func (b *bucketMaker) policyFor(role string, bucket *s3.BucketV2, m *MediaStorage) pulumi.StringOutput {
	if role != "logs" {
		return pulumi.All(bucket.Arn, b.args.KeyArn).ApplyT(func(v []any) (string, error) {
			arn, key := v[0].(string), v[1].(string)
			st := append(SecureTransportStatements(arn), EncryptionStatements(arn, key)...)
			return iampolicy.Document{Statements: st}.JSON()
		}).(pulumi.StringOutput)
	}
	return pulumi.All(bucket.Arn, m.Ingest.Arn, m.Masters.Arn, m.Delivery.Arn).ApplyT(func(v []any) (string, error) {
		arn := v[0].(string)
		st := SecureTransportStatements(arn)
		st = append(st, iampolicy.Statement{
			Sid: "S3ServerAccessLogDelivery", Effect: iampolicy.Allow,
			Principals: []iampolicy.Principal{{Type: "Service", Identifiers: []string{"logging.s3.amazonaws.com"}}},
			Actions:    []string{"s3:PutObject"},
			Resources:  []string{arn + "/s3/*"},
			Conditions: []iampolicy.Condition{
				{Test: "StringEquals", Variable: "aws:SourceAccount", Values: []string{b.account.ID}},
				{Test: "ArnLike", Variable: "aws:SourceArn", Values: []string{v[1].(string), v[2].(string), v[3].(string)}},
			},
		})
		return iampolicy.Document{Statements: st}.JSON()
	}).(pulumi.StringOutput)
}

// EncryptionStatements keep a KMS bucket's objects under the stack key: uploads may leave
// the encryption headers out (the bucket default applies) but may not ask for another
// algorithm or another key (naming none with aws:kms selects the AWS managed key), which would make objects unreadable to whoever holds only the
// stack key (the CDN, MediaConvert). A key named in a header must be named by its ARN.
func EncryptionStatements(bucketArn, keyArn string) []iampolicy.Statement {
	everyone := []iampolicy.Principal{{Type: "*", Identifiers: []string{"*"}}}
	objects := []string{bucketArn + "/*"}
	return []iampolicy.Statement{
		{
			Sid: "DenyOtherEncryption", Effect: iampolicy.Deny, Principals: everyone,
			Actions: []string{"s3:PutObject"}, Resources: objects,
			Conditions: []iampolicy.Condition{{Test: "StringNotEqualsIfExists", Variable: "s3:x-amz-server-side-encryption", Values: []string{"aws:kms"}}},
		},
		{
			Sid: "DenyOtherKeys", Effect: iampolicy.Deny, Principals: everyone,
			Actions: []string{"s3:PutObject"}, Resources: objects,
			Conditions: []iampolicy.Condition{{Test: "StringNotEqualsIfExists", Variable: "s3:x-amz-server-side-encryption-aws-kms-key-id", Values: []string{keyArn}}},
		},
		{
			// "aws:kms" without a key id means the AWS managed aws/s3 key, not the bucket's.
			Sid: "DenyAWSManagedKey", Effect: iampolicy.Deny, Principals: everyone,
			Actions: []string{"s3:PutObject"}, Resources: objects,
			Conditions: []iampolicy.Condition{
				{Test: "StringEquals", Variable: "s3:x-amz-server-side-encryption", Values: []string{"aws:kms"}},
				{Test: "Null", Variable: "s3:x-amz-server-side-encryption-aws-kms-key-id", Values: []string{"true"}},
			},
		},
	}
}

// SecureTransportStatements are the statements every ottkit bucket policy starts with: deny
// any request not made over TLS, and any made with TLS older than 1.2.
func SecureTransportStatements(bucketArn string) []iampolicy.Statement {
	everyone := []iampolicy.Principal{{Type: "*", Identifiers: []string{"*"}}}
	resources := []string{bucketArn, bucketArn + "/*"}
	return []iampolicy.Statement{
		{
			Sid: "DenyInsecureTransport", Effect: iampolicy.Deny, Principals: everyone,
			Actions: []string{"s3:*"}, Resources: resources,
			Conditions: []iampolicy.Condition{{Test: "Bool", Variable: "aws:SecureTransport", Values: []string{"false"}}},
		},
		{
			Sid: "DenyTLSBelow12", Effect: iampolicy.Deny, Principals: everyone,
			Actions: []string{"s3:*"}, Resources: resources,
			Conditions: []iampolicy.Condition{{Test: "NumericLessThan", Variable: "s3:TlsVersion", Values: []string{"1.2"}}},
		},
	}
}
