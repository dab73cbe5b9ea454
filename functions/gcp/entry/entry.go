// Package entry holds what the GCP functions' wiring shares. Each function's wiring is its
// own package, entry/<name>, whose Build reads the function's environment (exactly the
// variables functions/gcp/manifest lists), builds the Google clients and ottkit's adapters it
// needs and nothing more, and returns the stage behind its HTTP decoding. The mains under
// functions/cmd/gcp-<name> and the Cloud Run functions entry points of the source archives
// both call it, and the tests run it against the in-process fakes through Endpoints.
package entry

import (
	"context"
	"fmt"
	"net/http"

	"cloud.google.com/go/firestore"
	"cloud.google.com/go/pubsub/v2"
	"cloud.google.com/go/storage"
	"google.golang.org/api/option"
)

// Endpoints overrides how each client connects; the zero value is Google's endpoints with
// Application Default Credentials (the function's service account on Cloud Run).
type Endpoints struct {
	Storage, Firestore, PubSub, Transcoder, Tasks, SecretManager, IAMCredentials []option.ClientOption
	// StorageXML sends the signed XML API requests a function makes itself (the api
	// function's multipart create, list parts and complete); http.DefaultClient when nil.
	StorageXML *http.Client
	// R2HTTP sends the complete function's requests to the edge mirror's R2 S3 API; the
	// SDK's default client when nil.
	R2HTTP *http.Client
}

// FirestoreClient connects to the stack's named Firestore database.
func (e Endpoints) FirestoreClient(ctx context.Context, project, database string) (*firestore.Client, error) {
	c, err := firestore.NewClientWithDatabase(ctx, project, database, e.Firestore...)
	if err != nil {
		return nil, fmt.Errorf("firestore client: %w", err)
	}
	return c, nil
}

// StorageClient connects to Cloud Storage.
func (e Endpoints) StorageClient(ctx context.Context) (*storage.Client, error) {
	c, err := storage.NewClient(ctx, e.Storage...)
	if err != nil {
		return nil, fmt.Errorf("storage client: %w", err)
	}
	return c, nil
}

// PubSubClient connects to Pub/Sub in project.
func (e Endpoints) PubSubClient(ctx context.Context, project string) (*pubsub.Client, error) {
	c, err := pubsub.NewClient(ctx, project, e.PubSub...)
	if err != nil {
		return nil, fmt.Errorf("pubsub client: %w", err)
	}
	return c, nil
}
