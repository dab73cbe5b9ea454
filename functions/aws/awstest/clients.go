package awstest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/ottkit/ottkit/functions/aws/manifest"
	"github.com/ottkit/ottkit/functions/pipeline"
)

// Region is the region every fake client uses.
const Region = "us-east-1"

// Clients holds SDK clients pointed at the fakes.
type Clients struct {
	S3             *s3.Client
	DynamoDB       *dynamodb.Client
	SQS            *sqs.Client
	SNS            *sns.Client
	SecretsManager *secretsmanager.Client
}

// Env is one test's view of the fakes: clients whose calls are recorded (give these to the code
// under test), and admin clients whose calls are not (use these to arrange and inspect).
type Env struct {
	Recorder   *Recorder
	Config     aws.Config // recorded, no endpoint: add one per service
	S3Endpoint string
	Clients
	Admin Clients
}

// NewEnv starts an in-process gofakes3 server for the test and builds clients for it and for
// the moto server started by Main. rec may be nil when nothing needs recording.
func NewEnv(t testing.TB, rec *Recorder) *Env {
	t.Helper()
	return newEnv(t, rec, MotoEndpoint(t))
}

// NewS3Env is NewEnv for tests that need only S3: it starts no moto, and its non-S3 clients
// point nowhere.
func NewS3Env(t testing.TB, rec *Recorder) *Env {
	t.Helper()
	return newEnv(t, rec, "http://127.0.0.1:1")
}

func newEnv(t testing.TB, rec *Recorder, moto string) *Env {
	backend := s3mem.New()
	faker := gofakes3.New(backend, gofakes3.WithAutoBucket(false))
	srv := httptest.NewServer(copyShim(backend, faker.Server()))
	t.Cleanup(srv.Close)

	env := &Env{Recorder: rec, S3Endpoint: srv.URL}
	env.Config = Config(rec)
	env.Clients = newClients(env.Config, srv.URL, moto)
	env.Admin = newClients(Config(nil), srv.URL, moto)
	return env
}

// Config returns a static-credential, single-attempt aws.Config over HTTPClient that records
// with rec when rec is not nil.
func Config(rec *Recorder) aws.Config {
	cfg := aws.Config{
		Region:           Region,
		Credentials:      credentials.NewStaticCredentialsProvider("testing", "testing", ""),
		RetryMaxAttempts: 1,
		HTTPClient:       HTTPClient,
	}
	if rec != nil {
		cfg.APIOptions = append(cfg.APIOptions, rec.APIOption)
	}
	return cfg
}

func newClients(cfg aws.Config, s3Endpoint, moto string) Clients {
	return Clients{
		S3: s3.NewFromConfig(cfg, func(o *s3.Options) {
			o.BaseEndpoint = aws.String(s3Endpoint)
			o.UsePathStyle = true
		}),
		DynamoDB:       dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(moto) }),
		SQS:            sqs.NewFromConfig(cfg, func(o *sqs.Options) { o.BaseEndpoint = aws.String(moto) }),
		SNS:            sns.NewFromConfig(cfg, func(o *sns.Options) { o.BaseEndpoint = aws.String(moto) }),
		SecretsManager: secretsmanager.NewFromConfig(cfg, func(o *secretsmanager.Options) { o.BaseEndpoint = aws.String(moto) }),
	}
}

// UniqueName returns prefix followed by a random suffix, so tests sharing one moto server do
// not see each other's resources.
func UniqueName(prefix string) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return prefix + "-" + hex.EncodeToString(b)
}

func (e *Env) name(res manifest.Resource, names ...string) {
	if e.Recorder != nil {
		e.Recorder.Name(res, names...)
	}
}

// Bucket creates a bucket and names it res for the recorder.
func (e *Env) Bucket(t testing.TB, res manifest.Resource) string {
	t.Helper()
	name := UniqueName(strings.TrimSuffix(string(res), "-bucket"))
	if _, err := e.Admin.S3.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		t.Fatalf("create bucket %s: %v", name, err)
	}
	e.name(res, name)
	return name
}

// CatalogTable creates a table with the catalog's key schema and GSI from the manifest.
func (e *Env) CatalogTable(t testing.TB) string {
	t.Helper()
	name := UniqueName("catalog")
	s := func(n string) ddbtypes.AttributeDefinition {
		return ddbtypes.AttributeDefinition{AttributeName: aws.String(n), AttributeType: ddbtypes.ScalarAttributeTypeS}
	}
	_, err := e.Admin.DynamoDB.CreateTable(context.Background(), &dynamodb.CreateTableInput{
		TableName:   aws.String(name),
		BillingMode: ddbtypes.BillingModePayPerRequest,
		AttributeDefinitions: []ddbtypes.AttributeDefinition{
			s(manifest.CatalogHashKey), s(manifest.CatalogIndexHashKey), s(manifest.CatalogIndexRangeKey),
		},
		KeySchema: []ddbtypes.KeySchemaElement{{AttributeName: aws.String(manifest.CatalogHashKey), KeyType: ddbtypes.KeyTypeHash}},
		GlobalSecondaryIndexes: []ddbtypes.GlobalSecondaryIndex{{
			IndexName: aws.String(manifest.CatalogIndexName),
			KeySchema: []ddbtypes.KeySchemaElement{
				{AttributeName: aws.String(manifest.CatalogIndexHashKey), KeyType: ddbtypes.KeyTypeHash},
				{AttributeName: aws.String(manifest.CatalogIndexRangeKey), KeyType: ddbtypes.KeyTypeRange},
			},
			Projection: &ddbtypes.Projection{ProjectionType: ddbtypes.ProjectionTypeAll},
		}},
	})
	if err != nil {
		t.Fatalf("create table %s: %v", name, err)
	}
	e.name(manifest.CatalogTable, name)
	return name
}

