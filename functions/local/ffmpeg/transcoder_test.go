package ffmpeg

import (
	"bufio"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ottkit/ottkit/functions/internal/testmedia"
	"github.com/ottkit/ottkit/functions/pipeline"
)

const deliveryBucket = "delivery"

// results collects what a transcoder reports.
type results struct {
	mu  sync.Mutex
	all []pipeline.JobResult
	ch  chan pipeline.JobResult
}

func newResults() *results { return &results{ch: make(chan pipeline.JobResult, 100)} }

func (r *results) Report(_ context.Context, res pipeline.JobResult) error {
	r.mu.Lock()
	r.all = append(r.all, res)
	r.mu.Unlock()
	r.ch <- res
	return nil
}

// final waits for the next final result.
func (r *results) final(t *testing.T) pipeline.JobResult {
	t.Helper()
	timeout := time.After(2 * time.Minute)
	for {
		select {
		case res := <-r.ch:
			if res.State.Final() {
				return res
			}
		case <-timeout:
			t.Fatal("no final job result within 2 minutes")
		}
	}
}

func (r *results) count(state pipeline.JobState) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, res := range r.all {
		if res.State == state {
			n++
		}
	}
	return n
}

type fixture struct {
	t        *testing.T
	delivery string
	work     string
	sources  map[string]string // master key → file
	results  *results
	tc       *Transcoder
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	dir := t.TempDir()
	f := &fixture{t: t, delivery: filepath.Join(dir, "delivery"), work: filepath.Join(dir, "work"), sources: map[string]string{}, results: newResults()}
	f.open()
	return f
}

func (f *fixture) config() Config {
	return Config{
		SourcePath: func(bucket, key string) (string, error) {
			if p, ok := f.sources[bucket+"/"+key]; ok {
				return p, nil
			}
			return "", fmt.Errorf("no object %s/%s", bucket, key)
		},
		DeliveryBucket: deliveryBucket, DeliveryDir: f.delivery, WorkDir: f.work,
		ThumbnailInterval: 1, Results: f.results, Threads: 2,
	}
}

// open starts a transcoder over the fixture's directories, as a restarted process would.
func (f *fixture) open() {
	f.t.Helper()
	tc, err := New(f.config())
	if err != nil {
		f.t.Fatal(err)
	}
	f.tc = tc
	f.t.Cleanup(func() { tc.Close() })
}

// asset registers a master made by testmedia and returns its asset and plan.
func (f *fixture) asset(kind testmedia.Kind, src pipeline.Source, rungs []pipeline.Rung) (*pipeline.Asset, pipeline.Plan) {
	f.t.Helper()
	key := "masters/" + string(kind) + ".mp4"
	f.sources["masters/"+key] = testmedia.Path(f.t, kind)
	plan, err := pipeline.PlanLadder(src, pipeline.LadderConfig{Rungs: rungs, Codec: pipeline.CodecH264})
	if err != nil {
		f.t.Fatal(err)
	}
	a := &pipeline.Asset{ID: pipeline.AssetID("ingest", key, "v1"), Tenant: "acme", Source: pipeline.Object{Bucket: "masters", Key: key}}
	return a, plan
}

func (f *fixture) assetDir(id string) string { return filepath.Join(f.delivery, "assets", id) }

