package stamp

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
)

// fakeEngine records what the orchestration asks of the engine. Each stack behaves as its
// entry in run says (default: succeed with one create); runs happen concurrently, as they
// would against the real engine.
type fakeEngine struct {
	run      map[string]func(ctx context.Context, req Request) (Changes, error)
	retained map[string][]string

	mu           sync.Mutex
	running, max int
	ran          []string // stacks Run was called for, in call order
	checked      []string // stacks Retained was called for
	cancelSeen   []string // stacks whose Run returned after seeing ctx cancelled
}

func (f *fakeEngine) Run(ctx context.Context, req Request) (Changes, error) {
	f.mu.Lock()
	f.running++
	f.max = max(f.max, f.running)
	f.ran = append(f.ran, req.Stack)
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		f.running--
		if ctx.Err() != nil {
			f.cancelSeen = append(f.cancelSeen, req.Stack)
		}
		f.mu.Unlock()
	}()
	fmt.Fprintf(req.Log, "engine output for %s\n", req.Stack)
	if fn := f.run[req.Stack]; fn != nil {
		return fn(ctx, req)
	}
	req.Step(Step{Op: "create", URN: "urn:pulumi:" + req.Stack + "::ottkit::aws:s3/bucketV2:BucketV2::" + req.Stack + "-masters"})
	req.Step(Step{Op: "create", URN: "urn:pulumi:" + req.Stack + "::ottkit::aws:s3/bucketV2:BucketV2::" + req.Stack + "-masters", Done: true})
	return Changes{"create": 1}, nil
}

func (f *fakeEngine) Retained(ctx context.Context, stack string) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.checked = append(f.checked, stack)
	return f.retained[stack], nil
}

func stacks(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("customer%d-prod", i)
	}
	return out
}

func outcomes(rs []Result) []Outcome {
	out := make([]Outcome, len(rs))
	for i, r := range rs {
		out[i] = r.Outcome
	}
	return out
}

func TestRunBoundsParallelism(t *testing.T) {
	for _, tc := range []struct {
		parallel, stacks, want int
	}{
		{parallel: 1, stacks: 4, want: 1},
		{parallel: 3, stacks: 10, want: 3},
		{parallel: 8, stacks: 3, want: 3}, // never more workers than stacks
		{parallel: 0, stacks: 9, want: DefaultParallel},
	} {
		t.Run(fmt.Sprintf("parallel=%d,stacks=%d", tc.parallel, tc.stacks), func(t *testing.T) {
			started := make(chan string)
			release := make(chan struct{})
			eng := &fakeEngine{run: map[string]func(context.Context, Request) (Changes, error){}}
			for _, s := range stacks(tc.stacks) {
				eng.run[s] = func(ctx context.Context, req Request) (Changes, error) {
					started <- req.Stack
					<-release
					return Changes{"same": 3}, nil
				}
			}
			done := make(chan []Result)
			go func() {
				rs, err := Run(context.Background(), eng, Options{
					Op: Up, Stacks: stacks(tc.stacks), Parallel: tc.parallel, LogDir: t.TempDir(),
				})
				if err != nil {
					t.Errorf("Run() error: %v", err)
				}
				done <- rs
			}()
			// Wait until the bound is reached: the first want stacks are all in flight at once.
			for range tc.want {
				<-started
			}
			// Then let every stack through, one release per started stack.
			go func() {
				for range tc.stacks - tc.want {
					<-started
				}
			}()
			for range tc.stacks {
				release <- struct{}{}
			}
			rs := <-done
			if eng.max != tc.want {
				t.Errorf("max concurrent runs = %d, want %d", eng.max, tc.want)
			}
			if len(eng.ran) != tc.stacks {
				t.Errorf("Run called for %d stacks, want %d", len(eng.ran), tc.stacks)
			}
			for i, r := range rs {
				if r.Outcome != Succeeded || r.Stack != stacks(tc.stacks)[i] {
					t.Errorf("result[%d] = %s %s, want %s succeeded", i, r.Stack, r.Outcome, stacks(tc.stacks)[i])
				}
			}
		})
	}
}

