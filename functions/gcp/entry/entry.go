// Package entry holds what the GCP functions' wiring shares. Each function's wiring is its
// own package, entry/<name>, whose Build reads the function's environment (exactly the
// variables functions/gcp/manifest lists), builds the Google clients and ottkit's adapters it
// needs and nothing more, and returns the stage behind its HTTP decoding. The mains under
// functions/cmd/gcp-<name> and the Cloud Run functions entry points of the source archives
// both call it, and the tests run it against the in-process fakes through Endpoints.
package entry

import (
	"net/http"

	"google.golang.org/api/option"
)

// Endpoints overrides how each client connects; the zero value is Google's endpoints with
// Application Default Credentials (the function's service account on Cloud Run).
type Endpoints struct {
	Storage, Firestore, PubSub, Transcoder, Tasks, SecretManager, IAMCredentials []option.ClientOption
	// StorageXML sends the signed XML API requests a function makes itself (the api
	// function's multipart create, list parts and complete); http.DefaultClient when nil.
	StorageXML *http.Client
}
