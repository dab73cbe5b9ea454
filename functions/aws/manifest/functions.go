package manifest

// The deployable functions. Their handlers' tests prove Permissions exact (every AWS call the
// code makes is listed, and everything listed is called) and Env exact (the config loaders
// read precisely these variables).
var (
	// Ingest sniffs and probes each upload with ranged reads, quarantines what it rejects and
	// copies what it accepts to the masters bucket, then asks for a transcode.
	Ingest = Function{
		Name:           "ingest",
		Package:        "github.com/ottkit/ottkit/functions/cmd/ingest",
		Trigger:        IngestQueue,
		TimeoutSeconds: 60,
		MemoryMB:       256,
		Env: []EnvVar{
			{Name: "INGEST_BUCKET", From: IngestBucket, Attr: Name},
			{Name: "MASTERS_BUCKET", From: MastersBucket, Attr: Name},
			{Name: "CATALOG_TABLE", From: CatalogTable, Attr: Name},
			{Name: "TRANSCODE_QUEUE_URL", From: TranscodeQueue, Attr: URL},
			{Name: "MAX_DURATION", Setting: MaxDuration},
			{Name: "MAX_UPLOAD_BYTES", Setting: MaxUploadBytes},
		},
		Permissions: []Permission{
			{Action: "s3:GetObject", On: IngestBucket, Path: UploadPrefix + "*", Why: "head the upload, probe it with ranged reads, copy it to masters or quarantine"},
			{Action: "s3:PutObject", On: IngestBucket, Path: QuarantinePrefix + "*", Why: "copy a rejected upload to quarantine with the reason in its metadata"},
			{Action: "s3:DeleteObject", On: IngestBucket, Path: UploadPrefix + "*", Why: "remove a rejected upload once quarantined (the move's second half)"},
			{Action: "s3:PutObject", On: MastersBucket, Path: "*", Why: "copy an accepted upload to the masters bucket"},
			{Action: "dynamodb:GetItem", On: CatalogTable, Why: "recognise a duplicate event before touching S3"},
			{Action: "dynamodb:PutItem", On: CatalogTable, Why: "conditionally create the asset (attribute_not_exists)"},
			{Action: "sqs:SendMessage", On: TranscodeQueue, Why: "request the transcode of an accepted asset"},
		},
	}

	// Transcode plans the title's ladder and submits its MediaConvert job, once per attempt.
	Transcode = Function{
		Name:           "transcode",
		Package:        "github.com/ottkit/ottkit/functions/cmd/transcode",
		Trigger:        TranscodeQueue,
		TimeoutSeconds: 30,
		MemoryMB:       128,
		Env: []EnvVar{
			{Name: "CATALOG_TABLE", From: CatalogTable, Attr: Name},
			{Name: "DELIVERY_BUCKET", From: DeliveryBucket, Attr: Name},
			{Name: "MEDIACONVERT_QUEUE_ARN", From: MediaConvertQueue, Attr: ARN},
			{Name: "MEDIACONVERT_ROLE_ARN", From: MediaConvertRole, Attr: ARN},
			{Name: "NOTIFY_TOPIC_ARN", From: NotifyTopic, Attr: ARN},
			{Name: "LADDER", Setting: Ladder},
			{Name: "MAX_HEIGHT", Setting: MaxHeight},
			{Name: "VIDEO_CODEC", Setting: VideoCodec},
			{Name: "THUMBNAIL_INTERVAL", Setting: ThumbnailInterval},
		},
		Permissions: []Permission{
			{Action: "dynamodb:GetItem", On: CatalogTable, Why: "read the asset's probe summary and status"},
			{Action: "dynamodb:PutItem", On: CatalogTable, Why: "conditional queued|retrying → transcoding with the job id"},
			{Action: "mediaconvert:CreateJob", On: MediaConvertQueue, Why: "submit the job (idempotent client request token per attempt)"},
			{Action: "mediaconvert:ListJobs", On: MediaConvertQueue, Why: "find the job an earlier delivery submitted for the attempt, after the one-minute client request token has expired"},
			{Action: "iam:PassRole", On: MediaConvertRole, PassedToService: "mediaconvert.amazonaws.com", Why: "the job runs as the MediaConvert role"},
			{Action: "mediaconvert:TagResource", On: MediaConvertJobs, Why: "the job is created with the asset's tags, which AWS authorises as tagging the new job"},
			{Action: "sns:Publish", On: NotifyTopic, Why: "announce an asset failed because it cannot be planned or its job was rejected"},
		},
	}

	// Complete records a finished job: verifies and catalogues the outputs, archives the
	// master and notifies; or resubmits a retryable failure, or records the failure.
	Complete = Function{
		Name:           "complete",
		Package:        "github.com/ottkit/ottkit/functions/cmd/complete",
		Trigger:        EventsQueue,
		TimeoutSeconds: 60,
		MemoryMB:       128,
		Env: []EnvVar{
			{Name: "CATALOG_TABLE", From: CatalogTable, Attr: Name},
			{Name: "DELIVERY_BUCKET", From: DeliveryBucket, Attr: Name},
			{Name: "MASTERS_BUCKET", From: MastersBucket, Attr: Name},
			{Name: "NOTIFY_TOPIC_ARN", From: NotifyTopic, Attr: ARN},
			{Name: "TRANSCODE_QUEUE_URL", From: TranscodeQueue, Attr: URL},
			{Name: "ARCHIVE_STORAGE_CLASS", Setting: ArchiveStorageClass},
			{Name: "MAX_RETRIES", Setting: MaxRetries},
			{Name: "VIDEO_CODEC", Setting: VideoCodec},
		},
		Permissions: []Permission{
			{Action: "dynamodb:GetItem", On: CatalogTable, Why: "find the asset the job belongs to"},
			{Action: "dynamodb:PutItem", On: CatalogTable, Why: "conditional transcoding → ready | retrying | failed"},
			{Action: "s3:ListBucket", On: DeliveryBucket, Why: "verify every expected output exists under assets/<id>/"},
			{Action: "s3:GetObject", On: MastersBucket, Path: "*", Why: "source of the in-place copy that archives the master"},
			{Action: "s3:PutObject", On: MastersBucket, Path: "*", Why: "in-place copy to ARCHIVE_STORAGE_CLASS"},
			{Action: "sns:Publish", On: NotifyTopic, Why: "announce ready and failed assets"},
			{Action: "sqs:SendMessage", On: TranscodeQueue, Why: "resubmit a retryable failure with a backoff delay"},
		},
	}

	// API serves uploads, the catalog and playback cookies behind API Gateway's JWT authorizer.
	API = Function{
		Name:           "api",
		Package:        "github.com/ottkit/ottkit/functions/cmd/api",
		TimeoutSeconds: 10,
		MemoryMB:       256,
		Env: []EnvVar{
			{Name: "INGEST_BUCKET", From: IngestBucket, Attr: Name},
			{Name: "CATALOG_TABLE", From: CatalogTable, Attr: Name},
			{Name: "SIGNING_SECRET_ARN", From: SigningSecret, Attr: ARN},
			{Name: "PLAYBACK_DOMAIN", Setting: PlaybackDomain},
			{Name: "PLAYBACK_TTL", Setting: PlaybackTTL},
			{Name: "UPLOAD_TTL", Setting: UploadTTL},
			{Name: "MAX_UPLOAD_BYTES", Setting: MaxUploadBytes},
			{Name: "TENANT_CLAIM", Setting: TenantClaim},
			{Name: "ROLES_CLAIM", Setting: RolesClaim},
			{Name: "CLOUDFRONT_SESSIONS", Setting: EdgeSessionsMode},
		},
		Permissions: []Permission{
			{Action: "s3:PutObject", On: IngestBucket, Path: UploadPrefix + "*", Why: "presign upload PUTs and parts, create multipart uploads"},
			{Action: "s3:ListMultipartUploadParts", On: IngestBucket, Path: UploadPrefix + "*", Why: "POST /uploads/complete checks the parts S3 holds before assembling them"},
			{Action: "dynamodb:GetItem", On: CatalogTable, Why: "GET /assets/{id} and the playback status check"},
			{Action: "dynamodb:Query", On: CatalogTable, Path: "index/*", Why: "GET /assets lists the tenant's assets from the byTenant index"},
			{Action: "secretsmanager:GetSecretValue", On: SigningSecret, Why: "CloudFront key pair id and private key for signed cookies"},
		},
	}
)