func TestRunIsolatesFailures(t *testing.T) {
	boom := errors.New("creating bucket: AccessDenied")
	eng := &fakeEngine{run: map[string]func(context.Context, Request) (Changes, error){
		"beta-prod": func(ctx context.Context, req Request) (Changes, error) {
			return Changes{"create": 2}, boom
		},
	}}
	names := []string{"alpha-prod", "beta-prod", "gamma-prod"}
	logDir := t.TempDir()
	rs, err := Run(context.Background(), eng, Options{Op: Up, Stacks: names, Parallel: 1, LogDir: logDir})
	if err != nil {
		t.Fatalf("Run() error: %v", err)
	}
	if got, want := outcomes(rs), []Outcome{Succeeded, Failed, Succeeded}; !slices.Equal(got, want) {
		t.Errorf("outcomes = %v, want %v", got, want)
	}
	if got, want := eng.ran, names; !slices.Equal(got, want) {
		t.Errorf("stacks run = %v, want %v (a failure must not stop the rest)", got, want)
	}
	if !errors.Is(rs[1].Err, boom) {
		t.Errorf("beta error = %v, want it to wrap %v", rs[1].Err, boom)
	}
	if !strings.Contains(rs[1].Err.Error(), "up beta-prod") {
		t.Errorf("beta error = %q, want it to name the operation and stack", rs[1].Err)
	}
	if got := rs[1].Changes["create"]; got != 2 {
		t.Errorf("beta changes before failing = %d creates, want 2 (partial progress is reported)", got)
	}
	if got := Failures(rs); got != 1 {
		t.Errorf("Failures() = %d, want 1", got)
	}
	if rs[0].Changes.String() != "+1" {
		t.Errorf("alpha changes = %q, want +1", rs[0].Changes)
	}

	// Each stack has its own log with the engine's output, and the failure is in the failing one.
	for _, r := range rs {
		if want := filepath.Join(logDir, r.Stack+".log"); r.Log != want {
			t.Errorf("%s log = %q, want %q", r.Stack, r.Log, want)
		}
		b, err := os.ReadFile(r.Log)
		if err != nil {
			t.Fatalf("reading %s log: %v", r.Stack, err)
		}
		log := string(b)
		if !strings.Contains(log, "engine output for "+r.Stack) {
			t.Errorf("%s log lacks its engine output:\n%s", r.Stack, log)
		}
		for _, other := range names {
			if other != r.Stack && strings.Contains(log, "engine output for "+other) {
				t.Errorf("%s log holds %s's output:\n%s", r.Stack, other, log)
			}
		}
		if hasErr := strings.Contains(log, "AccessDenied"); hasErr != (r.Stack == "beta-prod") {
			t.Errorf("%s log mentions the failure: %v, want %v", r.Stack, hasErr, r.Stack == "beta-prod")
		}
		info, err := os.Stat(r.Log)
		if err != nil {
			t.Fatal(err)
		}
		if perm := info.Mode().Perm(); perm != 0o600 {
			t.Errorf("%s log mode = %o, want 600", r.Stack, perm)
		}
	}
}

