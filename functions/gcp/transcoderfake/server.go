// Package transcoderfake is an in-process Transcoder API (google.cloud.video.transcoder.v1)
// for tests: a gRPC server on loopback that validates jobs as the service documents
// (required fields, enums, frame rate and bitrate bounds, even dimensions, unique keys,
// mux-to-elementary and manifest-to-mux references, segment and GOP durations, label syntax),
// stores them, filters ListJobs by labels and answers with the API's error codes
// (INVALID_ARGUMENT, NOT_FOUND). Tests move jobs with Finish, as the service would.
//
// It covers what ottkit uses: CreateJob, GetJob, ListJobs and DeleteJob on job configs
// (templates other than the built-in preset are refused as the API refuses unknown ones).
package transcoderfake

import (
	"context"
	"fmt"
	"net"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	transcoder "cloud.google.com/go/video/transcoder/apiv1"
	"cloud.google.com/go/video/transcoder/apiv1/transcoderpb"
	"google.golang.org/api/option"
	"google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	grpcstatus "google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// Server is the fake service. Its zero value is not usable; call Start.
type Server struct {
	transcoderpb.UnimplementedTranscoderServiceServer

	// Addr is the loopback address the server listens on.
	Addr string

	srv *grpc.Server
	mu  sync.Mutex
	// jobs in creation order.
	jobs  []*transcoderpb.Job
	seq   int
	now   func() time.Time
	calls map[string]int
}

// Start serves the fake on a loopback port until Close.
func Start() (*Server, error) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("transcoderfake: listen: %w", err)
	}
	s := &Server{Addr: lis.Addr().String(), now: time.Now, calls: map[string]int{}}
	s.srv = grpc.NewServer()
	transcoderpb.RegisterTranscoderServiceServer(s.srv, s)
	go s.srv.Serve(lis)
	return s, nil
}

// Close stops the server.
func (s *Server) Close() { s.srv.Stop() }

// ClientOptions connect a transcoder.Client to the fake without credentials.
func (s *Server) ClientOptions() []option.ClientOption {
	return []option.ClientOption{
		option.WithEndpoint(s.Addr), option.WithoutAuthentication(),
		option.WithGRPCDialOption(grpc.WithTransportCredentials(insecure.NewCredentials())),
	}
}

// Client returns a client of the fake.
func (s *Server) Client(ctx context.Context) (*transcoder.Client, error) {
	return transcoder.NewClient(ctx, s.ClientOptions()...)
}

// Advance moves the service's clock by d (job create, start and end times follow it).
func (s *Server) Advance(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	prev := s.now
	s.now = func() time.Time { return prev().Add(d) }
}

// Calls returns how many times each RPC was called ("CreateJob": 1, ...).
func (s *Server) Calls() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.calls))
	for k, v := range s.calls {
		out[k] = v
	}
	return out
}

// Jobs returns copies of the stored jobs in creation order.
func (s *Server) Jobs() []*transcoderpb.Job {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*transcoderpb.Job, len(s.jobs))
	for i, j := range s.jobs {
		out[i] = proto.Clone(j).(*transcoderpb.Job)
	}
	return out
}

// Finish moves the named job to state (RUNNING, SUCCEEDED or FAILED); a FAILED job gets
// the error code and message, as the service reports them.
func (s *Server) Finish(name string, state transcoderpb.Job_ProcessingState, code codes.Code, message string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	j := s.find(name)
	if j == nil {
		return fmt.Errorf("transcoderfake: no job %s", name)
	}
	j.State = state
	switch state {
	case transcoderpb.Job_RUNNING:
		j.StartTime = timestamppb.New(s.now())
	case transcoderpb.Job_SUCCEEDED, transcoderpb.Job_FAILED:
		j.EndTime = timestamppb.New(s.now())
	}
	if state == transcoderpb.Job_FAILED {
		j.Error = &status.Status{Code: int32(code), Message: message}
	}
	return nil
}

func (s *Server) find(name string) *transcoderpb.Job {
	for _, j := range s.jobs {
		if j.Name == name {
			return j
		}
	}
	return nil
}

var (
	parentRE = regexp.MustCompile(`^projects/([^/]+)/locations/([^/]+)$`)
	jobRE    = regexp.MustCompile(`^projects/[^/]+/locations/[^/]+/jobs/[^/]+$`)
)

func invalid(format string, args ...any) error {
	return grpcstatus.Errorf(codes.InvalidArgument, format, args...)
}

