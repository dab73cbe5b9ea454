package gcptest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// serviceAccountKey writes a service account key file with a fresh RSA key, so the Google
// clients find credentials at start-up as they would on Cloud Run (no call is made with it).
func serviceAccountKey(b *testing.B) string {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		b.Fatal(err)
	}
	der, _ := x509.MarshalPKCS8PrivateKey(key)
	doc, _ := json.Marshal(map[string]string{
		"type": "service_account", "project_id": Project, "private_key_id": "bench",
		"private_key":  string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
		"client_email": "bench@" + Project + ".iam.gserviceaccount.com", "client_id": "1",
		"token_uri": "https://oauth2.googleapis.com/token",
	})
	path := filepath.Join(b.TempDir(), "key.json")
	if err := os.WriteFile(path, doc, 0o600); err != nil {
		b.Fatal(err)
	}
	return path
}

// BenchmarkStartup measures a GCP function binary's cold start: from exec until it accepts a
// TCP connection on $PORT, which is when Cloud Run's default startup probe passes and the
// instance gets requests. It builds pkg as the deployable is built (static, trimmed), and
// runs it with env plus PORT and a service account key. Each iteration is one process start;
// the process is killed outside the timed part. CPU time is reported beside wall time.
func BenchmarkStartup(b *testing.B, pkg string, env map[string]string) {
	bin := filepath.Join(b.TempDir(), "fn")
	build := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-o", bin, pkg)
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("build %s: %v\n%s", pkg, err, out)
	}
	keyFile := serviceAccountKey(b)
	var cpu time.Duration
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		lis, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			b.Fatal(err)
		}
		port := lis.Addr().(*net.TCPAddr).Port
		lis.Close()
		environ := []string{"PORT=" + strconv.Itoa(port), "GOOGLE_APPLICATION_CREDENTIALS=" + keyFile, "HOME=" + b.TempDir()}
		for k, v := range env {
			environ = append(environ, k+"="+v)
		}
		cmd := exec.Command(bin)
		cmd.Env = environ
		var out strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &out
		b.StartTimer()
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		deadline := time.Now().Add(20 * time.Second)
		for {
			c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(port), 50*time.Millisecond)
			if err == nil {
				c.Close()
				break
			}
			select {
			case err := <-exited:
				b.Fatalf("%s exited before listening: %v\n%s", pkg, err, out.String())
			default:
			}
			if time.Now().After(deadline) {
				b.Fatalf("%s never listened\n%s", pkg, out.String())
			}
			time.Sleep(time.Millisecond)
		}
		b.StopTimer()
		_ = cmd.Process.Kill()
		<-exited
		cpu += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
		b.StartTimer()
	}
	b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/op")
	if fi, err := os.Stat(bin); err == nil {
		b.ReportMetric(float64(fi.Size())/(1<<20), "MiB-binary")
	}
}

// StartupEnv is the environment every GCP function reads, with names from an Env.
func StartupEnv(extra map[string]string) map[string]string {
	env := map[string]string{}
	e := &Env{}
	get := e.Getenv(extra)
	for _, k := range []string{"GCP_PROJECT", "FIRESTORE_DATABASE", "INGEST_BUCKET", "MASTERS_BUCKET", "DELIVERY_BUCKET",
		"TRANSCODE_TOPIC", "JOBS_TOPIC", "NOTIFY_TOPIC", "TRANSCODER_LOCATION", "RETRY_QUEUE", "RETRY_URL", "TASKS_INVOKER", "SIGNING_SECRET", "SERVICE_ACCOUNT"} {
		env[k] = get(k)
	}
	for k, v := range extra {
		env[k] = v
	}
	return env
}
