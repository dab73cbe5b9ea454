package lambdamain

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// The tests run Start in a child process (it never returns), selected by this variable.
const childEnv = "LAMBDAMAIN_TEST_CHILD"

type greeter struct{ Greeting string }

func load(getenv func(string) string) (greeter, error) {
	g := getenv("GREETING")
	if g == "" {
		return greeter{}, errors.New("GREETING: must be set")
	}
	return greeter{Greeting: g}, nil
}

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		Start(load, func(cfg greeter, awsCfg aws.Config, log *slog.Logger) any {
			return func(ctx context.Context, in json.RawMessage) (string, error) {
				log.Info("invoked", "region", awsCfg.Region)
				return cfg.Greeting + " " + string(in), nil
			}
		})
		return
	}
	os.Exit(m.Run())
}

// child runs this test binary as a function with env.
func child(t *testing.T, env ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append([]string{childEnv + "=1", "HOME=" + t.TempDir(), "AWS_REGION=eu-west-1",
		"AWS_ACCESS_KEY_ID=testing", "AWS_SECRET_ACCESS_KEY=testing"}, env...)
	return cmd
}

func TestStartRefusesABadVariable(t *testing.T) {
	cmd := child(t)
	out, err := cmd.Output()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("child exit = %v, want status 1; output %s", err, out)
	}
	var line map[string]any
	if err := json.Unmarshal(out, &line); err != nil {
		t.Fatalf("log line is not JSON: %v: %s", err, out)
	}
	if line["msg"] != "invalid configuration" || !strings.Contains(line["error"].(string), "GREETING") {
		t.Errorf("log line = %v, want invalid configuration naming GREETING", line)
	}
}

func TestStartServesInvocations(t *testing.T) {
	response := make(chan string, 1)
	served := false
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasSuffix(r.URL.Path, "/runtime/invocation/next") && !served:
			served = true
			w.Header().Set("Lambda-Runtime-Aws-Request-Id", "req-1")
			w.Header().Set("Lambda-Runtime-Deadline-Ms", "4102444800000")
			w.Header().Set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:eu-west-1:123456789012:function:f")
			_, _ = io.WriteString(w, `"world"`)
		case strings.HasSuffix(r.URL.Path, "/runtime/invocation/next"):
			<-r.Context().Done() // no second event
		case strings.HasSuffix(r.URL.Path, "/runtime/invocation/req-1/response"):
			b, _ := io.ReadAll(r.Body)
			response <- string(b)
			w.WriteHeader(http.StatusAccepted)
		default:
			http.Error(w, "unexpected "+r.URL.Path, http.StatusBadRequest)
		}
	}))
	defer srv.Close()

	cmd := child(t, "GREETING=hello", "AWS_LAMBDA_RUNTIME_API="+strings.TrimPrefix(srv.URL, "http://"))
	var logs strings.Builder
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	select {
	case got := <-response:
		if got != `"hello \"world\""` {
			t.Errorf("response = %s, want the handler built from the loaded config", got)
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("no response within 20s; output:\n%s", logs.String())
	}
}