// TestTranscodePlan encodes a detailed 480p source with a three-rung plan and checks the
// outputs as a player and the complete stage see them.
func TestTranscodePlan(t *testing.T) {
	f := newFixture(t)
	a, plan := f.asset(testmedia.Detailed480p, pipeline.Source{Width: 854, Height: 480, FrameRate: 24, Audio: true},
		[]pipeline.Rung{{Height: 480, MaxBitrate: 1_500_000}, {Height: 360, MaxBitrate: 800_000}, {Height: 240, MaxBitrate: 300_000}})
	if len(plan.Renditions) != 3 {
		t.Fatalf("plan %s, want three renditions", plan)
	}
	id, err := f.tc.Submit(context.Background(), a, plan)
	if err != nil {
		t.Fatal(err)
	}
	if want := JobID(a.ID, 1); id != want {
		t.Errorf("job id %q, want %q", id, want)
	}
	res := f.results.final(t)
	if res.State != pipeline.JobComplete {
		t.Fatalf("job ended %s: %s %s", res.State, res.ErrorCode, res.ErrorMessage)
	}
	if res.JobID != id || res.AssetID != a.ID || res.Attempt != 1 {
		t.Errorf("result names job %s asset %s attempt %d, want %s %s 1", res.JobID, res.AssetID, res.Attempt, id, a.ID)
	}
	if res.Duration < 3900*time.Millisecond || res.Duration > 4100*time.Millisecond {
		t.Errorf("duration %s, want about 4 s", res.Duration)
	}
	dir := f.assetDir(a.ID)
	layout := pipeline.LayoutFor(a.ID)

	// The complete stage's expectations: manifests, the poster it picks, every thumbnail,
	// and every reported output under the asset's prefix in the delivery bucket.
	wantKeys := []string{layout.HLS, layout.DASH, layout.PosterKey(res.Duration)}
	for n := 0; n < 4; n++ {
		wantKeys = append(wantKeys, layout.ThumbnailKey(n))
	}
	reported := map[string]bool{}
	for _, o := range res.Outputs {
		if o.Bucket != deliveryBucket || !strings.HasPrefix(o.Key, layout.Prefix) {
			t.Errorf("output %s/%s is outside %s/%s", o.Bucket, o.Key, deliveryBucket, layout.Prefix)
		}
		reported[o.Key] = true
		if _, err := os.Stat(filepath.Join(f.delivery, o.Key)); err != nil {
			t.Errorf("reported output %s: %v", o.Key, err)
		}
	}
	for _, k := range wantKeys {
		if !reported[k] {
			t.Errorf("output %s missing from the result", k)
		}
	}
	if _, err := os.Stat(filepath.Join(f.delivery, layout.ThumbnailKey(4))); err == nil {
		t.Errorf("a fifth thumbnail exists for a 4 s title at 1 s intervals")
	}

	// Each rendition at its planned size and about its bitrate.
	hls := readHLS(t, dir)
	mpd := readMPD(t, dir)
	if got, want := hls.resolutions(), planSizes(plan); !slices.Equal(got, want) {
		t.Errorf("HLS variants %v, want the plan's %v", got, want)
	}
	if got, want := mpd.resolutions(), planSizes(plan); !slices.Equal(got, want) {
		t.Errorf("DASH representations %v, want the plan's %v", got, want)
	}
	var videos []string
	for _, v := range res.Videos {
		videos = append(videos, fmt.Sprintf("%dx%d", v.Width, v.Height))
	}
	if want := planSizes(plan); !slices.Equal(videos, want) {
		t.Errorf("result videos %v, want %v", videos, want)
	}
	for i, r := range plan.Renditions {
		rep := mpd.video()[i]
		files := mpd.files(rep)
		w, h, bitrate := measure(t, dir, files)
		t.Logf("rendition %dx%d: measured %d bit/s for a planned %d", w, h, bitrate, r.MaxBitrate)
		if w != r.Width || h != r.Height {
			t.Errorf("rendition %d is %dx%d, want %dx%d", i, w, h, r.Width, r.Height)
		}
		if ratio := float64(bitrate) / float64(r.MaxBitrate); ratio < 0.7 || ratio > 1.15 {
			t.Errorf("rendition %dx%d runs at %d bit/s, want about its %d (%.2f of it)", r.Width, r.Height, bitrate, r.MaxBitrate, ratio)
		}
		if rep.Bandwidth != r.MaxBitrate {
			t.Errorf("DASH bandwidth of %dx%d is %d, want %d", r.Width, r.Height, rep.Bandwidth, r.MaxBitrate)
		}
	}

	// One set of segments: HLS and DASH name exactly the same files, and no others exist.
	hlsFiles, dashFiles := hls.files(t, dir), mpd.allFiles()
	slices.Sort(hlsFiles)
	slices.Sort(dashFiles)
	if !slices.Equal(hlsFiles, dashFiles) {
		t.Errorf("HLS segments %v\nDASH segments %v\nwant the same files", hlsFiles, dashFiles)
	}
	if len(hlsFiles) < 2*(len(plan.Renditions)+1) {
		t.Errorf("%d segment files for %d renditions and audio, want an init and a media segment each", len(hlsFiles), len(plan.Renditions))
	}
	onDisk, _ := filepath.Glob(filepath.Join(dir, "*.m4s"))
	inits, _ := filepath.Glob(filepath.Join(dir, "*.mp4"))
	if got := len(onDisk) + len(inits); got != len(dashFiles) {
		t.Errorf("%d segment files on disk, the manifests name %d", got, len(dashFiles))
	}
	for _, name := range dashFiles {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("segment %s: %v", name, err)
		}
	}
	for _, name := range dashFiles {
		if !strings.HasSuffix(name, "_init.mp4") {
			continue
		}
		if init, err := os.ReadFile(filepath.Join(dir, name)); err != nil || !strings.Contains(string(init[:min(len(init), 64)]), "cmfc") {
			t.Errorf("init segment %s has no cmfc brand (CMAF): %v", name, err)
		}
	}
	if !hls.audio || !mpd.hasAudio() {
		t.Errorf("audio in HLS %t, in DASH %t; want both", hls.audio, mpd.hasAudio())
	}

	// Thumbnails at pipeline.ThumbnailSize, the poster among them, and no output of its own.
	tw, th := pipeline.ThumbnailSize(plan.SourceWidth, plan.SourceHeight)
	for _, k := range []string{layout.ThumbnailKey(3), layout.PosterKey(res.Duration)} {
		if w, h := imageSize(t, filepath.Join(f.delivery, k)); w != tw || h != th {
			t.Errorf("capture %s is %dx%d, want %dx%d", k, w, h, tw, th)
		}
	}
	if posters, _ := filepath.Glob(filepath.Join(f.delivery, layout.PosterBase+".*")); len(posters) > 0 {
		t.Errorf("the job encoded poster outputs of its own: %v", posters)
	}
	if n := f.results.count(pipeline.JobComplete); n != 1 {
		t.Errorf("%d complete results, want 1", n)
	}
}

