package awstest

import (
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// BenchmarkStartup measures a function binary's cold start: from exec until it asks the Lambda
// Runtime API for its first event, which is where lambda.Start blocks in production. It builds
// pkg for the host with -tags lambda.norpc, serves a fake Runtime API whose
// /runtime/invocation/next never answers, and runs the binary with env plus
// AWS_LAMBDA_RUNTIME_API. Each iteration is one process start; the process is killed outside
// the timed part.
func BenchmarkStartup(b *testing.B, pkg string, env map[string]string) {
	bin := filepath.Join(b.TempDir(), "fn")
	build := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-tags", "lambda.norpc", "-o", bin, pkg)
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("build %s: %v\n%s", pkg, err, out)
	}

	asked := make(chan struct{}, 1)
	done := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/runtime/invocation/next") {
			asked <- struct{}{}
			select {
			case <-done:
			case <-r.Context().Done():
			}
			return
		}
		w.WriteHeader(http.StatusAccepted)
	}))
	defer srv.Close()
	defer close(done)

	environ := []string{
		"AWS_LAMBDA_RUNTIME_API=" + strings.TrimPrefix(srv.URL, "http://"),
		"AWS_REGION=us-east-1", "AWS_ACCESS_KEY_ID=testing", "AWS_SECRET_ACCESS_KEY=testing",
		"AWS_LAMBDA_FUNCTION_NAME=bench", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=128", "AWS_LAMBDA_FUNCTION_VERSION=$LATEST",
		"AWS_LAMBDA_LOG_GROUP_NAME=bench", "AWS_LAMBDA_LOG_STREAM_NAME=bench", "HOME=" + b.TempDir(),
	}
	for k, v := range env {
		environ = append(environ, k+"="+v)
	}
	// CPU time is reported beside wall time: on a loaded machine the wall time mostly measures
	// the wait for a core, while the CPU the process burned before blocking does not change.
	var cpu time.Duration
	b.ResetTimer()
	for b.Loop() {
		cmd := exec.Command(bin)
		cmd.Env = environ
		var stderr strings.Builder
		cmd.Stdout, cmd.Stderr = &stderr, &stderr
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		select {
		case <-asked:
		case err := <-exited:
			b.Fatalf("%s exited before asking for an event: %v\n%s", pkg, err, stderr.String())
		case <-time.After(20 * time.Second):
			b.Fatalf("%s never asked for an event\n%s", pkg, stderr.String())
		}
		b.StopTimer()
		_ = cmd.Process.Kill()
		<-exited
		cpu += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
		b.StartTimer()
	}
	b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/op")
	// After the loop: ResetTimer would discard it.
	if fi, err := os.Stat(bin); err == nil {
		b.ReportMetric(float64(fi.Size())/(1<<20), "MiB-host-binary")
	}
}
