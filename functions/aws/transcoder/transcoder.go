// Package transcoder submits ottkit's transcoding jobs to AWS Elemental MediaConvert, with the
// job built by mcjob from the asset and its planned ladder.
package transcoder

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/mediaconvert"
	"github.com/aws/aws-sdk-go-v2/service/mediaconvert/types"

	"github.com/ottkit/ottkit/functions/aws/mcjob"
	"github.com/ottkit/ottkit/functions/pipeline"
)

// Tag keys set on every job, for cost allocation per tenant and tracing back to the asset.
const (
	TagAsset  = "ottkit:asset"
	TagTenant = "ottkit:tenant"
)

// ErrRejected reports a job MediaConvert refused as invalid (HTTP 400): resubmitting the same
// job cannot succeed. It is pipeline.ErrJobRejected.
var ErrRejected = pipeline.ErrJobRejected

// FindSlack is how much older than Find's since a job may look and still be considered: the
// clocks of the function and of MediaConvert may disagree by this much.
const FindSlack = 5 * time.Minute

// maxFindPages bounds Find's listing (20 jobs a page). A queue busier than this between the
// attempt's record and now is not searched to the end, and Find fails instead of guessing.
const maxFindPages = 50

// Config is where jobs go and what they run as.
type Config struct {
	Queue, Role       string // MediaConvert queue and role ARNs
	DeliveryBucket    string
	ThumbnailInterval int // seconds
}

// MediaConvert is a pipeline.Transcoder over MediaConvert.
type MediaConvert struct {
	client *mediaconvert.Client
	cfg    Config
}

var _ pipeline.Transcoder = (*MediaConvert)(nil)

// New returns a MediaConvert transcoder.
func New(client *mediaconvert.Client, cfg Config) *MediaConvert {
	return &MediaConvert{client: client, cfg: cfg}
}

// Submit creates the job for the asset's next attempt (a.Attempts+1) and returns its id. The
// client request token is derived from the asset id and attempt, so submitting the same attempt
// twice returns the first job instead of starting a second one.
func (m *MediaConvert) Submit(ctx context.Context, a *pipeline.Asset, plan pipeline.Plan) (string, error) {
	in := mcjob.Input{
		AssetID: a.ID, Tenant: a.Tenant, Attempt: a.Attempts + 1,
		SourceURI:      "s3://" + a.Source.Bucket + "/" + a.Source.Key,
		DeliveryBucket: m.cfg.DeliveryBucket,
		Plan:           plan,
		Queue:          m.cfg.Queue, Role: m.cfg.Role,
		ThumbnailInterval: m.cfg.ThumbnailInterval,
		Tags:              map[string]string{TagAsset: a.ID, TagTenant: a.Tenant},
	}
	if a.Probe != nil {
		in.Duration = a.Probe.Duration
		in.Captions = a.Probe.Captions
	}
	job, err := mcjob.Build(in)
	if err != nil {
		return "", fmt.Errorf("transcoder: build job for %s: %w: %w", a.ID, ErrRejected, err)
	}
	out, err := m.client.CreateJob(ctx, job)
	var bad *types.BadRequestException
	if errors.As(err, &bad) {
		return "", fmt.Errorf("transcoder: submit job for %s: %w: %w", a.ID, ErrRejected, err)
	}
	if err != nil {
		return "", fmt.Errorf("transcoder: submit job for %s: %w", a.ID, err)
	}
	if out.Job == nil || aws.ToString(out.Job.Id) == "" {
		return "", fmt.Errorf("transcoder: submit job for %s: response has no job id", a.ID)
	}
	return aws.ToString(out.Job.Id), nil
}

// Find returns the job already created on the queue for the asset's next attempt, found by the
// user metadata mcjob puts on every job (asset id and attempt), or an error wrapping
// pipeline.ErrNoJob. MediaConvert forgets client request tokens after a minute, so this lookup
// is what keeps a request redelivered minutes after a crash from billing a second job.
// It lists the queue's jobs newest first and stops at jobs created before since-FindSlack.
func (m *MediaConvert) Find(ctx context.Context, a *pipeline.Asset, since time.Time) (string, error) {
	attempt := strconv.Itoa(a.Attempts + 1)
	bound := since.Add(-FindSlack)
	// ListJobs takes the queue's name; the configuration holds its ARN (…:queues/<name>).
	queue := m.cfg.Queue
	if i := strings.LastIndex(queue, ":queues/"); i >= 0 {
		queue = queue[i+len(":queues/"):]
	}
	in := &mediaconvert.ListJobsInput{Queue: aws.String(queue), Order: types.OrderDescending, MaxResults: aws.Int32(20)}
	for page := 0; page < maxFindPages; page++ {
		out, err := m.client.ListJobs(ctx, in)
		if err != nil {
			return "", fmt.Errorf("transcoder: list jobs to find %s attempt %s: %w", a.ID, attempt, err)
		}
		for _, j := range out.Jobs {
			if j.UserMetadata[mcjob.MetadataAssetID] == a.ID && j.UserMetadata[mcjob.MetadataAttempt] == attempt && aws.ToString(j.Id) != "" {
				return aws.ToString(j.Id), nil
			}
			if j.CreatedAt != nil && j.CreatedAt.Before(bound) {
				return "", fmt.Errorf("transcoder: %s attempt %s: %w", a.ID, attempt, pipeline.ErrNoJob)
			}
		}
		if aws.ToString(out.NextToken) == "" {
			return "", fmt.Errorf("transcoder: %s attempt %s: %w", a.ID, attempt, pipeline.ErrNoJob)
		}
		in.NextToken = out.NextToken
	}
	return "", fmt.Errorf("transcoder: find %s attempt %s: more than %d jobs on the queue since %s; not searched further", a.ID, attempt, maxFindPages*20, bound.Format(time.RFC3339))
}
