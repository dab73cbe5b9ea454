// Command gcp-ingest is the ingest function as a Cloud Run service; see package
// github.com/ottkit/ottkit/functions/gcp/entry.
package main

import (
	"github.com/ottkit/ottkit/functions/gcp/entry"
	"github.com/ottkit/ottkit/functions/gcp/runmain"
)

func main() { runmain.Serve(entry.Ingest(entry.Endpoints{})) }