// Queue creates an SQS queue, names its URL res and returns the URL.
func (e *Env) Queue(t testing.TB, res manifest.Resource) string {
	t.Helper()
	out, err := e.Admin.SQS.CreateQueue(context.Background(), &sqs.CreateQueueInput{QueueName: aws.String(UniqueName(string(res)))})
	if err != nil {
		t.Fatalf("create queue: %v", err)
	}
	e.name(res, *out.QueueUrl)
	return *out.QueueUrl
}

// Topic creates an SNS topic subscribed by a new SQS queue (raw delivery), so tests can read
// what was published. It returns the topic ARN and the queue URL.
func (e *Env) Topic(t testing.TB) (topicARN, queueURL string) {
	t.Helper()
	ctx := context.Background()
	topic, err := e.Admin.SNS.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String(UniqueName("notify"))})
	if err != nil {
		t.Fatalf("create topic: %v", err)
	}
	q, err := e.Admin.SQS.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(UniqueName("notify-sub"))})
	if err != nil {
		t.Fatalf("create subscriber queue: %v", err)
	}
	attrs, err := e.Admin.SQS.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
		QueueUrl: q.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn},
	})
	if err != nil {
		t.Fatalf("queue arn: %v", err)
	}
	_, err = e.Admin.SNS.Subscribe(ctx, &sns.SubscribeInput{
		TopicArn: topic.TopicArn, Protocol: aws.String("sqs"),
		Endpoint:   aws.String(attrs.Attributes[string(sqstypes.QueueAttributeNameQueueArn)]),
		Attributes: map[string]string{"RawMessageDelivery": "true"},
	})
	if err != nil {
		t.Fatalf("subscribe: %v", err)
	}
	e.name(manifest.NotifyTopic, *topic.TopicArn)
	return *topic.TopicArn, *q.QueueUrl
}

// Secret creates a secret holding value and returns its ARN, named SigningSecret by both
// name and ARN.
func (e *Env) Secret(t testing.TB, value string) (name, arn string) {
	t.Helper()
	name = UniqueName("signing")
	out, err := e.Admin.SecretsManager.CreateSecret(context.Background(), &secretsmanager.CreateSecretInput{
		Name: aws.String(name), SecretString: aws.String(value),
	})
	if err != nil {
		t.Fatalf("create secret: %v", err)
	}
	e.name(manifest.SigningSecret, name, *out.ARN)
	return name, *out.ARN
}

// Notifications drains queueURL, a queue subscribed to a notification topic, and decodes each
// message as the pipeline's notification.
func (e *Env) Notifications(t testing.TB, queueURL string) []pipeline.Notification {
	t.Helper()
	var out []pipeline.Notification
	for _, m := range e.Receive(t, queueURL, 50) {
		var n pipeline.Notification
		if err := json.Unmarshal([]byte(*m.Body), &n); err != nil {
			t.Fatalf("notification %q: %v", *m.Body, err)
		}
		out = append(out, n)
	}
	return out
}

// Receive drains up to max messages from queueURL (waiting briefly) and returns their bodies
// and, per body, its message attributes and system attributes.
func (e *Env) Receive(t testing.TB, queueURL string, max int32) []sqstypes.Message {
	t.Helper()
	var all []sqstypes.Message
	for {
		out, err := e.Admin.SQS.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{
			QueueUrl: aws.String(queueURL), MaxNumberOfMessages: min(max, 10), WaitTimeSeconds: 0,
			MessageAttributeNames:       []string{"All"},
			MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{sqstypes.MessageSystemAttributeNameAll},
		})
		if err != nil {
			t.Fatalf("receive from %s: %v", queueURL, err)
		}
		for _, m := range out.Messages {
			_, _ = e.Admin.SQS.DeleteMessage(context.Background(), &sqs.DeleteMessageInput{QueueUrl: aws.String(queueURL), ReceiptHandle: m.ReceiptHandle})
		}
		all = append(all, out.Messages...)
		if len(out.Messages) == 0 || int32(len(all)) >= max {
			return all
		}
	}
}
