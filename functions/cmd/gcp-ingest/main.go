// Command gcp-ingest is the ingest function as a Cloud Run service; see package
// github.com/ottkit/ottkit/functions/gcp/entry and its per-function packages.
package main

import (
	"github.com/ottkit/ottkit/functions/gcp/entry"
	fn "github.com/ottkit/ottkit/functions/gcp/entry/ingest"
	"github.com/ottkit/ottkit/functions/gcp/runmain"
)

func main() { runmain.Serve(fn.Build(entry.Endpoints{})) }
