package gcptest

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"crypto/rsa"

	"cloud.google.com/go/firestore"
	"cloud.google.com/go/iam/credentials/apiv1/credentialspb"
	"cloud.google.com/go/secretmanager/apiv1/secretmanagerpb"
	"google.golang.org/api/option"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/ottkit/ottkit/functions/gcp/entry"
	"github.com/ottkit/ottkit/functions/gcp/firestorefake"
	"github.com/ottkit/ottkit/functions/gcp/manifest"
	"github.com/ottkit/ottkit/functions/gcp/transcoderfake"
	"github.com/ottkit/ottkit/functions/pipeline"
)

// Names of the resources in an Env.
const (
	Project        = "ottkit-test"
	Database       = "ottkit-test"
	Location       = "projects/" + Project + "/locations/europe-west1"
	IngestBucket   = "ottkit-test-ingest"
	MastersBucket  = "ottkit-test-masters"
	DeliveryBucket = "ottkit-test-delivery"
	RetryQueue     = Location + "/queues/ottkit-test-retries"
	RetryURL       = "https://transcode-ottkit-test.a.run.app/"
	TasksInvoker   = "ottkit-test-tasks@" + Project + ".iam.gserviceaccount.com"
	SigningSecret  = "projects/" + Project + "/secrets/ottkit-test-cdn-key"
	Self           = "ottkit-test-api@" + Project + ".iam.gserviceaccount.com"
)

// Topic ids in an Env.
var (
	IngestTopic    = TopicName(Project, "ingest")
	TranscodeTopic = TopicName(Project, "transcode")
	JobsTopic      = TopicName(Project, "jobs")
	NotifyTopic    = TopicName(Project, "notify")
)

// Env is every GCP service a function uses, in process, with the calls recorded: the
// storage fake, pstest, the Firestore and Transcoder fakes and the Cloud Tasks fake.
type Env struct {
	GCS        *GCS
	PubSub     *PubSub
	Firestore  *firestorefake.Server
	Transcoder *transcoderfake.Server
	Tasks      *Tasks
	Secrets    *Secrets
	IAM        *IAM
	// Recorder sees every gRPC call; GCS.Permissions every storage request.
	Recorder *Recorder
	// Catalog is a client of the Firestore fake that bypasses the recorder (for seeding).
	Catalog *firestore.Client
	// Storage, Firestore…Tasks options connect a function's clients through the recorder.
	StorageOptions, FirestoreOptions, PubSubOptions, TranscoderOptions, TasksOptions, SecretsOptions, IAMOptions []option.ClientOption
}

// NewEnv starts everything; it all stops when the test ends.
func NewEnv(t testing.TB) *Env {
	t.Helper()
	rec := &Recorder{}
	dial := rec.DialOptions()
	e := &Env{Recorder: rec}
	e.GCS = NewVersionedGCS(t, IngestBucket, MastersBucket, DeliveryBucket)
	e.StorageOptions = []option.ClientOption{option.WithEndpoint(e.GCS.URL + "/storage/v1/"), option.WithoutAuthentication()}
	e.PubSub = NewPubSub(t, Project, []string{"ingest", "transcode", "jobs", "notify"})
	e.PubSubOptions = grpcOptions(e.PubSub.Fake.Addr, dial)

	fs, err := firestorefake.Start(Project, Database, firestorefake.Index{Collection: manifest.CatalogCollection, Fields: []string{manifest.CatalogIndexField1, manifest.CatalogIndexField2}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fs.Close)
	e.Firestore = fs
	e.FirestoreOptions = grpcOptions(fs.Addr, dial)
	if e.Catalog, err = fs.Client(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Catalog.Close() })

	tc, err := transcoderfake.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tc.Close)
	e.Transcoder = tc
	e.TranscoderOptions = grpcOptions(tc.Addr, dial)

	tasks, addr := startTasks(t)
	e.Tasks = tasks
	e.TasksOptions = grpcOptions(addr, dial)

	e.Secrets = &Secrets{payloads: map[string][]byte{}}
	e.SecretsOptions = grpcOptions(serveGRPC(t, func(s *grpc.Server) { secretmanagerpb.RegisterSecretManagerServiceServer(s, e.Secrets) }), dial)
	e.IAM = &IAM{keys: map[string]*rsa.PrivateKey{}}
	e.IAMOptions = grpcOptions(serveGRPC(t, func(s *grpc.Server) { credentialspb.RegisterIAMCredentialsServer(s, e.IAM) }), dial)
	return e
}

func grpcOptions(addr string, dial []grpc.DialOption) []option.ClientOption {
	opts := []option.ClientOption{option.WithEndpoint(addr), option.WithoutAuthentication(),
		option.WithGRPCDialOption(grpc.WithTransportCredentials(insecure.NewCredentials()))}
	for _, d := range dial {
		opts = append(opts, option.WithGRPCDialOption(d))
	}
	return opts
}

