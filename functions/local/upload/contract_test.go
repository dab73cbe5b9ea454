package upload_test

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ottkit/ottkit/functions/local/dirstore"
	"github.com/ottkit/ottkit/functions/local/upload"
	"github.com/ottkit/ottkit/functions/stages/stagetest"
)

func TestUploadSignerContract(t *testing.T) {
	stagetest.UploadSignerContract(t, func(t *testing.T) stagetest.UploadSignerFixture {
		dir := t.TempDir()
		store, err := dirstore.New(filepath.Join(dir, "data"), "ingest")
		if err != nil {
			t.Fatal(err)
		}
		mux := http.NewServeMux()
		srv := httptest.NewServer(mux)
		t.Cleanup(srv.Close)
		s, err := upload.New(upload.Config{Key: []byte(strings.Repeat("k", 32)), BaseURL: srv.URL, Store: store,
			Buckets: []string{"ingest"}, UploadsDir: filepath.Join(dir, "uploads"), MaxBytes: 1 << 30})
		if err != nil {
			t.Fatal(err)
		}
		mux.Handle(upload.PathPrefix, s)
		return stagetest.UploadSignerFixture{Signer: s, Store: store, Bucket: "ingest", Client: srv.Client(), MinPartSize: 1}
	})
}
