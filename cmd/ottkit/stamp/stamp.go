// Package stamp runs one Pulumi operation (preview, up, refresh or destroy) across many customer
// stacks at once, the way a consultancy upgrades every customer's platform from one place.
//
// It owns the orchestration only: at most N stacks run at a time, each stack's engine output goes
// to its own log file, one line per stack shows its progress, a failing stack never stops the
// others, and cancelling the context cancels the stacks in flight and skips the ones not yet
// started. The Pulumi engine sits behind the small Engine interface; PulumiEngine implements it
// with the Automation API, and the tests use a fake.
package stamp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"
)

// Op is a Pulumi stack operation.
type Op string

// The operations stamp drives.
const (
	Preview Op = "preview"
	Up      Op = "up"
	Refresh Op = "refresh"
	Destroy Op = "destroy"
)

// ParseOp returns the Op named s.
func ParseOp(s string) (Op, error) {
	switch op := Op(s); op {
	case Preview, Up, Refresh, Destroy:
		return op, nil
	}
	return "", fmt.Errorf("stamp: unknown operation %q (want preview, up, refresh or destroy)", s)
}

// acceptsPolicyPacks reports whether the Pulumi CLI runs policy packs for op: only preview and
// up evaluate the program's resources, so only they take --policy-pack.
func (op Op) acceptsPolicyPacks() bool { return op == Preview || op == Up }

// Changes counts resource operations by Pulumi op type ("create", "update", "delete",
// "replace", "same", ...), as the engine's summary reports them.
type Changes map[string]int

// String renders the counts compactly: "+2 ~1 -1 ±1" for create, update, delete and replace,
// then any other op type by name; unchanged resources are left out. It says "no changes" when
// nothing but "same" was counted.
func (c Changes) String() string {
	var parts []string
	for _, k := range []struct{ op, sign string }{
		{"create", "+"}, {"update", "~"}, {"delete", "-"}, {"replace", "±"},
	} {
		if n := c[k.op]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s%d", k.sign, n))
		}
	}
	var others []string
	for op, n := range c {
		switch op {
		case "create", "update", "delete", "replace", "same":
			continue
		}
		if n > 0 {
			others = append(others, fmt.Sprintf("%s %d", op, n))
		}
	}
	sort.Strings(others)
	parts = append(parts, others...)
	if len(parts) == 0 {
		return "no changes"
	}
	return strings.Join(parts, " ")
}

// Step is one resource step the engine reported while an operation runs.
type Step struct {
	Op   string // Pulumi op type: create, update, delete, same, refresh, ...
	URN  string
	Done bool // false when the step starts, true when it finished
}

// Request is one operation on one stack.
type Request struct {
	Stack       string
	Op          Op
	PolicyPacks []string  // preview and up only
	Log         io.Writer // the engine's full output goes here
	// Step is called for every resource step the engine reports; it may be called from another
	// goroutine, and even shortly after the operation returned.
	Step func(Step)
}

// Engine performs Pulumi operations on one stack at a time. It is the seam between the
// orchestration and the Pulumi Automation API.
type Engine interface {
	// Run performs req.Op on req.Stack and returns the resource changes it made (or, for
	// preview, would make). Cancelling ctx must cancel the operation gracefully.
	Run(ctx context.Context, req Request) (Changes, error)
	// Retained lists the resources in the stack's current state that are retained on delete:
	// what a destroy would leave behind, unmanaged.
	Retained(ctx context.Context, stack string) ([]string, error)
}

// Outcome is how one stack's operation ended.
type Outcome string

// The outcomes, in the order the summary explains them.
const (
	Succeeded Outcome = "succeeded"
	Failed    Outcome = "failed"
	Refused   Outcome = "refused"   // destroy would orphan retained data and Force was not set
	Cancelled Outcome = "cancelled" // the operation was running when the context was cancelled
	Skipped   Outcome = "skipped"   // the context was cancelled before the stack started
)

