package dirstore_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/ottkit/ottkit/functions/local/dirstore"
	"github.com/ottkit/ottkit/functions/stages/stagetest"
)

func TestObjectStoreContract(t *testing.T) {
	stagetest.ObjectStoreContract(t, func(t *testing.T) stagetest.ObjectStoreFixture {
		s, err := dirstore.New(t.TempDir(), "ingest", "masters")
		if err != nil {
			t.Fatal(err)
		}
		return stagetest.ObjectStoreFixture{
			Store: s, Bucket: "ingest", OtherBucket: "masters", ArchiveClass: "GLACIER_IR",
			Put: func(t *testing.T, bucket, key string, data []byte, contentType string, meta map[string]string) {
				if _, err := s.Put(context.Background(), dirstore.PutInput{Bucket: bucket, Key: key, Body: bytes.NewReader(data), Size: int64(len(data)), ContentType: contentType, Metadata: meta}); err != nil {
					t.Fatal(err)
				}
			},
		}
	})
}
