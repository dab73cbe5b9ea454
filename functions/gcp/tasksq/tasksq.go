// Package tasksq is the pipeline.DelayedQueue over Cloud Tasks: a delayed message becomes an
// HTTP task on the transcode function, scheduled delay from now and authenticated with an
// OIDC token of the queue's service account. Pub/Sub has no per-message delay, which is why
// the complete stage's backed-off resubmissions go through Cloud Tasks.
//
// A body that names an asset and an attempt ({"assetId":..., "attempt":...}) gives the task
// the name <assetId>-<attempt>: Cloud Tasks refuses a second task of that name (also for
// about an hour after the first ran), so a redelivered completion event never schedules a
// second retry of one attempt. SendDelayed treats that refusal as success. Bodies without an
// attempt get a name from Cloud Tasks and are not de-duplicated.
package tasksq

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"time"

	cloudtasks "cloud.google.com/go/cloudtasks/apiv2"
	"cloud.google.com/go/cloudtasks/apiv2/cloudtaskspb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/ottkit/ottkit/functions/pipeline"
)

// MaxDelay is how far ahead Cloud Tasks schedules a task (30 days).
const MaxDelay = 30 * 24 * time.Hour

// Config names the queue and the target.
type Config struct {
	// Queue is projects/<p>/locations/<l>/queues/<q>.
	Queue string
	// URL is the HTTPS endpoint tasks are sent to (the transcode function).
	URL string
	// ServiceAccount signs the OIDC token the target checks; Audience is the token's audience
	// (URL when empty).
	ServiceAccount, Audience string
}

var (
	queueRE  = regexp.MustCompile(`^projects/[^/]+/locations/[^/]+/queues/[A-Za-z0-9-]{1,100}$`)
	taskIDRE = regexp.MustCompile(`[^A-Za-z0-9_-]`)
)

// Validate names the first bad field.
func (c Config) Validate() error {
	switch {
	case !queueRE.MatchString(c.Queue):
		return fmt.Errorf("tasksq: Queue %q is not projects/<p>/locations/<l>/queues/<q>", c.Queue)
	case len(c.URL) < 9 || c.URL[:8] != "https://":
		return fmt.Errorf("tasksq: URL %q is not an https:// URL", c.URL)
	case c.ServiceAccount == "":
		return errors.New("tasksq: ServiceAccount is empty; tasks must carry an OIDC token")
	}
	return nil
}

// Queue is the Cloud Tasks DelayedQueue.
type Queue struct {
	client *cloudtasks.Client
	cfg    Config
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

var _ pipeline.DelayedQueue = (*Queue)(nil)

// New returns a Queue creating tasks through client.
func New(client *cloudtasks.Client, cfg Config) (*Queue, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Queue{client: client, cfg: cfg}, nil
}

// TaskID is the task id for body: "<assetId>-<attempt>" when the body names both, else "".
func TaskID(body string) string {
	var m struct {
		AssetID string `json:"assetId"`
		Attempt int    `json:"attempt"`
	}
	if json.Unmarshal([]byte(body), &m) != nil || m.AssetID == "" || m.Attempt < 1 {
		return ""
	}
	return taskIDRE.ReplaceAllString(m.AssetID, "_") + "-" + strconv.Itoa(m.Attempt)
}

// Send delivers body at once.
func (q *Queue) Send(ctx context.Context, body string) error { return q.SendDelayed(ctx, body, 0) }

// SendDelayed schedules body for delay from now (capped at MaxDelay).
func (q *Queue) SendDelayed(ctx context.Context, body string, delay time.Duration) error {
	now := time.Now
	if q.Now != nil {
		now = q.Now
	}
	delay = min(max(delay, 0), MaxDelay)
	audience := q.cfg.Audience
	if audience == "" {
		audience = q.cfg.URL
	}
	task := &cloudtaskspb.Task{
		ScheduleTime: timestamppb.New(now().Add(delay)),
		MessageType: &cloudtaskspb.Task_HttpRequest{HttpRequest: &cloudtaskspb.HttpRequest{
			Url: q.cfg.URL, HttpMethod: cloudtaskspb.HttpMethod_POST,
			Headers: map[string]string{"Content-Type": "application/json"},
			Body:    []byte(body),
			AuthorizationHeader: &cloudtaskspb.HttpRequest_OidcToken{OidcToken: &cloudtaskspb.OidcToken{
				ServiceAccountEmail: q.cfg.ServiceAccount, Audience: audience,
			}},
		}},
	}
	if id := TaskID(body); id != "" {
		task.Name = q.cfg.Queue + "/tasks/" + id
	}
	_, err := q.client.CreateTask(ctx, &cloudtaskspb.CreateTaskRequest{Parent: q.cfg.Queue, Task: task})
	if status.Code(err) == codes.AlreadyExists {
		return nil
	}
	if err != nil {
		return fmt.Errorf("tasksq: create task on %s: %w", q.cfg.Queue, err)
	}
	return nil
}
