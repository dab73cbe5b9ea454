package gcptest

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"cloud.google.com/go/cloudtasks/apiv2/cloudtaskspb"
	"cloud.google.com/go/firestore/apiv1/firestorepb"
	"cloud.google.com/go/iam/credentials/apiv1/credentialspb"
	"cloud.google.com/go/pubsub/v2/apiv1/pubsubpb"
	"cloud.google.com/go/secretmanager/apiv1/secretmanagerpb"
	"cloud.google.com/go/video/transcoder/apiv1/transcoderpb"
	"google.golang.org/grpc"

	"github.com/ottkit/ottkit/functions/gcp/manifest"
)

// Use is one permission a call needed: the IAM permission, the concrete resource it is
// checked on (a bucket, topic, database, location, queue, secret or service account) and,
// for objects, the object name.
type Use struct {
	Permission, Resource, Object string
}

// Recorder derives, from every API call a handler makes, the IAM permissions the call needs,
// following each API's documented permission per method. Its gRPC interceptors go on the
// clients' dial options and its HTTP wrapper in front of the storage fake.
type Recorder struct {
	mu   sync.Mutex
	uses []Use
	// ObjectExists tells whether a GCS object exists before a rewrite onto it (overwriting
	// needs storage.objects.delete); nil means never.
	ObjectExists func(bucket, object string) bool
}

// Uses returns the permissions used so far.
func (r *Recorder) Uses() []Use {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Use(nil), r.uses...)
}

// Reset forgets them.
func (r *Recorder) Reset() {
	r.mu.Lock()
	r.uses = nil
	r.mu.Unlock()
}

func (r *Recorder) add(u ...Use) {
	r.mu.Lock()
	r.uses = append(r.uses, u...)
	r.mu.Unlock()
}

// DialOptions are the interceptors to add to every gRPC client of the handler.
func (r *Recorder) DialOptions() []grpc.DialOption {
	return []grpc.DialOption{
		grpc.WithChainUnaryInterceptor(func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
			r.add(grpcUses(method, req)...)
			return invoker(ctx, method, req, reply, cc, opts...)
		}),
		grpc.WithChainStreamInterceptor(func(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
			s, err := streamer(ctx, desc, cc, method, opts...)
			if err != nil {
				return nil, err
			}
			return &recordingStream{ClientStream: s, r: r, method: method}, nil
		}),
	}
}

type recordingStream struct {
	grpc.ClientStream
	r      *Recorder
	method string
}

func (s *recordingStream) SendMsg(m any) error {
	s.r.add(grpcUses(s.method, m)...)
	return s.ClientStream.SendMsg(m)
}

// database is projects/<p>/databases/<d> of a Firestore name.
func database(name string) string {
	parts := strings.SplitN(name, "/", 5)
	if len(parts) < 4 {
		return name
	}
	return strings.Join(parts[:4], "/")
}

// location is projects/<p>/locations/<l> of a Transcoder name.
func location(name string) string {
	parts := strings.SplitN(name, "/", 5)
	if len(parts) < 4 {
		return name
	}
	return strings.Join(parts[:4], "/")
}

