package browser

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/ottkit/ottkit/functions/aws/playback"
	"github.com/ottkit/ottkit/functions/local/cdn"
	"github.com/ottkit/ottkit/functions/local/ffmpeg"
	"github.com/ottkit/ottkit/functions/local/player"
	"github.com/ottkit/ottkit/functions/pipeline"
	"github.com/ottkit/ottkit/functions/pipeline/probe"
)

// The stack's default ladder (Pulumi.yaml's ottkit:ladder).
var ladder = pipeline.LadderConfig{Codec: pipeline.CodecH264, MaxHeight: 1080, Rungs: []pipeline.Rung{
	{Height: 1080, MaxBitrate: 6_000_000}, {Height: 720, MaxBitrate: 3_500_000},
	{Height: 480, MaxBitrate: 1_500_000}, {Height: 360, MaxBitrate: 800_000},
}}

const playbackDomain = "127.0.0.1"

// platform is the pieces of the local home the page talks to, on one origin: the page at /,
// the API at /api/ (uploads, assets, playback cookies), the upload endpoint at /upload/ and
// the media server at /assets/. Uploads are probed with the pipeline's probe, planned with
// PlanLadder and transcoded by the local ffmpeg transcoder; playback cookies come from the api
// function's CloudFront signer and are checked by the local CDN.
type platform struct {
	t       *testing.T
	url     string
	dir     string
	key     playback.Key
	tc      *ffmpeg.Transcoder
	mu      sync.Mutex
	assets  map[string]*pipeline.Asset
	uploads map[string]string // upload id → ingest key
	plans   map[string]pipeline.Plan
	// encoded is the ffmpeg wall time of each asset's job, from submission to its result.
	encoded map[string]time.Duration
	started map[string]time.Time
}

