package gcptest

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"cloud.google.com/go/firestore/apiv1/firestorepb"

	"github.com/ottkit/ottkit/functions/gcp/manifest"
)

func TestPermissionProblems(t *testing.T) {
	fn := manifest.Function{Name: "f", Permissions: []manifest.Permission{
		{Permission: "storage.objects.get", On: manifest.IngestBucket, Prefix: "uploads/"},
		{Permission: "pubsub.topics.publish", On: manifest.NotifyTopic},
	}}
	names := map[string]manifest.Resource{"ingest": manifest.IngestBucket, "notify": manifest.NotifyTopic}
	if p := PermissionProblems(fn, []Use{{"storage.objects.get", "ingest", "uploads/a"}, {"pubsub.topics.publish", "notify", ""}}, names); len(p) != 0 {
		t.Errorf("exact uses: %v", p)
	}
	p := PermissionProblems(fn, []Use{{"storage.objects.get", "ingest", "quarantine/a"}, {"storage.objects.delete", "ingest", "uploads/a"}, {"x.y.z", "elsewhere", ""}}, names)
	want := []string{"storage.objects.get on ingest-bucket (object \"quarantine/a\")", "storage.objects.delete", "a resource the test did not name", "grants storage.objects.get", "grants pubsub.topics.publish"}
	joined := strings.Join(p, "\n")
	for _, w := range want {
		if !strings.Contains(joined, w) {
			t.Errorf("problems lack %q:\n%s", w, joined)
		}
	}
}

func TestFirestoreCommitPermissions(t *testing.T) {
	db := "projects/p/databases/d"
	write := func(pre *firestorepb.Precondition) *firestorepb.Write {
		return &firestorepb.Write{Operation: &firestorepb.Write_Update{Update: &firestorepb.Document{Name: db + "/documents/a/b"}}, CurrentDocument: pre}
	}
	for name, tc := range map[string]struct {
		w    *firestorepb.Write
		want string
	}{
		"create": {write(&firestorepb.Precondition{ConditionType: &firestorepb.Precondition_Exists{Exists: false}}), "datastore.entities.create"},
		"update": {write(&firestorepb.Precondition{ConditionType: &firestorepb.Precondition_Exists{Exists: true}}), "datastore.entities.update"},
		"set":    {write(nil), "datastore.entities.create,datastore.entities.update"},
	} {
		var got []string
		for _, u := range grpcUses("/google.firestore.v1.Firestore/Commit", &firestorepb.CommitRequest{Database: db, Writes: []*firestorepb.Write{tc.w}}) {
			got = append(got, u.Permission)
		}
		if strings.Join(got, ",") != tc.want {
			t.Errorf("%s: %v, want %s", name, got, tc.want)
		}
	}
}

func TestXMLMultipartPermissions(t *testing.T) {
	r := &Recorder{ObjectExists: func(bucket, object string) bool { return object == "uploads/old" }}
	for name, tc := range map[string]struct {
		method, target, want string
	}{
		"initiate":            {http.MethodPost, "/ingest/uploads/a?uploads", "storage.multipartUploads.create,storage.objects.create"},
		"part":                {http.MethodPut, "/ingest/uploads/a?partNumber=2&uploadId=u1", "storage.multipartUploads.create,storage.objects.create"},
		"list parts":          {http.MethodGet, "/ingest/uploads/a?uploadId=u1", "storage.multipartUploads.listParts"},
		"complete":            {http.MethodPost, "/ingest/uploads/a?uploadId=u1", "storage.multipartUploads.create,storage.objects.create"},
		"complete overwrites": {http.MethodPost, "/ingest/uploads/old?uploadId=u1", "storage.multipartUploads.create,storage.objects.create,storage.objects.delete"},
		"abort":               {http.MethodDelete, "/ingest/uploads/a?uploadId=u1", "storage.multipartUploads.abort"},
		"signed put":          {http.MethodPut, "/ingest/uploads/a?X-Goog-Signature=s", "storage.objects.create"},
		"read":                {http.MethodGet, "/ingest/uploads/a", "storage.objects.get"},
	} {
		var got []string
		for _, u := range r.gcsUses(httptest.NewRequest(tc.method, tc.target, nil)) {
			if u.Resource != "ingest" || !strings.HasPrefix(u.Object, "uploads/") {
				t.Errorf("%s: use %+v names the wrong bucket or object", name, u)
			}
			got = append(got, u.Permission)
		}
		if strings.Join(got, ",") != tc.want {
			t.Errorf("%s: %v, want %s", name, got, tc.want)
		}
	}
}
