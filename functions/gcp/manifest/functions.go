package manifest

// The deployable functions. The handler tests in functions/gcp/entry/<name> prove Permissions
// exact for each.
var (
	// Ingest sniffs and probes each upload with ranged reads, quarantines what it rejects and
	// copies what it accepts to the masters bucket, then asks for a transcode.
	Ingest = Function{
		Name: "ingest", Package: "github.com/ottkit/ottkit/functions/cmd/gcp-ingest", EntryPoint: "Ingest",
		Triggers:       []Trigger{{Push, IngestTopic}},
		TimeoutSeconds: 60, MemoryMB: 256,
		Env: []EnvVar{
			{Name: "INGEST_BUCKET", From: IngestBucket, Attr: Name},
			{Name: "MASTERS_BUCKET", From: MastersBucket, Attr: Name},
			{Name: "FIRESTORE_DATABASE", From: Catalog, Attr: Name},
			{Name: "TRANSCODE_TOPIC", From: TranscodeTopic, Attr: ID},
			{Name: "GCP_PROJECT", Setting: Project},
			{Name: "MAX_DURATION", Setting: MaxDuration},
			{Name: "MAX_UPLOAD_BYTES", Setting: MaxUploadBytes},
		},
		Permissions: []Permission{
			{Permission: "storage.objects.get", On: IngestBucket, Prefix: UploadPrefix, Why: "read the upload's metadata, probe it with ranged reads, read it as a copy source"},
			{Permission: "storage.objects.create", On: IngestBucket, Prefix: QuarantinePrefix, Why: "rewrite a rejected upload to quarantine with the reason in its metadata"},
			{Permission: "storage.objects.delete", On: IngestBucket, Prefix: QuarantinePrefix, Why: "a redelivery after a failure between the quarantine copy and the catalog write rewrites the same object, and overwriting needs delete"},
			{Permission: "storage.objects.delete", On: IngestBucket, Prefix: UploadPrefix, Why: "remove a rejected upload once quarantined"},
			{Permission: "storage.objects.create", On: MastersBucket, Why: "rewrite an accepted upload to the masters bucket"},
			{Permission: "storage.objects.delete", On: MastersBucket, Why: "a redelivery after a failure between the master copy and the catalog write rewrites the same master, and overwriting needs delete"},
			why(catalogGet, "recognise a duplicate event before touching storage"),
			why(catalogCreate, "create the asset with an exists=false precondition"),
			{Permission: "pubsub.topics.publish", On: TranscodeTopic, Why: "request the transcode of an accepted asset"},
		},
	}

	// Transcode plans the title's ladder and creates its Transcoder job, once per attempt.
	Transcode = Function{
		Name: "transcode", Package: "github.com/ottkit/ottkit/functions/cmd/gcp-transcode", EntryPoint: "Transcode",
		Triggers:       []Trigger{{Push, TranscodeTopic}, {Tasks, RetryQueue}},
		TimeoutSeconds: 30, MemoryMB: 128,
		Env: []EnvVar{
			{Name: "FIRESTORE_DATABASE", From: Catalog, Attr: Name},
			{Name: "DELIVERY_BUCKET", From: DeliveryBucket, Attr: Name},
			{Name: "TRANSCODER_LOCATION", From: Transcoder, Attr: Location},
			{Name: "JOBS_TOPIC", From: JobsTopic, Attr: ID},
			{Name: "NOTIFY_TOPIC", From: NotifyTopic, Attr: ID},
			{Name: "GCP_PROJECT", Setting: Project},
			{Name: "LADDER", Setting: Ladder},
			{Name: "MAX_HEIGHT", Setting: MaxHeight},
			{Name: "VIDEO_CODEC", Setting: VideoCodec},
			{Name: "THUMBNAIL_INTERVAL", Setting: ThumbnailInterval},
		},
		Permissions: []Permission{
			why(catalogGet, "read the asset's probe summary and status"),
			why(catalogTx, "begin (and roll back) the transaction of the status change"),
			why(catalogUpdate, "queued|retrying → transcoding with the job name, exists=true"),
			{Permission: "transcoder.jobs.list", On: Transcoder, Why: "find the attempt's job by its labels before creating one"},
			{Permission: "transcoder.jobs.create", On: Transcoder, Why: "create the job (CreateJob has no idempotency token)"},
			{Permission: "pubsub.topics.publish", On: NotifyTopic, Why: "announce an asset failed because it cannot be planned or its job was rejected"},
		},
	}

	// Complete records a finished job: fetches it for its labels, verifies and catalogues the
	// outputs, archives the master and notifies; or schedules a retry, or records the failure.
	Complete = Function{
		Name: "complete", Package: "github.com/ottkit/ottkit/functions/cmd/gcp-complete", EntryPoint: "Complete",
		Triggers:       []Trigger{{Push, JobsTopic}},
		TimeoutSeconds: 60, MemoryMB: 128,
		Env: []EnvVar{
			{Name: "FIRESTORE_DATABASE", From: Catalog, Attr: Name},
			{Name: "DELIVERY_BUCKET", From: DeliveryBucket, Attr: Name},
			{Name: "MASTERS_BUCKET", From: MastersBucket, Attr: Name},
			{Name: "NOTIFY_TOPIC", From: NotifyTopic, Attr: ID},
			{Name: "RETRY_QUEUE", From: RetryQueue, Attr: ID},
			{Name: "RETRY_URL", From: RetryQueue, Attr: URL},
			{Name: "TASKS_INVOKER", From: TasksInvoker, Attr: Email},
			{Name: "GCP_PROJECT", Setting: Project},
			{Name: "ARCHIVE_STORAGE_CLASS", Setting: ArchiveStorageClass},
			{Name: "MAX_RETRIES", Setting: MaxRetries},
		},
		Permissions: []Permission{
			{Permission: "transcoder.jobs.get", On: Transcoder, Why: "the notification carries only the job's name: read its labels and state"},
			why(catalogGet, "find the asset the job belongs to"),
			why(catalogTx, "begin (and roll back) the transaction of the status change"),
			why(catalogUpdate, "transcoding → ready | retrying | failed, exists=true"),
			{Permission: "storage.objects.list", On: DeliveryBucket, Why: "verify every expected output exists under assets/<id>/"},
			{Permission: "storage.objects.get", On: MastersBucket, Why: "source of the in-place rewrite that archives the master"},
			{Permission: "storage.objects.create", On: MastersBucket, Why: "in-place rewrite to ARCHIVE_STORAGE_CLASS"},
			{Permission: "storage.objects.delete", On: MastersBucket, Why: "an in-place rewrite replaces the live object"},
			{Permission: "pubsub.topics.publish", On: NotifyTopic, Why: "announce ready and failed assets"},
			{Permission: "cloudtasks.tasks.create", On: RetryQueue, Why: "schedule a retryable failure's resubmission after its backoff"},
			{Permission: "iam.serviceAccounts.actAs", On: TasksInvoker, Why: "a task carrying an OIDC token of the invoker account"},
		},
	}

	// API serves uploads, the catalog and playback cookies behind API Gateway's JWT check.
	API = Function{
		Name: "api", Package: "github.com/ottkit/ottkit/functions/cmd/gcp-api", EntryPoint: "API",
		Triggers:       []Trigger{{Gateway, ""}},
		TimeoutSeconds: 10, MemoryMB: 256,
		Env: []EnvVar{
			{Name: "INGEST_BUCKET", From: IngestBucket, Attr: Name},
			{Name: "FIRESTORE_DATABASE", From: Catalog, Attr: Name},
			{Name: "SIGNING_SECRET", From: SigningSecret, Attr: ID},
			{Name: "SERVICE_ACCOUNT", From: Self, Attr: Email},
			{Name: "GCP_PROJECT", Setting: Project},
			{Name: "PLAYBACK_DOMAIN", Setting: PlaybackDomain},
			{Name: "PLAYBACK_TTL", Setting: PlaybackTTL},
			{Name: "UPLOAD_TTL", Setting: UploadTTL},
			{Name: "MAX_UPLOAD_BYTES", Setting: MaxUploadBytes},
			{Name: "TENANT_CLAIM", Setting: TenantClaim},
			{Name: "ROLES_CLAIM", Setting: RolesClaim},
		},
		Permissions: []Permission{
			// The XML API's multipart calls (cloud.google.com/storage/docs/access-control/iam-xml):
			// POST ?uploads, PUT ?partNumber&uploadId and POST ?uploadId need
			// multipartUploads.create with objects.create, GET ?uploadId multipartUploads.listParts.
			// The function never aborts an upload (DELETE ?uploadId, multipartUploads.abort).
			{Permission: "storage.objects.create", On: IngestBucket, Prefix: UploadPrefix, Why: "the signed upload PUTs, parts and multipart create/complete act as this account"},
			{Permission: "storage.multipartUploads.create", On: IngestBucket, Prefix: UploadPrefix, Why: "POST /uploads starts a multipart upload and signs its part PUTs; POST /uploads/complete assembles it"},
			{Permission: "storage.multipartUploads.listParts", On: IngestBucket, Prefix: UploadPrefix, Why: "POST /uploads/complete lists the stored parts before assembling them"},
			{Permission: "iam.serviceAccounts.signBlob", On: Self, Why: "V4-sign upload URLs without a key file"},
			why(catalogGet, "GET /assets/{id}, the playback status check and listing"),
			why(catalogList, "GET /assets queries the tenant's assets"),
			{Permission: "secretmanager.versions.access", On: SigningSecret, Why: "the Cloud CDN signed-cookie key"},
		},
	}
)

// All returns every deployable function, in pipeline order.
func All() []Function { return []Function{Ingest, Transcode, Complete, API} }