// TestTranscodePortraitWithoutAudio: portrait renditions, video-only manifests.
func TestTranscodePortraitWithoutAudio(t *testing.T) {
	f := newFixture(t)
	a, plan := f.asset(testmedia.PortraitNoAudio, pipeline.Source{Width: 540, Height: 960, FrameRate: 24},
		[]pipeline.Rung{{Height: 480, MaxBitrate: 900_000}, {Height: 360, MaxBitrate: 500_000}})
	if _, err := f.tc.Submit(context.Background(), a, plan); err != nil {
		t.Fatal(err)
	}
	res := f.results.final(t)
	if res.State != pipeline.JobComplete {
		t.Fatalf("job ended %s: %s %s", res.State, res.ErrorCode, res.ErrorMessage)
	}
	dir := f.assetDir(a.ID)
	hls, mpd := readHLS(t, dir), readMPD(t, dir)
	want := []string{"480x854", "360x640"}
	if got := hls.resolutions(); !slices.Equal(got, want) {
		t.Errorf("HLS variants %v, want %v", got, want)
	}
	if got := mpd.resolutions(); !slices.Equal(got, want) {
		t.Errorf("DASH representations %v, want %v", got, want)
	}
	if hls.audio || mpd.hasAudio() {
		t.Errorf("audio in HLS %t, in DASH %t; want none for a silent source", hls.audio, mpd.hasAudio())
	}
}

