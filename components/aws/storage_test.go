package aws

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ottkit/ottkit/components/offline"
)

func deployStorage(t *testing.T, args *MediaStorageArgs) *offline.Result {
	t.Helper()
	return platRun(t, func(ctx *pulumi.Context) error {
		_, err := NewMediaStorage(ctx, "acme-prod-storage", args)
		return err
	})
}

func TestMediaStorageChildren(t *testing.T) {
	res := deployStorage(t, &MediaStorageArgs{KeyArn: pulumi.String(platKeyArn), UploadOrigins: []string{"https://studio.acme.example"}})
	var want []string
	for _, role := range []string{"delivery", "ingest", "logs", "masters"} {
		n := "acme-prod-storage-" + role
		want = append(want,
			"aws:s3/bucketV2:BucketV2 "+n,
			"aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock "+n+"-public-access",
			"aws:s3/bucketOwnershipControls:BucketOwnershipControls "+n+"-ownership",
			"aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2 "+n+"-encryption",
			"aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2 "+n+"-lifecycle",
			"aws:s3/bucketPolicy:BucketPolicy "+n+"-policy",
		)
		if role != "logs" {
			want = append(want, "aws:s3/bucketLoggingV2:BucketLoggingV2 "+n+"-logging")
		}
	}
	want = append(want,
		"aws:s3/bucketVersioningV2:BucketVersioningV2 acme-prod-storage-masters-versioning",
		"aws:s3/bucketNotification:BucketNotification acme-prod-storage-ingest-events",
		"aws:s3/bucketCorsConfigurationV2:BucketCorsConfigurationV2 acme-prod-storage-ingest-cors",
	)
	sortStrings(want)
	platDiff(t, "MediaStorage children", platChildren(t, res, MediaStorageType, "acme-prod-storage"), want)
}

