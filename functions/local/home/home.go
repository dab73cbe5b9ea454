// Package home is the local home of the pipeline: what `ottkit dev` runs. It wires the four
// cloud-neutral stages to local adapters — buckets as directories (dirstore), an embedded
// catalog and durable queues in one bbolt file (catalog, queue), the ffmpeg transcoder, an
// in-process notifier, HMAC-signed upload URLs, dev-minted JWTs and a media server that
// checks CloudFront's signed cookies — and serves the API, the upload endpoint, the media and
// the dev page on one local address.
//
// The hops are the cloud's: an object written under uploads/ in the ingest bucket becomes an
// ObjectCreated message on the ingest queue (S3 → EventBridge → SQS); ingest sends transcode
// requests to the transcode queue; the transcoder's progress and final state go to the events
// queue as JobResults (MediaConvert → EventBridge → SQS), which feeds complete. Every queue has
// a dead-letter queue after MaxReceives deliveries.
package home

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/ottkit/ottkit/functions/aws/playback"
	"github.com/ottkit/ottkit/functions/local/boltfile"
	"github.com/ottkit/ottkit/functions/local/catalog"
	"github.com/ottkit/ottkit/functions/local/cdn"
	"github.com/ottkit/ottkit/functions/local/devjwt"
	"github.com/ottkit/ottkit/functions/local/dirstore"
	"github.com/ottkit/ottkit/functions/local/ffmpeg"
	"github.com/ottkit/ottkit/functions/local/notify"
	"github.com/ottkit/ottkit/functions/local/player"
	"github.com/ottkit/ottkit/functions/local/queue"
	"github.com/ottkit/ottkit/functions/local/upload"
	"github.com/ottkit/ottkit/functions/pipeline"
)

// The local buckets: directories under the data directory.
const (
	IngestBucket   = "ingest"
	MastersBucket  = "masters"
	DeliveryBucket = "delivery"
)

// Queue names, and how long a delivered message stays hidden (extended while its stage runs).
const (
	visibility  = 30 * time.Second
	maxReceives = 5
)

// Settings are the stack settings the stages decide with.
type Settings struct {
	Ladder            pipeline.LadderConfig
	ThumbnailInterval int
	MaxUploadBytes    int64
	MaxDuration       time.Duration
	UploadTTL         time.Duration
	PlaybackTTL       time.Duration
	MaxRetries        int
	// ArchiveClass is the storage class masters move to once transcoded.
	ArchiveClass string
}

// Ports are the adapters the stages talk to.
type Ports struct {
	Settings   Settings
	Catalog    pipeline.Catalog
	Store      pipeline.ObjectStore
	Transcode  pipeline.Queue        // the transcode queue
	Retry      pipeline.DelayedQueue // the transcode queue, for backed-off resubmissions
	Notifier   pipeline.Notifier
	Transcoder pipeline.Transcoder
	Playback   pipeline.PlaybackSigner
	Uploads    pipeline.UploadSigner
	// PlaybackDomain is the host the media is served from (the listener's).
	PlaybackDomain string
	Log            *slog.Logger
}

// Stages are the four stages, as the home calls them.
type Stages struct {
	// Ingest handles one object-created event from the ingest queue.
	Ingest func(ctx context.Context, ev pipeline.ObjectCreated) error
	// Transcode handles one transcode queue message body.
	Transcode func(ctx context.Context, body string) error
	// Complete handles one job result from the events queue.
	Complete func(ctx context.Context, r pipeline.JobResult) error
	// API serves one request whose bearer token verified, with its claims.
	API func(w http.ResponseWriter, r *http.Request, c devjwt.Claims)
}

