// Package mediaconvertfake is an in-process AWS Elemental MediaConvert API for tests: an
// httptest server that the real aws-sdk-go-v2 mediaconvert client talks to through its
// BaseEndpoint.
//
// It implements CreateJob (POST /2017-08-29/jobs) and GetJob (GET /2017-08-29/jobs/{id}). Like
// the real service it rejects malformed jobs with HTTP 400, an x-amzn-ErrorType:
// BadRequestException header and a JSON {"message": ...} body whose message names the field by
// its path in the request ("/settings/outputGroups/0/outputGroupSettings/type: ..."), so the
// SDK returns a *types.BadRequestException. It checks:
//
//   - role, settings, settings.inputs and settings.outputGroups are present;
//   - every enum field anywhere in the request holds one of the SDK's values for its type;
//   - every output group has outputGroupSettings with a type, the settings block that type
//     needs, a destination in it, and at least one output;
//   - every output has containerSettings with a container, at least one of a video, audio or
//     caption description, and codec settings matching each codec;
//   - QVBR (H.264, H.265) has qvbrSettings and maxBitrate.
//
// Accepted jobs are answered 201 with the real response shape and recorded for assertions;
// a clientRequestToken reused within TokenTTL of its first job returns that job, and one
// reused later creates a new job, as MediaConvert does (SetNow moves the server's clock).
// ListJobs (GET /2017-08-29/jobs) lists jobs by queue and status, newest or oldest first, in
// pages of maxResults (default 20) with a nextToken. FailNext makes the next calls fail with a
// chosen error, e.g. TooManyRequests for retry tests.
package mediaconvertfake

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/mediaconvert"
	"github.com/aws/aws-sdk-go-v2/service/mediaconvert/types"

	"github.com/ottkit/ottkit/functions/aws/fakehttp"
)

// Error is an API error the server answers with.
type Error struct {
	// Status is the HTTP status code.
	Status int
	// Type is the x-amzn-ErrorType, e.g. "TooManyRequestsException".
	Type string
	// Message is the body's "message".
	Message string
}

// Errors the real service returns that retry logic must handle.
var (
	TooManyRequests = Error{Status: http.StatusTooManyRequests, Type: "TooManyRequestsException", Message: "Too Many Requests"}
	InternalError   = Error{Status: http.StatusInternalServerError, Type: "InternalServerErrorException", Message: "Internal Server Error"}
	Forbidden       = Error{Status: http.StatusForbidden, Type: "ForbiddenException", Message: "User is not authorized to perform: iam:PassRole"}
)

// TokenTTL is how long MediaConvert honours a clientRequestToken: a CreateJob with the same
// token within a minute of the first returns the first job; after that it creates another.
const TokenTTL = time.Minute

// Job is one accepted job as the server keeps it.
type Job struct {
	ID, ARN string
	Status  types.JobStatus
	// ErrorCode and ErrorMessage are set by SetError.
	ErrorCode    int32
	ErrorMessage string
	CreatedAt    time.Time
	// Request is the CreateJob request as the server decoded it from the wire.
	Request mediaconvert.CreateJobInput
	// settings is the request's settings exactly as sent, echoed back in responses.
	settings json.RawMessage
}

// Server is a running fake. Its zero value is not usable; call New.
type Server struct {
	// Region and Account appear in job and queue ARNs.
	Region, Account string

	srv *httptest.Server
	now func() time.Time

	mu       sync.Mutex
	jobs     []*Job
	byID     map[string]*Job
	byToken  map[string]*Job
	failures []Error
	requests int
}

