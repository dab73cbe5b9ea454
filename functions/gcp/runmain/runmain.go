// Package runmain starts an ottkit GCP function the same way every time: Cloud Logging JSON
// on standard output, the configuration read from the environment and validated before
// anything else (an invalid variable stops the start with an error naming it), then an HTTP
// server on $PORT (8080 when unset) whose requests carry their trace and an asset-id slot for
// the logs. SIGTERM, which Cloud Run sends before stopping an instance, drains in-flight
// requests for up to ten seconds.
package runmain

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/ottkit/ottkit/functions/gcp/gcplog"
)

// Build constructs a function's handler from its environment; it is where a main wires the
// adapters to a stage. The context ends when the process stops.
type Build func(ctx context.Context, getenv func(string) string, log *slog.Logger) (http.Handler, error)

// Logger returns the function's logger: Cloud Logging JSON for the project GCP_PROJECT names.
func Logger(getenv func(string) string) *slog.Logger {
	return gcplog.New(os.Stdout, getenv("GCP_PROJECT"), slog.LevelInfo)
}

// Serve builds the handler and serves it on $PORT until SIGTERM or SIGINT. It does not
// return; a build or listen error ends the process with status 1 after logging it, so Cloud
// Run reports a failed start.
func Serve(build Build) {
	log := Logger(os.Getenv)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	if err := run(ctx, build, os.Getenv, log); err != nil {
		log.Error("function stopped", "error", err.Error())
		os.Exit(1)
	}
}

func run(ctx context.Context, build Build, getenv func(string) string, log *slog.Logger) error {
	h, err := build(ctx, getenv, log)
	if err != nil {
		return fmt.Errorf("invalid configuration: %w", err)
	}
	port := getenv("PORT")
	if port == "" {
		port = "8080"
	}
	lis, err := net.Listen("tcp", ":"+port)
	if err != nil {
		return fmt.Errorf("listen on port %s: %w", port, err)
	}
	srv := &http.Server{Handler: gcplog.Middleware(h), ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(lis) }()
	log.Info("ready", "addr", lis.Addr().String())
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// Lazy returns the handler a Cloud Run functions entry point serves: build runs once, on
// the first request (the Functions Framework owns the server and its start-up), and every
// request carries its trace and asset-id slot. A build error answers 500 on every request,
// which keeps Pub/Sub redelivering until the configuration is fixed, and is logged each time.
func Lazy(build Build) http.HandlerFunc {
	var (
		once sync.Once
		h    http.Handler
		err  error
		log  = Logger(os.Getenv)
	)
	return func(w http.ResponseWriter, r *http.Request) {
		once.Do(func() { h, err = build(context.Background(), os.Getenv, log) })
		if err != nil {
			log.ErrorContext(r.Context(), "invalid configuration", "error", err.Error())
			http.Error(w, "function misconfigured", http.StatusInternalServerError)
			return
		}
		gcplog.Middleware(h).ServeHTTP(w, r)
	}
}
