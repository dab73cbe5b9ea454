// Package fakehttp is the HTTP client for AWS SDK clients that talk to local fakes (moto,
// gofakes3, mediaconvertfake).
//
// The SDK closes a request's body as soon as the response headers arrive. A real endpoint is
// far enough away that the transport has finished with the body by then; a local fake can
// answer so fast, above all on a loaded machine, that the transport is still checking the
// body, fails, and drops the connection under the response: the call then fails with "use of
// closed network connection" while reading a 200 (aws-sdk-go-v2#2737), and with
// single-attempt clients a test fails by timing alone. Client hands the transport its own copy
// of the body, so the SDK's early close cannot reach it.
package fakehttp

import (
	"bytes"
	"io"
	"net/http"
)

// Client wraps c so that every request's body is copied before it is sent.
func Client(c *http.Client) BodyCopying { return BodyCopying{c: c} }

// BodyCopying is an HTTP client (the SDK's HTTPClient interface) that sends copies of bodies.
type BodyCopying struct{ c *http.Client }

// Do sends a copy of req whose body only the transport holds.
func (b BodyCopying) Do(req *http.Request) (*http.Response, error) {
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
