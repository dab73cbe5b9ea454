package push

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/ottkit/ottkit/functions/pipeline"
)

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestObjectCreatedFromPush(t *testing.T) {
	m, err := Decode(bytes.NewReader(fixture(t, "gcs-finalize-push.json")))
	if err != nil {
		t.Fatal(err)
	}
	if m.ID != "13124321245331187" || m.DeliveryAttempt != 1 || m.Subscription != "projects/ottkit-dev/subscriptions/ottkit-dev-ingest-push" || m.PublishTime.IsZero() {
		t.Errorf("message %+v", m)
	}
	ev, ok, err := ObjectCreated(m)
	if err != nil || !ok {
		t.Fatalf("ObjectCreated = %v, %v", ok, err)
	}
	want := pipeline.ObjectCreated{Bucket: "ottkit-dev-ingest", Key: "uploads/acme/u1/clip.mp4", Version: "1764579600123456", ETag: "1764579600123456", Size: 10485760}
	if ev != want {
		t.Errorf("event %+v, want %+v", ev, want)
	}
}

func TestObjectCreatedRejects(t *testing.T) {
	base, _ := Decode(bytes.NewReader(fixture(t, "gcs-finalize-push.json")))
	deleteEv := base
	deleteEv.Attributes = map[string]string{AttrEventType: "OBJECT_DELETE"}
	if _, ok, err := ObjectCreated(deleteEv); ok || err != nil {
		t.Errorf("OBJECT_DELETE: ok %v, err %v; want ignored", ok, err)
	}
	for name, mod := range map[string]func(m *Message){
		"no event type": func(m *Message) { m.Attributes = map[string]string{} },
		"format":        func(m *Message) { m.Attributes[AttrPayloadFormat] = "NONE" },
		"not json":      func(m *Message) { m.Data = []byte("{") },
		"generation":    func(m *Message) { m.Data = bytes.Replace(m.Data, []byte(`"1764579600123456"`), []byte(`"x"`), 1) },
		"size":          func(m *Message) { m.Data = bytes.Replace(m.Data, []byte(`"10485760"`), []byte(`"-1"`), 1) },
		"other object":  func(m *Message) { m.Attributes[AttrObjectID] = "uploads/acme/other.mp4" },
	} {
		m := base
		m.Attributes = map[string]string{}
		for k, v := range base.Attributes {
			m.Attributes[k] = v
		}
		m.Data = append([]byte(nil), base.Data...)
		mod(&m)
		if _, _, err := ObjectCreated(m); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v, want ErrMalformed", name, err)
		}
	}
}

func TestJobNotification(t *testing.T) {
	m, err := Decode(bytes.NewReader(fixture(t, "transcoder-job-push.json")))
	if err != nil {
		t.Fatal(err)
	}
	n, err := DecodeJobNotification(m)
	if err != nil || n.Name != "projects/123456789012/locations/europe-west1/jobs/5e3f1b2a-9c41-4c55-8d0e-0a1b2c3d4e5f" || n.State != "FAILED" {
		t.Errorf("notification %+v, %v", n, err)
	}
	if _, err := DecodeJobNotification(Message{ID: "1", Data: []byte(`{"job":{}}`)}); !errors.Is(err, ErrMalformed) {
		t.Errorf("nameless job: %v", err)
	}
}

func TestDecodeRejects(t *testing.T) {
	for name, body := range map[string]string{
		"not json":   "nope",
		"no message": `{"subscription":"s"}`,
		"no id":      `{"message":{"data":""}}`,
		"data":       `{"message":{"messageId":"1","data":"***"}}`,
		"time":       `{"message":{"messageId":"1","data":"","publishTime":"yesterday"}}`,
	} {
		if _, err := Decode(strings.NewReader(body)); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v, want ErrMalformed", name, err)
		}
	}
}

func TestServeAckMapping(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	good := fixture(t, "gcs-finalize-push.json")
	for name, tc := range map[string]struct {
		method string
		body   []byte
		err    error
		want   int
	}{
		"handled":                  {http.MethodPost, good, nil, http.StatusNoContent},
		"malformed":                {http.MethodPost, []byte("garbage"), nil, http.StatusNoContent},
		"undecodable by the stage": {http.MethodPost, good, ErrMalformed, http.StatusNoContent},
		"transient":                {http.MethodPost, good, errors.New("catalog unavailable"), http.StatusInternalServerError},
		"get":                      {http.MethodGet, nil, nil, http.StatusMethodNotAllowed},
	} {
		calls := 0
		h := Serve(log, func(ctx context.Context, m Message) error { calls++; return tc.err })
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(tc.method, "/", bytes.NewReader(tc.body)))
		if rec.Code != tc.want {
			t.Errorf("%s: status %d, want %d", name, rec.Code, tc.want)
		}
		if name == "malformed" && calls != 0 {
			t.Errorf("malformed: the handler ran")
		}
	}
	if !strings.Contains(logs.String(), "dropping malformed message") || !strings.Contains(logs.String(), "catalog unavailable") {
		t.Errorf("logs %s", logs.String())
	}
}

func TestTask(t *testing.T) {
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(`{"assetId":"a1","tenant":"acme"}`))
	if IsTask(r) {
		t.Error("a request without task headers is a task")
	}
	r.Header.Set(TaskNameHeader, "a1-2")
	r.Header.Set(TaskRetryCountHeader, "3")
	task, err := DecodeTask(r)
	if err != nil || task.Name != "a1-2" || task.RetryCount != 3 {
		t.Fatalf("task %+v, %v", task, err)
	}
	req, err := TranscodeRequest(task.Body)
	if err != nil || req.AssetID != "a1" || req.Tenant != "acme" {
		t.Errorf("request %+v, %v", req, err)
	}
	if _, err := TranscodeRequest([]byte(`{"tenant":"acme"}`)); !errors.Is(err, ErrMalformed) {
		t.Errorf("request without asset: %v", err)
	}
	bad := httptest.NewRequest(http.MethodPost, "/", io.NopCloser(strings.NewReader("")))
	bad.Header.Set(TaskNameHeader, "x")
	bad.Header.Set(TaskRetryCountHeader, "many")
	if _, err := DecodeTask(bad); !errors.Is(err, ErrMalformed) {
		t.Errorf("bad retry count: %v", err)
	}
}