// Config configures the platform.
type Config struct {
	// DataDir holds everything the platform keeps: buckets, catalog and queues, keys.
	DataDir string
	// Addr is the listen address, e.g. 127.0.0.1:8080; port 0 picks a free one.
	Addr     string
	Settings Settings
	// Modules is the web/node_modules directory with the page's players; "" serves no page
	// (a headless run).
	Modules string
	// FFmpeg and FFprobe are the tools' paths; found on PATH when "".
	FFmpeg, FFprobe string
	// Log receives what happens: the console.
	Log *slog.Logger
	// NewStages builds the stages from the ports: DefaultStages, or fakes in tests.
	NewStages func(Ports) (Stages, error)
}

// Platform is a running local home.
type Platform struct {
	// URL is where the platform listens, e.g. http://127.0.0.1:8080.
	URL string

	cfg      Config
	log      *slog.Logger
	db       *bolt.DB
	store    *dirstore.Store
	catalog  *catalog.Catalog
	topic    *notify.Topic
	jwt      *devjwt.Key
	tc       *ffmpeg.Transcoder
	media    *cdn.Server
	srv      *http.Server
	queues   map[string]*queue.Queue
	stages   Stages
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	closeErr error
	once     sync.Once
}

// Start opens the data directory, starts the stages on their queues and serves the platform.
// It fails, before touching any data, when Addr cannot be listened on, and names the
// directory or file when the data directory is unwritable or its database is corrupt.
func Start(cfg Config) (_ *Platform, err error) {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.NewStages == nil {
		return nil, errors.New("home: Config.NewStages is nil")
	}
	ln, err := listen(cfg.Addr)
	if err != nil {
		return nil, err
	}
	p := &Platform{cfg: cfg, log: cfg.Log, URL: "http://" + ln.Addr().String(), queues: map[string]*queue.Queue{}}
	defer func() {
		if err != nil {
			ln.Close()
			p.Close()
		}
	}()
	if err := p.open(); err != nil {
		return nil, err
	}
	ports, err := p.ports(ln.Addr().(*net.TCPAddr).IP.String())
	if err != nil {
		return nil, err
	}
	if p.stages, err = cfg.NewStages(ports); err != nil {
		return nil, err
	}
	handler, err := p.routes(ports.Uploads.(*upload.Signer))
	if err != nil {
		return nil, err
	}
	p.srv = &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	ctx, cancel := context.WithCancel(context.Background())
	p.cancel = cancel
	p.consume(ctx)
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		if err := p.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			p.log.Error("the HTTP server stopped", "error", err.Error())
		}
	}()
	return p, nil
}

func listen(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if errors.Is(err, syscall.EADDRINUSE) {
		return nil, fmt.Errorf("home: %s is already in use (another ottkit dev, or another program): stop it or pick another address with --addr", addr)
	}
	if err != nil {
		return nil, fmt.Errorf("home: listen on %s: %w", addr, err)
	}
	return ln, nil
}

// open opens the data directory: buckets, the database, the catalog and the queues.
func (p *Platform) open() error {
	dir := p.cfg.DataDir
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("home: data directory %s cannot be created: %w", dir, err)
	}
	var err error
	if p.store, err = dirstore.New(dir, IngestBucket, MastersBucket, DeliveryBucket); err != nil {
		return err
	}
	if p.db, err = boltfile.Open(filepath.Join(dir, "ottkit.db")); err != nil {
		return err
	}
	if p.catalog, err = catalog.New(p.db); err != nil {
		return err
	}
	for _, name := range []string{"ingest", "transcode", "events"} {
		dlq, err := queue.New(p.db, name+"-dlq", queue.Options{})
		if err != nil {
			return err
		}
		name := name
		q, err := queue.New(p.db, name, queue.Options{MaxReceives: maxReceives, DeadLetter: dlq,
			OnDeadLetter: func(body string) {
				p.log.Error("a message failed "+fmt.Sprint(maxReceives)+" times and went to the dead-letter queue", "queue", name, "body", body)
			}})
		if err != nil {
			return err
		}
		p.queues[name], p.queues[name+"-dlq"] = q, dlq
	}
	p.topic = notify.New(p.log)
	return nil
}