// grpcUses maps one request to its permissions
// (Firestore: cloud.google.com/firestore/docs/security/iam; Pub/Sub, Transcoder, Cloud Tasks,
// Secret Manager: their access-control pages).
func grpcUses(method string, req any) []Use {
	switch m := req.(type) {
	case *firestorepb.BatchGetDocumentsRequest:
		return []Use{{Permission: "datastore.entities.get", Resource: m.Database}}
	case *firestorepb.BeginTransactionRequest:
		return []Use{{Permission: "datastore.databases.get", Resource: m.Database}}
	case *firestorepb.RollbackRequest:
		return []Use{{Permission: "datastore.databases.get", Resource: m.Database}}
	case *firestorepb.RunQueryRequest:
		db := database(m.Parent)
		return []Use{{Permission: "datastore.entities.get", Resource: db}, {Permission: "datastore.entities.list", Resource: db}}
	case *firestorepb.CommitRequest:
		if len(m.Writes) == 0 {
			return []Use{{Permission: "datastore.databases.get", Resource: m.Database}}
		}
		var out []Use
		for _, w := range m.Writes {
			if w.GetDelete() != "" {
				out = append(out, Use{Permission: "datastore.entities.delete", Resource: m.Database})
				continue
			}
			switch p := w.GetCurrentDocument().GetConditionType().(type) {
			case *firestorepb.Precondition_Exists:
				if p.Exists {
					out = append(out, Use{Permission: "datastore.entities.update", Resource: m.Database})
				} else {
					out = append(out, Use{Permission: "datastore.entities.create", Resource: m.Database})
				}
			case *firestorepb.Precondition_UpdateTime:
				out = append(out, Use{Permission: "datastore.entities.update", Resource: m.Database})
			default:
				out = append(out, Use{Permission: "datastore.entities.create", Resource: m.Database}, Use{Permission: "datastore.entities.update", Resource: m.Database})
			}
		}
		return out
	case *pubsubpb.PublishRequest:
		return []Use{{Permission: "pubsub.topics.publish", Resource: m.Topic}}
	case *transcoderpb.CreateJobRequest:
		return []Use{{Permission: "transcoder.jobs.create", Resource: m.Parent}}
	case *transcoderpb.ListJobsRequest:
		return []Use{{Permission: "transcoder.jobs.list", Resource: m.Parent}}
	case *transcoderpb.GetJobRequest:
		return []Use{{Permission: "transcoder.jobs.get", Resource: location(m.Name)}}
	case *cloudtaskspb.CreateTaskRequest:
		out := []Use{{Permission: "cloudtasks.tasks.create", Resource: m.Parent}}
		if sa := m.GetTask().GetHttpRequest().GetOidcToken().GetServiceAccountEmail(); sa != "" {
			out = append(out, Use{Permission: "iam.serviceAccounts.actAs", Resource: sa})
		}
		return out
	case *credentialspb.SignBlobRequest:
		return []Use{{Permission: "iam.serviceAccounts.signBlob", Resource: strings.TrimPrefix(m.Name, "projects/-/serviceAccounts/")}}
	case *secretmanagerpb.AccessSecretVersionRequest:
		name, _, _ := strings.Cut(m.Name, "/versions/")
		return []Use{{Permission: "secretmanager.versions.access", Resource: name}}
	}
	return []Use{{Permission: "unknown:" + method}}
}

var (
	gcsObject  = regexp.MustCompile(`^/storage/v1/b/([^/]+)/o/(.+)$`)
	gcsList    = regexp.MustCompile(`^/storage/v1/b/([^/]+)/o$`)
	gcsRewrite = regexp.MustCompile(`^/storage/v1/b/([^/]+)/o/(.+)/(?:rewriteTo|copyTo)/b/([^/]+)/o/(.+)$`)
	gcsUpload  = regexp.MustCompile(`^/upload/storage/v1/b/([^/]+)/o$`)
	gcsXML     = regexp.MustCompile(`^/([^/]+)/(.+)$`)
)

func unescape(s string) string {
	if u, err := url.PathUnescape(s); err == nil {
		return u
	}
	return s
}

// Wrap records the permissions of each Cloud Storage JSON or XML API request, then lets next
// serve it.
func (r *Recorder) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.add(r.gcsUses(req)...)
		next.ServeHTTP(w, req)
	})
}