// Result is one stack's outcome.
type Result struct {
	Stack    string
	Outcome  Outcome
	Changes  Changes
	Duration time.Duration
	Err      error  // nil when Succeeded
	Log      string // path of the stack's log file; empty when the stack never started
}

// Options say what to run where.
type Options struct {
	Op     Op
	Stacks []string // stack names; each runs once, in this order as capacity frees up
	// Parallel bounds how many stacks run at once; 0 means 4.
	Parallel    int
	PolicyPacks []string // preview and up only
	// Force lets destroy proceed on a stack whose retained resources it would orphan.
	Force bool
	// Precheck, when set, runs before the engine for each stack; an error fails that stack
	// without starting the engine (e.g. a stack file that does not validate).
	Precheck func(ctx context.Context, stack string, op Op) error
	// LogDir receives one "<stack>.log" per stack; it is created if missing.
	LogDir string
	// Progress receives one line per stack as it changes. Nil discards progress.
	Progress io.Writer
	// Live redraws all stack lines in place (for a terminal) instead of appending a line per
	// change (for CI logs).
	Live bool
	// Now is the clock; nil means time.Now. Tests pin it to get stable durations.
	Now func() time.Time
}

// DefaultParallel is how many stacks run at once when Options.Parallel is 0. Each stack runs its
// own Pulumi CLI and language host, so more than a handful mostly contends for CPU.
const DefaultParallel = 4

// stackName is what Pulumi accepts as a stack name, and what is safe as a log file name.
var stackName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

func (o *Options) validate() error {
	var errs []error
	if _, err := ParseOp(string(o.Op)); err != nil {
		errs = append(errs, err)
	}
	if len(o.Stacks) == 0 {
		errs = append(errs, errors.New("stamp: no stacks selected"))
	}
	seen := map[string]bool{}
	for i, s := range o.Stacks {
		if !stackName.MatchString(s) {
			errs = append(errs, fmt.Errorf("stamp: stacks[%d] %q is not a valid stack name", i, s))
		}
		if seen[s] {
			errs = append(errs, fmt.Errorf("stamp: stacks[%d] %q is selected twice", i, s))
		}
		seen[s] = true
	}
	if o.Parallel < 0 {
		errs = append(errs, fmt.Errorf("stamp: parallel %d is negative", o.Parallel))
	}
	if len(o.PolicyPacks) > 0 && !o.Op.acceptsPolicyPacks() {
		errs = append(errs, fmt.Errorf("stamp: policy packs run on preview and up, not %s", o.Op))
	}
	if o.LogDir == "" {
		errs = append(errs, errors.New("stamp: log dir is empty"))
	}
	return errors.Join(errs...)
}

// Run performs opts.Op on every stack in opts.Stacks through eng and returns one Result per
// stack, in opts.Stacks order. The error is only for options that make running impossible (no
// stacks, bad names, an unwritable log dir); a stack's own failure is in its Result. When ctx is
// cancelled, running stacks see the cancellation through eng and end Cancelled, and stacks not yet
// started end Skipped.
func Run(ctx context.Context, eng Engine, opts Options) ([]Result, error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	if opts.Parallel == 0 {
		opts.Parallel = DefaultParallel
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	// Logs may quote configuration and resource outputs: keep them to the user.
	if err := os.MkdirAll(opts.LogDir, 0o700); err != nil {
		return nil, fmt.Errorf("stamp: log dir: %w", err)
	}
	progress := opts.Progress
	if progress == nil {
		progress = io.Discard
	}
	b := newBoard(progress, opts.Live, opts.Op, opts.Stacks)

	results := make([]Result, len(opts.Stacks))
	sem := make(chan struct{}, opts.Parallel)
	var wg sync.WaitGroup
	for i, stack := range opts.Stacks {
		// Checked before the select too: when a slot and cancellation are both ready, select
		// picks at random, and a cancelled run must not start anything new.
		if ctx.Err() == nil {
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
			}
		}
		if ctx.Err() != nil {
			results[i] = Result{Stack: stack, Outcome: Skipped, Err: ctx.Err()}
			b.finish(stack, results[i])
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			results[i] = runOne(ctx, eng, opts, stack, b)
			b.finish(stack, results[i])
		}()
	}
	wg.Wait()
	b.close()
	return results, nil
}

