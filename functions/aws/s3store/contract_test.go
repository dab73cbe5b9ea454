package s3store_test

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/ottkit/ottkit/functions/aws/awstest"
	"github.com/ottkit/ottkit/functions/aws/manifest"
	"github.com/ottkit/ottkit/functions/aws/s3store"
	"github.com/ottkit/ottkit/functions/pipeline"
	"github.com/ottkit/ottkit/functions/stages/stagetest"
)

// TestContract runs the suite every pipeline.ObjectStore passes against S3 on gofakes3.
func TestContract(t *testing.T) {
	stagetest.ObjectStoreContract(t, func(t *testing.T) stagetest.ObjectStoreFixture {
		env := awstest.NewS3Env(t, nil)
		return stagetest.ObjectStoreFixture{
			Store:  s3store.New(env.S3),
			Bucket: env.Bucket(t, manifest.IngestBucket), OtherBucket: env.Bucket(t, manifest.MastersBucket),
			ArchiveClass: "GLACIER_IR",
			Put: func(t *testing.T, bucket, key string, data []byte, contentType string, meta map[string]string) {
				_, err := env.Admin.S3.PutObject(context.Background(), &s3.PutObjectInput{
					Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(data),
					ContentType: aws.String(contentType), Metadata: meta,
				})
				if err != nil {
					t.Fatalf("put %s: %v", key, err)
				}
			},
		}
	})
}

// TestUploadSignerContract runs the suite every pipeline.UploadSigner passes against S3 on
// gofakes3 (whose presigned requests awstest verifies as S3 does).
func TestUploadSignerContract(t *testing.T) {
	stagetest.UploadSignerContract(t, func(t *testing.T) stagetest.UploadSignerFixture {
		env := awstest.NewS3Env(t, nil)
		return stagetest.UploadSignerFixture{
			Signer: s3store.New(env.S3), Store: s3store.New(env.Admin.S3), Bucket: env.Bucket(t, manifest.IngestBucket),
			Client: http.DefaultClient, MinPartSize: 5 << 20,
		}
	})
}

// TestObjectGetterContract runs the ObjectGetter suite against S3 on gofakes3.
func TestObjectGetterContract(t *testing.T) {
	stagetest.ObjectGetterContract(t, func(t *testing.T) stagetest.ObjectStoreFixture {
		env := awstest.NewS3Env(t, nil)
		return stagetest.ObjectStoreFixture{
			Store: s3store.New(env.S3), Bucket: env.Bucket(t, manifest.DeliveryBucket),
			Put: func(t *testing.T, bucket, key string, data []byte, contentType string, meta map[string]string) {
				_, err := env.Admin.S3.PutObject(context.Background(), &s3.PutObjectInput{
					Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(data),
					ContentType: aws.String(contentType), Metadata: meta,
				})
				if err != nil {
					t.Fatalf("put %s: %v", key, err)
				}
			},
		}
	})
}

// TestR2WriterContract runs the ObjectWriter suite through NewR2 against the R2 stand-in
// (gofakes3 over TLS, refusing what R2 refuses), with nothing refused.
func TestR2WriterContract(t *testing.T) {
	stagetest.ObjectWriterContract(t, func(t *testing.T) stagetest.ObjectWriterFixture {
		r2 := awstest.NewR2(t, "acme-prod-media", "token-id")
		t.Cleanup(func() {
			if why := r2.Refused(); len(why) > 0 {
				t.Errorf("the R2 stand-in refused %v", why)
			}
		})
		store := s3store.NewR2(r2.Endpoint, credentials.NewStaticCredentialsProvider("token-id", "secret", ""), r2.HTTPClient)
		return stagetest.ObjectWriterFixture{Writer: store, Store: store, Bucket: "acme-prod-media"}
	})
}

// TestR2PutStreamRefusesWhatOnePUTCannotWrite: an object over R2's single-PUT limit is
// refused before any request, naming the object.
func TestR2PutStreamRefusesWhatOnePUTCannotWrite(t *testing.T) {
	r2 := awstest.NewR2(t, "acme-prod-media", "token-id")
	store := s3store.NewR2(r2.Endpoint, credentials.NewStaticCredentialsProvider("token-id", "secret", ""), r2.HTTPClient)
	_, err := store.PutStream(context.Background(), pipeline.PutInput{Bucket: "acme-prod-media", Key: "assets/a/huge.mp4", Body: bytes.NewReader(nil), Size: s3store.R2MaxPutSize + 1})
	if err == nil || !strings.Contains(err.Error(), "assets/a/huge.mp4") {
		t.Errorf("err = %v, want a refusal naming the object", err)
	}
	if n := r2.Requests("PUT"); n != 0 {
		t.Errorf("%d PUTs sent", n)
	}
}