func (r *Recorder) gcsUses(req *http.Request) []Use {
	p := req.URL.EscapedPath()
	if m := gcsRewrite.FindStringSubmatch(p); m != nil && req.Method == http.MethodPost {
		src, dst := Use{"storage.objects.get", m[1], unescape(m[2])}, Use{"storage.objects.create", m[3], unescape(m[4])}
		out := []Use{src, dst}
		if r.ObjectExists != nil && r.ObjectExists(dst.Resource, dst.Object) {
			out = append(out, Use{"storage.objects.delete", dst.Resource, dst.Object})
		}
		return out
	}
	if m := gcsList.FindStringSubmatch(p); m != nil && req.Method == http.MethodGet {
		return []Use{{"storage.objects.list", m[1], req.URL.Query().Get("prefix")}}
	}
	if m := gcsUpload.FindStringSubmatch(p); m != nil {
		return []Use{{"storage.objects.create", m[1], req.URL.Query().Get("name")}}
	}
	if m := gcsObject.FindStringSubmatch(p); m != nil {
		switch req.Method {
		case http.MethodGet:
			return []Use{{"storage.objects.get", m[1], unescape(m[2])}}
		case http.MethodDelete:
			return []Use{{"storage.objects.delete", m[1], unescape(m[2])}}
		case http.MethodPatch, http.MethodPut:
			return []Use{{"storage.objects.update", m[1], unescape(m[2])}}
		}
	}
	if m := gcsXML.FindStringSubmatch(p); m != nil {
		bucket, object, q := m[1], unescape(m[2]), req.URL.Query()
		// XML API multipart uploads, as cloud.google.com/storage/docs/access-control/iam-xml
		// lists them; a signed request acts as the account that signed it.
		switch {
		case req.Method == http.MethodPost && q.Has("uploads"), // initiate
			req.Method == http.MethodPut && q.Has("uploadId"),  // upload a part
			req.Method == http.MethodPost && q.Has("uploadId"): // complete
			out := []Use{{"storage.multipartUploads.create", bucket, object}, {"storage.objects.create", bucket, object}}
			if req.Method == http.MethodPost && q.Has("uploadId") && r.ObjectExists != nil && r.ObjectExists(bucket, object) {
				out = append(out, Use{"storage.objects.delete", bucket, object})
			}
			return out
		case req.Method == http.MethodGet && q.Has("uploadId"):
			return []Use{{"storage.multipartUploads.listParts", bucket, object}}
		case req.Method == http.MethodDelete && q.Has("uploadId"):
			return []Use{{"storage.multipartUploads.abort", bucket, object}}
		}
		switch req.Method {
		case http.MethodGet, http.MethodHead:
			return []Use{{"storage.objects.get", m[1], unescape(m[2])}}
		case http.MethodPut:
			// A signed PUT acts as the account that signed it.
			return []Use{{"storage.objects.create", m[1], unescape(m[2])}}
		}
	}
	return []Use{{Permission: "unknown:" + req.Method + " " + p}}
}

// CheckPermissions fails t unless the uses are exactly fn's permissions (PermissionProblems).
func CheckPermissions(t testing.TB, fn manifest.Function, uses []Use, names map[string]manifest.Resource) {
	t.Helper()
	for _, p := range PermissionProblems(fn, uses, names) {
		t.Error(p)
	}
}

// PermissionProblems compares uses with fn's permissions: every use must be granted (same
// permission, the resource names maps to it, the object under its prefix) and every granted
// permission used. names maps each concrete resource name to its logical resource.
func PermissionProblems(fn manifest.Function, uses []Use, names map[string]manifest.Resource) []string {
	var problems []string
	used := make([]bool, len(fn.Permissions))
	for _, u := range uses {
		res, ok := names[u.Resource]
		if !ok {
			problems = append(problems, fmt.Sprintf("%s: %s on %q, a resource the test did not name", fn.Name, u.Permission, u.Resource))
			continue
		}
		granted := false
		for i, p := range fn.Permissions {
			if p.Permission == u.Permission && p.On == res && strings.HasPrefix(u.Object, p.Prefix) {
				used[i], granted = true, true
			}
		}
		if !granted {
			problems = append(problems, fmt.Sprintf("%s: the handler needs %s on %s (object %q), which the manifest does not grant", fn.Name, u.Permission, res, u.Object))
		}
	}
	for i, p := range fn.Permissions {
		if !used[i] {
			problems = append(problems, fmt.Sprintf("%s: the manifest grants %s on %s%s, which no call needed", fn.Name, p.Permission, p.On, prefixNote(p.Prefix)))
		}
	}
	return problems
}

func prefixNote(p string) string {
	if p == "" {
		return ""
	}
	return " (prefix " + p + ")"
}
