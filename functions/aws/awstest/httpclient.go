package awstest

import (
	"net/http"

	"github.com/ottkit/ottkit/functions/aws/fakehttp"
)

// HTTPClient is the HTTP client every SDK client of the fakes uses (Config sets it): it copies
// request bodies, so the SDK closing a body early cannot drop a fake's fast answer
// (fakehttp).
var HTTPClient = fakehttp.Client(&http.Client{})
