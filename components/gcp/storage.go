package gcp

import (
	"errors"
	"fmt"

	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/storage"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// MediaStorageType is the type token of MediaStorage.
const MediaStorageType = "ottkit:gcp:MediaStorage"

// SoftDeleteSeconds is how long a deleted or overwritten object stays restorable (7 days, the
// Cloud Storage default, made explicit so a policy can check it).
const SoftDeleteSeconds = 7 * 24 * 3600

// logWriter is the group Cloud Storage writes usage and storage logs as.
const logWriter = "group:cloud-storage-analytics@google.com"

// MediaStorageArgs configures the four buckets.
type MediaStorageArgs struct {
	// Project and Region place the buckets (regional, in Region). Required.
	Project, Region string
	// KeyID is the stack key every bucket encrypts with by default. Required.
	KeyID pulumi.StringInput
	// UploadOrigins are the browser origins allowed to PUT signed uploads to ingest;
	// PlayerOrigins those allowed to GET media from delivery (Cloud CDN passes CORS through).
	UploadOrigins, PlayerOrigins []string
	// IngestExpirationDays deletes uploads and quarantined files. Required (1..365).
	IngestExpirationDays int
	// ArchiveAfterDays moves masters still in STANDARD to NEARLINE, and 60 days later to
	// COLDLINE; DeepArchiveAfterDays (0 = never) moves them to ARCHIVE. Nearline's 30-day
	// minimum has passed before the second move.
	ArchiveAfterDays, DeepArchiveAfterDays int
	// NoncurrentVersionExpirationDays deletes replaced master versions.
	NoncurrentVersionExpirationDays int
	// AccessLogExpirationDays deletes usage logs.
	AccessLogExpirationDays int
	// DestroyData lets `pulumi destroy` delete masters, delivery and logs with their objects.
	// By default they are retained; ingest (transient by design) is always deletable.
	DestroyData bool
	// Labels are set on every bucket.
	Labels pulumi.StringMap
}

// MediaStorage is ingest (expiring uploads), masters (versioned, lifecycle to colder classes,
// no Autoclass, so complete can rewrite a master to its archive class), delivery (Autoclass:
// the Intelligent-Tiering equivalent) and logs. Every bucket has uniform bucket-level access,
// public access prevention enforced, the stack's CMEK and soft delete; all but logs write
// usage logs to logs.
type MediaStorage struct {
	pulumi.ResourceState

	Ingest, Masters, Delivery, Logs *storage.Bucket

	IngestName   pulumi.StringOutput `pulumi:"ingestName"`
	MastersName  pulumi.StringOutput `pulumi:"mastersName"`
	DeliveryName pulumi.StringOutput `pulumi:"deliveryName"`
	LogsName     pulumi.StringOutput `pulumi:"logsName"`
}

// NewMediaStorage creates the buckets.
func NewMediaStorage(ctx *pulumi.Context, name string, args *MediaStorageArgs, opts ...pulumi.ResourceOption) (*MediaStorage, error) {
	if err := args.validate(name); err != nil {
		return nil, err
	}
	s := &MediaStorage{}
	if err := ctx.RegisterComponentResource(MediaStorageType, name, s, opts...); err != nil {
		return nil, err
	}
	var err error
	s.Logs, err = s.bucket(ctx, name+"-logs", args, !args.DestroyData, nil, &storage.BucketArgs{
		LifecycleRules: storage.BucketLifecycleRuleArray{deleteAfter(args.AccessLogExpirationDays)},
	})
	if err != nil {
		return nil, err
	}
	if _, err := storage.NewBucketIAMMember(ctx, name+"-logs-writer", &storage.BucketIAMMemberArgs{
		Bucket: s.Logs.Name,
		Role:   pulumi.String("roles/storage.objectCreator"),
		Member: pulumi.String(logWriter),
	}, pulumi.Parent(s)); err != nil {
		return nil, err
	}
	s.Ingest, err = s.bucket(ctx, name+"-ingest", args, false, s.Logs, &storage.BucketArgs{
		LifecycleRules: storage.BucketLifecycleRuleArray{
			deleteAfter(args.IngestExpirationDays),
			storage.BucketLifecycleRuleArgs{
				Action:    storage.BucketLifecycleRuleActionArgs{Type: pulumi.String("AbortIncompleteMultipartUpload")},
				Condition: storage.BucketLifecycleRuleConditionArgs{Age: pulumi.IntPtr(1)},
			},
		},
		Cors: cors(args.UploadOrigins, "PUT", "POST"),
	})
	if err != nil {
		return nil, err
	}
	masterRules := storage.BucketLifecycleRuleArray{
		moveAfter(args.ArchiveAfterDays, "NEARLINE", "STANDARD"),
		moveAfter(args.ArchiveAfterDays+60, "COLDLINE", "STANDARD", "NEARLINE"),
		storage.BucketLifecycleRuleArgs{
			Action: storage.BucketLifecycleRuleActionArgs{Type: pulumi.String("Delete")},
			Condition: storage.BucketLifecycleRuleConditionArgs{
				WithState:               pulumi.String("ARCHIVED"),
				DaysSinceNoncurrentTime: pulumi.IntPtr(args.NoncurrentVersionExpirationDays),
			},
		},
	}
	if args.DeepArchiveAfterDays > 0 {
		masterRules = append(masterRules, moveAfter(args.DeepArchiveAfterDays, "ARCHIVE", "STANDARD", "NEARLINE", "COLDLINE"))
	}
	s.Masters, err = s.bucket(ctx, name+"-masters", args, !args.DestroyData, s.Logs, &storage.BucketArgs{
		Versioning:     &storage.BucketVersioningArgs{Enabled: pulumi.Bool(true)},
		LifecycleRules: masterRules,
	})
	if err != nil {
		return nil, err
	}
	s.Delivery, err = s.bucket(ctx, name+"-delivery", args, !args.DestroyData, s.Logs, &storage.BucketArgs{
		Autoclass: &storage.BucketAutoclassArgs{Enabled: pulumi.Bool(true), TerminalStorageClass: pulumi.String("NEARLINE")},
		Cors:      cors(args.PlayerOrigins, "GET", "HEAD"),
	})
	if err != nil {
		return nil, err
	}
	s.IngestName, s.MastersName, s.DeliveryName, s.LogsName = s.Ingest.Name, s.Masters.Name, s.Delivery.Name, s.Logs.Name
	return s, ctx.RegisterResourceOutputs(s, pulumi.Map{
		"ingestName": s.IngestName, "mastersName": s.MastersName,
		"deliveryName": s.DeliveryName, "logsName": s.LogsName,
	})
}

func (a *MediaStorageArgs) validate(name string) error {
	if a == nil {
		return errors.New("storage: args are required")
	}
	if err := checkName("storage", name, 63-len("-delivery")); err != nil {
		return err
	}
	if err := checkPlace("storage", a.Project, a.Region); err != nil {
		return err
	}
	if a.KeyID == nil {
		return errors.New("storage: KeyID is required")
	}
	for _, d := range []struct {
		field     string
		v, lo, hi int
	}{
		{"IngestExpirationDays", a.IngestExpirationDays, 1, 365},
		{"ArchiveAfterDays", a.ArchiveAfterDays, 1, 3650},
		{"DeepArchiveAfterDays", a.DeepArchiveAfterDays, 0, 3650},
		{"NoncurrentVersionExpirationDays", a.NoncurrentVersionExpirationDays, 1, 3650},
		{"AccessLogExpirationDays", a.AccessLogExpirationDays, 1, 3650},
	} {
		if d.v < d.lo || d.v > d.hi {
			return fmt.Errorf("storage: %s %d is outside %d..%d", d.field, d.v, d.lo, d.hi)
		}
	}
	if a.DeepArchiveAfterDays > 0 && a.DeepArchiveAfterDays < a.ArchiveAfterDays+90 {
		return fmt.Errorf("storage: DeepArchiveAfterDays %d must be at least 90 days after ArchiveAfterDays %d (Coldline bills 90 days minimum)",
			a.DeepArchiveAfterDays, a.ArchiveAfterDays)
	}
	return nil
}

// bucket creates one bucket with the settings every bucket shares; extra holds its role's own.
func (s *MediaStorage) bucket(ctx *pulumi.Context, name string, args *MediaStorageArgs, retain bool, logs *storage.Bucket, extra *storage.BucketArgs) (*storage.Bucket, error) {
	b := *extra
	b.Name = pulumi.String(name)
	b.Project = pulumi.String(args.Project)
	b.Location = pulumi.String(args.Region)
	b.StorageClass = pulumi.String("STANDARD")
	b.UniformBucketLevelAccess = pulumi.Bool(true)
	b.PublicAccessPrevention = pulumi.String("enforced")
	b.Encryption = &storage.BucketEncryptionArgs{DefaultKmsKeyName: args.KeyID}
	b.SoftDeletePolicy = &storage.BucketSoftDeletePolicyArgs{RetentionDurationSeconds: pulumi.IntPtr(SoftDeleteSeconds)}
	b.ForceDestroy = pulumi.Bool(!retain)
	b.Labels = labelsOrEmpty(args.Labels)
	if logs != nil {
		b.Logging = &storage.BucketLoggingArgs{LogBucket: logs.Name, LogObjectPrefix: pulumi.String(name + "/")}
	}
	opts := []pulumi.ResourceOption{pulumi.Parent(s)}
	if retain {
		opts = append(opts, pulumi.RetainOnDelete(true))
	}
	return storage.NewBucket(ctx, name, &b, opts...)
}

func deleteAfter(days int) storage.BucketLifecycleRuleArgs {
	return storage.BucketLifecycleRuleArgs{
		Action:    storage.BucketLifecycleRuleActionArgs{Type: pulumi.String("Delete")},
		Condition: storage.BucketLifecycleRuleConditionArgs{Age: pulumi.IntPtr(days)},
	}
}

// moveAfter moves objects still in one of from to class once they are days old, so a master
// complete already rewrote to a colder class is never moved back.
func moveAfter(days int, class string, from ...string) storage.BucketLifecycleRuleArgs {
	return storage.BucketLifecycleRuleArgs{
		Action: storage.BucketLifecycleRuleActionArgs{Type: pulumi.String("SetStorageClass"), StorageClass: pulumi.String(class)},
		Condition: storage.BucketLifecycleRuleConditionArgs{
			Age:                   pulumi.IntPtr(days),
			WithState:             pulumi.String("LIVE"),
			MatchesStorageClasses: pulumi.ToStringArray(from),
		},
	}
}

// cors allows origins the methods. GCS lets a preflight through only for request headers in
// ResponseHeaders, so it lists the signed upload headers, the create-only
// x-goog-if-generation-match among them.
func cors(origins []string, methods ...string) storage.BucketCorArray {
	if len(origins) == 0 {
		return nil
	}
	return storage.BucketCorArray{storage.BucketCorArgs{
		Origins:         pulumi.ToStringArray(origins),
		Methods:         pulumi.ToStringArray(methods),
		ResponseHeaders: pulumi.ToStringArray([]string{"Content-Type", "Content-Length", "ETag", "x-goog-content-length-range", "x-goog-if-generation-match"}),
		MaxAgeSeconds:   pulumi.IntPtr(3600),
	}}
}