// New starts a fake; Close stops it.
func New() *Server {
	s := &Server{
		Region: "us-east-1", Account: "111122223333",
		now:     time.Now,
		byID:    map[string]*Job{},
		byToken: map[string]*Job{},
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// SetNow replaces the server's clock, which stamps jobs' creation times and ages their
// client request tokens.
func (s *Server) SetNow(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = now
}

// URL is the endpoint to give the SDK as BaseEndpoint.
func (s *Server) URL() string { return s.srv.URL }

// Close shuts the server down.
func (s *Server) Close() { s.srv.Close() }

// Client returns a real SDK client for the fake, with anonymous credentials and NoBackoff
// retries. optFns adjust it, e.g. to set another Retryer.
func (s *Server) Client(optFns ...func(*mediaconvert.Options)) *mediaconvert.Client {
	opts := mediaconvert.Options{
		Region:       s.Region,
		BaseEndpoint: aws.String(s.srv.URL),
		Credentials:  aws.AnonymousCredentials{},
		HTTPClient:   s.HTTPClient(),
	}
	return mediaconvert.New(opts, append([]func(*mediaconvert.Options){NoBackoff}, optFns...)...)
}

// HTTPClient is the HTTP client to give any SDK client of the fake (Options.HTTPClient): the
// server's own, copying request bodies so the SDK's early close cannot drop the fake's fast
// answers (fakehttp).
func (s *Server) HTTPClient() aws.HTTPClient { return fakehttp.Client(s.srv.Client()) }

// NoBackoff gives a client the SDK's standard retryer without the waits between attempts, so
// retry tests run fast.
func NoBackoff(o *mediaconvert.Options) {
	o.Retryer = retry.NewStandard(func(so *retry.StandardOptions) {
		so.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
	})
}

// FailNext makes the next n requests, of any operation, fail with e.
func (s *Server) FailNext(n int, e Error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.failures = append(s.failures, e)
	}
}

// Requests is the number of requests received, failed ones included.
func (s *Server) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

// Jobs returns copies of the accepted jobs in submission order.
func (s *Server) Jobs() []Job {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Job, len(s.jobs))
	for i, j := range s.jobs {
		out[i] = *j
	}
	return out
}

// SetStatus moves a job to status, as the service does while it runs.
func (s *Server) SetStatus(id string, status types.JobStatus) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	j, ok := s.byID[id]
	if !ok {
		return fmt.Errorf("mediaconvertfake: no job %q", id)
	}
	j.Status = status
	return nil
}

// SetError ends a job in ERROR with MediaConvert's error code and message.
func (s *Server) SetError(id string, code int32, message string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	j, ok := s.byID[id]
	if !ok {
		return fmt.Errorf("mediaconvertfake: no job %q", id)
	}
	j.Status, j.ErrorCode, j.ErrorMessage = types.JobStatusError, code, message
	return nil
}

const jobsPath = "/2017-08-29/jobs"

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	// Read the whole request before answering, failures included: answering while the client
	// is still writing makes Go's transport drop the connection under a later request.
	body, err := io.ReadAll(r.Body)
	if err != nil {
		writeError(w, badRequest("reading the request: %v", err))
		return
	}
	s.mu.Lock()
	s.requests++
	var fail *Error
	if len(s.failures) > 0 {
		fail = &s.failures[0]
		s.failures = s.failures[1:]
	}
	s.mu.Unlock()
	if fail != nil {
		writeError(w, *fail)
		return
	}

	switch {
	case r.URL.Path == jobsPath && r.Method == http.MethodPost:
		s.createJob(w, body)
	case r.URL.Path == jobsPath && r.Method == http.MethodGet:
		s.listJobs(w, r)
	case strings.HasPrefix(r.URL.Path, jobsPath+"/") && r.Method == http.MethodGet:
		s.getJob(w, strings.TrimPrefix(r.URL.Path, jobsPath+"/"))
	default:
		writeError(w, Error{Status: http.StatusNotFound, Type: "NotFoundException",
			Message: fmt.Sprintf("mediaconvertfake implements CreateJob, GetJob and ListJobs, not %s %s", r.Method, r.URL.Path)})
	}
}

func (s *Server) createJob(w http.ResponseWriter, body []byte) {
	// Wire names are the SDK field names in lower camel case; encoding/json matches them
	// case-insensitively, so the request decodes straight into the SDK's own types.
	var req mediaconvert.CreateJobInput
	if err := json.Unmarshal(body, &req); err != nil {
		writeError(w, badRequest("/: %v", err))
		return
	}
	var raw struct {
		Settings json.RawMessage `json:"settings"`
	}
	json.Unmarshal(body, &raw) // cannot fail: the same body decoded above
	if msg := validate(&req); msg != "" {
		writeError(w, badRequest("%s", msg))
		return
	}

	s.mu.Lock()
	token := aws.ToString(req.ClientRequestToken)
	now := s.now()
	j, dup := s.byToken[token]
	if !dup || token == "" || now.Sub(j.CreatedAt) >= TokenTTL {
		id := fmt.Sprintf("%d-%06s", now.UnixMilli(), strconv.FormatInt(int64(len(s.jobs)+1), 36))
		j = &Job{
			ID:        id,
			ARN:       fmt.Sprintf("arn:aws:mediaconvert:%s:%s:jobs/%s", s.Region, s.Account, id),
			Status:    types.JobStatusSubmitted,
			CreatedAt: now,
			Request:   req,
			settings:  raw.Settings,
		}
		s.jobs = append(s.jobs, j)
		s.byID[id] = j
		if token != "" {
			s.byToken[token] = j
		}
	}
	resp := s.jobJSON(j)
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, resp)
}

