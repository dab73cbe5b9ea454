// Command gcp-api is the api function as a Cloud Run service; see package
// github.com/ottkit/ottkit/functions/gcp/entry.
package main

import (
	"github.com/ottkit/ottkit/functions/gcp/entry"
	"github.com/ottkit/ottkit/functions/gcp/runmain"
)

func main() { runmain.Serve(entry.API(entry.Endpoints{})) }