func startPlatform(t *testing.T) *platform {
	t.Helper()
	modules, err := player.FindModules(".")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	p := &platform{t: t, dir: dir, key: playback.Key{KeyPairID: "KLOCALDEVKEY01", PrivateKey: priv},
		assets: map[string]*pipeline.Asset{}, uploads: map[string]string{}, plans: map[string]pipeline.Plan{},
		encoded: map[string]time.Duration{}, started: map[string]time.Time{}}
	p.tc, err = ffmpeg.New(ffmpeg.Config{
		SourcePath:     func(bucket, key string) (string, error) { return filepath.Join(dir, bucket, key), nil },
		DeliveryBucket: "delivery", DeliveryDir: filepath.Join(dir, "delivery"), WorkDir: filepath.Join(dir, ".ffmpeg"),
		ThumbnailInterval: 10, Results: ffmpeg.ResultsFunc(p.jobResult),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.tc.Close() })
	media, err := cdn.New(cdn.Config{
		Root:     filepath.Join(dir, "delivery"),
		Verifier: &cdn.Verifier{Domain: playbackDomain, Keys: cdn.KeyGroup{p.key.KeyPairID: &priv.PublicKey}},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { media.Close() })
	page, err := player.New(player.Config{Modules: modules, API: "/api"})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/assets/", media)
	mux.HandleFunc("POST /api/uploads", p.createUpload)
	mux.HandleFunc("PUT /upload/{id}", p.upload)
	mux.HandleFunc("GET /api/assets", p.listAssets)
	mux.HandleFunc("POST /api/assets/{id}/playback", p.playback)
	mux.Handle("/", page)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	p.url = "http://" + ln.Addr().String()
	return p
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (p *platform) createUpload(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Filename, ContentType string
		Size                  int64
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.Filename == "" || in.Size <= 0 {
		writeJSON(w, 400, map[string]string{"error": "bad_request", "message": fmt.Sprint(err)})
		return
	}
	p.mu.Lock()
	id := fmt.Sprintf("u%d", len(p.uploads)+1)
	key := "uploads/acme/" + id + "/" + filepath.Base(in.Filename)
	p.uploads[id] = key
	p.mu.Unlock()
	writeJSON(w, 201, map[string]any{"uploadId": id, "key": key, "method": "PUT", "url": p.url + "/upload/" + id,
		"headers": map[string]string{"Content-Type": in.ContentType}, "expiresAt": time.Now().Add(15 * time.Minute)})
}

// upload stores the body, then runs ingest and transcode as the stages would: probe, plan,
// submit.
func (p *platform) upload(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	key, ok := p.uploads[r.PathValue("id")]
	p.mu.Unlock()
	if !ok {
		http.Error(w, "unknown upload", 404)
		return
	}
	path := filepath.Join(p.dir, "ingest", key)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		http.Error(w, err.Error(), 500)
		return
	}
	f, err := os.Create(path)
	if err != nil {
		http.Error(w, err.Error(), 500)
		return
	}
	size, err := io.Copy(f, r.Body)
	f.Close()
	if err != nil {
		http.Error(w, err.Error(), 500)
		return
	}
	now := time.Now().UTC()
	a := &pipeline.Asset{ID: pipeline.AssetID("ingest", key, ""), Tenant: "acme", Status: pipeline.StatusUploaded,
		Source: pipeline.Object{Bucket: "ingest", Key: key, Size: size}, CreatedAt: now, UpdatedAt: now}
	p.mu.Lock()
	p.assets[a.ID] = a
	p.mu.Unlock()
	w.WriteHeader(200)
	go p.ingest(a.ID, path)
}

func (p *platform) ingest(id, path string) {
	f, err := os.Open(path)
	if err != nil {
		p.fail(id, "ingest", err.Error())
		return
	}
	defer f.Close()
	src, err := probe.FileSource(f)
	if err != nil {
		p.fail(id, "ingest", err.Error())
		return
	}
	info, err := probe.Probe(context.Background(), src, probe.Limits{})
	if v := pipeline.Judge(info, err, src.Size(), pipeline.Rules{}); !v.Accepted {
		p.fail(id, string(v.Reason), v.Detail)
		return
	}
	summary := pipeline.Summarize(info)
	plan, err := pipeline.PlanLadder(pipeline.SourceOf(summary), ladder)
	if err != nil {
		p.fail(id, "plan", err.Error())
		return
	}
	p.mu.Lock()
	a := p.assets[id]
	a.Probe, a.Renditions, a.Status = &summary, plan.Renditions, pipeline.StatusQueued
	p.plans[id] = plan
	snapshot := *a
	p.started[id] = time.Now()
	p.mu.Unlock()
	jobID, err := p.tc.Submit(context.Background(), &snapshot, plan)
	if err != nil {
		p.fail(id, "submit", err.Error())
		return
	}
	p.mu.Lock()
	if a.Status == pipeline.StatusQueued {
		a.Status, a.JobID, a.Attempts = pipeline.StatusTranscoding, jobID, 1
	}
	p.mu.Unlock()
}

func (p *platform) fail(id, code, msg string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	a := p.assets[id]
	a.Status, a.FailureCode, a.FailureMessage = pipeline.StatusFailed, code, msg
}

func (p *platform) jobResult(_ context.Context, r pipeline.JobResult) error {
	if !r.State.Final() {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	a := p.assets[r.AssetID]
	p.encoded[r.AssetID] = time.Since(p.started[r.AssetID])
	if r.State != pipeline.JobComplete {
		a.Status, a.FailureCode, a.FailureMessage = pipeline.StatusFailed, r.ErrorCode, r.ErrorMessage
		return nil
	}
	l := pipeline.LayoutFor(a.ID)
	a.Status, a.HLS, a.DASH = pipeline.StatusReady, l.HLS, l.DASH
	a.UpdatedAt = time.Now().UTC()
	return nil
}

type assetView struct {
	ID             string               `json:"id"`
	Status         pipeline.Status      `json:"status"`
	CreatedAt      time.Time            `json:"createdAt"`
	Width          int                  `json:"width,omitempty"`
	Height         int                  `json:"height,omitempty"`
	Renditions     []pipeline.Rendition `json:"renditions,omitempty"`
	HLS            string               `json:"hls,omitempty"`
	DASH           string               `json:"dash,omitempty"`
	FailureCode    string               `json:"failureCode,omitempty"`
	FailureMessage string               `json:"failureMessage,omitempty"`
}

func view(a *pipeline.Asset) assetView {
	url := func(k string) string {
		if k == "" {
			return ""
		}
		return "https://" + playbackDomain + "/" + k
	}
	v := assetView{ID: a.ID, Status: a.Status, CreatedAt: a.CreatedAt, Renditions: a.Renditions, HLS: url(a.HLS), DASH: url(a.DASH),
		FailureCode: a.FailureCode, FailureMessage: a.FailureMessage}
	if a.Probe != nil {
		v.Width, v.Height = a.Probe.Width, a.Probe.Height
	}
	return v
}

func (p *platform) listAssets(w http.ResponseWriter, _ *http.Request) {
	p.mu.Lock()
	out := []assetView{}
	for _, a := range p.assets {
		out = append(out, view(a))
	}
	p.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].CreatedAt.Before(out[j].CreatedAt) })
	writeJSON(w, 200, map[string]any{"assets": out})
}

func (p *platform) playback(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	a, ok := p.assets[r.PathValue("id")]
	var v assetView
	if ok {
		v = view(a)
	}
	p.mu.Unlock()
	if !ok || v.Status != pipeline.StatusReady {
		writeJSON(w, 409, map[string]string{"error": "not_ready", "message": "not ready"})
		return
	}
	signed, err := playback.Sign(p.key, playbackDomain, v.ID, time.Now(), 10*time.Minute)
	if err != nil {
		writeJSON(w, 500, map[string]string{"error": "internal", "message": err.Error()})
		return
	}
	for _, c := range signed.Cookies {
		http.SetCookie(w, c)
	}
	writeJSON(w, 200, map[string]any{"expiresAt": signed.Expires, "hls": v.HLS, "dash": v.DASH})
}

// plan returns the plan the platform made for an asset.
func (p *platform) plan(id string) pipeline.Plan {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.plans[id]
}

func (p *platform) encodeTime(id string) time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.encoded[id]
}

func sizes(rs []pipeline.Rendition) []string {
	var out []string
	for _, r := range rs {
		out = append(out, fmt.Sprintf("%dx%d", r.Width, r.Height))
	}
	return out
}