func TestMediaStorageSecurity(t *testing.T) {
	res := deployStorage(t, &MediaStorageArgs{KeyArn: pulumi.String(platKeyArn), UploadOrigins: []string{"https://studio.acme.example"}})
	roles := []string{"ingest", "masters", "delivery", "logs"}
	for _, role := range roles {
		n := "acme-prod-storage-" + role
		t.Run(role, func(t *testing.T) {
			b := platMust(t, res, "aws:s3/bucketV2:BucketV2", n)
			if got, want := b.Inputs["bucket"], n+"-123456789012"; got != want {
				t.Errorf("bucket name %v, want %v", got, want)
			}
			pab := platMust(t, res, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", n+"-public-access")
			for _, k := range []string{"blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"} {
				if pab.Inputs[k] != true {
					t.Errorf("public access block %s = %v, want true", k, pab.Inputs[k])
				}
			}
			own := platMust(t, res, "aws:s3/bucketOwnershipControls:BucketOwnershipControls", n+"-ownership")
			wantOwn := "BucketOwnerEnforced"
			if role == "logs" {
				wantOwn = "BucketOwnerPreferred" // CloudFront standard logs need ACLs
			}
			if got := platAt(own.Inputs, "rule", "objectOwnership"); got != wantOwn {
				t.Errorf("object ownership %v, want %v", got, wantOwn)
			}

			sse := platMust(t, res, "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2", n+"-encryption")
			rule := platAt(sse.Inputs, "rules", "0")
			if role == "logs" {
				// S3 server access logging delivers only to SSE-S3 targets.
				if got := platAt(rule, "applyServerSideEncryptionByDefault", "sseAlgorithm"); got != "AES256" {
					t.Errorf("logs sse %v, want AES256", got)
				}
			} else {
				if got := platAt(rule, "applyServerSideEncryptionByDefault", "sseAlgorithm"); got != "aws:kms" {
					t.Errorf("sse %v, want aws:kms", got)
				}
				if got := platAt(rule, "applyServerSideEncryptionByDefault", "kmsMasterKeyId"); got != platKeyArn {
					t.Errorf("sse key %v, want the stack key", got)
				}
				if got := platAt(rule, "bucketKeyEnabled"); got != true {
					t.Errorf("bucket key %v, want true", got)
				}
				logging := platMust(t, res, "aws:s3/bucketLoggingV2:BucketLoggingV2", n+"-logging")
				if logging.Inputs["targetBucket"] != "acme-prod-storage-logs-123456789012" || logging.Inputs["targetPrefix"] != "s3/"+role+"/" {
					t.Errorf("access logging %v, want the logs bucket under s3/%s/", logging.Inputs, role)
				}
			}

			pol := platMust(t, res, "aws:s3/bucketPolicy:BucketPolicy", n+"-policy")
			if !slicesContain(pol.DependsOn, pab.URN) {
				t.Errorf("bucket policy does not wait for the public access block")
			}
			stmts := parsePolicy(t, pol.Inputs["policy"])
			arn := "arn:aws:s3:::" + n + "-123456789012"
			tls := platSid(t, stmts, "DenyInsecureTransport")
			if tls.Effect != "Deny" || tls.Principal != "*" || tls.Condition["Bool"]["aws:SecureTransport"][0] != "false" ||
				!reflect.DeepEqual(tls.Resource, []string{arn, arn + "/*"}) {
				t.Errorf("DenyInsecureTransport = %+v", tls)
			}
			old := platSid(t, stmts, "DenyTLSBelow12")
			if old.Effect != "Deny" || old.Condition["NumericLessThan"]["s3:TlsVersion"][0] != "1.2" {
				t.Errorf("DenyTLSBelow12 = %+v", old)
			}
			if role == "logs" {
				return
			}
			alg := platSid(t, stmts, "DenyOtherEncryption")
			if alg.Effect != "Deny" || !reflect.DeepEqual(alg.Action, []string{"s3:PutObject"}) ||
				!reflect.DeepEqual(alg.Condition["StringNotEqualsIfExists"]["s3:x-amz-server-side-encryption"], []string{"aws:kms"}) {
				t.Errorf("DenyOtherEncryption = %+v", alg)
			}
			other := platSid(t, stmts, "DenyOtherKeys")
			if other.Effect != "Deny" || !reflect.DeepEqual(other.Condition["StringNotEqualsIfExists"]["s3:x-amz-server-side-encryption-aws-kms-key-id"], []string{platKeyArn}) ||
				!reflect.DeepEqual(other.Resource, []string{arn + "/*"}) {
				t.Errorf("DenyOtherKeys = %+v", other)
			}
			managed := platSid(t, stmts, "DenyAWSManagedKey")
			if !reflect.DeepEqual(managed.Condition["StringEquals"]["s3:x-amz-server-side-encryption"], []string{"aws:kms"}) ||
				!reflect.DeepEqual(managed.Condition["Null"]["s3:x-amz-server-side-encryption-aws-kms-key-id"], []string{"true"}) {
				t.Errorf("DenyAWSManagedKey = %+v", managed)
			}
		})
	}

	logsPolicy := parsePolicy(t, platMust(t, res, "aws:s3/bucketPolicy:BucketPolicy", "acme-prod-storage-logs-policy").Inputs["policy"])
	delivery := platSid(t, logsPolicy, "S3ServerAccessLogDelivery")
	if got := delivery.Principal; !reflect.DeepEqual(got, map[string]any{"Service": []any{"logging.s3.amazonaws.com"}}) {
		t.Errorf("log delivery principal %v", got)
	}
	if !reflect.DeepEqual(delivery.Action, []string{"s3:PutObject"}) ||
		!reflect.DeepEqual(delivery.Resource, []string{"arn:aws:s3:::acme-prod-storage-logs-123456789012/s3/*"}) {
		t.Errorf("log delivery grants %v on %v, want s3:PutObject on s3/*", delivery.Action, delivery.Resource)
	}
	if got := delivery.Condition["StringEquals"]["aws:SourceAccount"]; !reflect.DeepEqual(got, []string{offline.Account}) {
		t.Errorf("log delivery source account %v", got)
	}
	if got := delivery.Condition["ArnLike"]["aws:SourceArn"]; len(got) != 3 {
		t.Errorf("log delivery source buckets %v, want the three data buckets", got)
	}

	notif := platMust(t, res, "aws:s3/bucketNotification:BucketNotification", "acme-prod-storage-ingest-events")
	if notif.Inputs["eventbridge"] != true || notif.Inputs["bucket"] != "acme-prod-storage-ingest-123456789012" {
		t.Errorf("ingest notification %v, want EventBridge on the ingest bucket", notif.Inputs)
	}
	cors := platAt(platMust(t, res, "aws:s3/bucketCorsConfigurationV2:BucketCorsConfigurationV2", "acme-prod-storage-ingest-cors").Inputs, "corsRules", "0")
	if got := platAt(cors, "allowedMethods"); !reflect.DeepEqual(got, []any{"PUT"}) {
		t.Errorf("CORS methods %v, want PUT only", got)
	}
	if got := platAt(cors, "allowedOrigins"); !reflect.DeepEqual(got, []any{"https://studio.acme.example"}) {
		t.Errorf("CORS origins %v", got)
	}
	// A browser's signed PUT carries the create-only If-None-Match: * the preflight must allow.
	if got, _ := platAt(cors, "allowedHeaders").([]any); !slices.Contains(got, any("if-none-match")) || !slices.Contains(got, any("content-type")) {
		t.Errorf("CORS allowed headers %v, want content-type and if-none-match", got)
	}
	ver := platMust(t, res, "aws:s3/bucketVersioningV2:BucketVersioningV2", "acme-prod-storage-masters-versioning")
	if got := platAt(ver.Inputs, "versioningConfiguration", "status"); got != "Enabled" {
		t.Errorf("masters versioning %v", got)
	}
}

func TestMediaStorageLifecycle(t *testing.T) {
	res := deployStorage(t, &MediaStorageArgs{KeyArn: pulumi.String(platKeyArn),
		IngestExpirationDays: 14, ArchiveAfterDays: 60, DeepArchiveAfterDays: 365,
		NoncurrentVersionExpirationDays: 400, AccessLogExpirationDays: 2557})
	rule := func(role string) any {
		lc := platMust(t, res, "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2", "acme-prod-storage-"+role+"-lifecycle")
		if n := len(platAt(lc.Inputs, "rules").([]any)); n != 1 {
			t.Fatalf("%s has %d lifecycle rules, want 1", role, n)
		}
		r := platAt(lc.Inputs, "rules", "0")
		if platAt(r, "status") != "Enabled" || platAt(r, "abortIncompleteMultipartUpload", "daysAfterInitiation") != 1.0 {
			t.Errorf("%s rule %v: want enabled, aborting incomplete uploads after 1 day", role, r)
		}
		return r
	}
	if got := platAt(rule("ingest"), "expiration", "days"); got != 14.0 {
		t.Errorf("ingest expiry %v, want 14", got)
	}
	masters := rule("masters")
	wantTransitions := []any{
		map[string]any{"days": 60.0, "storageClass": "GLACIER_IR"},
		map[string]any{"days": 365.0, "storageClass": "DEEP_ARCHIVE"},
	}
	if got := platAt(masters, "transitions"); !reflect.DeepEqual(got, wantTransitions) {
		t.Errorf("masters transitions %v, want %v", got, wantTransitions)
	}
	if got := platAt(masters, "noncurrentVersionExpiration", "noncurrentDays"); got != 400.0 {
		t.Errorf("noncurrent expiry %v, want 400", got)
	}
	if got := platAt(rule("delivery"), "transitions", "0", "storageClass"); got != "INTELLIGENT_TIERING" {
		t.Errorf("delivery transition %v", got)
	}
	if got := platAt(rule("logs"), "expiration", "days"); got != 2557.0 {
		t.Errorf("logs expiry %v, want 2557", got)
	}
	lc := platMust(t, res, "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2", "acme-prod-storage-masters-lifecycle")
	ver := platMust(t, res, "aws:s3/bucketVersioningV2:BucketVersioningV2", "acme-prod-storage-masters-versioning")
	if !slicesContain(lc.DependsOn, ver.URN) {
		t.Errorf("masters lifecycle does not wait for versioning")
	}

	// DeepArchiveAfterDays < 0 never moves masters to Deep Archive.
	res = deployStorage(t, &MediaStorageArgs{KeyArn: pulumi.String(platKeyArn), DeepArchiveAfterDays: -1})
	lc = platMust(t, res, "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2", "acme-prod-storage-masters-lifecycle")
	if got := platAt(lc.Inputs, "rules", "0", "transitions"); len(got.([]any)) != 1 {
		t.Errorf("transitions %v, want GLACIER_IR only", got)
	}
}

func TestMediaStorageRetention(t *testing.T) {
	tests := []struct {
		name        string
		destroyData bool
	}{{"retained by default", false}, {"destroyable on request", true}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := deployStorage(t, &MediaStorageArgs{KeyArn: pulumi.String(platKeyArn), DestroyData: tt.destroyData})
			for role, stateful := range map[string]bool{"ingest": false, "masters": true, "delivery": true, "logs": true} {
				b := platMust(t, res, "aws:s3/bucketV2:BucketV2", "acme-prod-storage-"+role)
				if got, want := b.RetainOnDelete, stateful && !tt.destroyData; got != want {
					t.Errorf("%s retainOnDelete %v, want %v", role, got, want)
				}
				if got, want := b.Inputs["forceDestroy"], !stateful || tt.destroyData; got != want {
					t.Errorf("%s forceDestroy %v, want %v", role, got, want)
				}
			}
		})
	}
}

