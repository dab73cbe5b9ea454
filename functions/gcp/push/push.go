// Package push turns the HTTP requests GCP delivers to a function into the stages' inputs:
// Pub/Sub push envelopes (GCS object notifications in JSON_API_V1, Transcoder API job
// notifications, stage hand-offs), Cloud Tasks HTTP tasks, and API Gateway requests with the
// JWT claims the gateway verified.
//
// Pub/Sub acknowledges a push with any 2xx and redelivers on anything else, up to the
// subscription's dead-letter limit. Serve maps a handler's outcome onto that: success → 204;
// a message that cannot be decoded (ErrMalformed) → logged and 204, because redelivering it
// cannot help and would only fill the dead-letter topic; any other error → 500, so the
// message comes back.
package push

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"
)

// MaxBody bounds a push request's body (Pub/Sub messages are at most 10 MB).
const MaxBody = 10 << 20

// ErrMalformed marks a message no retry can fix.
var ErrMalformed = errors.New("push: malformed message")

// Message is one Pub/Sub message as a push subscription delivers it.
type Message struct {
	ID          string
	Data        []byte
	Attributes  map[string]string
	PublishTime time.Time
	// Subscription is projects/<p>/subscriptions/<s>.
	Subscription string
	// DeliveryAttempt counts deliveries when the subscription has a dead-letter policy (1
	// first), else 0.
	DeliveryAttempt int
}

// envelope is Pub/Sub's push request body.
type envelope struct {
	Message *struct {
		Data        string            `json:"data"`
		Attributes  map[string]string `json:"attributes"`
		MessageID   string            `json:"messageId"`
		PublishTime string            `json:"publishTime"`
	} `json:"message"`
	Subscription    string `json:"subscription"`
	DeliveryAttempt int    `json:"deliveryAttempt"`
}

// Decode reads a push envelope. Every error wraps ErrMalformed.
func Decode(r io.Reader) (Message, error) {
	body, err := io.ReadAll(io.LimitReader(r, MaxBody+1))
	if err != nil {
		return Message{}, fmt.Errorf("%w: read body: %w", ErrMalformed, err)
	}
	if len(body) > MaxBody {
		return Message{}, fmt.Errorf("%w: body is over %d bytes", ErrMalformed, MaxBody)
	}
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil {
		return Message{}, fmt.Errorf("%w: not a push envelope: %w", ErrMalformed, err)
	}
	if env.Message == nil || env.Message.MessageID == "" {
		return Message{}, fmt.Errorf("%w: envelope has no message.messageId", ErrMalformed)
	}
	data, err := base64.StdEncoding.DecodeString(env.Message.Data)
	if err != nil {
		return Message{}, fmt.Errorf("%w: message %s: data is not base64: %w", ErrMalformed, env.Message.MessageID, err)
	}
	m := Message{
		ID: env.Message.MessageID, Data: data, Attributes: env.Message.Attributes,
		Subscription: env.Subscription, DeliveryAttempt: env.DeliveryAttempt,
	}
	if env.Message.PublishTime != "" {
		if m.PublishTime, err = time.Parse(time.RFC3339Nano, env.Message.PublishTime); err != nil {
			return Message{}, fmt.Errorf("%w: message %s: publishTime: %w", ErrMalformed, m.ID, err)
		}
	}
	return m, nil
}

// Serve returns the push endpoint running handle on each message, with the ack mapping in the
// package comment. Only POST is accepted.
func Serve(log *slog.Logger, handle func(ctx context.Context, m Message) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "push endpoints take POST", http.StatusMethodNotAllowed)
			return
		}
		m, err := Decode(r.Body)
		if err == nil {
			err = handle(r.Context(), m)
		}
		attrs := []any{slog.String("messageId", m.ID), slog.Int("deliveryAttempt", m.DeliveryAttempt)}
		switch {
		case err == nil:
			w.WriteHeader(http.StatusNoContent)
		case errors.Is(err, ErrMalformed):
			log.ErrorContext(r.Context(), "dropping malformed message", append(attrs, slog.String("error", err.Error()))...)
			w.WriteHeader(http.StatusNoContent)
		default:
			log.ErrorContext(r.Context(), "message failed; Pub/Sub will redeliver it", append(attrs, slog.String("error", err.Error()))...)
			http.Error(w, "retry", http.StatusInternalServerError)
		}
	})
}

// The Cloud Tasks request headers a task target reads.
const (
	TaskNameHeader       = "X-CloudTasks-TaskName"
	TaskRetryCountHeader = "X-CloudTasks-TaskRetryCount"
)

// Task is one Cloud Tasks HTTP task delivery.
type Task struct {
	Name       string
	RetryCount int
	Body       []byte
}

// IsTask reports whether r is a Cloud Tasks delivery. The header only chooses the decoding:
// who may call the function at all is decided by Cloud Run's IAM check of the OIDC token,
// which only the push subscriptions' and the retry queue's service accounts pass.
func IsTask(r *http.Request) bool { return r.Header.Get(TaskNameHeader) != "" }

// DecodeTask reads a Cloud Tasks delivery; errors wrap ErrMalformed.
func DecodeTask(r *http.Request) (Task, error) {
	t := Task{Name: r.Header.Get(TaskNameHeader)}
	if t.Name == "" {
		return Task{}, fmt.Errorf("%w: no %s header", ErrMalformed, TaskNameHeader)
	}
	if v := r.Header.Get(TaskRetryCountHeader); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return Task{}, fmt.Errorf("%w: %s %q is not a count", ErrMalformed, TaskRetryCountHeader, v)
		}
		t.RetryCount = n
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBody+1))
	if err != nil || len(body) > MaxBody {
		return Task{}, fmt.Errorf("%w: task %s body unreadable or over %d bytes", ErrMalformed, t.Name, MaxBody)
	}
	t.Body = body
	return t, nil
}

// ServeRequests is the endpoint of a function fed both by a Pub/Sub push subscription and by
// Cloud Tasks (transcode: first requests from ingest, retries from complete): a Cloud Tasks
// delivery passes its body to handle, a push envelope its message data, with the same
// outcome mapping as Serve (Cloud Tasks also treats 2xx as done and retries anything else).
func ServeRequests(log *slog.Logger, handle func(ctx context.Context, data []byte) error) http.Handler {
	viaPush := Serve(log, func(ctx context.Context, m Message) error { return handle(ctx, m.Data) })
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !IsTask(r) {
			viaPush.ServeHTTP(w, r)
			return
		}
		if r.Method != http.MethodPost {
			http.Error(w, "task endpoints take POST", http.StatusMethodNotAllowed)
			return
		}
		task, err := DecodeTask(r)
		if err == nil {
			err = handle(r.Context(), task.Body)
		}
		switch {
		case err == nil:
			w.WriteHeader(http.StatusNoContent)
		case errors.Is(err, ErrMalformed):
			log.ErrorContext(r.Context(), "dropping malformed task", "task", task.Name, "error", err.Error())
			w.WriteHeader(http.StatusNoContent)
		default:
			log.ErrorContext(r.Context(), "task failed; Cloud Tasks will retry it", "task", task.Name, "retryCount", task.RetryCount, "error", err.Error())
			http.Error(w, "retry", http.StatusInternalServerError)
		}
	})
}
