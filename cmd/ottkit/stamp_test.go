package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/ottkit/ottkit/cmd/ottkit/stamp"
)

// stampFake stands in for the Pulumi engine behind `ottkit stamp`.
type stampFake struct {
	fail     map[string]bool     // stacks whose operation fails
	retained map[string][]string // stacks with resources retained on delete

	mu          sync.Mutex
	created     int // engines made: the CLI must not make one before its checks pass
	projectDir  string
	ran         []string // "op stack"
	policyPacks []string
}

func (f *stampFake) Run(ctx context.Context, req stamp.Request) (stamp.Changes, error) {
	f.mu.Lock()
	f.ran = append(f.ran, string(req.Op)+" "+req.Stack)
	f.policyPacks = req.PolicyPacks
	f.mu.Unlock()
	fmt.Fprintf(req.Log, "Updating (%s)\n", req.Stack)
	if f.fail[req.Stack] {
		return stamp.Changes{"create": 1}, errors.New("error: creating S3 bucket: AccessDenied")
	}
	return stamp.Changes{"create": 7}, nil
}

func (f *stampFake) Retained(ctx context.Context, stack string) ([]string, error) {
	return f.retained[stack], nil
}

// useStampFake installs fake as the engine for the test's duration.
func useStampFake(t *testing.T, fake *stampFake) {
	t.Helper()
	orig := stampEngine
	stampEngine = func(projectDir, org string) (stamp.Engine, error) {
		fake.mu.Lock()
		defer fake.mu.Unlock()
		fake.created++
		fake.projectDir = projectDir
		return fake, nil
	}
	t.Cleanup(func() { stampEngine = orig })
}

// stampProject has three customers, one of them with two environments.
func stampProject(t *testing.T) string {
	t.Helper()
	dir := customerProject(t)
	for _, c := range [][3]string{
		{"acme", "prod", "eu-west-1"}, {"acme", "staging", "eu-west-1"},
		{"globex", "prod", "us-east-2"}, {"initech", "prod", "eu-central-1"},
	} {
		if code, _, errOut := runCLI(t, customerArgs(dir, c[0], c[1], c[2])...); code != exitOK {
			t.Fatalf("customer new %v: %s", c, errOut)
		}
	}
	return dir
}

