package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/ottkit/ottkit/components/platform"
	"github.com/ottkit/ottkit/functions/local/home"
	"github.com/ottkit/ottkit/functions/local/player"
	"github.com/ottkit/ottkit/functions/pipeline"
)

func init() { register(newDevCmd) }

// DefaultDevAddr is where `ottkit dev` listens: this machine only.
const DefaultDevAddr = "127.0.0.1:8080"

// devSignals subscribes to the signals that stop `ottkit dev`; tests send their own.
var devSignals = func() (<-chan os.Signal, func()) {
	c := make(chan os.Signal, 1)
	signal.Notify(c, os.Interrupt, syscall.SIGTERM)
	return c, func() { signal.Stop(c) }
}

type devFlags struct {
	addr, dataDir, stack, projectDir, ingest, tenant string
	timeout                                          time.Duration
}

func newDevCmd() *cobra.Command {
	var f devFlags
	cmd := &cobra.Command{
		Use:   "dev [--ingest FILE]",
		Short: "Run the whole platform on this machine: the same stages, local adapters, a page that plays",
		Long: `dev runs the platform locally with no cloud account: the ingest, transcode, complete and api
stages on durable local queues, buckets as directories and the catalog in one embedded database
under --data-dir, ffmpeg executing each plan, the API behind a local JWT check, the upload
endpoint, a media server that enforces CloudFront's signed cookies, and a page to upload, watch
and play (HLS and DASH). It uses the stack's settings (ladder, limits, lifetimes) from
stacks/Pulumi.<--stack>.yaml and listens on 127.0.0.1 unless --addr says otherwise.

With --ingest FILE it runs one file through the pipeline headless and exits with its final
status: 0 when ready, 1 when rejected or failed.

Ctrl-C stops it cleanly; a transcoding job it interrupts resumes at the next start.`,
		Example: `  ottkit dev
  ottkit dev --ingest clip.mp4
  ottkit dev token --tenant acme --role uploader`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runDev(cmd, f) },
	}
	pf := cmd.PersistentFlags()
	pf.StringVar(&f.dataDir, "data-dir", DefaultDataDir, "directory for the buckets, catalog, queues and keys")
	cmd.Flags().StringVar(&f.addr, "addr", DefaultDevAddr, "address to listen on (port 0 picks a free one)")
	cmd.Flags().StringVar(&f.stack, "stack", "dev-aws", "stack whose settings the stages use")
	cmd.Flags().StringVar(&f.projectDir, "project-dir", "", "directory holding Pulumi.yaml (default: the nearest one above the working directory)")
	cmd.Flags().StringVar(&f.ingest, "ingest", "", "run FILE through the pipeline, print its final status and exit")
	cmd.Flags().StringVar(&f.tenant, "tenant", "dev", "tenant of --ingest's upload and of the page's token")
	cmd.Flags().DurationVar(&f.timeout, "timeout", 30*time.Minute, "with --ingest: give up after this long")
	cmd.AddCommand(newDevTokenCmd(&f.dataDir))
	return cmd
}

// devSettings are the stack's settings, as the stages use them.
func devSettings(projectDir, stack string) (home.Settings, error) {
	project, err := findProject(projectDir)
	if err != nil {
		return home.Settings{}, fmt.Errorf("dev: %w (run it in the ottkit repository, or give --project-dir)", err)
	}
	spec, err := platform.LoadSpec(project.dir, stack)
	if err != nil {
		return home.Settings{}, fmt.Errorf("dev: --stack %s: %w", stack, err)
	}
	return home.Settings{
		Ladder:            pipeline.LadderConfig{Codec: spec.VideoCodec, MaxHeight: spec.MaxHeight, Rungs: spec.Ladder},
		ThumbnailInterval: spec.ThumbnailInterval,
		MaxUploadBytes:    spec.MaxUploadBytes,
		MaxDuration:       time.Duration(spec.MaxDurationSeconds) * time.Second,
		UploadTTL:         time.Duration(spec.UploadTTL) * time.Second,
		PlaybackTTL:       time.Duration(spec.PlaybackTTL) * time.Second,
		MaxRetries:        spec.MaxRetries,
		ArchiveClass:      spec.ArchiveStorageClass,
	}, nil
}

