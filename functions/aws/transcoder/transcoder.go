// Package transcoder submits ottkit's transcoding jobs to AWS Elemental MediaConvert, with the
// job built by mcjob from the asset and its planned ladder.
package transcoder

import (
	"context"
	"errors"
	"fmt"

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
// job cannot succeed.
var ErrRejected = errors.New("transcoder: job rejected")

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