// CreateJob validates and stores the job in state PENDING.
func (s *Server) CreateJob(_ context.Context, req *transcoderpb.CreateJobRequest) (*transcoderpb.Job, error) {
	s.count("CreateJob")
	if !parentRE.MatchString(req.GetParent()) {
		return nil, invalid("parent %q is not projects/{project}/locations/{location}", req.GetParent())
	}
	job := req.GetJob()
	if job == nil {
		return nil, invalid("job is required")
	}
	if job.Name != "" || job.State != transcoderpb.Job_PROCESSING_STATE_UNSPECIFIED || job.CreateTime != nil {
		return nil, invalid("job.name, job.state and job.create_time are output only")
	}
	if err := validateJob(job); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	stored := proto.Clone(job).(*transcoderpb.Job)
	stored.Name = fmt.Sprintf("%s/jobs/%08x-fake-%04d", req.Parent, s.seq*2654435761%0xffffffff, s.seq)
	stored.State = transcoderpb.Job_PENDING
	stored.CreateTime = timestamppb.New(s.now())
	if stored.TtlAfterCompletionDays == 0 {
		stored.TtlAfterCompletionDays = 30
	}
	s.jobs = append(s.jobs, stored)
	return proto.Clone(stored).(*transcoderpb.Job), nil
}

// GetJob returns the job, or NOT_FOUND.
func (s *Server) GetJob(_ context.Context, req *transcoderpb.GetJobRequest) (*transcoderpb.Job, error) {
	s.count("GetJob")
	if !jobRE.MatchString(req.GetName()) {
		return nil, invalid("name %q is not projects/{project}/locations/{location}/jobs/{job}", req.GetName())
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	j := s.find(req.Name)
	if j == nil {
		return nil, grpcstatus.Errorf(codes.NotFound, "Job %s not found", req.Name)
	}
	return proto.Clone(j).(*transcoderpb.Job), nil
}

// DeleteJob removes the job, or answers NOT_FOUND (unless allow_missing).
func (s *Server) DeleteJob(_ context.Context, req *transcoderpb.DeleteJobRequest) (*emptypb.Empty, error) {
	s.count("DeleteJob")
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, j := range s.jobs {
		if j.Name == req.GetName() {
			s.jobs = slices.Delete(s.jobs, i, i+1)
			return &emptypb.Empty{}, nil
		}
	}
	if req.GetAllowMissing() {
		return &emptypb.Empty{}, nil
	}
	return nil, grpcstatus.Errorf(codes.NotFound, "Job %s not found", req.GetName())
}

// ListJobs lists the parent's jobs, newest first, filtered by a conjunction of
// labels.<key>="<value>" and state=<STATE> terms (the subset of AIP-160 ottkit uses; any
// other term is INVALID_ARGUMENT), page_size at most 100 (default 100).
func (s *Server) ListJobs(_ context.Context, req *transcoderpb.ListJobsRequest) (*transcoderpb.ListJobsResponse, error) {
	s.count("ListJobs")
	if !parentRE.MatchString(req.GetParent()) {
		return nil, invalid("parent %q is not projects/{project}/locations/{location}", req.GetParent())
	}
	terms, err := parseFilter(req.GetFilter())
	if err != nil {
		return nil, err
	}
	size := int(req.GetPageSize())
	if size < 0 {
		return nil, invalid("page_size %d is negative", size)
	}
	if size == 0 || size > 100 {
		size = 100
	}
	start := 0
	if t := req.GetPageToken(); t != "" {
		n, err := strconv.Atoi(t)
		if err != nil || n < 0 {
			return nil, invalid("page_token %q is invalid", t)
		}
		start = n
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var matched []*transcoderpb.Job
	for i := len(s.jobs) - 1; i >= 0; i-- {
		j := s.jobs[i]
		if strings.HasPrefix(j.Name, req.Parent+"/jobs/") && terms.match(j) {
			matched = append(matched, j)
		}
	}
	out := &transcoderpb.ListJobsResponse{}
	for i := start; i < len(matched) && i < start+size; i++ {
		out.Jobs = append(out.Jobs, proto.Clone(matched[i]).(*transcoderpb.Job))
	}
	if start+size < len(matched) {
		out.NextPageToken = strconv.Itoa(start + size)
	}
	return out, nil
}

func (s *Server) count(rpc string) {
	s.mu.Lock()
	s.calls[rpc]++
	s.mu.Unlock()
}

type filter struct {
	labels map[string]string
	state  string
}

var termRE = regexp.MustCompile(`^labels\.([a-z][a-z0-9_-]{0,62})\s*=\s*"([^"]*)"$|^state\s*=\s*([A-Z_]+)$`)

func parseFilter(f string) (filter, error) {
	out := filter{labels: map[string]string{}}
	if strings.TrimSpace(f) == "" {
		return out, nil
	}
	for _, term := range strings.Split(f, " AND ") {
		m := termRE.FindStringSubmatch(strings.TrimSpace(term))
		if m == nil {
			return filter{}, invalid("filter term %q is not labels.<key>=\"<value>\" or state=<STATE>", term)
		}
		if m[3] != "" {
			if _, ok := transcoderpb.Job_ProcessingState_value[m[3]]; !ok {
				return filter{}, invalid("filter state %q is not a job state", m[3])
			}
			out.state = m[3]
			continue
		}
		out.labels[m[1]] = m[2]
	}
	return out, nil
}

func (f filter) match(j *transcoderpb.Job) bool {
	for k, v := range f.labels {
		if got, ok := j.Labels[k]; !ok || got != v {
			return false
		}
	}
	return f.state == "" || j.State.String() == f.state
}