// TestTranscodeCaptions: a source's text subtitles become WebVTT listed by both manifests.
func TestTranscodeCaptions(t *testing.T) {
	f := newFixture(t)
	a, plan := f.asset(testmedia.WithCaptions, pipeline.Source{Width: 640, Height: 360, FrameRate: 10, Audio: true},
		[]pipeline.Rung{{Height: 360, MaxBitrate: 400_000}})
	if _, err := f.tc.Submit(context.Background(), a, plan); err != nil {
		t.Fatal(err)
	}
	res := f.results.final(t)
	if res.State != pipeline.JobComplete {
		t.Fatalf("job ended %s: %s %s", res.State, res.ErrorCode, res.ErrorMessage)
	}
	dir := f.assetDir(a.ID)
	vtt, err := os.ReadFile(filepath.Join(dir, "index_captions1.vtt"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(vtt), "WEBVTT") || !strings.Contains(string(vtt), "hello") || !strings.Contains(string(vtt), "world") {
		t.Errorf("captions file:\n%s\nwant WebVTT with the source's two cues", vtt)
	}
	master, _ := os.ReadFile(filepath.Join(dir, "index.m3u8"))
	if !regexp.MustCompile(`#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",NAME="eng",LANGUAGE="eng",.*URI="index_captions1.m3u8"`).Match(master) ||
		!strings.Contains(string(master), `SUBTITLES="subs"`) {
		t.Errorf("HLS playlist does not list the captions:\n%s", master)
	}
	sub, _ := os.ReadFile(filepath.Join(dir, "index_captions1.m3u8"))
	if !strings.Contains(string(sub), "\nindex_captions1.vtt\n") || !strings.Contains(string(sub), "#EXT-X-ENDLIST") {
		t.Errorf("captions playlist:\n%s", sub)
	}
	mpd := readMPD(t, dir)
	found := false
	for _, as := range mpd.Period.Sets {
		if as.MimeType == "text/vtt" && as.Lang == "eng" && len(as.Reps) == 1 && as.Reps[0].BaseURL == "index_captions1.vtt" {
			found = true
		}
	}
	if !found {
		t.Errorf("DASH manifest has no text/vtt adaptation set for index_captions1.vtt")
	}
}

// TestUndecodableSource: a file ffmpeg cannot read ends once, final, with ffmpeg's reason.
func TestUndecodableSource(t *testing.T) {
	f := newFixture(t)
	a, plan := f.asset(testmedia.Truncated, pipeline.Source{Width: 640, Height: 360, FrameRate: 10, Audio: true},
		[]pipeline.Rung{{Height: 360, MaxBitrate: 400_000}})
	if _, err := f.tc.Submit(context.Background(), a, plan); err != nil {
		t.Fatal(err)
	}
	res := f.results.final(t)
	if res.State != pipeline.JobError || res.Retryable || res.ErrorCode != CodeSourceUnreadable {
		t.Fatalf("result %s retryable=%t code %q, want a final %s error", res.State, res.Retryable, res.ErrorCode, CodeSourceUnreadable)
	}
	if !strings.Contains(res.ErrorMessage, "moov atom not found") {
		t.Errorf("error message %q does not carry ffmpeg's reason", res.ErrorMessage)
	}
	if _, err := os.Stat(f.assetDir(a.ID)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a failed job left outputs: %v", err)
	}
	// Submitting the attempt again does not run it again: the same result is reported.
	if _, err := f.tc.Submit(context.Background(), a, plan); err != nil {
		t.Fatal(err)
	}
	if again := f.results.final(t); again.ErrorMessage != res.ErrorMessage {
		t.Errorf("resubmission reported %q, want the first result", again.ErrorMessage)
	}
	if n := f.results.count(pipeline.JobProgressing); n != 1 {
		t.Errorf("the job started %d times, want once", n)
	}
}

// TestSubmitIsIdempotent: the same attempt gives the same job, across a restart too; the next
// attempt is a new job.
func TestSubmitIsIdempotent(t *testing.T) {
	f := newFixture(t)
	a, plan := f.asset(testmedia.NoAudio, pipeline.Source{Width: 640, Height: 360, FrameRate: 10},
		[]pipeline.Rung{{Height: 360, MaxBitrate: 300_000}})
	ctx := context.Background()
	first, err := f.tc.Submit(ctx, a, plan)
	if err != nil {
		t.Fatal(err)
	}
	second, err := f.tc.Submit(ctx, a, plan)
	if err != nil {
		t.Fatal(err)
	}
	if first != second {
		t.Errorf("second Submit gave job %s, want %s", second, first)
	}
	if found, err := f.tc.Find(ctx, a, time.Time{}); err != nil || found != first {
		t.Errorf("Find = %q, %v; want %s", found, err, first)
	}
	if res := f.results.final(t); res.State != pipeline.JobComplete {
		t.Fatalf("job ended %s: %s", res.State, res.ErrorMessage)
	}

	if st, err := JobStats(f.work, first); err != nil || st.CPU <= 0 || st.Wall <= 0 {
		t.Errorf("JobStats = %+v, %v; want the job's CPU and wall time", st, err)
	}
	f.tc.Close()
	f.open() // a restarted process with the same work directory
	third, err := f.tc.Submit(ctx, a, plan)
	if err != nil {
		t.Fatal(err)
	}
	if third != first {
		t.Errorf("Submit after a restart gave job %s, want %s", third, first)
	}
	if res := f.results.final(t); res.State != pipeline.JobComplete || res.JobID != first {
		t.Errorf("after a restart the job reported %s for %s, want its complete result again", res.State, res.JobID)
	}
	if n := f.results.count(pipeline.JobProgressing); n != 1 {
		t.Errorf("the job started %d times, want once", n)
	}

	a.Attempts = 1
	if _, err := f.tc.Find(ctx, a, time.Time{}); !errors.Is(err, pipeline.ErrNoJob) {
		t.Errorf("Find of an attempt never submitted: %v, want ErrNoJob", err)
	}
	next, err := f.tc.Submit(ctx, a, plan)
	if err != nil {
		t.Fatal(err)
	}
	if next == first || next != JobID(a.ID, 2) {
		t.Errorf("attempt 2 got job %s, want %s", next, JobID(a.ID, 2))
	}
	if res := f.results.final(t); res.State != pipeline.JobComplete || res.Attempt != 2 {
		t.Errorf("attempt 2 ended %s (attempt %d)", res.State, res.Attempt)
	}
}

// TestResumeInterruptedJob: a job a stopped process left running is run by the next one.
func TestResumeInterruptedJob(t *testing.T) {
	f := newFixture(t)
	a, plan := f.asset(testmedia.NoAudio, pipeline.Source{Width: 640, Height: 360, FrameRate: 10},
		[]pipeline.Rung{{Height: 360, MaxBitrate: 300_000}})
	src, _ := f.config().SourcePath(a.Source.Bucket, a.Source.Key)
	r := &record{JobID: JobID(a.ID, 1), AssetID: a.ID, Tenant: a.Tenant, Attempt: 1, Source: src, Plan: plan, State: pipeline.JobProgressing}
	f.tc.Close()
	if err := f.tc.save(r); err != nil {
		t.Fatal(err)
	}
	f.open()
	if res := f.results.final(t); res.State != pipeline.JobComplete || res.JobID != r.JobID {
		t.Fatalf("resumed job ended %s for %s", res.State, res.JobID)
	}
}

func TestRejectsBadPlans(t *testing.T) {
	f := newFixture(t)
	a, plan := f.asset(testmedia.NoAudio, pipeline.Source{Width: 640, Height: 360}, []pipeline.Rung{{Height: 360, MaxBitrate: 300_000}})
	for name, mutate := range map[string]func(p *pipeline.Plan){
		"no renditions": func(p *pipeline.Plan) { p.Renditions = nil },
		"odd width": func(p *pipeline.Plan) {
			p.Renditions = []pipeline.Rendition{{Width: 641, Height: 360, MaxBitrate: 300_000}}
		},
		"codec": func(p *pipeline.Plan) { p.Codec = "vp9" },
	} {
		t.Run(name, func(t *testing.T) {
			p := plan
			mutate(&p)
			if _, err := f.tc.Submit(context.Background(), a, p); !errors.Is(err, pipeline.ErrJobRejected) {
				t.Errorf("Submit = %v, want ErrJobRejected", err)
			}
		})
	}
}

func TestMissingTools(t *testing.T) {
	f := newFixture(t)
	cfg := f.config()
	cfg.FFmpeg = filepath.Join(t.TempDir(), "ffmpeg")
	_, err := New(cfg)
	if err == nil || !strings.Contains(err.Error(), "apt-get install ffmpeg") {
		t.Errorf("New without ffmpeg: %v, want an error that says what to install", err)
	}
}

func TestConfigErrorsNameTheField(t *testing.T) {
	f := newFixture(t)
	for field, mutate := range map[string]func(c *Config){
		"SourcePath":        func(c *Config) { c.SourcePath = nil },
		"DeliveryDir":       func(c *Config) { c.DeliveryDir = "" },
		"WorkDir":           func(c *Config) { c.WorkDir = "" },
		"ThumbnailInterval": func(c *Config) { c.ThumbnailInterval = 0 },
		"Results":           func(c *Config) { c.Results = nil },
	} {
		cfg := f.config()
		mutate(&cfg)
		if _, err := New(cfg); err == nil || !strings.Contains(err.Error(), field) {
			t.Errorf("New with a bad %s: %v, want an error naming it", field, err)
		}
	}
}

func TestCorruptJobRecord(t *testing.T) {
	f := newFixture(t)
	f.tc.Close()
	path := filepath.Join(f.work, "jobs", "ffmpeg-x-1.json")
	if err := os.WriteFile(path, []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := New(f.config()); err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("New over a corrupt record: %v, want an error naming %s", err, path)
	}
}

func planSizes(p pipeline.Plan) []string {
	var out []string
	for _, r := range p.Renditions {
		out = append(out, fmt.Sprintf("%dx%d", r.Width, r.Height))
	}
	return out
}

// hlsMaster is what the tests read of an HLS multivariant playlist.
type hlsMaster struct {
	variants []struct{ resolution, uri string }
	audio    bool
	audioURI string
}

var (
	resolutionAttr = regexp.MustCompile(`RESOLUTION=(\d+x\d+)`)
	uriAttr        = regexp.MustCompile(`URI="([^"]+)"`)
)

func readHLS(t *testing.T, dir string) hlsMaster {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "index.m3u8"))
	if err != nil {
		t.Fatal(err)
	}
	var m hlsMaster
	lines := strings.Split(string(b), "\n")
	for i, l := range lines {
		switch {
		case strings.HasPrefix(l, "#EXT-X-MEDIA:TYPE=AUDIO"):
			m.audio = true
			m.audioURI = uriAttr.FindStringSubmatch(l)[1]
		case strings.HasPrefix(l, "#EXT-X-STREAM-INF:"):
			res := resolutionAttr.FindStringSubmatch(l)
			if res == nil || i+1 >= len(lines) {
				t.Fatalf("variant without RESOLUTION or URI: %s", l)
			}
			m.variants = append(m.variants, struct{ resolution, uri string }{res[1], strings.TrimSpace(lines[i+1])})
		}
	}
	return m
}