// listJobs answers ListJobs: the jobs of one queue (all when the query has none), optionally of
// one status, in creation order (order=ASCENDING) or newest first (the default), one page of
// maxResults (1 to 20, default 20) from the index nextToken carries.
func (s *Server) listJobs(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	size := 20
	if v := q.Get("maxResults"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 20 {
			writeError(w, badRequest("/maxResults: %q must be an integer from 1 to 20", v))
			return
		}
		size = n
	}
	start := 0
	if v := q.Get("nextToken"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			writeError(w, badRequest("/nextToken: %q is not a token this service issued", v))
			return
		}
		start = n
	}
	order := q.Get("order")
	if order != "" && order != string(types.OrderAscending) && order != string(types.OrderDescending) {
		writeError(w, badRequest("/order: %q must be ASCENDING or DESCENDING", order))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var match []*Job
	for _, j := range s.jobs {
		// The queue parameter is a queue name; an ARN is tolerated too.
		if queue := q.Get("queue"); queue != "" && aws.ToString(j.Request.Queue) != queue && !strings.HasSuffix(aws.ToString(j.Request.Queue), ":queues/"+queue) {
			continue
		}
		if status := q.Get("status"); status != "" && string(j.Status) != status {
			continue
		}
		match = append(match, j)
	}
	if order != string(types.OrderAscending) {
		for i, k := 0, len(match)-1; i < k; i, k = i+1, k-1 {
			match[i], match[k] = match[k], match[i]
		}
	}
	jobs := []any{}
	for i := start; i < len(match) && i < start+size; i++ {
		jobs = append(jobs, s.jobJSON(match[i])["job"])
	}
	resp := map[string]any{"jobs": jobs}
	if start+size < len(match) {
		resp["nextToken"] = strconv.Itoa(start + size)
	}
	writeJSON(w, http.StatusOK, resp)
}

func (s *Server) getJob(w http.ResponseWriter, id string) {
	s.mu.Lock()
	j, ok := s.byID[id]
	var resp any
	if ok {
		resp = s.jobJSON(j)
	}
	s.mu.Unlock()
	if !ok {
		writeError(w, Error{Status: http.StatusNotFound, Type: "NotFoundException", Message: fmt.Sprintf("The specified job %s was not found.", id)})
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

// jobJSON renders a job in the service's wire shape; s.mu must be held.
func (s *Server) jobJSON(j *Job) map[string]any {
	req := j.Request
	queue := aws.ToString(req.Queue)
	if queue == "" {
		queue = fmt.Sprintf("arn:aws:mediaconvert:%s:%s:queues/Default", s.Region, s.Account)
	}
	created := float64(j.CreatedAt.UnixMilli()) / 1000
	job := map[string]any{
		"id":                   j.ID,
		"arn":                  j.ARN,
		"status":               j.Status,
		"createdAt":            created,
		"role":                 aws.ToString(req.Role),
		"queue":                queue,
		"settings":             j.settings,
		"priority":             aws.ToInt32(req.Priority),
		"accelerationStatus":   "NOT_APPLICABLE",
		"billingTagsSource":    orDefault(string(req.BillingTagsSource), "JOB"),
		"statusUpdateInterval": orDefault(string(req.StatusUpdateInterval), "SECONDS_60"),
		"timing":               map[string]any{"submitTime": created},
		"messages":             map[string]any{"info": []string{}, "warning": []string{}},
	}
	if req.AccelerationSettings != nil {
		job["accelerationSettings"] = map[string]any{"mode": req.AccelerationSettings.Mode}
	}
	if req.ClientRequestToken != nil {
		job["clientRequestToken"] = *req.ClientRequestToken
	}
	if len(req.UserMetadata) > 0 {
		job["userMetadata"] = req.UserMetadata
	}
	if j.Status == types.JobStatusError {
		job["errorCode"] = j.ErrorCode
		job["errorMessage"] = j.ErrorMessage
	}
	return map[string]any{"job": job}
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

func badRequest(format string, args ...any) Error {
	return Error{Status: http.StatusBadRequest, Type: "BadRequestException", Message: fmt.Sprintf(format, args...)}
}

func writeError(w http.ResponseWriter, e Error) {
	w.Header().Set("x-amzn-ErrorType", e.Type)
	writeJSON(w, e.Status, map[string]string{"message": e.Message})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
