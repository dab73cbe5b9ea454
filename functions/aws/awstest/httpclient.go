package awstest

import (
	"bytes"
	"io"
	"net/http"
)

// HTTPClient is the HTTP client every SDK client of the fakes uses (Config sets it).
//
// The SDK closes a request's body as soon as the response headers arrive. A real endpoint is
// far enough away that the transport has finished with the body by then; a local fake (moto,
// gofakes3) can answer so fast, above all on a loaded machine, that the transport is still
// checking the body, fails, and drops the connection under the response: the call then fails
// with "use of closed network connection" while reading a 200 (aws-sdk-go-v2#2737), and with
// single-attempt clients a test fails by timing alone. This client hands the transport its
// own copy of the body, so the SDK's early close cannot reach it.
var HTTPClient = bodyCopyingClient{c: &http.Client{}}

type bodyCopyingClient struct{ c *http.Client }

// Do sends a copy of req whose body only the transport holds.
func (b bodyCopyingClient) Do(req *http.Request) (*http.Response, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return b.c.Do(req)
	}
	data, err := io.ReadAll(req.Body)
	req.Body.Close()
	if err != nil {
		return nil, err
	}
	req = req.Clone(req.Context())
	req.Body = io.NopCloser(bytes.NewReader(data))
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
	req.ContentLength = int64(len(data))
	return b.c.Do(req)
}