func (m hlsMaster) resolutions() []string {
	var out []string
	for _, v := range m.variants {
		out = append(out, v.resolution)
	}
	return out
}

// files lists the segment files (init and media) every media playlist names.
func (m hlsMaster) files(t *testing.T, dir string) []string {
	t.Helper()
	uris := []string{}
	for _, v := range m.variants {
		uris = append(uris, v.uri)
	}
	if m.audio {
		uris = append(uris, m.audioURI)
	}
	var out []string
	for _, u := range uris {
		fh, err := os.Open(filepath.Join(dir, u))
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		for sc.Scan() {
			l := sc.Text()
			if strings.HasPrefix(l, "#EXT-X-MAP:") {
				out = append(out, uriAttr.FindStringSubmatch(l)[1])
			} else if l != "" && !strings.HasPrefix(l, "#") {
				out = append(out, l)
			}
		}
		fh.Close()
	}
	return out
}

type mpdDoc struct {
	Period struct {
		Sets []mpdSet `xml:"AdaptationSet"`
	} `xml:"Period"`
}

type mpdSet struct {
	ContentType string   `xml:"contentType,attr"`
	MimeType    string   `xml:"mimeType,attr"`
	Lang        string   `xml:"lang,attr"`
	Reps        []mpdRep `xml:"Representation"`
}

