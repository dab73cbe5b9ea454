package keys

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// KeySet is the signed-request keyset of a Cloud CDN backend bucket: the keys Cloud CDN
// accepts signed cookies under.
type KeySet interface {
	// Names returns the names of the keys the backend bucket has.
	Names(ctx context.Context) ([]string, error)
	// Add adds a key (a base64url 128-bit value) and returns once Cloud CDN has it.
	Add(ctx context.Context, name, value string) error
	// Delete removes a key and returns once it is gone.
	Delete(ctx context.Context, name string) error
}

// MaxCDNKeys is how many signed-request keys a Cloud CDN backend bucket holds at most.
const MaxCDNKeys = 3

// DefaultComputeEndpoint is the Compute Engine REST API's base URL.
const DefaultComputeEndpoint = "https://compute.googleapis.com/compute/v1"

// BackendBucketKeys is the KeySet of one backend bucket through the Compute Engine REST API
// (backendBuckets.get, addSignedUrlKey and deleteSignedUrlKey, waiting on the global
// operation each returns). It needs compute.backendBuckets.get and
// compute.backendBuckets.addSignedUrlKey / deleteSignedUrlKey (roles/compute.loadBalancerAdmin).
type BackendBucketKeys struct {
	// HTTP is an authorised client (google.golang.org/api/transport/http).
	HTTP *http.Client
	// Endpoint is the API's base URL; DefaultComputeEndpoint when empty.
	Endpoint string
	// Project and BackendBucket name the backend bucket.
	Project, BackendBucket string
	// Timeout bounds the wait for one operation; five minutes when zero.
	Timeout time.Duration
}

func (b BackendBucketKeys) base() string {
	ep := b.Endpoint
	if ep == "" {
		ep = DefaultComputeEndpoint
	}
	return strings.TrimRight(ep, "/") + "/projects/" + url.PathEscape(b.Project)
}

func (b BackendBucketKeys) bucketURL() string {
	return b.base() + "/global/backendBuckets/" + url.PathEscape(b.BackendBucket)
}

// operation is the part of compute#operation a caller needs.
type operation struct {
	Name   string `json:"name"`
	Status string `json:"status"`
	Error  *struct {
		Errors []struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"errors"`
	} `json:"error"`
}

func (b BackendBucketKeys) call(ctx context.Context, method, u string, body, out any) error {
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := b.HTTP.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		var e struct {
			Error struct {
				Message string `json:"message"`
			} `json:"error"`
		}
		if json.Unmarshal(raw, &e) == nil && e.Error.Message != "" {
			return fmt.Errorf("%s %s: %s: %s", method, u, resp.Status, e.Error.Message)
		}
		return fmt.Errorf("%s %s: %s", method, u, resp.Status)
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("%s %s: response: %w", method, u, err)
	}
	return nil
}

// Names implements KeySet.
func (b BackendBucketKeys) Names(ctx context.Context) ([]string, error) {
	var bucket struct {
		CDNPolicy struct {
			SignedURLKeyNames []string `json:"signedUrlKeyNames"`
		} `json:"cdnPolicy"`
	}
	if err := b.call(ctx, http.MethodGet, b.bucketURL(), nil, &bucket); err != nil {
		return nil, fmt.Errorf("backend bucket %s: %w", b.BackendBucket, err)
	}
	names := bucket.CDNPolicy.SignedURLKeyNames
	slices.Sort(names)
	return names, nil
}

// Add implements KeySet.
func (b BackendBucketKeys) Add(ctx context.Context, name, value string) error {
	var op operation
	if err := b.call(ctx, http.MethodPost, b.bucketURL()+"/addSignedUrlKey", map[string]string{"keyName": name, "keyValue": value}, &op); err != nil {
		return fmt.Errorf("add key %s to backend bucket %s: %w", name, b.BackendBucket, err)
	}
	if err := b.wait(ctx, op); err != nil {
		return fmt.Errorf("add key %s to backend bucket %s: %w", name, b.BackendBucket, err)
	}
	return nil
}

// Delete implements KeySet.
func (b BackendBucketKeys) Delete(ctx context.Context, name string) error {
	var op operation
	if err := b.call(ctx, http.MethodPost, b.bucketURL()+"/deleteSignedUrlKey?keyName="+url.QueryEscape(name), nil, &op); err != nil {
		return fmt.Errorf("delete key %s of backend bucket %s: %w", name, b.BackendBucket, err)
	}
	if err := b.wait(ctx, op); err != nil {
		return fmt.Errorf("delete key %s of backend bucket %s: %w", name, b.BackendBucket, err)
	}
	return nil
}

// wait polls globalOperations.wait (which returns when the operation is done or after about
// two minutes) until op is DONE, and returns its error.
func (b BackendBucketKeys) wait(ctx context.Context, op operation) error {
	timeout := b.Timeout
	if timeout <= 0 {
		timeout = 5 * time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for op.Status != "DONE" {
		if op.Name == "" {
			return fmt.Errorf("operation without a name in status %q", op.Status)
		}
		name := op.Name
		if err := b.call(ctx, http.MethodPost, b.base()+"/global/operations/"+url.PathEscape(name)+"/wait", nil, &op); err != nil {
			return fmt.Errorf("operation %s: %w", name, err)
		}
	}
	if op.Error != nil && len(op.Error.Errors) > 0 {
		msgs := make([]string, 0, len(op.Error.Errors))
		for _, e := range op.Error.Errors {
			msgs = append(msgs, e.Code+": "+e.Message)
		}
		return fmt.Errorf("operation %s failed: %s", op.Name, strings.Join(msgs, "; "))
	}
	return nil
}
