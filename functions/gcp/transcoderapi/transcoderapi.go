// Package transcoderapi runs ottkit's transcoding jobs on the Google Cloud Transcoder API:
// pipeline.Transcoder over cloud.google.com/go/video/transcoder/apiv1, and the JobResult of a
// job notification.
//
// CreateJob has no idempotency token, so Submit first looks for a job carrying the asset's
// labels for the attempt (tcjob.Filter) and returns it: a redelivered transcode request never
// starts, or bills, a second job. Errors follow the API's google.rpc.Code model: a job the
// API refuses as invalid wraps pipeline.ErrJobRejected; anything else is returned for the
// queue to retry. Job failures are classified the same way by Retryable.
package transcoderapi

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"time"

	transcoder "cloud.google.com/go/video/transcoder/apiv1"
	"cloud.google.com/go/video/transcoder/apiv1/transcoderpb"
	"google.golang.org/api/iterator"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/ottkit/ottkit/functions/gcp/tcjob"
	"github.com/ottkit/ottkit/functions/pipeline"
)

// Config is what every job of a stack shares.
type Config struct {
	// Parent is projects/<project>/locations/<region>, where jobs run.
	Parent string
	// DeliveryBucket receives the outputs; Topic is the completion topic
	// (projects/<p>/topics/<t>).
	DeliveryBucket, Topic string
	// ThumbnailInterval is the number of seconds between thumbnails.
	ThumbnailInterval int
	// Labels are extra job labels, e.g. the stack name for billing reports.
	Labels map[string]string
}

var parentRE = regexp.MustCompile(`^projects/[^/]+/locations/[^/]+$`)

// Validate names the first bad field.
func (c Config) Validate() error {
	switch {
	case !parentRE.MatchString(c.Parent):
		return fmt.Errorf("transcoderapi: Parent %q is not projects/<project>/locations/<region>", c.Parent)
	case c.DeliveryBucket == "":
		return errors.New("transcoderapi: DeliveryBucket is empty")
	case c.Topic == "":
		return errors.New("transcoderapi: Topic is empty")
	case c.ThumbnailInterval < 1:
		return fmt.Errorf("transcoderapi: ThumbnailInterval %d is below 1", c.ThumbnailInterval)
	}
	return nil
}

// Transcoder is the Transcoder API pipeline.Transcoder.
type Transcoder struct {
	client *transcoder.Client
	cfg    Config
}

var _ pipeline.Transcoder = (*Transcoder)(nil)

// New returns a Transcoder submitting jobs through client.
func New(client *transcoder.Client, cfg Config) (*Transcoder, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Transcoder{client: client, cfg: cfg}, nil
}

// Build returns the job Submit would create for a's next attempt. The source's caption tracks
// go in with the track index the probe recorded, which is how the Transcoder API maps a text
// track; tcjob keeps those it can read as text (tcjob.SupportedCaption).
func (t *Transcoder) Build(a *pipeline.Asset, plan pipeline.Plan) (*transcoderpb.Job, error) {
	in := tcjob.Input{
		AssetID: a.ID, Attempt: a.Attempts + 1,
		SourceURI:      "gs://" + a.Source.Bucket + "/" + a.Source.Key,
		DeliveryBucket: t.cfg.DeliveryBucket, Topic: t.cfg.Topic,
		Plan: plan, ThumbnailInterval: t.cfg.ThumbnailInterval, Labels: t.cfg.Labels,
	}
	if a.Probe != nil {
		in.Duration, in.Rotation = a.Probe.Duration, a.Probe.Rotation
		for _, c := range a.Probe.Captions {
			in.Captions = append(in.Captions, tcjob.Caption{Track: c.Track, Codec: c.Codec, Language: c.Language})
		}
	}
	return tcjob.Build(in)
}

// Submit returns the job already created for a's next attempt, or creates it.
func (t *Transcoder) Submit(ctx context.Context, a *pipeline.Asset, plan pipeline.Plan) (string, error) {
	attempt := a.Attempts + 1
	if id, err := t.Find(ctx, a, time.Time{}); err == nil {
		return id, nil
	} else if !errors.Is(err, pipeline.ErrNoJob) {
		return "", err
	}
	job, err := t.Build(a, plan)
	if err != nil {
		return "", fmt.Errorf("transcoderapi: build job for %s: %w: %w", a.ID, pipeline.ErrJobRejected, err)
	}
	out, err := t.client.CreateJob(ctx, &transcoderpb.CreateJobRequest{Parent: t.cfg.Parent, Job: job})
	if err != nil {
		if rejected(status.Code(err)) {
			return "", fmt.Errorf("transcoderapi: create job for %s attempt %d: %w: %w", a.ID, attempt, pipeline.ErrJobRejected, err)
		}
		return "", fmt.Errorf("transcoderapi: create job for %s attempt %d: %w", a.ID, attempt, err)
	}
	if out.GetName() == "" {
		return "", fmt.Errorf("transcoderapi: create job for %s attempt %d: response has no job name", a.ID, attempt)
	}
	return out.Name, nil
}

