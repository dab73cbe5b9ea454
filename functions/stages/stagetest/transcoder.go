package stagetest

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/ottkit/ottkit/functions/pipeline"
)

// TokenWindow is how long the fake Transcoder, like MediaConvert, remembers a submission's
// idempotency token (asset id and attempt): a second Submit within it returns the first job,
// a later one creates (and bills) another.
const TokenWindow = time.Minute

// Job is one job the fake Transcoder created.
type Job struct {
	ID      string
	AssetID string
	Tenant  string
	Attempt int
	Source  pipeline.Object
	Plan    pipeline.Plan
	Created time.Time
}

// Transcoder is an in-memory pipeline.Transcoder that creates a job per submission except a
// repeat within TokenWindow, and finds jobs by asset and attempt as the MediaConvert adapter
// does from user metadata.
type Transcoder struct {
	Faults
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Reject, when set, is returned (wrapping pipeline.ErrJobRejected) by every Submit.
	Reject string
	// AfterSubmit, when set, runs after a job is created and before Submit returns, so a test
	// can crash (panic) or act between the creation and the caller's record of it.
	AfterSubmit func(Job)

	mu     sync.Mutex
	jobs   []Job
	tokens map[string]tokenUse
}

type tokenUse struct {
	job  string
	used time.Time
}

var _ pipeline.Transcoder = (*Transcoder)(nil)

func (tc *Transcoder) now() time.Time {
	if tc.Now != nil {
		return tc.Now()
	}
	return time.Now()
}

// Submit implements pipeline.Transcoder.
func (tc *Transcoder) Submit(_ context.Context, a *pipeline.Asset, plan pipeline.Plan) (string, error) {
	if err := tc.take("Submit"); err != nil {
		return "", err
	}
	if tc.Reject != "" {
		return "", fmt.Errorf("stagetest: submit %s: %w: %s", a.ID, pipeline.ErrJobRejected, tc.Reject)
	}
	now := tc.now()
	attempt := a.Attempts + 1
	token := fmt.Sprintf("%s-%d", a.ID, attempt)
	tc.mu.Lock()
	if tc.tokens == nil {
		tc.tokens = map[string]tokenUse{}
	}
	if use, ok := tc.tokens[token]; ok && now.Sub(use.used) < TokenWindow {
		tc.mu.Unlock()
		return use.job, nil
	}
	job := Job{ID: fmt.Sprintf("job-%d", len(tc.jobs)+1), AssetID: a.ID, Tenant: a.Tenant, Attempt: attempt, Source: a.Source, Plan: plan, Created: now}
	tc.jobs = append(tc.jobs, job)
	tc.tokens[token] = tokenUse{job: job.ID, used: now}
	tc.mu.Unlock()
	if tc.AfterSubmit != nil {
		tc.AfterSubmit(job)
	}
	return job.ID, nil
}

// Find implements pipeline.Transcoder.
func (tc *Transcoder) Find(_ context.Context, a *pipeline.Asset, since time.Time) (string, error) {
	if err := tc.take("Find"); err != nil {
		return "", err
	}
	tc.mu.Lock()
	defer tc.mu.Unlock()
	for i := len(tc.jobs) - 1; i >= 0; i-- {
		if j := tc.jobs[i]; j.AssetID == a.ID && j.Attempt == a.Attempts+1 {
			return j.ID, nil
		}
	}
	return "", fmt.Errorf("stagetest: %s attempt %d: %w", a.ID, a.Attempts+1, pipeline.ErrNoJob)
}

// Jobs returns the jobs created, in order: each one billed.
func (tc *Transcoder) Jobs() []Job {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	return append([]Job(nil), tc.jobs...)
}