type mpdRep struct {
	ID        string `xml:"id,attr"`
	MimeType  string `xml:"mimeType,attr"`
	Width     int    `xml:"width,attr"`
	Height    int    `xml:"height,attr"`
	Bandwidth int    `xml:"bandwidth,attr"`
	BaseURL   string `xml:"BaseURL"`
	Template  struct {
		Init        string `xml:"initialization,attr"`
		Media       string `xml:"media,attr"`
		StartNumber int    `xml:"startNumber,attr"`
		Timeline    []struct {
			R int `xml:"r,attr"`
		} `xml:"SegmentTimeline>S"`
	} `xml:"SegmentTemplate"`
}

func readMPD(t *testing.T, dir string) mpdDoc {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "index.mpd"))
	if err != nil {
		t.Fatal(err)
	}
	var d mpdDoc
	if err := xml.Unmarshal(b, &d); err != nil {
		t.Fatalf("index.mpd: %v", err)
	}
	return d
}

func (d mpdDoc) video() []mpdRep {
	var out []mpdRep
	for _, s := range d.Period.Sets {
		if s.ContentType == "video" {
			out = append(out, s.Reps...)
		}
	}
	return out
}

func (d mpdDoc) hasAudio() bool {
	for _, s := range d.Period.Sets {
		if s.ContentType == "audio" && len(s.Reps) > 0 {
			return true
		}
	}
	return false
}

func (d mpdDoc) resolutions() []string {
	var out []string
	for _, r := range d.video() {
		out = append(out, fmt.Sprintf("%dx%d", r.Width, r.Height))
	}
	return out
}

// files expands a representation's segment template into its file names, init first.
func (d mpdDoc) files(r mpdRep) []string {
	expand := func(tmpl string, n int) string {
		s := strings.ReplaceAll(tmpl, "$RepresentationID$", r.ID)
		return regexp.MustCompile(`\$Number%05d\$`).ReplaceAllString(s, fmt.Sprintf("%05d", n))
	}
	out := []string{expand(r.Template.Init, 0)}
	n := r.Template.StartNumber
	for _, s := range r.Template.Timeline {
		for i := 0; i <= s.R; i++ {
			out = append(out, expand(r.Template.Media, n))
			n++
		}
	}
	return out
}

func (d mpdDoc) allFiles() []string {
	var out []string
	for _, s := range d.Period.Sets {
		if s.ContentType != "video" && s.ContentType != "audio" {
			continue
		}
		for _, r := range s.Reps {
			out = append(out, d.files(r)...)
		}
	}
	return out
}

// measure joins a representation's init and media segments, as a player does, and returns
// the video's size and bitrate as ffprobe reads them.
func measure(t *testing.T, dir string, files []string) (w, h, bitrate int) {
	t.Helper()
	joined := filepath.Join(t.TempDir(), "joined.mp4")
	var all []byte
	for _, name := range files {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, b...)
	}
	if err := os.WriteFile(joined, all, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
		"stream=width,height:format=duration,size", "-of", "json", joined).Output()
	if err != nil {
		t.Fatalf("ffprobe of %v: %v", files, err)
	}
	var p struct {
		Streams []struct{ Width, Height int }   `json:"streams"`
		Format  struct{ Duration, Size string } `json:"format"`
	}
	if err := json.Unmarshal(out, &p); err != nil || len(p.Streams) != 1 {
		t.Fatalf("ffprobe of %v: %s", files, out)
	}
	secs, _ := strconv.ParseFloat(p.Format.Duration, 64)
	size, _ := strconv.ParseFloat(p.Format.Size, 64)
	if secs <= 0 {
		t.Fatalf("ffprobe of %v: duration %q", files, p.Format.Duration)
	}
	return p.Streams[0].Width, p.Streams[0].Height, int(size * 8 / secs)
}

