package gcsstore

import (
	"context"
	"testing"

	"github.com/ottkit/ottkit/functions/gcp/gcptest"
	"github.com/ottkit/ottkit/functions/stages/stagetest"
)

func TestObjectStoreContract(t *testing.T) {
	stagetest.ObjectStoreContract(t, func(t *testing.T) stagetest.ObjectStoreFixture {
		g := gcptest.NewGCS(t, "ingest", "masters")
		return stagetest.ObjectStoreFixture{
			Store: New(g.Client), Bucket: "ingest", OtherBucket: "masters", ArchiveClass: "ARCHIVE",
			Put: func(t *testing.T, bucket, key string, data []byte, contentType string, meta map[string]string) {
				w := g.Client.Bucket(bucket).Object(key).NewWriter(context.Background())
				w.ContentType, w.Metadata = contentType, meta
				if _, err := w.Write(data); err != nil {
					t.Fatal(err)
				}
				if err := w.Close(); err != nil {
					t.Fatal(err)
				}
			},
		}
	})
}

func TestObjectGetterContract(t *testing.T) {
	stagetest.ObjectGetterContract(t, func(t *testing.T) stagetest.ObjectStoreFixture {
		g := gcptest.NewGCS(t, "delivery")
		return stagetest.ObjectStoreFixture{
			Store: New(g.Client), Bucket: "delivery",
			Put: func(t *testing.T, bucket, key string, data []byte, contentType string, meta map[string]string) {
				w := g.Client.Bucket(bucket).Object(key).NewWriter(context.Background())
				w.ContentType, w.Metadata = contentType, meta
				if _, err := w.Write(data); err != nil {
					t.Fatal(err)
				}
				if err := w.Close(); err != nil {
					t.Fatal(err)
				}
			},
		}
	})
}
