package stamp

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakePulumi puts testdata/pulumi.sh on PATH as `pulumi` and returns the file its calls are
// recorded in and its state directory. The Automation API then runs exactly as it would
// against the real CLI: same processes, same arguments, same event log, same signals.
func fakePulumi(t *testing.T) (calls, state string) {
	t.Helper()
	bin, state := t.TempDir(), t.TempDir()
	script, err := os.ReadFile("testdata/pulumi.sh")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(bin, "pulumi"), script, 0o755); err != nil {
		t.Fatal(err)
	}
	deployment, err := os.ReadFile("testdata/deployment.json")
	if err != nil {
		t.Fatal(err)
	}
	export := append(append([]byte(`{"version":3,"deployment":`), deployment...), '}')
	if err := os.WriteFile(filepath.Join(state, "export.json"), export, 0o644); err != nil {
		t.Fatal(err)
	}
	calls = filepath.Join(state, "calls")
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	t.Setenv("FAKE_PULUMI_CALLS", calls)
	t.Setenv("FAKE_PULUMI_DIR", state)
	return calls, state
}

func readCalls(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSpace(string(b)), "\n")
}

// callWith returns the first recorded call that contains every part.
func callWith(calls []string, parts ...string) (string, bool) {
	for _, c := range calls {
		ok := true
		for _, p := range parts {
			ok = ok && strings.Contains(c, p)
		}
		if ok {
			return c, true
		}
	}
	return "", false
}

func TestNewPulumiEngineNeedsTheCLI(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	if _, err := NewPulumiEngine(t.TempDir(), ""); !errors.Is(err, ErrNoPulumiCLI) {
		t.Fatalf("NewPulumiEngine() error = %v, want ErrNoPulumiCLI", err)
	}
	for _, want := range []string{"not on PATH", "https://get.pulumi.com", "pulumi login"} {
		if !strings.Contains(ErrNoPulumiCLI.Error(), want) {
			t.Errorf("ErrNoPulumiCLI %q does not mention %q", ErrNoPulumiCLI, want)
		}
	}
}