func TestMediaStorageOptionalChildren(t *testing.T) {
	res := deployStorage(t, &MediaStorageArgs{KeyArn: pulumi.String(platKeyArn), DeliveryPolicyByCaller: true, BucketSuffix: "x1"})
	if _, ok := res.Find("aws:s3/bucketCorsConfigurationV2:BucketCorsConfigurationV2", "acme-prod-storage-ingest-cors"); ok {
		t.Error("CORS configuration without UploadOrigins")
	}
	if _, ok := res.Find("aws:s3/bucketPolicy:BucketPolicy", "acme-prod-storage-delivery-policy"); ok {
		t.Error("delivery bucket policy created although DeliveryPolicyByCaller")
	}
	if _, ok := res.Find("aws:s3/bucketPolicy:BucketPolicy", "acme-prod-storage-masters-policy"); !ok {
		t.Error("masters policy missing")
	}
	if got := platMust(t, res, "aws:s3/bucketV2:BucketV2", "acme-prod-storage-masters").Inputs["bucket"]; got != "acme-prod-storage-masters-x1" {
		t.Errorf("bucket with suffix %v, want acme-prod-storage-masters-x1", got)
	}
}

func TestMediaStorageValidation(t *testing.T) {
	tests := []struct {
		name string
		comp string
		args *MediaStorageArgs
		want string
	}{
		{"nil args", "acme-prod-storage", nil, "media storage: args are required"},
		{"key", "acme-prod-storage", &MediaStorageArgs{}, "media storage: KeyArn is required"},
		{"name too long", strings.Repeat("a", 42), &MediaStorageArgs{KeyArn: pulumi.String(platKeyArn)}, "at most 41"},
		{"name charset", "Acme_Storage", &MediaStorageArgs{KeyArn: pulumi.String(platKeyArn)}, `name "Acme_Storage" must be lowercase`},
		{"suffix", "acme", &MediaStorageArgs{KeyArn: pulumi.String(platKeyArn), BucketSuffix: "X"}, `BucketSuffix "X"`},
		{"reserved suffix", "acme", &MediaStorageArgs{KeyArn: pulumi.String(platKeyArn), BucketSuffix: "x-s3alias"}, `ends with "-s3alias", which S3 reserves`},
		{"reserved prefix", "amzn-s3-demo", &MediaStorageArgs{KeyArn: pulumi.String(platKeyArn)}, `starts with "amzn-s3-demo-", which S3 reserves`},
		{"negative days", "acme", &MediaStorageArgs{KeyArn: pulumi.String(platKeyArn), IngestExpirationDays: -3}, "IngestExpirationDays -3 is negative"},
		{"deep before archive", "acme", &MediaStorageArgs{KeyArn: pulumi.String(platKeyArn), ArchiveAfterDays: 90, DeepArchiveAfterDays: 60}, "DeepArchiveAfterDays 60 must come after ArchiveAfterDays 90"},
		{"wildcard origin", "acme", &MediaStorageArgs{KeyArn: pulumi.String(platKeyArn), UploadOrigins: []string{"*"}}, `UploadOrigins[0] "*" must name one origin`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err, n := platRunFailing(t, func(ctx *pulumi.Context) error {
				_, err := NewMediaStorage(ctx, tt.comp, tt.args)
				return err
			})
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want it to contain %q", err, tt.want)
			}
			if n != 0 {
				t.Errorf("%d resources registered before validation failed, want 0", n)
			}
		})
	}
}

func TestSecureTransportStatements(t *testing.T) {
	st := SecureTransportStatements("arn:aws:s3:::b")
	if len(st) != 2 {
		t.Fatalf("%d statements, want 2", len(st))
	}
	for _, s := range st {
		if s.Effect != "Deny" || !reflect.DeepEqual(s.Resources, []string{"arn:aws:s3:::b", "arn:aws:s3:::b/*"}) {
			t.Errorf("statement %+v: want a Deny on the bucket and its objects", s)
		}
	}
}