// ports makes the adapters the stages use.
func (p *Platform) ports(host string) (Ports, error) {
	dir := p.cfg.DataDir
	var err error
	if p.jwt, err = devjwt.LoadOrCreate(filepath.Join(dir, "keys", "jwt.pem")); err != nil {
		return Ports{}, err
	}
	uk, err := uploadKey(filepath.Join(dir, "keys", "upload.key"))
	if err != nil {
		return Ports{}, err
	}
	priv, keyID, err := cdnKey(filepath.Join(dir, "keys", "cdn.pem"))
	if err != nil {
		return Ports{}, err
	}
	signer, err := upload.New(upload.Config{Key: uk, BaseURL: p.URL, Store: p.store, Buckets: []string{IngestBucket},
		UploadsDir: filepath.Join(dir, ".uploads"), MaxBytes: p.cfg.Settings.MaxUploadBytes})
	if err != nil {
		return Ports{}, err
	}
	p.tc, err = ffmpeg.New(ffmpeg.Config{
		SourcePath:        p.store.Path,
		DeliveryBucket:    DeliveryBucket,
		DeliveryDir:       p.store.Dir(DeliveryBucket),
		WorkDir:           filepath.Join(dir, ".ffmpeg"),
		ThumbnailInterval: p.cfg.Settings.ThumbnailInterval,
		Results:           ffmpeg.ResultsFunc(p.jobResult),
		FFmpeg:            p.cfg.FFmpeg, FFprobe: p.cfg.FFprobe,
		Log: p.log,
	})
	if err != nil {
		return Ports{}, err
	}
	if p.media, err = cdn.New(cdn.Config{Root: p.store.Dir(DeliveryBucket), Log: p.log,
		Verifier: &cdn.Verifier{Domain: host, Keys: cdn.KeyGroup{keyID: &priv.PublicKey}}}); err != nil {
		return Ports{}, err
	}
	p.store.OnCreate = p.objectCreated
	return Ports{
		Settings: p.cfg.Settings, Catalog: p.catalog, Store: p.store,
		Transcode: p.queues["transcode"], Retry: p.queues["transcode"],
		Notifier: p.topic, Transcoder: p.tc, Uploads: signer,
		Playback:       playback.NewSigner(staticKey{playback.Key{KeyPairID: keyID, PrivateKey: priv}}, host),
		PlaybackDomain: host, Log: p.log,
	}, nil
}

// objectCreated is the ingest bucket's event notification: objects under pipeline.UploadPrefix
// go to the ingest queue, as the stack's EventBridge rule sends only them.
func (p *Platform) objectCreated(ctx context.Context, ev pipeline.ObjectCreated) {
	if ev.Bucket != IngestBucket || !strings.HasPrefix(ev.Key, pipeline.UploadPrefix) {
		return
	}
	p.log.Info("upload received", "key", ev.Key, "bytes", ev.Size)
	b, _ := json.Marshal(ev) // strings and numbers always marshal
	if err := p.queues["ingest"].Send(context.WithoutCancel(ctx), string(b)); err != nil {
		p.log.Error("cannot queue the upload for ingest", "key", ev.Key, "error", err.Error())
	}
}

// jobResult is the transcoder's job state change event: it goes to the events queue.
func (p *Platform) jobResult(ctx context.Context, r pipeline.JobResult) error {
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("home: encode job result: %w", err)
	}
	return p.queues["events"].Send(ctx, string(b))
}

// consume runs each stage on its queue until ctx ends.
func (p *Platform) consume(ctx context.Context) {
	run := func(name string, handle queue.Handler) {
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			if err := p.queues[name].Consume(ctx, visibility, handle); err != nil && ctx.Err() == nil {
				p.log.Error("a queue consumer stopped", "queue", name, "error", err.Error())
			}
		}()
	}
	run("ingest", func(ctx context.Context, m queue.Message) error {
		var ev pipeline.ObjectCreated
		if err := json.Unmarshal([]byte(m.Body), &ev); err != nil {
			p.log.Error("dropping a malformed ingest message", "error", err.Error())
			return nil
		}
		return p.retried("ingest", m, p.stages.Ingest(ctx, ev))
	})
	run("transcode", func(ctx context.Context, m queue.Message) error {
		return p.retried("transcode", m, p.stages.Transcode(ctx, m.Body))
	})
	run("events", func(ctx context.Context, m queue.Message) error {
		var r pipeline.JobResult
		if err := json.Unmarshal([]byte(m.Body), &r); err != nil {
			p.log.Error("dropping a malformed job event", "error", err.Error())
			return nil
		}
		return p.retried("events", m, p.stages.Complete(ctx, r))
	})
}