func TestPulumiEngineOperations(t *testing.T) {
	for _, tc := range []struct {
		name        string
		org         string
		req         Request
		wantChanges Changes
		wantErr     string
		wantCalls   [][]string // each: parts one recorded call must contain
		wantNoCall  []string   // no recorded call may contain this
	}{
		{
			name:        "preview with policy packs",
			req:         Request{Stack: "acme-prod", Op: Preview, PolicyPacks: []string{"policies", "/abs/pack"}},
			wantChanges: Changes{"create": 1, "same": 4},
			wantCalls: [][]string{
				{"stack select --stack acme-prod"},
				{"preview", "--event-log", "--policy-pack=policies", "--policy-pack=/abs/pack", "--stack acme-prod"},
			},
		},
		{
			name:        "up",
			req:         Request{Stack: "acme-prod", Op: Up},
			wantChanges: Changes{"create": 1, "same": 4},
			wantCalls:   [][]string{{"up --yes --skip-preview", "--stack acme-prod"}, {"stack history --json"}},
			wantNoCall:  []string{"--policy-pack"},
		},
		{
			name:        "up creates a stack that does not exist",
			req:         Request{Stack: "new-prod", Op: Up},
			wantChanges: Changes{"create": 1, "same": 4},
			wantCalls:   [][]string{{"stack select --stack new-prod"}, {"stack init new-prod"}, {"up --yes", "--stack new-prod"}},
		},
		{
			name:       "destroy never creates a stack",
			req:        Request{Stack: "new-prod", Op: Destroy},
			wantErr:    "no stack named 'new-prod' found",
			wantNoCall: []string{"stack init", "destroy"},
		},
		{
			name:        "refresh",
			req:         Request{Stack: "acme-prod", Op: Refresh},
			wantChanges: Changes{"create": 1, "same": 4},
			wantCalls:   [][]string{{"refresh", "--yes", "--stack acme-prod"}},
		},
		{
			name:      "failure carries the CLI's error",
			req:       Request{Stack: "fail-prod", Op: Destroy},
			wantErr:   "failed to destroy stack: exit status 255: creating bucket fail-prod-storage-masters: AccessDenied",
			wantCalls: [][]string{{"destroy", "--yes", "--skip-preview", "--stack fail-prod"}},
		},
		{
			name:        "organization",
			org:         "acme-consulting",
			req:         Request{Stack: "acme-prod", Op: Preview},
			wantChanges: Changes{"create": 1, "same": 4},
			wantCalls:   [][]string{{"preview", "--stack acme-consulting/ottkit/acme-prod"}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			calls, _ := fakePulumi(t)
			eng, err := NewPulumiEngine(t.TempDir(), tc.org)
			if err != nil {
				t.Fatal(err)
			}
			var log bytes.Buffer
			var mu sync.Mutex
			var steps []Step
			req := tc.req
			req.Log = &lockedWriter{w: &log}
			req.Step = func(s Step) {
				mu.Lock()
				defer mu.Unlock()
				steps = append(steps, s)
			}
			changes, err := eng.Run(context.Background(), req)
			recorded := readCalls(t, calls)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("Run() error = %v, want %q", err, tc.wantErr)
				}
				// The CLI's full output is in the log, not in the error the summary prints.
				if err != nil && (strings.Contains(err.Error(), "stdout:") || strings.Contains(err.Error(), "\n")) {
					t.Errorf("Run() error quotes the CLI's output: %q", err)
				}
			} else if err != nil {
				t.Fatalf("Run() error: %v\ncalls:\n%s", err, strings.Join(recorded, "\n"))
			}
			if tc.wantChanges != nil && changes.String() != tc.wantChanges.String() {
				t.Errorf("changes = %v, want %v", changes, tc.wantChanges)
			}
			for _, parts := range tc.wantCalls {
				if _, ok := callWith(recorded, parts...); !ok {
					t.Errorf("no pulumi call with %q; calls:\n%s", parts, strings.Join(recorded, "\n"))
				}
			}
			for _, no := range tc.wantNoCall {
				if c, ok := callWith(recorded, no); ok {
					t.Errorf("unexpected pulumi call %q", c)
				}
			}
			if tc.wantErr != "" {
				return
			}
			stack := req.Stack
			if tc.org != "" {
				stack = tc.org + "/ottkit/" + stack
			}
			if want := "Updating (" + stack + ")"; !strings.Contains(log.String(), want) {
				t.Errorf("log %q lacks the CLI's output %q", log.String(), want)
			}
			mu.Lock()
			defer mu.Unlock()
			urn := "urn:pulumi:" + stack + "::ottkit::aws:s3/bucketV2:BucketV2::" + stack + "-storage-masters"
			want := []Step{{Op: "create", URN: urn}, {Op: "create", URN: urn, Done: true}}
			if !slices.Equal(steps, want) {
				t.Errorf("steps = %+v, want %+v", steps, want)
			}
		})
	}
}

func TestPulumiEngineRetained(t *testing.T) {
	calls, _ := fakePulumi(t)
	eng, err := NewPulumiEngine(t.TempDir(), "")
	if err != nil {
		t.Fatal(err)
	}
	got, err := eng.Retained(context.Background(), "acme-prod")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || !strings.HasSuffix(got[0], "::acme-prod-catalog") || !strings.HasSuffix(got[1], "::acme-prod-storage-masters") {
		t.Errorf("Retained() = %v, want the catalog and the masters bucket", got)
	}
	if _, ok := callWith(readCalls(t, calls), "stack export", "--stack acme-prod"); !ok {
		t.Error("Retained() did not export the stack's state")
	}
}

