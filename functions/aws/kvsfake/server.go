// Package kvsfake is an in-process stand-in for the CloudFront KeyValueStore data-plane API
// (cloudfront-keyvaluestore: DescribeKeyValueStore, GetKey, ListKeys, PutKey, DeleteKey,
// UpdateKeys), which moto does not serve. It speaks the service's REST-JSON protocol to the
// AWS SDK and validates what the service validates: a SigV4A signature header for the
// service, If-Match on every write equal to the store's current ETag (else
// ConflictException), key and value sizes (512 and 1024 bytes), at most 50 keys per
// UpdateKeys and 5 MB per store.
package kvsfake

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	kvs "github.com/aws/aws-sdk-go-v2/service/cloudfrontkeyvaluestore"

	"github.com/ottkit/ottkit/functions/aws/fakehttp"
)

// Limits of the service (CloudFront KeyValueStore quotas and the UpdateKeys batch).
const (
	MaxKeyBytes   = 512
	MaxValueBytes = 1024
	MaxStoreBytes = 5 << 20
	MaxBatch      = 50
	maxList       = 50
)

// Server is the fake. It is safe for concurrent use.
type Server struct {
	URL string
	mu  sync.Mutex
	kvs map[string]*store
	// Fail, when set, is called for every request; a non-empty error code makes the request
	// fail with it (InternalServerException, say), to test error paths.
	Fail func(operation string) string
}

type store struct {
	items   map[string]string
	version int
	created time.Time
}

func (s *store) etag() string { return "ETVPDKIKX0DER" + strconv.Itoa(s.version) }

func (s *store) size() int64 {
	var n int64
	for k, v := range s.items {
		n += int64(len(k) + len(v))
	}
	return n
}

// New starts a fake for the test, stopped at cleanup.
func New(t testing.TB) *Server {
	s := &Server{kvs: map[string]*store{}}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

// CreateStore adds an empty store and returns its ARN, as aws.cloudfront.KeyValueStore would.
func (s *Server) CreateStore(account string) string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	id := hex.EncodeToString(b)
	arn := fmt.Sprintf("arn:aws:cloudfront::%s:key-value-store/%s-%s-%s-%s-%s", account, id[:8], id[8:12], id[12:16], id[16:20], id[20:])
	s.mu.Lock()
	defer s.mu.Unlock()
	s.kvs[arn] = &store{items: map[string]string{}, created: time.Now().UTC()}
	return arn
}

// Items returns a copy of a store's entries.
func (s *Server) Items(arn string) map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]string{}
	for k, v := range s.kvs[arn].items {
		out[k] = v
	}
	return out
}

// Set writes an entry directly, bumping the ETag as any write does (an operator's edit).
func (s *Server) Set(arn, key, value string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.kvs[arn]
	st.items[key] = value
	st.version++
}

// HTTPClient is the SDK HTTP client for the fake: the SDK sends requests to
// <account>.<endpoint host>, and every such host reaches the fake.
func (s *Server) HTTPClient() fakehttp.BodyCopying {
	u, _ := url.Parse(s.URL)
	dialer := &net.Dialer{}
	return fakehttp.Client(&http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return dialer.DialContext(ctx, network, u.Host)
		},
	}})
}

// Client returns a cloudfront-keyvaluestore client of cfg pointed at the fake.
func (s *Server) Client(cfg aws.Config) *kvs.Client {
	cfg.HTTPClient = s.HTTPClient()
	return kvs.NewFromConfig(cfg, func(o *kvs.Options) { o.BaseEndpoint = aws.String(s.URL) })
}

type apiError struct {
	status int
	code   string
	msg    string
}

func errorf(status int, code, format string, a ...any) *apiError {
	return &apiError{status: status, code: code, msg: fmt.Sprintf(format, a...)}
}

// ServeHTTP implements the REST-JSON protocol of cloudfront-keyvaluestore 2022-07-26.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	out, etag, err := s.serve(r)
	if err != nil {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Amzn-Errortype", err.code)
		w.WriteHeader(err.status)
		_ = json.NewEncoder(w).Encode(map[string]string{"message": err.msg})
		return
	}
	if etag != "" {
		w.Header().Set("ETag", etag)
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(out)
}

