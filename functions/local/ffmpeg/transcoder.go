// Package ffmpeg is the local home's transcoder: a pipeline.Transcoder that runs the plan the
// transcode stage made with ffmpeg, on this machine, and writes what the MediaConvert job
// writes, at the same keys (pipeline.LayoutFor), so the complete stage verifies both the same
// way:
//
//   - every rendition of the plan at its size, with its MaxBitrate as target and peak
//     (VBV buffer twice that, as the MediaConvert job's HRD buffer), closed 2 s GOPs;
//   - one set of fMP4 (CMAF) segments, 6 s long, with the DASH manifest index.mpd and the
//     HLS multivariant playlist index.m3u8 over the same segment files;
//   - AAC stereo audio when the plan has audio;
//   - thumbnails every pipeline.CaptureInterval seconds (thumbs/thumb.NNNNNNN.jpg) at
//     pipeline.ThumbnailSize, one of which is the poster (pipeline.Layout.PosterKey), as in
//     the MediaConvert job;
//   - a WebVTT file per text subtitle track of the source, listed in both manifests.
//
// Jobs run in the background, Concurrency at a time, and report to Config.Results what
// MediaConvert's job state change events report: progress, then complete or an error. A source
// ffmpeg cannot decode ends in a final, non-retryable error carrying ffmpeg's reason.
//
// A job's id is derived from the asset id and attempt, and its record is kept in the work
// directory, so submitting the same attempt again, even after a restart, returns the same job
// and never encodes twice; jobs a restart interrupted are resumed by New.
package ffmpeg

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ottkit/ottkit/functions/pipeline"
)

// Error codes of failed jobs, the local counterparts of MediaConvert's numeric codes.
const (
	// CodeSourceUnreadable: ffprobe cannot read the master as video. Final.
	CodeSourceUnreadable = "source_unreadable"
	// CodeEncodeFailed: ffmpeg stopped with an error while encoding the master. Final: the
	// same file and plan fail the same way.
	CodeEncodeFailed = "encode_failed"
	// CodeOutputFailed: the outputs could not be written or moved into the delivery
	// directory (a full disk, a permission). Retryable.
	CodeOutputFailed = "output_failed"
)

// Defaults of Config.
const (
	DefaultPreset      = "veryfast"
	DefaultConcurrency = 1
)

// Results receives the state changes of jobs: the local counterpart of MediaConvert's job
// state change events, which feed the complete stage.
type Results interface {
	Report(ctx context.Context, r pipeline.JobResult) error
}

// ResultsFunc adapts a function to Results.
type ResultsFunc func(ctx context.Context, r pipeline.JobResult) error

// Report calls f.
func (f ResultsFunc) Report(ctx context.Context, r pipeline.JobResult) error { return f(ctx, r) }

