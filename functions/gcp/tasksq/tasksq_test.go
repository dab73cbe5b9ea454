package tasksq

import (
	"context"
	"testing"
	"time"

	"github.com/ottkit/ottkit/functions/gcp/gcptest"
	"github.com/ottkit/ottkit/functions/stages/stagetest"
)

var cfg = Config{
	Queue: "projects/ottkit-test/locations/europe-west1/queues/ottkit-retries",
	URL:   "https://transcode-abc-ew.a.run.app/", ServiceAccount: "ottkit-tasks@ottkit-test.iam.gserviceaccount.com",
}

func TestDelayedQueueContract(t *testing.T) {
	stagetest.DelayedQueueContract(t, func(t *testing.T) stagetest.QueueFixture {
		fake, client := gcptest.NewTasks(t)
		q, err := New(client, cfg)
		if err != nil {
			t.Fatal(err)
		}
		return stagetest.QueueFixture{Queue: q, Receive: func(t *testing.T) []string {
			var out []string
			for _, task := range fake.Due() {
				out = append(out, string(task.GetHttpRequest().Body))
			}
			return out
		}}
	})
}

func TestTaskPerAssetAndAttempt(t *testing.T) {
	fake, client := gcptest.NewTasks(t)
	q, err := New(client, cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	body := `{"assetId":"abc","tenant":"acme","attempt":2}`
	for range 2 {
		if err := q.SendDelayed(ctx, body, time.Minute); err != nil {
			t.Fatalf("SendDelayed (a duplicate is refused quietly): %v", err)
		}
	}
	pending := fake.Pending()
	if len(pending) != 1 || pending[0].Name != cfg.Queue+"/tasks/abc-2" {
		t.Fatalf("pending tasks %v, want one named abc-2", pending)
	}
	h := pending[0].GetHttpRequest()
	if h.Url != cfg.URL || h.GetOidcToken().GetServiceAccountEmail() != cfg.ServiceAccount || h.GetOidcToken().GetAudience() != cfg.URL || h.Headers["Content-Type"] != "application/json" {
		t.Errorf("http request %v", h)
	}
	if d := time.Until(pending[0].ScheduleTime.AsTime()); d < 50*time.Second || d > time.Minute {
		t.Errorf("scheduled in %v, want about a minute", d)
	}
	if err := q.SendDelayed(ctx, `{"assetId":"abc","tenant":"acme","attempt":3}`, time.Minute); err != nil || len(fake.Pending()) != 2 {
		t.Errorf("next attempt: %v, %d pending", err, len(fake.Pending()))
	}
}

func TestTaskID(t *testing.T) {
	for body, want := range map[string]string{
		`{"assetId":"abc","attempt":1}`:   "abc-1",
		`{"assetId":"a.b/c","attempt":4}`: "a_b_c-4",
		`{"assetId":"abc","tenant":"x"}`:  "",
		`{"assetId":"abc","attempt":0}`:   "",
		`not json`:                        "",
	} {
		if got := TaskID(body); got != want {
			t.Errorf("TaskID(%s) = %q, want %q", body, got, want)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	for name, c := range map[string]Config{
		"queue": {Queue: "ottkit-retries", URL: cfg.URL, ServiceAccount: "sa"},
		"url":   {Queue: cfg.Queue, URL: "http://x", ServiceAccount: "sa"},
		"sa":    {Queue: cfg.Queue, URL: cfg.URL},
	} {
		if _, err := New(nil, c); err == nil {
			t.Errorf("%s: New accepted %+v", name, c)
		}
	}
}