// Find returns the name of the job labelled with a's next attempt, newest first, or an error
// wrapping pipeline.ErrNoJob. The label filter runs in the API, so since is not needed to
// bound the search.
func (t *Transcoder) Find(ctx context.Context, a *pipeline.Asset, _ time.Time) (string, error) {
	attempt := a.Attempts + 1
	it := t.client.ListJobs(ctx, &transcoderpb.ListJobsRequest{Parent: t.cfg.Parent, Filter: tcjob.Filter(a.ID, attempt), PageSize: 1})
	job, err := it.Next()
	if errors.Is(err, iterator.Done) {
		return "", fmt.Errorf("transcoderapi: %s attempt %d: %w", a.ID, attempt, pipeline.ErrNoJob)
	}
	if err != nil {
		return "", fmt.Errorf("transcoderapi: list jobs of %s attempt %d: %w", a.ID, attempt, err)
	}
	return job.Name, nil
}

// Results reads finished jobs for the complete function.
type Results struct {
	Client *transcoder.Client
}

// ErrUnknownJob reports a notification of a job the API no longer has (deleted, or its TTL
// passed): no redelivery can fetch it.
var ErrUnknownJob = errors.New("transcoderapi: job not found")

// Result fetches the named job (a notification carries only its name, state and error) and
// returns it as the complete stage's input, with AssetID and Attempt read from its labels.
func (r Results) Result(ctx context.Context, name string) (pipeline.JobResult, error) {
	job, err := r.Client.GetJob(ctx, &transcoderpb.GetJobRequest{Name: name})
	if status.Code(err) == codes.NotFound {
		return pipeline.JobResult{}, fmt.Errorf("transcoderapi: get job %s: %w: %w", name, ErrUnknownJob, err)
	}
	if err != nil {
		return pipeline.JobResult{}, fmt.Errorf("transcoderapi: get job %s: %w", name, err)
	}
	return ResultOf(job), nil
}

// ResultOf maps a job to a JobResult. A job without ottkit's labels gets AssetID "", which
// the stage ignores.
func ResultOf(job *transcoderpb.Job) pipeline.JobResult {
	r := pipeline.JobResult{JobID: job.Name, AssetID: job.Labels[tcjob.LabelAsset]}
	if n, err := strconv.Atoi(job.Labels[tcjob.LabelAttempt]); err == nil && n > 0 {
		r.Attempt = n
	}
	switch job.State {
	case transcoderpb.Job_SUCCEEDED:
		r.State = pipeline.JobComplete
	case transcoderpb.Job_FAILED:
		r.State = pipeline.JobError
		code := codes.Code(job.GetError().GetCode())
		r.ErrorCode, r.ErrorMessage = code.String(), job.GetError().GetMessage()
		r.Retryable = Retryable(code)
	default:
		r.State = pipeline.JobProgressing
	}
	return r
}

// Retryable reports whether a job that failed with code may succeed if submitted again: the
// transient codes of google.rpc.Code (UNAVAILABLE, INTERNAL, DEADLINE_EXCEEDED,
// RESOURCE_EXHAUSTED, ABORTED, UNKNOWN). INVALID_ARGUMENT (bad settings or input),
// FAILED_PRECONDITION, NOT_FOUND (input missing), PERMISSION_DENIED, OUT_OF_RANGE and
// UNIMPLEMENTED would fail the same way again.
func Retryable(code codes.Code) bool {
	switch code {
	case codes.Unavailable, codes.Internal, codes.DeadlineExceeded, codes.ResourceExhausted, codes.Aborted, codes.Unknown:
		return true
	}
	return false
}

// rejected reports the CreateJob codes that mean the job itself is wrong.
func rejected(code codes.Code) bool {
	return code == codes.InvalidArgument || code == codes.FailedPrecondition || code == codes.OutOfRange
}