func TestStampCommand(t *testing.T) {
	dir := stampProject(t)
	for _, tc := range []struct {
		name        string
		args        []string
		fail        map[string]bool
		retained    map[string][]string
		wantCode    int
		wantRan     []string
		wantOut     []string // in stdout
		wantErr     string   // in stderr
		wantNoStart bool     // no engine may be created
	}{
		{
			name:     "up all",
			args:     []string{"stamp", "up", "--all"},
			wantCode: exitOK,
			wantRan:  []string{"up acme-prod", "up acme-staging", "up globex-prod", "up initech-prod"},
			wantOut:  []string{"acme-prod     succeeded  +7", "all 4 stack(s) succeeded"},
		},
		{
			name:     "one failure does not stop the others",
			args:     []string{"stamp", "up", "--all", "--parallel", "2"},
			fail:     map[string]bool{"globex-prod": true},
			wantCode: exitFailed,
			wantRan:  []string{"up acme-prod", "up acme-staging", "up globex-prod", "up initech-prod"},
			wantOut:  []string{"globex-prod   failed     +1", "initech-prod  succeeded", "1 of 4 stack(s) did not succeed", "AccessDenied"},
			wantErr:  "stamp up: 1 of 4 stack(s) did not succeed",
		},
		{
			name:     "one customer, one environment",
			args:     []string{"stamp", "preview", "--customer", "acme", "--env", "staging", "--policy-pack", "../../policies"},
			wantCode: exitOK,
			wantRan:  []string{"preview acme-staging"},
		},
		{
			name:     "two customers",
			args:     []string{"stamp", "refresh", "--customer", "globex", "--customer", "initech"},
			wantCode: exitOK,
			wantRan:  []string{"refresh globex-prod", "refresh initech-prod"},
		},
		{
			name:        "destroy needs --yes",
			args:        []string{"stamp", "destroy", "--customer", "initech"},
			wantCode:    exitUsage,
			wantErr:     "pass --yes to destroy 1 stack(s): initech-prod",
			wantNoStart: true,
		},
		{
			name:     "destroy refuses to orphan retained data",
			args:     []string{"stamp", "destroy", "--all", "--yes"},
			retained: map[string][]string{"acme-prod": {"urn:pulumi:acme-prod::ottkit::aws:s3/bucketV2:BucketV2::acme-prod-storage-masters"}},
			wantCode: exitFailed,
			wantRan:  []string{"destroy acme-staging", "destroy globex-prod", "destroy initech-prod"},
			wantOut:  []string{"acme-prod     refused", "acme-prod-storage-masters", "--force"},
		},
		{
			name:     "destroy --force",
			args:     []string{"stamp", "destroy", "--customer", "acme", "--env", "prod", "--yes", "--force"},
			retained: map[string][]string{"acme-prod": {"urn:pulumi:acme-prod::ottkit::aws:s3/bucketV2:BucketV2::acme-prod-storage-masters"}},
			wantCode: exitOK,
			wantRan:  []string{"destroy acme-prod"},
		},
		{
			name:     "--stack like plan",
			args:     []string{"stamp", "preview", "--stack", "acme-staging", "--stack", "globex-prod"},
			wantCode: exitOK,
			wantRan:  []string{"preview acme-staging", "preview globex-prod"},
		},
		{name: "unknown --stack", args: []string{"stamp", "up", "--stack", "acme-prd"}, wantCode: exitUsage, wantErr: `stack "acme-prd" has no stack file`, wantNoStart: true},
		{name: "--stack with --all", args: []string{"stamp", "up", "--stack", "acme-prod", "--all"}, wantCode: exitUsage, wantErr: "with --stack, or with --customer/--env/--all, not both", wantNoStart: true},
		{name: "no selection", args: []string{"stamp", "up"}, wantCode: exitUsage, wantErr: "either customer names or all", wantNoStart: true},
		{name: "unknown customer", args: []string{"stamp", "up", "--customer", "umbrella"}, wantCode: exitUsage, wantErr: `"umbrella" has no stack file`, wantNoStart: true},
		{name: "zero parallel", args: []string{"stamp", "up", "--all", "--parallel", "0"}, wantCode: exitUsage, wantErr: "--parallel 0 must be at least 1", wantNoStart: true},
		{name: "policy pack on refresh", args: []string{"stamp", "refresh", "--all", "--policy-pack", "../../policies"}, wantCode: exitUsage, wantErr: "policy packs run on preview and up, not refresh"},
		{name: "unknown operation", args: []string{"stamp", "apply", "--all"}, wantCode: exitUsage, wantNoStart: true, wantErr: `unknown operation "apply"`},
		{name: "no operation", args: []string{"stamp", "--all"}, wantCode: exitUsage, wantNoStart: true, wantErr: "give an operation: preview, up, refresh or destroy"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake := &stampFake{fail: tc.fail, retained: tc.retained}
			useStampFake(t, fake)
			logDir := t.TempDir()
			args := append(tc.args, "--project-dir", dir, "--log-dir", logDir)
			code, out, errOut := runCLI(t, args...)
			if code != tc.wantCode {
				t.Errorf("exit %d, want %d; stderr %s", code, tc.wantCode, errOut)
			}
			slices.Sort(fake.ran)
			if !slices.Equal(fake.ran, tc.wantRan) {
				t.Errorf("engine ran %v, want %v", fake.ran, tc.wantRan)
			}
			for _, want := range tc.wantOut {
				if !strings.Contains(out, want) {
					t.Errorf("stdout lacks %q:\n%s", want, out)
				}
			}
			if tc.wantErr != "" && !strings.Contains(errOut, tc.wantErr) {
				t.Errorf("stderr %q lacks %q", errOut, tc.wantErr)
			}
			if tc.wantNoStart && fake.created != 0 {
				t.Errorf("an engine was created although the command was refused")
			}
			if fake.created > 0 && fake.projectDir != dir {
				t.Errorf("engine project dir = %q, want %q", fake.projectDir, dir)
			}
			// Every stack that ran has its own log holding its engine output.
			for _, r := range fake.ran {
				stack := strings.Fields(r)[1]
				b, err := os.ReadFile(filepath.Join(logDir, stack+".log"))
				if err != nil || !strings.Contains(string(b), "Updating ("+stack+")") {
					t.Errorf("log of %s: %q, %v", stack, b, err)
				}
			}
		})
	}
}