func imageSize(t *testing.T, path string) (int, int) {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-show_entries", "stream=width,height,codec_name", "-of", "json", path).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	var p struct {
		Streams []struct {
			Width, Height int
			CodecName     string `json:"codec_name"`
		} `json:"streams"`
	}
	if err := json.Unmarshal(out, &p); err != nil || len(p.Streams) != 1 || p.Streams[0].CodecName != "mjpeg" {
		t.Fatalf("%s is not a JPEG image: %s", path, out)
	}
	return p.Streams[0].Width, p.Streams[0].Height
}

// gatedFFmpeg is an ffmpeg that records whether another instance was running when it started,
// then runs the real one.
func gatedFFmpeg(t *testing.T) (path, overlap string) {
	t.Helper()
	real, err := exec.LookPath("ffmpeg")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	overlap = filepath.Join(dir, "overlap")
	script := fmt.Sprintf(`#!/bin/sh
if ! mkdir %[1]q/running 2>/dev/null; then touch %[2]q; fi
sleep 0.5
"%[3]s" "$@"
status=$?
rmdir %[1]q/running 2>/dev/null
exit $status
`, dir, overlap, real)
	path = filepath.Join(dir, "ffmpeg")
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return path, overlap
}

// TestConcurrencyIsBounded: with Concurrency 1 two jobs never encode at once; with 2 they do
// (which shows the check can see an overlap).
func TestConcurrencyIsBounded(t *testing.T) {
	for _, tt := range []struct {
		concurrency int
		overlap     bool
	}{{1, false}, {2, true}} {
		t.Run(fmt.Sprint(tt.concurrency), func(t *testing.T) {
			f := newFixture(t)
			f.tc.Close()
			cfg := f.config()
			var overlap string
			cfg.FFmpeg, overlap = gatedFFmpeg(t)
			cfg.Concurrency = tt.concurrency
			tc, err := New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { tc.Close() })
			for _, kind := range []testmedia.Kind{testmedia.NoAudio, testmedia.MoovAtEnd} {
				a, plan := f.asset(kind, pipeline.Source{Width: 640, Height: 360, FrameRate: 10}, []pipeline.Rung{{Height: 360, MaxBitrate: 300_000}})
				if _, err := tc.Submit(context.Background(), a, plan); err != nil {
					t.Fatal(err)
				}
			}
			for range 2 {
				if res := f.results.final(t); res.State != pipeline.JobComplete {
					t.Fatalf("job ended %s: %s", res.State, res.ErrorMessage)
				}
			}
			_, err = os.Stat(overlap)
			if got := err == nil; got != tt.overlap {
				t.Errorf("two encodes overlapped: %t, want %t", got, tt.overlap)
			}
		})
	}
}

// TestTranscodeRotatedAndHEVC: a phone clip coded 640x360 with a 90° display matrix comes out
// upright at the plan's portrait sizes, and an HEVC plan gives hvc1 renditions.
func TestTranscodeRotatedAndHEVC(t *testing.T) {
	f := newFixture(t)
	key := "masters/rotated.mp4"
	f.sources["masters/"+key] = testmedia.Path(t, testmedia.Rotated90)
	plan, err := pipeline.PlanLadder(pipeline.Source{Width: 640, Height: 360, Rotation: 90, FrameRate: 10, Audio: true},
		pipeline.LadderConfig{Rungs: []pipeline.Rung{{Height: 360, MaxBitrate: 400_000}, {Height: 240, MaxBitrate: 200_000}}, Codec: pipeline.CodecHEVC})
	if err != nil {
		t.Fatal(err)
	}
	a := &pipeline.Asset{ID: pipeline.AssetID("ingest", key, "v1"), Tenant: "acme", Source: pipeline.Object{Bucket: "masters", Key: key}}
	if _, err := f.tc.Submit(context.Background(), a, plan); err != nil {
		t.Fatal(err)
	}
	res := f.results.final(t)
	if res.State != pipeline.JobComplete {
		t.Fatalf("job ended %s: %s %s", res.State, res.ErrorCode, res.ErrorMessage)
	}
	dir := f.assetDir(a.ID)
	mpd := readMPD(t, dir)
	if got, want := mpd.resolutions(), []string{"360x640", "240x426"}; !slices.Equal(got, want) {
		t.Errorf("renditions %v, want upright %v", got, want)
	}
	for _, rep := range mpd.video() {
		out, err := exec.Command("ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=codec_name,codec_tag_string",
			"-of", "csv=p=0", filepath.Join(dir, mpd.files(rep)[0])).Output()
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.TrimSpace(string(out)); got != "hevc,hvc1" {
			t.Errorf("rendition %dx%d codec %q, want hevc,hvc1", rep.Width, rep.Height, got)
		}
		// The rotation is applied to the pictures, so no display matrix asks players to turn
		// them again.
		side, err := exec.Command("ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream_side_data=rotation",
			"-of", "csv=p=0", filepath.Join(dir, mpd.files(rep)[0])).Output()
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.TrimSpace(string(side)); got != "" {
			t.Errorf("rendition %dx%d carries a rotation %q", rep.Width, rep.Height, got)
		}
	}
}

