// Command gcp-api is the api function as a Cloud Run service; see package
// github.com/ottkit/ottkit/functions/gcp/entry and its per-function packages.
package main

import (
	"github.com/ottkit/ottkit/functions/gcp/entry"
	fn "github.com/ottkit/ottkit/functions/gcp/entry/api"
	"github.com/ottkit/ottkit/functions/gcp/runmain"
)

func main() { runmain.Serve(fn.Build(entry.Endpoints{})) }