// Config is where the transcoder reads masters and writes outputs.
type Config struct {
	// SourcePath returns the file that holds the master bucket/key (the asset's Source).
	SourcePath func(bucket, key string) (string, error)
	// DeliveryBucket is the delivery bucket's name, used in JobResult.Outputs.
	DeliveryBucket string
	// DeliveryDir is the directory that holds the delivery bucket: an asset's outputs go to
	// DeliveryDir/assets/<id>/.
	DeliveryDir string
	// WorkDir holds job records and the outputs of running jobs. On the same file system as
	// DeliveryDir, finished outputs move into place with one rename.
	WorkDir string
	// ThumbnailInterval is the number of seconds between thumbnails, at least 1.
	ThumbnailInterval int
	// Results receives every job's progress and final state.
	Results Results
	// Concurrency is how many jobs encode at once; DefaultConcurrency when 0.
	Concurrency int
	// Preset is the x264/x265 preset; DefaultPreset when "".
	Preset string
	// Threads caps each ffmpeg's threads; 0 lets ffmpeg use every core.
	Threads int
	// FFmpeg and FFprobe are the tools' paths; found on PATH when "".
	FFmpeg, FFprobe string
	// Log receives a line per job step and every 10 % of progress; slog.Default() when nil.
	Log *slog.Logger
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// Transcoder runs jobs with ffmpeg. It implements pipeline.Transcoder.
type Transcoder struct {
	cfg    Config
	slots  chan struct{}
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu   sync.Mutex
	jobs map[string]*record // by job id: the jobs submitted or resumed by this process
}

var _ pipeline.Transcoder = (*Transcoder)(nil)

// record is a job as kept in WorkDir/jobs/<id>.json.
type record struct {
	JobID     string             `json:"jobId"`
	AssetID   string             `json:"assetId"`
	Tenant    string             `json:"tenant"`
	Attempt   int                `json:"attempt"`
	Source    string             `json:"source"`
	Plan      pipeline.Plan      `json:"plan"`
	Submitted time.Time          `json:"submitted"`
	State     pipeline.JobState  `json:"state"`
	Result    pipeline.JobResult `json:"result"`
	// CPU is the processor time ffmpeg spent on the job; Wall the time from start to result.
	CPU  time.Duration `json:"cpu"`
	Wall time.Duration `json:"wall"`
	// Reported is set once Results took the final result; a final job a stopped process
	// had not reported yet is reported by the next one.
	Reported bool `json:"reported,omitempty"`
}

// New checks the configuration and the tools, and resumes the jobs an earlier process left
// unfinished in WorkDir.
func New(cfg Config) (*Transcoder, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	for _, dir := range []string{cfg.DeliveryDir, filepath.Join(cfg.WorkDir, "jobs")} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("ffmpeg: %w", err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	t := &Transcoder{cfg: cfg, slots: make(chan struct{}, cfg.Concurrency), ctx: ctx, cancel: cancel, jobs: map[string]*record{}}
	records, err := t.loadRecords()
	if err != nil {
		cancel()
		return nil, err
	}
	for _, r := range records {
		t.jobs[r.JobID] = r
		switch {
		case !r.State.Final():
			t.cfg.Log.Info("resuming an unfinished transcoding job", "jobId", r.JobID, "assetId", r.AssetID)
			t.start(r)
		case !r.Reported:
			t.wg.Add(1)
			go func(r *record) {
				defer t.wg.Done()
				t.reportFinal(r)
			}(r)
		}
	}
	return t, nil
}

func (c *Config) defaults() error {
	switch {
	case c.SourcePath == nil:
		return errors.New("ffmpeg: Config.SourcePath is nil")
	case c.DeliveryBucket == "":
		return errors.New("ffmpeg: Config.DeliveryBucket is empty")
	case c.DeliveryDir == "":
		return errors.New("ffmpeg: Config.DeliveryDir is empty")
	case c.WorkDir == "":
		return errors.New("ffmpeg: Config.WorkDir is empty")
	case c.ThumbnailInterval < 1:
		return fmt.Errorf("ffmpeg: Config.ThumbnailInterval %d is below 1 second", c.ThumbnailInterval)
	case c.Results == nil:
		return errors.New("ffmpeg: Config.Results is nil")
	case c.Concurrency < 0:
		return fmt.Errorf("ffmpeg: Config.Concurrency %d is negative", c.Concurrency)
	}
	if c.Concurrency == 0 {
		c.Concurrency = DefaultConcurrency
	}
	if c.Preset == "" {
		c.Preset = DefaultPreset
	}
	if c.Log == nil {
		c.Log = slog.Default()
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	var err error
	if c.FFmpeg, err = tool(c.FFmpeg, "ffmpeg"); err != nil {
		return err
	}
	c.FFprobe, err = tool(c.FFprobe, "ffprobe")
	return err
}

// tool resolves a tool's path, failing with what to install.
func tool(path, name string) (string, error) {
	if path == "" {
		path = name
	}
	p, err := exec.LookPath(path)
	if err != nil {
		return "", fmt.Errorf("ffmpeg: %s is not installed (%w); install ffmpeg, which provides ffmpeg and ffprobe: apt-get install ffmpeg on Debian or Ubuntu, brew install ffmpeg on macOS", name, err)
	}
	return p, nil
}

// JobID is the id of the job for an asset's attempt.
func JobID(assetID string, attempt int) string {
	return "ffmpeg-" + assetID + "-" + strconv.Itoa(attempt)
}

// Submit starts the job for a's next attempt (a.Attempts+1) in the background and returns its
// id; submitting the same attempt again returns the same id and starts nothing. A plan the
// encoder cannot run fails with an error wrapping pipeline.ErrJobRejected.
func (t *Transcoder) Submit(ctx context.Context, a *pipeline.Asset, plan pipeline.Plan) (string, error) {
	attempt := a.Attempts + 1
	id := JobID(a.ID, attempt)
	if err := validate(a, plan); err != nil {
		return "", fmt.Errorf("ffmpeg: job for %s: %w: %w", a.ID, pipeline.ErrJobRejected, err)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if r, ok := t.jobs[id]; ok {
		if r.State.Final() {
			// The result was reported once; report it again, so a caller that lost it (a
			// crash before its catalog write) still hears how the job ended.
			t.wg.Add(1)
			go func(res pipeline.JobResult) {
				defer t.wg.Done()
				t.report(res)
			}(r.Result)
		}
		return id, nil
	}
	src, err := t.cfg.SourcePath(a.Source.Bucket, a.Source.Key)
	if err != nil {
		return "", fmt.Errorf("ffmpeg: job for %s: master %s/%s: %w", a.ID, a.Source.Bucket, a.Source.Key, err)
	}
	r := &record{JobID: id, AssetID: a.ID, Tenant: a.Tenant, Attempt: attempt, Source: src, Plan: plan,
		Submitted: t.cfg.Now().UTC(), State: pipeline.JobProgressing}
	if err := t.save(r); err != nil {
		return "", err
	}
	t.jobs[id] = r
	t.start(r)
	return id, nil
}

// Find returns the job of a's next attempt, if one was submitted (by this process or an
// earlier one with the same work directory), or an error wrapping pipeline.ErrNoJob.
func (t *Transcoder) Find(_ context.Context, a *pipeline.Asset, _ time.Time) (string, error) {
	id := JobID(a.ID, a.Attempts+1)
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, ok := t.jobs[id]; ok {
		return id, nil
	}
	return "", fmt.Errorf("ffmpeg: asset %s attempt %d: %w", a.ID, a.Attempts+1, pipeline.ErrNoJob)
}

// Close stops running jobs and waits for them. An interrupted job reports nothing; the next
// New with the same work directory runs it again.
func (t *Transcoder) Close() error {
	t.cancel()
	t.wg.Wait()
	return nil
}

func validate(a *pipeline.Asset, p pipeline.Plan) error {
	switch {
	case a.ID == "":
		return errors.New("asset id is empty")
	case p.Codec != pipeline.CodecH264 && p.Codec != pipeline.CodecHEVC:
		return fmt.Errorf("plan codec %q is not %q or %q", p.Codec, pipeline.CodecH264, pipeline.CodecHEVC)
	case len(p.Renditions) == 0:
		return errors.New("plan has no renditions")
	case p.SourceWidth < 2 || p.SourceHeight < 2:
		return fmt.Errorf("plan source size %dx%d is too small", p.SourceWidth, p.SourceHeight)
	}
	for i, r := range p.Renditions {
		switch {
		case r.Width < 2 || r.Height < 2 || r.Width%2 != 0 || r.Height%2 != 0:
			return fmt.Errorf("plan renditions[%d] size %dx%d is not even and positive", i, r.Width, r.Height)
		case r.MaxBitrate < 1000:
			return fmt.Errorf("plan renditions[%d] maxBitrate %d is below 1000", i, r.MaxBitrate)
		}
	}
	return nil
}

func (t *Transcoder) start(r *record) {
	t.wg.Add(1)
	go func() {
		defer t.wg.Done()
		select {
		case t.slots <- struct{}{}:
		case <-t.ctx.Done():
			return
		}
		started := time.Now()
		res, cpu, ok := t.run(t.ctx, r)
		<-t.slots // the encode is over: the next job may start while this one reports
		if !ok {
			return // stopped by Close
		}
		t.mu.Lock()
		r.State, r.Result, r.CPU, r.Wall = res.State, res, cpu, time.Since(started)
		err := t.save(r)
		t.mu.Unlock()
		if err != nil {
			t.cfg.Log.Error("cannot record a finished job", "jobId", r.JobID, "error", err.Error())
		}
		t.reportFinal(r)
	}()
}

// run encodes one job and returns its final result and ffmpeg's CPU time; ok is false when
// ctx ended first.
func (t *Transcoder) run(ctx context.Context, r *record) (res pipeline.JobResult, cpu time.Duration, ok bool) {
	log := t.cfg.Log.With("jobId", r.JobID, "assetId", r.AssetID)
	res = pipeline.JobResult{JobID: r.JobID, AssetID: r.AssetID, Attempt: r.Attempt}
	fail := func(code string, retryable bool, err error) (pipeline.JobResult, time.Duration, bool) {
		res.State, res.ErrorCode, res.ErrorMessage, res.Retryable = pipeline.JobError, code, err.Error(), retryable
		log.Warn("transcoding job failed", "code", code, "retryable", retryable, "error", err.Error())
		return res, cpu, true
	}
	started := time.Now()
	log.Info("transcoding job started", "plan", r.Plan.String())
	t.report(pipeline.JobResult{JobID: r.JobID, AssetID: r.AssetID, Attempt: r.Attempt, State: pipeline.JobProgressing})

	src, err := inspect(ctx, t.cfg.FFprobe, r.Source)
	if ctx.Err() != nil {
		return res, 0, false
	}
	var bad *decodeError
	if errors.As(err, &bad) {
		return fail(CodeSourceUnreadable, false, err)
	}
	if err != nil {
		return fail(CodeOutputFailed, true, err)
	}
	plan := r.Plan
	if !src.Audio {
		plan.Audio = false // a plan with audio over a source without it cannot encode
	}

	work := filepath.Join(t.cfg.WorkDir, r.JobID)
	if err := os.RemoveAll(work); err != nil {
		return fail(CodeOutputFailed, true, fmt.Errorf("ffmpeg: clear %s: %w", work, err))
	}
	s := spec{
		Source: r.Source, Dir: filepath.Join(work, "out"), Layout: pipeline.LayoutFor(r.AssetID), Plan: plan, Src: src,
		ThumbnailInterval: t.cfg.ThumbnailInterval, Preset: t.cfg.Preset, Threads: t.cfg.Threads,
	}
	next := 0.1
	cpu, err = encode(ctx, t.cfg.FFmpeg, s, func(done float64) {
		if done >= next {
			log.Info("transcoding", "percent", int(done*100+0.5))
			for next <= done {
				next += 0.1
			}
		}
	})
	if ctx.Err() != nil {
		return res, 0, false
	}
	if errors.As(err, &bad) {
		return fail(CodeEncodeFailed, false, err)
	}
	if err != nil {
		return fail(CodeOutputFailed, true, err)
	}
	videos, err := renditionSizes(ctx, t.cfg.FFprobe, s)
	if err != nil {
		return fail(CodeOutputFailed, true, err)
	}
	keys, err := t.deliver(s.Dir, s.Layout.Prefix)
	if err != nil {
		return fail(CodeOutputFailed, true, err)
	}
	_ = os.RemoveAll(work)
	for _, k := range keys {
		res.Outputs = append(res.Outputs, pipeline.Object{Bucket: t.cfg.DeliveryBucket, Key: k})
	}
	for _, v := range videos {
		res.Videos = append(res.Videos, pipeline.Rendition{Width: v.Width, Height: v.Height})
	}
	res.State, res.Duration = pipeline.JobComplete, src.Duration
	log.Info("transcoding job complete", "outputs", len(keys), "seconds", time.Since(started).Seconds(), "ffmpegCpuSeconds", cpu.Seconds())
	return res, cpu, true
}

// deliver moves a finished job's output directory to the asset's prefix in the delivery
// directory, replacing what an earlier attempt left there, and returns the delivery keys.
func (t *Transcoder) deliver(dir, prefix string) ([]string, error) {
	dst := filepath.Join(t.cfg.DeliveryDir, filepath.FromSlash(strings.TrimSuffix(prefix, "/")))
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return nil, fmt.Errorf("ffmpeg: delivery directory: %w", err)
	}
	old := dir + ".replaced"
	if err := os.Rename(dst, old); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("ffmpeg: move earlier outputs aside: %w", err)
	}
	if err := os.Rename(dir, dst); err != nil {
		if err := copyTree(dir, dst); err != nil {
			return nil, fmt.Errorf("ffmpeg: move outputs to %s: %w", dst, err)
		}
	}
	_ = os.RemoveAll(old)
	var keys []string
	err := filepath.WalkDir(dst, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dst, path)
		keys = append(keys, prefix+filepath.ToSlash(rel))
		return err
	})
	sort.Strings(keys)
	return keys, err
}