// TestTranscodeDeinterlaces encodes a 576i master at its own size: without deinterlacing
// every output frame would carry both fields, combed, which ffmpeg's idet filter sees.
func TestTranscodeDeinterlaces(t *testing.T) {
	f := newFixture(t)
	a, plan := f.asset(testmedia.InterlacedTS, pipeline.Source{Width: 720, Height: 576, FrameRate: 25, Interlaced: true},
		[]pipeline.Rung{{Height: 576, MaxBitrate: 1_500_000}})
	if !plan.Deinterlace {
		t.Fatal("the plan of an interlaced source does not deinterlace")
	}
	if _, err := f.tc.Submit(context.Background(), a, plan); err != nil {
		t.Fatal(err)
	}
	res := f.results.final(t)
	if res.State != pipeline.JobComplete {
		t.Fatalf("job ended %s: %s %s", res.State, res.ErrorCode, res.ErrorMessage)
	}
	dir := f.assetDir(a.ID)
	mpd := readMPD(t, dir)
	reps := mpd.video()
	if len(reps) != 1 || reps[0].Width != 720 || reps[0].Height != 576 {
		t.Fatalf("renditions %v, want one 720x576", mpd.resolutions())
	}
	// The init segment and the media segments, concatenated, are one playable fMP4.
	var stream []byte
	for _, name := range mpd.files(reps[0]) {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		stream = append(stream, b...)
	}
	joined := filepath.Join(t.TempDir(), "rendition.mp4")
	if err := os.WriteFile(joined, stream, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("ffmpeg", "-hide_banner", "-nostats", "-i", joined, "-vf", "idet", "-f", "null", "-").CombinedOutput()
	if err != nil {
		t.Fatalf("ffmpeg idet: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`Multi frame detection: TFF:\s*(\d+) BFF:\s*(\d+) Progressive:\s*(\d+)`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("no idet summary in:\n%s", out)
	}
	tff, _ := strconv.Atoi(string(m[1]))
	bff, _ := strconv.Atoi(string(m[2]))
	prog, _ := strconv.Atoi(string(m[3]))
	if prog == 0 || tff+bff > prog/10 {
		t.Errorf("idet finds %d top-first, %d bottom-first and %d progressive frames; want the output progressive", tff, bff, prog)
	}
}

// TestUnreportedResultIsReportedAfterRestart: a result Results refused until the process
// stopped is reported by the next process, and one that was taken is not reported again.
func TestUnreportedResultIsReportedAfterRestart(t *testing.T) {
	f := newFixture(t)
	a, plan := f.asset(testmedia.NoAudio, pipeline.Source{Width: 640, Height: 360, FrameRate: 10},
		[]pipeline.Rung{{Height: 360, MaxBitrate: 300_000}})
	f.tc.Close()
	refused := make(chan pipeline.JobResult, 10)
	cfg := f.config()
	cfg.Results = ResultsFunc(func(_ context.Context, r pipeline.JobResult) error {
		if r.State.Final() {
			refused <- r
			return errors.New("queue unavailable")
		}
		return nil
	})
	tc, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tc.Submit(context.Background(), a, plan); err != nil {
		t.Fatal(err)
	}
	select {
	case <-refused:
	case <-time.After(time.Minute):
		t.Fatal("the job never reported")
	}
	tc.Close()

	f.open()
	if res := f.results.final(t); res.State != pipeline.JobComplete || res.AssetID != a.ID {
		t.Fatalf("after a restart: %s for %s, want the complete result of %s", res.State, res.AssetID, a.ID)
	}
	f.tc.Close()
	f.open()
	select {
	case res := <-f.results.ch:
		t.Errorf("a reported result was reported again after a restart: %+v", res)
	case <-time.After(500 * time.Millisecond):
	}
}
