package gcptest

import (
	"context"
	"fmt"
	"net"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	cloudtasks "cloud.google.com/go/cloudtasks/apiv2"
	"cloud.google.com/go/cloudtasks/apiv2/cloudtaskspb"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// Tasks is an in-process Cloud Tasks server for CreateTask, validating as the service does
// (queue and task name syntax, an HTTP target with an https URL, schedule time within 30
// days, a name used before → ALREADY_EXISTS, including for tasks already dispatched) and
// keeping the tasks so tests can take the ones that are due.
type Tasks struct {
	cloudtaskspb.UnimplementedCloudTasksServer

	mu    sync.Mutex
	tasks []*cloudtaskspb.Task
	names map[string]bool
	taken int
	seq   int
}

var (
	queueName = regexp.MustCompile(`^projects/[^/]+/locations/[^/]+/queues/[A-Za-z0-9-]{1,100}$`)
	taskName  = regexp.MustCompile(`^(projects/[^/]+/locations/[^/]+/queues/[A-Za-z0-9-]{1,100})/tasks/[A-Za-z0-9_-]{1,500}$`)
)

// CreateTask validates and stores the task.
func (f *Tasks) CreateTask(_ context.Context, req *cloudtaskspb.CreateTaskRequest) (*cloudtaskspb.Task, error) {
	if !queueName.MatchString(req.GetParent()) {
		return nil, status.Errorf(codes.InvalidArgument, "parent %q is not a queue name", req.GetParent())
	}
	t := req.GetTask()
	if t == nil {
		return nil, status.Error(codes.InvalidArgument, "task is required")
	}
	if t.Name != "" {
		m := taskName.FindStringSubmatch(t.Name)
		if m == nil || m[1] != req.Parent {
			return nil, status.Errorf(codes.InvalidArgument, "task name %q is not a task of %s", t.Name, req.Parent)
		}
	}
	h := t.GetHttpRequest()
	if h == nil || !strings.HasPrefix(h.Url, "https://") && !strings.HasPrefix(h.Url, "http://") {
		return nil, status.Error(codes.InvalidArgument, "task.http_request.url must be an http(s) URL")
	}
	if o := h.GetOidcToken(); h.AuthorizationHeader != nil && (o == nil || o.ServiceAccountEmail == "") {
		return nil, status.Error(codes.InvalidArgument, "task.http_request.oidc_token.service_account_email is required")
	}
	if s := t.GetScheduleTime(); s != nil && s.AsTime().After(time.Now().Add(30*24*time.Hour+time.Minute)) {
		return nil, status.Error(codes.InvalidArgument, "task.schedule_time is more than 30 days ahead")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	stored := proto.Clone(t).(*cloudtaskspb.Task)
	if stored.Name == "" {
		f.seq++
		stored.Name = fmt.Sprintf("%s/tasks/%020d", req.Parent, f.seq)
	}
	if f.names[stored.Name] {
		return nil, status.Errorf(codes.AlreadyExists, "Requested entity already exists: %s", stored.Name)
	}
	if stored.ScheduleTime == nil {
		stored.ScheduleTime = timestamppb.Now()
	}
	stored.CreateTime = timestamppb.Now()
	f.names[stored.Name] = true
	f.tasks = append(f.tasks, stored)
	return proto.Clone(stored).(*cloudtaskspb.Task), nil
}

// Due removes and returns the tasks whose schedule time has come.
func (f *Tasks) Due() []*cloudtaskspb.Task {
	f.mu.Lock()
	defer f.mu.Unlock()
	var due, rest []*cloudtaskspb.Task
	for _, t := range f.tasks {
		if !t.ScheduleTime.AsTime().After(time.Now()) {
			due = append(due, t)
		} else {
			rest = append(rest, t)
		}
	}
	f.tasks = rest
	return due
}

// Pending returns the tasks not yet due.
func (f *Tasks) Pending() []*cloudtaskspb.Task {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*cloudtaskspb.Task(nil), f.tasks...)
}

func startTasks(t testing.TB) (*Tasks, string) {
	t.Helper()
	f := &Tasks{names: map[string]bool{}}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	cloudtaskspb.RegisterCloudTasksServer(srv, f)
	go srv.Serve(lis)
	t.Cleanup(srv.Stop)
	return f, lis.Addr().String()
}

// NewTasks starts the fake on loopback and returns it with a client; both stop when the
// test ends.
func NewTasks(t testing.TB, dial ...grpc.DialOption) (*Tasks, *cloudtasks.Client) {
	t.Helper()
	f, addr := startTasks(t)
	client, err := cloudtasks.NewClient(context.Background(), grpcOptions(addr, dial)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	return f, client
}
