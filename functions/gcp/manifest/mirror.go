package manifest

// The edge mirror on GCP: as on AWS (functions/aws/manifest.CompleteMirror), with a Cloudflare
// edge in R2 mode the complete function copies every verified output to the edge's R2
// bucket before the asset is ready. Its declarations are kept apart from Complete's, so a
// stack without the edge deploys exactly Complete and one with it Complete.With(CompleteMirror).
const (
	// EdgeMirrorBucket is the Cloudflare R2 bucket the edge Worker serves from; reached
	// through R2's S3 API, so no GCP permission names it.
	EdgeMirrorBucket Resource = "edge-mirror-bucket"
	// EdgeMirrorSecret is the Secret Manager secret holding the R2 token's S3 credentials
	// (functions/aws/manifest.R2Credentials JSON); only the complete function may access it.
	EdgeMirrorSecret Resource = "edge-mirror-secret"
)

// EdgeMirrorEndpoint is the https URL of the R2 account's S3 API.
const EdgeMirrorEndpoint Setting = "edge-mirror-endpoint"

// CompleteMirror is what the complete function adds with an edge mirror: where it is, its
// credentials, reading the outputs it streams there, and the time to copy them (Pub/Sub's
// ack deadline follows the timeout; its 600 s maximum is above it).
var CompleteMirror = Extension{
	Function:       "complete",
	TimeoutSeconds: 300,
	MemoryMB:       256,
	Env: []EnvVar{
		{Name: "EDGE_MIRROR_BUCKET", From: EdgeMirrorBucket, Attr: Name},
		{Name: "EDGE_MIRROR_ENDPOINT", Setting: EdgeMirrorEndpoint},
		{Name: "EDGE_MIRROR_SECRET", From: EdgeMirrorSecret, Attr: ID},
	},
	Permissions: []Permission{
		{Permission: "storage.objects.get", On: DeliveryBucket, Prefix: AssetPrefix, Why: "stream each verified output to the edge's R2 bucket"},
		{Permission: "secretmanager.versions.access", On: EdgeMirrorSecret, Why: "the R2 token's S3 credentials (EDGE_MIRROR_SECRET)"},
	},
}