// runOne runs the operation on one stack and never panics the whole run: an engine error of any
// kind is the stack's result.
func runOne(ctx context.Context, eng Engine, opts Options, stack string, b *board) Result {
	start := opts.Now()
	res := Result{Stack: stack, Log: filepath.Join(opts.LogDir, stack+".log")}
	done := func(o Outcome, ch Changes, err error) Result {
		res.Outcome, res.Changes, res.Err = o, ch, err
		res.Duration = opts.Now().Sub(start)
		// A failure after cancellation is the cancellation; a refusal stays a refusal.
		if o == Failed && ctx.Err() != nil {
			res.Outcome = Cancelled
		}
		return res
	}

	f, err := os.OpenFile(res.Log, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		res.Log = ""
		return done(Failed, nil, fmt.Errorf("stamp: %s: log file: %w", stack, err))
	}
	defer f.Close()
	// The engine writes from its own goroutines; the log gets our own lines as well.
	log := &lockedWriter{w: f}
	fmt.Fprintf(log, "ottkit stamp %s %s, started %s\n", opts.Op, stack, start.UTC().Format(time.RFC3339))

	if opts.Precheck != nil {
		if err := opts.Precheck(ctx, stack, opts.Op); err != nil {
			err = fmt.Errorf("stamp: %s: %w", stack, err)
			fmt.Fprintln(log, err)
			return done(Failed, nil, err)
		}
	}
	if opts.Op == Destroy && !opts.Force {
		b.status(stack, "checking") // for retained resources
		retained, err := eng.Retained(ctx, stack)
		if err != nil {
			err = fmt.Errorf("stamp: %s: reading state for retained resources: %w", stack, err)
			fmt.Fprintln(log, err)
			return done(Failed, nil, err)
		}
		if len(retained) > 0 {
			err := &OrphanError{Stack: stack, Resources: retained}
			fmt.Fprintln(log, err)
			for _, urn := range retained {
				fmt.Fprintln(log, "  retained:", urn)
			}
			return done(Refused, nil, err)
		}
	}

	b.status(stack, "running")
	changes, err := eng.Run(ctx, Request{
		Stack:       stack,
		Op:          opts.Op,
		PolicyPacks: opts.PolicyPacks,
		Log:         log,
		Step:        func(s Step) { b.step(stack, s) },
	})
	if err != nil {
		err = fmt.Errorf("stamp: %s %s: %w", opts.Op, stack, err)
		fmt.Fprintln(log, err)
		return done(Failed, changes, err)
	}
	fmt.Fprintf(log, "ottkit stamp %s %s: %s\n", opts.Op, stack, changes)
	return done(Succeeded, changes, nil)
}

// OrphanError is why destroy refused a stack: these resources are retained on delete, so
// destroying the stack would leave them in the account, no longer managed by any stack.
type OrphanError struct {
	Stack     string
	Resources []string // URNs
}

func (e *OrphanError) Error() string {
	names := make([]string, len(e.Resources))
	for i, urn := range e.Resources {
		names[i] = logicalName(urn) // the log has the full URN
	}
	return fmt.Sprintf("stamp: destroy %s would orphan %d retained resource(s): %s; "+
		"set ottkit:retainData to false and run up first, or pass --force to leave them behind",
		e.Stack, len(e.Resources), strings.Join(names, ", "))
}

// Failures counts the results that did not succeed.
func Failures(results []Result) int {
	n := 0
	for _, r := range results {
		if r.Outcome != Succeeded {
			n++
		}
	}
	return n
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// logicalName is the last part of a URN ("urn:pulumi:s::p::type::name" gives "name").
func logicalName(urn string) string {
	if i := strings.LastIndex(urn, "::"); i >= 0 {
		return urn[i+2:]
	}
	return urn
}