// copyTree copies src into a new directory dst through a temporary sibling, for a work
// directory on another file system than the delivery directory.
func copyTree(src, dst string) error {
	tmp := dst + ".incoming"
	if err := os.RemoveAll(tmp); err != nil {
		return err
	}
	if err := os.CopyFS(tmp, os.DirFS(src)); err != nil {
		return err
	}
	return os.Rename(tmp, dst)
}

// reportFinal reports a finished job's result and records that it did.
func (t *Transcoder) reportFinal(r *record) {
	t.mu.Lock()
	res := r.Result
	t.mu.Unlock()
	if !t.report(res) {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	r.Reported = true
	if err := t.save(r); err != nil {
		t.cfg.Log.Error("cannot record a reported job", "jobId", r.JobID, "error", err.Error())
	}
}

// report hands r to Results, retrying for about a minute (the local queue behind it only fails
// when its database does) or until Close; it reports whether Results took it.
func (t *Transcoder) report(r pipeline.JobResult) bool {
	delay := 100 * time.Millisecond
	for try := 1; ; try++ {
		err := t.cfg.Results.Report(context.WithoutCancel(t.ctx), r)
		if err == nil {
			return true
		}
		if try == 10 {
			t.cfg.Log.Error("cannot report a job result", "jobId", r.JobID, "state", string(r.State), "error", err.Error())
			return false
		}
		select {
		case <-time.After(delay):
		case <-t.ctx.Done():
			return false // the next process reports it (Reported is still false)
		}
		delay = min(2*delay, 10*time.Second)
	}
}

func (t *Transcoder) recordPath(id string) string {
	return filepath.Join(t.cfg.WorkDir, "jobs", id+".json")
}

// save writes r's record atomically. The caller holds t.mu or owns r alone.
func (t *Transcoder) save(r *record) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("ffmpeg: encode job record: %w", err)
	}
	return writeFile(t.recordPath(r.JobID), b)
}