// EdgeSessions is what the api function adds on a stack with ottkit:edgeSessions: the
// session store's ARN, and the cloudfront-keyvaluestore calls that read the signing key and
// write revocations (every write is an UpdateKeys under the store's ETag).
var EdgeSessions = Extension{
	Function: "api",
	Env: []EnvVar{
		{Name: "SESSIONS_KVS_ARN", From: SessionStore, Attr: ARN},
	},
	Permissions: []Permission{
		{Action: "cloudfront-keyvaluestore:GetKey", On: SessionStore, Why: "read the signing key id and the key new sessions are signed with"},
		{Action: "cloudfront-keyvaluestore:DescribeKeyValueStore", On: SessionStore, Why: "the store's ETag, which every write names in If-Match"},
		{Action: "cloudfront-keyvaluestore:ListKeys", On: SessionStore, Why: "find revocations that have expired, removed with the next revocation"},
		{Action: "cloudfront-keyvaluestore:UpdateKeys", On: SessionStore, Why: "POST /revocations, and the stack's first signing key"},
	},
}

// All returns every deployable function, in pipeline order.
func All() []Function {
	return []Function{Ingest, Transcode, Complete, API}
}

// APIRoutes are the HTTP API routes (API Gateway route keys) the API function serves; each
// needs the JWT authorizer. POST /uploads/complete assembles a multipart upload, which S3
// cannot presign.
var APIRoutes = []string{
	"POST /uploads",
	"POST /uploads/complete",
	"GET /assets",
	"GET /assets/{id}",
	"POST /assets/{id}/playback",
}

// ViewerIPHeader carries the viewer's address from the distribution to the api function on a
// stack whose edge sessions are bound to it (EdgeSessionsIP): the API behaviour's CloudFront
// Function sets it from event.viewer.ip, replacing whatever the viewer sent.
const ViewerIPHeader = "x-ottkit-viewer-ip"

// SessionRoutes are the routes the API function serves on a stack with ottkit:edgeSessions.
var SessionRoutes = []string{
	"POST /revocations",
}
