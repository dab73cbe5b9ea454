package manifest

// The edge mirror: with a Cloudflare edge in R2 mode (ottkit:edge cloudflare,
// ottkit:cloudflareMode r2) the complete function copies every verified output to the edge's
// R2 bucket before the asset is ready. Its declarations are kept apart from Complete's so
// that a stack without the edge deploys exactly Complete, and one with it
// Complete.With(CompleteMirror).
const (
	// EdgeMirrorBucket is the Cloudflare R2 bucket the edge Worker serves from. It is not an
	// AWS resource: the function reaches it through R2's S3 API with the token in
	// EdgeMirrorSecret, so no IAM permission names it.
	EdgeMirrorBucket Resource = "edge-mirror-bucket"
	// EdgeMirrorSecret is the Secrets Manager secret holding the R2 token's S3 credentials as
	// R2Credentials JSON; only the complete function may read it.
	EdgeMirrorSecret Resource = "edge-mirror-secret"
)

// EdgeMirrorEndpoint is the https URL of the R2 account's S3 API,
// https://<account id>.r2.cloudflarestorage.com.
const EdgeMirrorEndpoint Setting = "edge-mirror-endpoint"

// R2Credentials is the JSON the EdgeMirrorSecret holds: an R2 S3 credential pair, which for a
// Cloudflare API token is the token's id and the SHA-256 (lowercase hex) of its value.
type R2Credentials struct {
	AccessKeyID     string `json:"accessKeyId"`
	SecretAccessKey string `json:"secretAccessKey"`
}

// CompleteMirror is what the complete function adds with an edge mirror: where the mirror is
// and its credentials, reading the outputs it streams there, and the time to copy them. Five
// minutes at 256 MB (twice the CPU and network share of 128 MB) copies a feature-length
// title's segments in one delivery; a longer copy resumes on the redelivery, since objects
// already mirrored are not copied again.
var CompleteMirror = Extension{
	Function:       "complete",
	TimeoutSeconds: 300,
	MemoryMB:       256,
	Env: []EnvVar{
		{Name: "EDGE_MIRROR_BUCKET", From: EdgeMirrorBucket, Attr: Name},
		{Name: "EDGE_MIRROR_ENDPOINT", Setting: EdgeMirrorEndpoint},
		{Name: "EDGE_MIRROR_SECRET_ARN", From: EdgeMirrorSecret, Attr: ARN},
	},
	Permissions: []Permission{
		{Action: "s3:GetObject", On: DeliveryBucket, Path: AssetPrefix + "*", Why: "stream each verified output to the edge's R2 bucket"},
		{Action: "secretsmanager:GetSecretValue", On: EdgeMirrorSecret, Why: "the R2 token's S3 credentials (EDGE_MIRROR_SECRET_ARN)"},
	},
}
