// Command gcp-complete is the complete function as a Cloud Run service; see package
// github.com/ottkit/ottkit/functions/gcp/entry.
package main

import (
	"github.com/ottkit/ottkit/functions/gcp/entry"
	"github.com/ottkit/ottkit/functions/gcp/runmain"
)

func main() { runmain.Serve(entry.Complete(entry.Endpoints{})) }