// TestPulumiEngineCancel cancels the context of a running update: the Automation API must
// interrupt the CLI (SIGINT, which the real CLI answers by finishing in-flight steps and
// saving state), not kill it.
func TestPulumiEngineCancel(t *testing.T) {
	_, state := fakePulumi(t)
	eng, err := NewPulumiEngine(t.TempDir(), "")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := eng.Run(ctx, Request{Stack: "slow-prod", Op: Up, Log: &bytes.Buffer{}})
		done <- err
	}()
	signal := filepath.Join(state, "slow-prod.signal")
	waitForFile(t, signal, func(s string) bool { return s == "started" })
	cancel()
	if err := <-done; err == nil {
		t.Fatal("Run() succeeded after cancellation")
	}
	b, err := os.ReadFile(signal)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(string(b)); got != "interrupted" {
		t.Errorf("the CLI ended with %q, want interrupted (SIGINT), not killed", got)
	}
}

// TestRunCancelThroughTheAutomationAPI is Ctrl-C end to end: Run drives the Automation API
// against the fake CLI, two slow stacks are in flight when the context is cancelled; both CLIs
// must be interrupted (not killed) and the queued stacks never started.
func TestRunCancelThroughTheAutomationAPI(t *testing.T) {
	calls, state := fakePulumi(t)
	eng, err := NewPulumiEngine(t.TempDir(), "")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
			a, _ := os.ReadFile(filepath.Join(state, "slow-a.signal"))
			b, _ := os.ReadFile(filepath.Join(state, "slow-b.signal"))
			if len(a) > 0 && len(b) > 0 {
				break
			}
		}
		cancel()
	}()
	rs, err := Run(ctx, eng, Options{
		Op: Up, Stacks: []string{"slow-a", "slow-b", "queued-c", "queued-d"}, Parallel: 2, LogDir: t.TempDir(),
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := outcomes(rs), []Outcome{Cancelled, Cancelled, Skipped, Skipped}; !slices.Equal(got, want) {
		t.Errorf("outcomes = %v, want %v", got, want)
	}
	for _, s := range []string{"slow-a", "slow-b"} {
		b, err := os.ReadFile(filepath.Join(state, s+".signal"))
		if err != nil || strings.TrimSpace(string(b)) != "interrupted" {
			t.Errorf("%s's CLI ended with %q (%v), want interrupted", s, b, err)
		}
	}
	if c, ok := callWith(readCalls(t, calls), "queued-"); ok {
		t.Errorf("a queued stack reached the CLI: %q", c)
	}
}

func TestConcise(t *testing.T) {
	plain := errors.New("stamp: no such thing")
	for _, tc := range []struct {
		name string
		in   error
		want string
	}{
		{"nil", nil, ""},
		{"not from the API", plain, "stamp: no such thing"},
		{
			name: "errors from stdout and stderr, deduplicated",
			in: errors.New("failed to run update: exit status 255\ncode: 255\nstdout: Updating (acme-prod)\n" +
				"    error: creating CloudFront Distribution: AccessDenied\n\nstderr: error: creating CloudFront Distribution: AccessDenied\n" +
				"error: update failed\n"),
			want: "failed to run update: exit status 255: creating CloudFront Distribution: AccessDenied; update failed",
		},
		{
			name: "no error lines",
			in:   errors.New("failed to run update: signal: killed\ncode: -1\nstdout: \nstderr: \n"),
			want: "failed to run update: signal: killed",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := concise(tc.in)
			if (got == nil) != (tc.in == nil) {
				t.Fatalf("concise(%v) = %v", tc.in, got)
			}
			if got != nil && got.Error() != tc.want {
				t.Errorf("concise() = %q, want %q", got, tc.want)
			}
			if got != nil && !errors.Is(got, tc.in) {
				t.Errorf("concise() does not wrap the original error")
			}
		})
	}
}

// waitForFile waits until path's content satisfies ok; the fake CLI writes it when it reaches a
// point the test must not act before.
func waitForFile(t *testing.T, path string, ok func(string) bool) string {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		b, _ := os.ReadFile(path)
		if s := strings.TrimSpace(string(b)); ok(s) {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never became ready (%q)", path, b)
		}
	}
}