func (s *Server) serve(r *http.Request) (any, string, *apiError) {
	// The SDK signs with SigV4A for the service in every region ("*").
	if auth := r.Header.Get("Authorization"); !strings.HasPrefix(auth, "AWS4-ECDSA-P256-SHA256 ") ||
		!strings.Contains(auth, "/cloudfront-keyvaluestore/aws4_request") || r.Header.Get("X-Amz-Region-Set") != "*" {
		return nil, "", errorf(403, "AccessDeniedException", "request is not signed with SigV4A for cloudfront-keyvaluestore")
	}
	rest, ok := strings.CutPrefix(r.URL.EscapedPath(), "/key-value-stores/")
	if !ok {
		return nil, "", errorf(404, "ResourceNotFoundException", "no such path %s", r.URL.Path)
	}
	rawARN, rawKey, hasKeys := strings.Cut(rest, "/keys")
	arn, err := url.PathUnescape(rawARN)
	if err != nil {
		return nil, "", errorf(400, "ValidationException", "bad ARN in path")
	}
	var key string
	if hasKeys {
		if k, ok := strings.CutPrefix(rawKey, "/"); ok {
			if key, err = url.PathUnescape(k); err != nil {
				return nil, "", errorf(400, "ValidationException", "bad key in path")
			}
		} else if rawKey != "" {
			return nil, "", errorf(404, "ResourceNotFoundException", "no such path %s", r.URL.Path)
		}
	}
	op := operation(r.Method, hasKeys, key != "")
	if op == "" {
		return nil, "", errorf(404, "ResourceNotFoundException", "no operation %s %s", r.Method, r.URL.Path)
	}
	if s.Fail != nil {
		if code := s.Fail(op); code != "" {
			return nil, "", errorf(500, code, "injected failure of %s", op)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.kvs[arn]
	if !ok {
		return nil, "", errorf(404, "ResourceNotFoundException", "no key value store %s", arn)
	}
	switch op {
	case "DescribeKeyValueStore":
		return map[string]any{"KvsARN": arn, "Created": float64(st.created.Unix()), "ETag": st.etag(),
			"ItemCount": len(st.items), "TotalSizeInBytes": st.size(), "Status": "READY",
			"LastModified": float64(time.Now().Unix())}, st.etag(), nil
	case "GetKey":
		v, ok := st.items[key]
		if !ok {
			return nil, "", errorf(404, "ResourceNotFoundException", "key %s not found", key)
		}
		return map[string]any{"Key": key, "Value": v, "ItemCount": len(st.items), "TotalSizeInBytes": st.size()}, "", nil
	case "ListKeys":
		return st.list(r.URL.Query())
	}

	// Writes: If-Match must name the current version.
	if m := r.Header.Get("If-Match"); m != st.etag() {
		return nil, "", errorf(409, "ConflictException", "If-Match %q is not the store's current ETag", m)
	}
	var body struct {
		Value   *string
		Puts    []struct{ Key, Value *string }
		Deletes []struct{ Key *string }
	}
	if r.Method != http.MethodDelete {
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			return nil, "", errorf(400, "ValidationException", "body: %v", err)
		}
	}
	next := map[string]string{}
	for k, v := range st.items {
		next[k] = v
	}
	put := func(k, v *string) *apiError {
		switch {
		case k == nil || v == nil:
			return errorf(400, "ValidationException", "a put needs Key and Value")
		case len(*k) == 0 || len(*k) > MaxKeyBytes:
			return errorf(400, "ValidationException", "key of %d bytes: 1 to %d", len(*k), MaxKeyBytes)
		case len(*v) > MaxValueBytes:
			return errorf(400, "ValidationException", "value of %s is %d bytes, at most %d", *k, len(*v), MaxValueBytes)
		}
		next[*k] = *v
		return nil
	}
	switch op {
	case "PutKey":
		if err := put(&key, body.Value); err != nil {
			return nil, "", err
		}
	case "DeleteKey":
		if _, ok := next[key]; !ok {
			return nil, "", errorf(404, "ResourceNotFoundException", "key %s not found", key)
		}
		delete(next, key)
	case "UpdateKeys":
		if n := len(body.Puts) + len(body.Deletes); n == 0 || n > MaxBatch {
			return nil, "", errorf(400, "ValidationException", "%d puts and deletes: 1 to %d per UpdateKeys", n, MaxBatch)
		}
		for _, d := range body.Deletes {
			if d.Key == nil {
				return nil, "", errorf(400, "ValidationException", "a delete needs Key")
			}
			delete(next, *d.Key)
		}
		for _, p := range body.Puts {
			if err := put(p.Key, p.Value); err != nil {
				return nil, "", err
			}
		}
	}
	candidate := &store{items: next}
	if candidate.size() > MaxStoreBytes {
		return nil, "", errorf(402, "ServiceQuotaExceededException", "the store would hold %d bytes, at most %d", candidate.size(), MaxStoreBytes)
	}
	st.items = next
	st.version++
	return map[string]any{"ItemCount": len(st.items), "TotalSizeInBytes": st.size()}, st.etag(), nil
}

func operation(method string, keys, key bool) string {
	switch {
	case method == http.MethodGet && !keys:
		return "DescribeKeyValueStore"
	case method == http.MethodGet && key:
		return "GetKey"
	case method == http.MethodGet:
		return "ListKeys"
	case method == http.MethodPut && key:
		return "PutKey"
	case method == http.MethodDelete && key:
		return "DeleteKey"
	case method == http.MethodPost && keys && !key:
		return "UpdateKeys"
	}
	return ""
}

func (st *store) list(q url.Values) (any, string, *apiError) {
	limit := maxList
	if m := q.Get("MaxResults"); m != "" {
		n, err := strconv.Atoi(m)
		if err != nil || n < 1 || n > maxList {
			return nil, "", errorf(400, "ValidationException", "MaxResults %q: 1 to %d", m, maxList)
		}
		limit = n
	}
	keys := make([]string, 0, len(st.items))
	for k := range st.items {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	start := 0
	if tok := q.Get("NextToken"); tok != "" {
		start = sort.SearchStrings(keys, tok)
	}
	items := []map[string]string{}
	for i := start; i < len(keys) && len(items) < limit; i++ {
		items = append(items, map[string]string{"Key": keys[i], "Value": st.items[keys[i]]})
	}
	out := map[string]any{"Items": items}
	if end := start + len(items); end < len(keys) {
		out["NextToken"] = keys[end]
	}
	return out, "", nil
}
