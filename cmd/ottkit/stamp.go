package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/ottkit/ottkit/cmd/ottkit/customer"
	"github.com/ottkit/ottkit/cmd/ottkit/stamp"
	"github.com/ottkit/ottkit/components/platform"
)

// stampEngine makes the engine stamp drives; tests replace it with a fake.
var stampEngine = func(projectDir, org string) (stamp.Engine, error) {
	return stamp.NewPulumiEngine(projectDir, org)
}

// stampSignals subscribes to the signals that cancel a run; tests send their own.
var stampSignals = func() (<-chan os.Signal, func()) {
	c := make(chan os.Signal, 2)
	signal.Notify(c, os.Interrupt, syscall.SIGTERM)
	return c, func() { signal.Stop(c) }
}

// stampFlags are shared by every `stamp` operation.
type stampFlags struct {
	projectDir  string
	stacks      []string
	customers   []string
	env         string
	all         bool
	parallel    int
	policyPacks []string
	org         string
	logDir      string
	yes         bool
	force       bool
}

func init() { register(newStampCmd) }

// newStampCmd is `ottkit stamp preview|up|refresh|destroy`: one Pulumi operation across many
// customer stacks.
func newStampCmd() *cobra.Command {
	var f stampFlags
	cmd := &cobra.Command{
		Use:   "stamp (preview|up|refresh|destroy)",
		Short: "Preview, deploy, refresh or destroy many customer stacks at once",
		Long: `Run one Pulumi operation on every selected customer stack through the Pulumi Automation API
(this repository is the program; each stack reads stacks/Pulumi.<stack>.yaml).

At most --parallel stacks run at once. Each line shows one stack's progress; the engine's full
output goes to one log file per stack; a table summarises the outcome. A failing stack does not
stop the others, but the exit status is non-zero. Ctrl-C cancels: running operations are
interrupted through the Automation API (the engine finishes the steps in flight and saves
state) and stacks not yet started are skipped; a second Ctrl-C makes the running operations
stop at once (in-flight steps may be left pending: refresh those stacks afterwards).

Needs the pulumi CLI on PATH, logged in to the backend holding the stacks' state.`,
		// Without this, cobra answers an unknown operation with help and exit status 0.
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return errors.New("stamp: give an operation: preview, up, refresh or destroy")
			}
			_, err := stamp.ParseOp(args[0])
			return err
		},
	}
	pf := cmd.PersistentFlags()
	pf.StringVar(&f.projectDir, "project-dir", "", "directory holding Pulumi.yaml (default: the nearest one above the working directory)")
	pf.StringSliceVar(&f.stacks, "stack", nil, "stack to run, as ottkit plan --stack names it (repeatable)")
	pf.StringSliceVar(&f.customers, "customer", nil, "customer whose stacks to run (repeatable)")
	pf.StringVar(&f.env, "env", "", "only stacks of this environment")
	pf.BoolVar(&f.all, "all", false, "every stack with a stack file")
	pf.IntVar(&f.parallel, "parallel", stamp.DefaultParallel, "stacks to run at once")
	pf.StringArrayVar(&f.policyPacks, "policy-pack", nil, "policy pack directory to enforce (preview and up)")
	pf.StringVar(&f.org, "org", "", "Pulumi Cloud organization; stacks become ORG/ottkit/STACK")
	pf.StringVar(&f.logDir, "log-dir", "", "directory for the per-stack logs (default .ottkit/logs/<op>-<time>)")

	for _, op := range []struct {
		op    stamp.Op
		short string
	}{
		{stamp.Preview, "Show what up would change on each stack"},
		{stamp.Up, "Create or update each stack"},
		{stamp.Refresh, "Reconcile each stack's state with its cloud account"},
		{stamp.Destroy, "Destroy each stack (needs --yes; refuses to orphan retained data unless --force)"},
	} {
		sub := &cobra.Command{
			Use:   string(op.op),
			Short: op.short,
			Args:  cobra.NoArgs,
			RunE: func(cmd *cobra.Command, args []string) error {
				return runStamp(cmd.Context(), cmd, op.op, f)
			},
		}
		if op.op == stamp.Destroy {
			sub.Flags().BoolVar(&f.yes, "yes", false, "confirm destroying the selected stacks")
			sub.Flags().BoolVar(&f.force, "force", false, "destroy even when retained data (masters, delivery, catalog) would be orphaned")
		}
		cmd.AddCommand(sub)
	}
	return cmd
}