// retried logs a stage error that makes the queue deliver the message again.
func (p *Platform) retried(queueName string, m queue.Message, err error) error {
	if err != nil {
		p.log.Warn("stage failed; the message will be delivered again", "queue", queueName, "delivery", m.ReceiveCount, "error", err.Error())
	}
	return err
}

// routes is the platform's one origin: the API behind the JWT check, the upload endpoint,
// the media server and the page.
func (p *Platform) routes(uploads *upload.Signer) (http.Handler, error) {
	mux := http.NewServeMux()
	mux.Handle("/api/", http.HandlerFunc(p.api))
	mux.Handle(upload.PathPrefix, uploads)
	mux.Handle("/assets/", p.media)
	if p.cfg.Modules != "" {
		page, err := player.New(player.Config{Modules: p.cfg.Modules, API: "/api"})
		if err != nil {
			return nil, err
		}
		mux.Handle("/", page)
	}
	return mux, nil
}

// api is the JWT authorizer in front of the api stage: no valid bearer token, no stage.
func (p *Platform) api(w http.ResponseWriter, r *http.Request) {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		writeError(w, http.StatusUnauthorized, "a bearer token is required (ottkit dev token --tenant T --role uploader)")
		return
	}
	claims, err := p.jwt.Verify(strings.TrimSpace(tok))
	if err != nil {
		writeError(w, http.StatusUnauthorized, err.Error())
		return
	}
	p.stages.API(w, r, claims)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"error": "unauthorized", "message": msg})
}

// Token mints a dev token for tenant with roles, valid for ttl.
func (p *Platform) Token(tenant string, roles []string, ttl time.Duration) (string, error) {
	return p.jwt.Mint(devjwt.Claims{Subject: "dev", Tenant: tenant, Roles: roles}, ttl)
}

// Catalog returns the platform's catalog.
func (p *Platform) Catalog() pipeline.Catalog { return p.catalog }

// Subscribe calls f with every notification the stages publish, until the returned function
// is called.
func (p *Platform) Subscribe(f func(pipeline.Notification)) func() { return p.topic.Subscribe(f) }

// Close stops serving and consuming, waits for the running stages and closes the data. A
// transcoding job that was running is resumed by the next Start.
func (p *Platform) Close() error {
	p.once.Do(func() {
		if p.srv != nil {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			p.srv.Shutdown(ctx)
			cancel()
		}
		if p.cancel != nil {
			p.cancel()
		}
		if p.tc != nil {
			p.tc.Close()
		}
		p.wg.Wait()
		if p.media != nil {
			p.media.Close()
		}
		if p.db != nil {
			p.closeErr = p.db.Close()
		}
	})
	return p.closeErr
}

// Queue returns the named queue ("ingest", "transcode", "events", or one of their "-dlq"s).
func (p *Platform) Queue(name string) *queue.Queue { return p.queues[name] }

// staticKey is the dev platform's one playback signing key: it never rotates, so the
// CloudFront cookie signer needs no secret store.
type staticKey struct{ key playback.Key }

func (s staticKey) Key(context.Context) (playback.Key, error) { return s.key, nil }

// JobStats returns the ffmpeg CPU and wall time of a finished transcoding job.
func (p *Platform) JobStats(jobID string) (ffmpeg.Stats, error) {
	return ffmpeg.JobStats(filepath.Join(p.cfg.DataDir, ".ffmpeg"), jobID)
}