func runDev(cmd *cobra.Command, f devFlags) error {
	began := time.Now()
	out := cmd.OutOrStdout()
	settings, err := devSettings(f.projectDir, f.stack)
	if err != nil {
		return err
	}
	cfg := home.Config{DataDir: f.dataDir, Addr: f.addr, Settings: settings, NewStages: home.DefaultStages,
		Log: slog.New(home.NewConsole(out))}
	if f.ingest != "" {
		if !cmd.Flags().Changed("addr") {
			cfg.Addr = "127.0.0.1:0" // headless: never collide with a running ottkit dev's port
		}
	} else {
		if cfg.Modules, err = player.FindModules("."); err != nil {
			return fmt.Errorf("dev: %w", err)
		}
	}
	p, err := home.Start(cfg)
	if err != nil {
		return fmt.Errorf("dev: %w", err)
	}
	defer p.Close()
	sigs, stop := devSignals()
	defer stop()
	if f.ingest != "" {
		return devIngest(cmd.Context(), out, p, f, sigs)
	}
	tok, err := p.Token(f.tenant, []string{home.RoleUploader}, 12*time.Hour)
	if err != nil {
		return err
	}
	abs, _ := filepath.Abs(f.dataDir)
	fmt.Fprintf(out, `ottkit dev: the platform is running on this machine (started in %s)
  page     %s/#token=%s
  api      %s/api/       (Authorization: Bearer $(go run ./cmd/ottkit dev token --tenant %s --role uploader%s))
  uploads  %s/upload/    (signed URLs from POST /api/uploads)
  media    %s/assets/    (CloudFront signed cookies from POST /api/assets/{id}/playback)
  data     %s (buckets ingest, masters, delivery; catalog and queues in ottkit.db; keys in keys/)
  stack    %s (ladder %s)
Ctrl-C stops it.
`, time.Since(began).Round(time.Millisecond), p.URL, tok, p.URL, f.tenant, dataDirFlag(f.dataDir), p.URL, p.URL, abs, f.stack, ladderText(settings.Ladder))
	<-sigs
	fmt.Fprintln(out, "ottkit dev: stopping (an interrupted transcoding job resumes at the next start)")
	return p.Close()
}

// dataDirFlag is the --data-dir a follow-up command needs to reach the same platform.
func dataDirFlag(dir string) string {
	if dir == DefaultDataDir {
		return ""
	}
	return " --data-dir " + dir
}

func ladderText(l pipeline.LadderConfig) string {
	var parts []string
	for _, r := range l.Rungs {
		if r.Height <= l.MaxHeight {
			parts = append(parts, fmt.Sprintf("%dp@%dk", r.Height, r.MaxBitrate/1000))
		}
	}
	return string(l.Codec) + " " + strings.Join(parts, " ")
}

// devIngest runs one file through and reports its final status as the exit status.
func devIngest(ctx context.Context, out io.Writer, p *home.Platform, f devFlags, sigs <-chan os.Signal) error {
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	go func() {
		select {
		case <-sigs:
			cancel()
		case <-ctx.Done():
		}
	}()
	began := time.Now()
	a, err := p.IngestFile(ctx, f.ingest, f.tenant)
	took := time.Since(began).Round(100 * time.Millisecond)
	if errors.Is(err, context.DeadlineExceeded) {
		return &verdictError{fmt.Sprintf("dev: %s did not finish within --timeout %s", f.ingest, f.timeout)}
	}
	if err != nil {
		return fmt.Errorf("dev: %w", err)
	}
	switch a.Status {
	case pipeline.StatusReady:
		encode := ""
		if st, err := p.JobStats(a.JobID); err == nil {
			encode = fmt.Sprintf(" (ffmpeg %s CPU, %s wall)", st.CPU.Round(100*time.Millisecond), st.Wall.Round(100*time.Millisecond))
		}
		fmt.Fprintf(out, "%s: ready as asset %s in %s%s: %d renditions, HLS %s, DASH %s\n",
			f.ingest, a.ID, took, encode, len(a.Renditions), a.HLS, a.DASH)
		return nil
	default:
		return &verdictError{fmt.Sprintf("dev: %s: %s (%s: %s)", f.ingest, a.Status, a.FailureCode, a.FailureMessage)}
	}
}