// runStamp selects the stacks, checks the preconditions and runs the operation.
func runStamp(ctx context.Context, cmd *cobra.Command, op stamp.Op, f stampFlags) error {
	project, err := findProject(f.projectDir)
	if err != nil {
		return err
	}
	f.projectDir = project.dir
	stacks, err := selectStacks(f)
	if err != nil {
		return fmt.Errorf("stamp: %w", err)
	}
	if op == stamp.Destroy && !f.yes {
		return fmt.Errorf("stamp destroy: pass --yes to destroy %d stack(s): %s", len(stacks), strings.Join(stacks, ", "))
	}
	if f.parallel < 1 {
		return fmt.Errorf("stamp: --parallel %d must be at least 1", f.parallel)
	}
	// The Pulumi CLI runs in the project directory; a pack path means the user's directory.
	for i, pack := range f.policyPacks {
		abs, err := filepath.Abs(pack)
		if err != nil {
			return fmt.Errorf("stamp: --policy-pack %s: %w", pack, err)
		}
		if _, err := os.Stat(filepath.Join(abs, "PulumiPolicy.yaml")); err != nil {
			return fmt.Errorf("stamp: --policy-pack %s is not a policy pack: %w", pack, err)
		}
		f.policyPacks[i] = abs
	}
	eng, err := stampEngine(f.projectDir, f.org)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// Subscribed before anything runs: an unhandled Ctrl-C would end ottkit on the spot.
	sigs, stopSignals := stampSignals()
	defer stopSignals()
	finished := make(chan struct{})
	defer close(finished)
	go stampInterrupts(sigs, stopSignals, cancel, eng, finished, cmd.ErrOrStderr())
	logDir := f.logDir
	if logDir == "" {
		logDir = filepath.Join(f.projectDir, ".ottkit", "logs",
			fmt.Sprintf("%s-%s", op, time.Now().UTC().Format("20060102T150405Z")))
	}
	out := cmd.OutOrStdout()
	results, err := stamp.Run(ctx, eng, stamp.Options{
		Op:          op,
		Stacks:      stacks,
		Parallel:    f.parallel,
		PolicyPacks: f.policyPacks,
		Force:       f.force,
		LogDir:      logDir,
		Progress:    out,
		Live:        stampIsTerminal(out),
		Precheck: func(ctx context.Context, stack string, op stamp.Op) error {
			// Preview and up run the program, which refuses an invalid spec anyway; failing
			// here is faster and names every problem. Refresh and destroy do not run the
			// program, so a retired customer's stale file must not block them.
			if op != stamp.Preview && op != stamp.Up {
				return nil
			}
			// Encrypted values cannot be read here; the program checks them when it runs.
			if len(customer.SecretKeys(f.projectDir, stack)) > 0 {
				return nil
			}
			_, err := platform.LoadSpec(f.projectDir, stack)
			return err
		},
	})
	if err != nil {
		return err
	}
	fmt.Fprintln(out)
	if err := stamp.WriteSummary(out, results); err != nil {
		return err
	}
	if n := stamp.Failures(results); n > 0 {
		if ctx.Err() != nil {
			return &verdictError{fmt.Sprintf("stamp %s: cancelled; %d of %d stack(s) did not finish", op, n, len(results))}
		}
		return &verdictError{fmt.Sprintf("stamp %s: %d of %d stack(s) did not succeed", op, n, len(results))}
	}
	return nil
}

// selectStacks resolves the selection flags: --stack names stacks directly, each of which
// must have a stack file; otherwise --customer, --env and --all select as customer.Select does.
func selectStacks(f stampFlags) ([]string, error) {
	if len(f.stacks) == 0 {
		return customer.Select(f.projectDir, f.customers, f.env, f.all)
	}
	if f.all || len(f.customers) > 0 || f.env != "" {
		return nil, errors.New("select stacks with --stack, or with --customer/--env/--all, not both")
	}
	known, err := customer.StackNames(f.projectDir)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, s := range f.stacks {
		if !slices.Contains(known, s) {
			return nil, fmt.Errorf("stack %q has no stack file (Pulumi.%s.yaml) in %s; the stacks are: %s",
				s, s, f.projectDir, strings.Join(known, ", "))
		}
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out, nil
}

// stampInterrupts turns the first Ctrl-C (or SIGTERM) into a graceful cancellation: running
// stacks finish their in-flight steps, queued ones are skipped. The second aborts the engine
// (Pulumi abandons the in-flight steps); after that the default handling is back, so a third
// ends ottkit itself.
func stampInterrupts(sigs <-chan os.Signal, stopSignals func(), cancel context.CancelFunc, eng stamp.Engine,
	finished <-chan struct{}, stderr io.Writer) {
	select {
	case <-finished:
		return
	case <-sigs:
	}
	fmt.Fprintln(stderr, "\ncancelling: running stacks finish their in-flight steps and save state, queued ones are skipped (Ctrl-C again to stop at once)")
	cancel()
	select {
	case <-finished:
		return
	case <-sigs:
	}
	if a, ok := eng.(interface{ Abort() }); ok {
		fmt.Fprintln(stderr, "\nstopping at once: in-flight resource operations may be left pending; run `ottkit stamp refresh` on those stacks afterwards")
		a.Abort()
	}
	stopSignals()
}

// stampIsTerminal reports whether w is a terminal, where progress lines can be redrawn in place.
func stampIsTerminal(w any) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}