// TestRunCancellation cancels while two stacks are in flight: they must see the cancellation
// through the context the engine got (the real engine then interrupts the pulumi CLI), end
// Cancelled, and the stacks not yet started must never start.
func TestRunCancellation(t *testing.T) {
	names := stacks(5)
	started := make(chan string, len(names))
	eng := &fakeEngine{run: map[string]func(context.Context, Request) (Changes, error){}}
	for _, s := range names {
		eng.run[s] = func(ctx context.Context, req Request) (Changes, error) {
			started <- req.Stack
			<-ctx.Done()
			return Changes{"create": 1}, fmt.Errorf("update canceled: %w", ctx.Err())
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-started
		<-started
		cancel()
	}()
	rs, err := Run(ctx, eng, Options{Op: Up, Stacks: names, Parallel: 2, LogDir: t.TempDir()})
	if err != nil {
		t.Fatalf("Run() error: %v", err)
	}
	want := []Outcome{Cancelled, Cancelled, Skipped, Skipped, Skipped}
	if got := outcomes(rs); !slices.Equal(got, want) {
		t.Errorf("outcomes = %v, want %v", got, want)
	}
	if got := len(eng.ran); got != 2 {
		t.Errorf("Run called %d times, want 2 (nothing starts after cancellation)", got)
	}
	slices.Sort(eng.cancelSeen)
	if want := names[:2]; !slices.Equal(eng.cancelSeen, want) {
		t.Errorf("stacks that saw the cancelled context = %v, want %v", eng.cancelSeen, want)
	}
	for _, r := range rs {
		if !errors.Is(r.Err, context.Canceled) {
			t.Errorf("%s error = %v, want context.Canceled", r.Stack, r.Err)
		}
		if r.Outcome == Skipped && r.Log != "" {
			t.Errorf("%s skipped but has log %q", r.Stack, r.Log)
		}
	}
	if got := Failures(rs); got != len(names) {
		t.Errorf("Failures() = %d, want %d", got, len(names))
	}
}

func TestRunAlreadyCancelledStartsNothing(t *testing.T) {
	eng := &fakeEngine{}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rs, err := Run(ctx, eng, Options{Op: Preview, Stacks: stacks(3), LogDir: t.TempDir()})
	if err != nil {
		t.Fatalf("Run() error: %v", err)
	}
	if got, want := outcomes(rs), []Outcome{Skipped, Skipped, Skipped}; !slices.Equal(got, want) {
		t.Errorf("outcomes = %v, want %v", got, want)
	}
	if len(eng.ran) != 0 {
		t.Errorf("Run called for %v, want none", eng.ran)
	}
}

func TestRunDestroyRefusesOrphans(t *testing.T) {
	masters := "urn:pulumi:beta-prod::ottkit::ottkit:index:Platform$ottkit:aws:MediaStorage$aws:s3/bucketV2:BucketV2::beta-prod-storage-masters"
	catalog := "urn:pulumi:beta-prod::ottkit::ottkit:index:Platform$ottkit:aws:Catalog$aws:dynamodb/table:Table::beta-prod-catalog"
	names := []string{"alpha-prod", "beta-prod"}
	for _, tc := range []struct {
		name        string
		force       bool
		wantOutcome []Outcome
		wantRan     []string
		wantChecked []string
	}{
		{"refused without force", false, []Outcome{Succeeded, Refused}, []string{"alpha-prod"}, names},
		{"forced", true, []Outcome{Succeeded, Succeeded}, names, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			eng := &fakeEngine{retained: map[string][]string{"beta-prod": {catalog, masters}}}
			rs, err := Run(context.Background(), eng, Options{
				Op: Destroy, Stacks: names, Parallel: 1, Force: tc.force, LogDir: t.TempDir(),
			})
			if err != nil {
				t.Fatalf("Run() error: %v", err)
			}
			if got := outcomes(rs); !slices.Equal(got, tc.wantOutcome) {
				t.Errorf("outcomes = %v, want %v", got, tc.wantOutcome)
			}
			if !slices.Equal(eng.ran, tc.wantRan) {
				t.Errorf("destroy ran on %v, want %v", eng.ran, tc.wantRan)
			}
			if !slices.Equal(eng.checked, tc.wantChecked) {
				t.Errorf("retained checked on %v, want %v", eng.checked, tc.wantChecked)
			}
			if tc.force {
				return
			}
			var orphan *OrphanError
			if !errors.As(rs[1].Err, &orphan) {
				t.Fatalf("beta error = %v, want *OrphanError", rs[1].Err)
			}
			msg := orphan.Error()
			for _, want := range []string{"beta-prod-catalog", "beta-prod-storage-masters", "--force", "ottkit:retainData"} {
				if !strings.Contains(msg, want) {
					t.Errorf("refusal %q does not mention %q", msg, want)
				}
			}
			log, err := os.ReadFile(rs[1].Log)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(log), masters) {
				t.Errorf("beta log lacks the full URN of the retained bucket:\n%s", log)
			}
		})
	}
}