func TestStampPassesPolicyPacks(t *testing.T) {
	dir := stampProject(t)
	fake := &stampFake{}
	useStampFake(t, fake)
	extra := t.TempDir()
	if err := os.WriteFile(filepath.Join(extra, "PulumiPolicy.yaml"), []byte("runtime: opa\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// Relative to the working directory, though the Pulumi CLI runs in the project directory.
	code, _, errOut := runCLI(t, "stamp", "preview", "--customer", "globex", "--policy-pack", "../../policies",
		"--policy-pack", extra, "--project-dir", dir, "--log-dir", t.TempDir())
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	policies, err := filepath.Abs("../../policies")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{policies, extra}; !slices.Equal(fake.policyPacks, want) {
		t.Errorf("policy packs = %v, want %v", fake.policyPacks, want)
	}

	code, _, errOut = runCLI(t, "stamp", "preview", "--all", "--policy-pack", t.TempDir(), "--project-dir", dir)
	if code != exitUsage || !strings.Contains(errOut, "is not a policy pack") {
		t.Errorf("a directory without PulumiPolicy.yaml: exit %d, stderr %q", code, errOut)
	}
}

// TestStampInvalidStack: an invalid stack file fails its own preview/up before the engine
// starts, and does not block the others; refresh and destroy do not run the program, so they
// proceed.
func TestStampInvalidStack(t *testing.T) {
	dir := stampProject(t)
	path := filepath.Join(dir, "stacks", "Pulumi.globex-prod.yaml")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(strings.Replace(string(b), "aws:region: us-east-2", "aws:region: mars-1", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		op      string
		wantRan []string
		code    int
	}{
		{"up", []string{"up acme-prod", "up acme-staging", "up initech-prod"}, exitFailed},
		{"refresh", []string{"refresh acme-prod", "refresh acme-staging", "refresh globex-prod", "refresh initech-prod"}, exitOK},
	} {
		t.Run(tc.op, func(t *testing.T) {
			fake := &stampFake{}
			useStampFake(t, fake)
			code, out, errOut := runCLI(t, "stamp", tc.op, "--all", "--project-dir", dir, "--log-dir", t.TempDir())
			if code != tc.code {
				t.Errorf("exit %d, want %d: %s", code, tc.code, errOut)
			}
			slices.Sort(fake.ran)
			if !slices.Equal(fake.ran, tc.wantRan) {
				t.Errorf("engine ran %v, want %v", fake.ran, tc.wantRan)
			}
			if tc.op == "up" && !strings.Contains(out, `aws:region: "mars-1" is not an AWS region name`) {
				t.Errorf("summary does not say why globex-prod failed:\n%s", out)
			}
		})
	}
}

// TestStampStackWithSecrets: a stack file with encrypted values cannot be validated offline, so
// stamp leaves that to the program and runs it.
func TestStampStackWithSecrets(t *testing.T) {
	dir := stampProject(t)
	path := filepath.Join(dir, "stacks", "Pulumi.initech-prod.yaml")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b = append(b, []byte("  ottkit:alertEmail:\n    secure: v1:c2FsdA==:ZW5jcnlwdGVk\n")...)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	fake := &stampFake{}
	useStampFake(t, fake)
	code, out, errOut := runCLI(t, "stamp", "up", "--customer", "initech", "--project-dir", dir, "--log-dir", t.TempDir())
	if code != exitOK || !slices.Equal(fake.ran, []string{"up initech-prod"}) {
		t.Errorf("exit %d, engine ran %v; want initech-prod up\n%s%s", code, fake.ran, out, errOut)
	}
}

func TestStampWithoutPulumiCLI(t *testing.T) {
	dir := stampProject(t)
	t.Setenv("PATH", t.TempDir()) // no pulumi here
	code, _, errOut := runCLI(t, "stamp", "up", "--all", "--project-dir", dir, "--log-dir", t.TempDir())
	if code != exitUsage {
		t.Errorf("exit %d, want %d", code, exitUsage)
	}
	for _, want := range []string{"pulumi CLI is not on PATH", "https://get.pulumi.com", "ottkit plan"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr %q lacks %q", errOut, want)
		}
	}
}

// blockingFake runs until its context is cancelled; with stubborn set it then also waits for
// Abort, like a CLI finishing its in-flight steps.
type blockingFake struct {
	stubborn bool
	started  chan string
	aborted  chan struct{}
	once     sync.Once
}

func (f *blockingFake) Run(ctx context.Context, req stamp.Request) (stamp.Changes, error) {
	f.started <- req.Stack
	<-ctx.Done()
	if f.stubborn {
		<-f.aborted
	}
	return nil, fmt.Errorf("update canceled: %w", ctx.Err())
}

func (f *blockingFake) Retained(ctx context.Context, stack string) ([]string, error) { return nil, nil }

func (f *blockingFake) Abort() { f.once.Do(func() { close(f.aborted) }) }

// TestStampInterrupts: the first signal cancels (running stacks end cancelled, queued ones are
// skipped), the second aborts the engine.
func TestStampInterrupts(t *testing.T) {
	dir := stampProject(t)
	for _, tc := range []struct {
		name      string
		signals   int
		stubborn  bool
		wantAbort bool
	}{
		{"one Ctrl-C", 1, false, false},
		{"two Ctrl-C", 2, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake := &blockingFake{stubborn: tc.stubborn, started: make(chan string, 4), aborted: make(chan struct{})}
			orig, origSignals := stampEngine, stampSignals
			t.Cleanup(func() { stampEngine, stampSignals = orig, origSignals })
			stampEngine = func(string, string) (stamp.Engine, error) { return fake, nil }
			sigs := make(chan os.Signal, 2)
			stopped := make(chan struct{})
			var stopOnce sync.Once
			stampSignals = func() (<-chan os.Signal, func()) {
				return sigs, func() { stopOnce.Do(func() { close(stopped) }) }
			}
			go func() {
				<-fake.started
				<-fake.started // both slots of --parallel 2 are busy
				for range tc.signals {
					sigs <- os.Interrupt
				}
			}()
			code, out, errOut := runCLI(t, "stamp", "up", "--all", "--parallel", "2", "--project-dir", dir, "--log-dir", t.TempDir())
			if code == exitOK || !strings.Contains(errOut, "stamp up: cancelled; 4 of 4 stack(s) did not finish") {
				t.Errorf("exit %d, stderr %q; want a cancelled run", code, errOut)
			}
			if got := strings.Count(out, "cancelled  -"); got != 2 {
				t.Errorf("%d stacks cancelled, want the 2 running ones:\n%s", got, out)
			}
			if got := strings.Count(out, "skipped    -"); got != 2 {
				t.Errorf("%d stacks skipped, want the 2 queued ones:\n%s", got, out)
			}
			select {
			case <-fake.aborted:
				if !tc.wantAbort {
					t.Error("one Ctrl-C aborted the engine")
				}
			default:
				if tc.wantAbort {
					t.Error("two Ctrl-C did not abort the engine")
				}
			}
			if tc.wantAbort != strings.Contains(errOut, "stopping at once") {
				t.Errorf("stderr %q: abort notice %v, want %v", errOut, !tc.wantAbort, tc.wantAbort)
			}
			<-stopped // the signal subscription is always released
		})
	}
}