func (t *Transcoder) loadRecords() ([]*record, error) {
	dir := filepath.Join(t.cfg.WorkDir, "jobs")
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("ffmpeg: read job records: %w", err)
	}
	var out []*record
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		path := filepath.Join(dir, e.Name())
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("ffmpeg: read job record %s: %w", path, err)
		}
		var r record
		if err := json.Unmarshal(b, &r); err != nil || r.JobID == "" {
			return nil, fmt.Errorf("ffmpeg: job record %s is corrupt (remove it to forget the job): %v", path, err)
		}
		out = append(out, &r)
	}
	return out, nil
}

// Stats is what a finished job cost.
type Stats struct {
	// CPU is the processor time ffmpeg spent; Wall the time from the job's start to its result.
	CPU, Wall time.Duration
}

// JobStats reads the cost of a finished job from the records in workDir (Config.WorkDir), for
// measurements of a platform that owns its transcoder.
func JobStats(workDir, jobID string) (Stats, error) {
	b, err := os.ReadFile(filepath.Join(workDir, "jobs", jobID+".json"))
	if err != nil {
		return Stats{}, fmt.Errorf("ffmpeg: job %s: %w", jobID, err)
	}
	var r record
	if err := json.Unmarshal(b, &r); err != nil {
		return Stats{}, fmt.Errorf("ffmpeg: job record of %s: %w", jobID, err)
	}
	if !r.State.Final() {
		return Stats{}, fmt.Errorf("ffmpeg: job %s has not finished", jobID)
	}
	return Stats{CPU: r.CPU, Wall: r.Wall}, nil
}