func TestRunRejectsBadOptions(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts Options
		want string
	}{
		{"no stacks", Options{Op: Up, LogDir: "x"}, "no stacks selected"},
		{"unknown op", Options{Op: "apply", Stacks: []string{"a-prod"}, LogDir: "x"}, `unknown operation "apply"`},
		{"bad stack name", Options{Op: Up, Stacks: []string{"a prod"}, LogDir: "x"}, `stacks[0] "a prod" is not a valid stack name`},
		{"path in stack name", Options{Op: Up, Stacks: []string{"../a"}, LogDir: "x"}, `stacks[0] "../a"`},
		{"duplicate", Options{Op: Up, Stacks: []string{"a-prod", "a-prod"}, LogDir: "x"}, `stacks[1] "a-prod" is selected twice`},
		{"negative parallel", Options{Op: Up, Stacks: []string{"a-prod"}, Parallel: -1, LogDir: "x"}, "parallel -1 is negative"},
		{"policy on destroy", Options{Op: Destroy, Stacks: []string{"a-prod"}, PolicyPacks: []string{"policies"}, LogDir: "x"}, "policy packs run on preview and up, not destroy"},
		{"policy on refresh", Options{Op: Refresh, Stacks: []string{"a-prod"}, PolicyPacks: []string{"policies"}, LogDir: "x"}, "not refresh"},
		{"no log dir", Options{Op: Up, Stacks: []string{"a-prod"}}, "log dir is empty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			eng := &fakeEngine{}
			_, err := Run(context.Background(), eng, tc.opts)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Run() error = %v, want it to contain %q", err, tc.want)
			}
			if len(eng.ran) != 0 {
				t.Errorf("Run called for %v despite bad options", eng.ran)
			}
		})
	}
}

func TestRunPassesPolicyPacks(t *testing.T) {
	var got []string
	eng := &fakeEngine{run: map[string]func(context.Context, Request) (Changes, error){
		"a-prod": func(ctx context.Context, req Request) (Changes, error) {
			got = req.PolicyPacks
			if req.Op != Preview {
				t.Errorf("op = %s, want preview", req.Op)
			}
			return Changes{"same": 40}, nil
		},
	}}
	rs, err := Run(context.Background(), eng, Options{
		Op: Preview, Stacks: []string{"a-prod"}, PolicyPacks: []string{"policies"}, LogDir: t.TempDir(),
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, []string{"policies"}) {
		t.Errorf("policy packs = %v, want [policies]", got)
	}
	if s := rs[0].Changes.String(); s != "no changes" {
		t.Errorf("changes = %q, want no changes", s)
	}
}

func TestParseOp(t *testing.T) {
	for _, s := range []string{"preview", "up", "refresh", "destroy"} {
		if op, err := ParseOp(s); err != nil || string(op) != s {
			t.Errorf("ParseOp(%q) = %q, %v", s, op, err)
		}
	}
	for _, s := range []string{"", "UP", "deploy"} {
		if _, err := ParseOp(s); err == nil {
			t.Errorf("ParseOp(%q) succeeded, want an error", s)
		}
	}
}

func TestChangesString(t *testing.T) {
	for _, tc := range []struct {
		in   Changes
		want string
	}{
		{nil, "no changes"},
		{Changes{"same": 12}, "no changes"},
		{Changes{"create": 3, "same": 1}, "+3"},
		{Changes{"create": 3, "update": 1, "delete": 2, "replace": 1}, "+3 ~1 -2 ±1"},
		{Changes{"delete": 0, "update": 2}, "~2"},
		{Changes{"refresh": 4, "read": 1, "create": 1}, "+1 read 1 refresh 4"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			if got := tc.in.String(); got != tc.want {
				t.Errorf("%v.String() = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestRunPrecheckFailsOnlyThatStack(t *testing.T) {
	invalid := errors.New("ottkit:jwtIssuer: required")
	var checked []string
	var mu sync.Mutex
	eng := &fakeEngine{}
	rs, err := Run(context.Background(), eng, Options{
		Op: Up, Stacks: []string{"a-prod", "b-prod"}, LogDir: t.TempDir(),
		Precheck: func(ctx context.Context, stack string, op Op) error {
			mu.Lock()
			defer mu.Unlock()
			checked = append(checked, stack+" "+string(op))
			if stack == "b-prod" {
				return invalid
			}
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := outcomes(rs), []Outcome{Succeeded, Failed}; !slices.Equal(got, want) {
		t.Errorf("outcomes = %v, want %v", got, want)
	}
	if !slices.Equal(eng.ran, []string{"a-prod"}) {
		t.Errorf("engine ran %v, want only a-prod", eng.ran)
	}
	slices.Sort(checked)
	if want := []string{"a-prod up", "b-prod up"}; !slices.Equal(checked, want) {
		t.Errorf("prechecked %v, want %v", checked, want)
	}
	if !errors.Is(rs[1].Err, invalid) || !strings.Contains(rs[1].Err.Error(), "b-prod") {
		t.Errorf("b-prod error = %v, want it to name the stack and wrap %v", rs[1].Err, invalid)
	}
}