// Getenv returns a getenv over the function's variables, filled from the Env.
func (e *Env) Getenv(extra map[string]string) func(string) string {
	vars := map[string]string{
		"GCP_PROJECT": Project, "FIRESTORE_DATABASE": Database,
		"INGEST_BUCKET": IngestBucket, "MASTERS_BUCKET": MastersBucket, "DELIVERY_BUCKET": DeliveryBucket,
		"TRANSCODE_TOPIC": TranscodeTopic, "JOBS_TOPIC": JobsTopic, "NOTIFY_TOPIC": NotifyTopic,
		"TRANSCODER_LOCATION": Location, "RETRY_QUEUE": RetryQueue, "RETRY_URL": RetryURL, "TASKS_INVOKER": TasksInvoker,
		"SIGNING_SECRET": SigningSecret, "SERVICE_ACCOUNT": Self,
	}
	for k, v := range extra {
		vars[k] = v
	}
	return func(k string) string { return vars[k] }
}

// Names maps the Env's concrete resource names to the manifest's logical resources.
func (e *Env) Names() map[string]manifest.Resource {
	return map[string]manifest.Resource{
		IngestBucket: manifest.IngestBucket, MastersBucket: manifest.MastersBucket, DeliveryBucket: manifest.DeliveryBucket,
		"projects/" + Project + "/databases/" + Database: manifest.Catalog,
		IngestTopic: manifest.IngestTopic, TranscodeTopic: manifest.TranscodeTopic, JobsTopic: manifest.JobsTopic, NotifyTopic: manifest.NotifyTopic,
		RetryQueue: manifest.RetryQueue, TasksInvoker: manifest.TasksInvoker, Location: manifest.Transcoder,
		SigningSecret: manifest.SigningSecret, Self: manifest.Self,
	}
}

// Uses returns every permission the function's calls needed so far, gRPC and storage.
func (e *Env) Uses() []Use { return append(e.Recorder.Uses(), e.GCS.Permissions.Uses()...) }

// ResetUses forgets the calls so far (after seeding).
func (e *Env) ResetUses() { e.Recorder.Reset(); e.GCS.Permissions.Reset() }

// PushRequest is a Pub/Sub push delivery of data with attributes, as the subscription sends it.
func PushRequest(t testing.TB, id string, data []byte, attrs map[string]string) *http.Request {
	t.Helper()
	body, err := json.Marshal(map[string]any{
		"message": map[string]any{
			"data": base64.StdEncoding.EncodeToString(data), "attributes": attrs,
			"messageId": id, "publishTime": "2026-12-01T09:00:00.000Z",
		},
		"subscription": "projects/" + Project + "/subscriptions/push", "deliveryAttempt": 1,
	})
	if err != nil {
		t.Fatal(err)
	}
	return httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
}

// Upload writes data to the ingest bucket as an uploader's signed PUT would, and returns the
// Pub/Sub push of the OBJECT_FINALIZE notification Cloud Storage sends for it (JSON_API_V1).
func (e *Env) Upload(t testing.TB, key string, data []byte) *http.Request {
	t.Helper()
	w := e.GCS.Direct.Bucket(IngestBucket).Object(key).NewWriter(context.Background())
	w.ContentType = "video/mp4"
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	a := w.Attrs()
	return FinalizeRequest(t, IngestBucket, key, a.Generation, a.Size)
}

// FinalizeRequest is the push of an OBJECT_FINALIZE notification of bucket/key at generation.
func FinalizeRequest(t testing.TB, bucket, key string, generation, size int64) *http.Request {
	t.Helper()
	gen := strconv.FormatInt(generation, 10)
	obj, _ := json.Marshal(map[string]string{
		"kind": "storage#object", "id": bucket + "/" + key + "/" + gen, "name": key, "bucket": bucket,
		"generation": gen, "metageneration": "1", "contentType": "video/mp4", "size": strconv.FormatInt(size, 10),
	})
	return PushRequest(t, "finalize-"+gen, obj, map[string]string{
		"bucketId": bucket, "objectId": key, "objectGeneration": gen,
		"eventType": "OBJECT_FINALIZE", "payloadFormat": "JSON_API_V1",
	})
}

// Endpoints connects a function's clients to the Env, through the recorders.
func (e *Env) Endpoints() entry.Endpoints {
	return entry.Endpoints{
		Storage: e.StorageOptions, StorageXML: e.GCS.XMLClient(), Firestore: e.FirestoreOptions, PubSub: e.PubSubOptions,
		Transcoder: e.TranscoderOptions, Tasks: e.TasksOptions, SecretManager: e.SecretsOptions, IAMCredentials: e.IAMOptions,
	}
}

// Ladder is a LADDER value for the transcode function.
const Ladder = `[{"height":1080,"maxBitrate":6000000},{"height":720,"maxBitrate":3500000},{"height":360,"maxBitrate":900000}]`

// HD is the probe summary of a 95 s 1080p25 source with audio.
var HD = &pipeline.ProbeSummary{Container: "mp4", Duration: 95 * time.Second, DurationSeconds: 95, Width: 1920, Height: 1080, Codec: "h264", FrameRate: 25, AudioTracks: 1}

// Queued is an asset ingest accepted: queued, its master in the masters bucket.
func Queued(id, tenant string, probe *pipeline.ProbeSummary) *pipeline.Asset {
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	return &pipeline.Asset{
		ID: id, Tenant: tenant, Status: pipeline.StatusQueued,
		Source: pipeline.Object{Bucket: MastersBucket, Key: tenant + "/" + id + "/source.mp4", VersionID: "1764579600000001", Size: 1000},
		Probe:  probe, CreatedAt: now, UpdatedAt: now,
	}
}

// Serve runs one request through h and returns the status.
func Serve(t testing.TB, h http.Handler, r *http.Request) int {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec.Code
}
