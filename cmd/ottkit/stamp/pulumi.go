package stamp

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/events"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optdestroy"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optrefresh"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
)

// ErrNoPulumiCLI is returned by NewPulumiEngine when the pulumi CLI is not on PATH: the
// Automation API drives the CLI, it does not replace it.
var ErrNoPulumiCLI = errors.New("stamp: the pulumi CLI is not on PATH; install it with " +
	"`curl -fsSL https://get.pulumi.com | sh` (or `brew install pulumi/tap/pulumi`, see " +
	"https://www.pulumi.com/docs/install/), then log in to a backend " +
	"(`pulumi login` or `pulumi login s3://bucket`), or run `ottkit plan` for an offline preview")

// PulumiEngine is the Engine that runs the real Pulumi engine through the Automation API, on
// the stacks of one project directory: its Pulumi.yaml names the program (stacks/) and the
// stack config directory (stacks/), so each stack reads stacks/Pulumi.<stack>.yaml.
type PulumiEngine struct {
	projectDir string
	org        string
	cli        auto.PulumiCommand // nil: auto's own runner
	abort      chan struct{}
	abortOnce  sync.Once

	// open serialises creating and selecting stacks: both rewrite the workspace's "current
	// stack" file, and concurrent writes corrupt it (pulumi/pulumi#8186). The operations
	// themselves pass --stack and run in parallel.
	open sync.Mutex
}

// NewPulumiEngine returns an Engine for the project in projectDir. A non-empty org qualifies
// stack names as org/<project>/<stack> for Pulumi Cloud; leave it empty for the backend the
// user is logged in to. It fails with ErrNoPulumiCLI before any workspace exists when the
// pulumi CLI is missing.
func NewPulumiEngine(projectDir, org string) (*PulumiEngine, error) {
	path, err := exec.LookPath("pulumi")
	if err != nil {
		return nil, ErrNoPulumiCLI
	}
	e := &PulumiEngine{projectDir: projectDir, org: org, abort: make(chan struct{})}
	if e.cli, err = newCLI(path, e.abort); err != nil {
		return nil, fmt.Errorf("stamp: %w", err)
	}
	return e, nil
}

// Abort makes every running operation stop at once, as a second Ctrl-C does to the pulumi
// CLI: resource operations in flight are abandoned and may be left pending in the state (a
// later refresh reconciles them). Cancel the operations' context first: that is the graceful
// stop, and Abort only hurries it. Abort is safe to call more than once; it has no effect on
// Windows, where the Automation API's own runner is used.
func (e *PulumiEngine) Abort() {
	e.abortOnce.Do(func() { close(e.abort) })
}

// project is the Pulumi project name in Pulumi.yaml.
const project = "ottkit"

func (e *PulumiEngine) stack(ctx context.Context, name string, create bool) (auto.Stack, error) {
	if e.org != "" {
		name = auto.FullyQualifiedStackName(e.org, project, name)
	}
	var opts []auto.LocalWorkspaceOption
	if e.cli != nil {
		opts = append(opts, auto.Pulumi(e.cli))
	}
	e.open.Lock()
	defer e.open.Unlock()
	if create {
		return auto.UpsertStackLocalSource(ctx, name, e.projectDir, opts...)
	}
	// Refresh and destroy act on what exists; creating an empty stack to destroy it would only
	// hide a typo in the stack name.
	return auto.SelectStackLocalSource(ctx, name, e.projectDir, opts...)
}

// Run implements Engine. Cancelling ctx interrupts the pulumi CLI once (SIGINT, as Ctrl-C
// does): Pulumi stops starting new steps, waits for those in flight and saves the state before
// it exits, however long that takes; Abort hurries it.
func (e *PulumiEngine) Run(ctx context.Context, req Request) (Changes, error) {
	changes, err := e.run(ctx, req)
	return changes, concise(err)
}

func (e *PulumiEngine) run(ctx context.Context, req Request) (Changes, error) {
	st, err := e.stack(ctx, req.Stack, req.Op == Preview || req.Op == Up)
	if err != nil {
		return nil, err
	}
	evs := make(chan events.EngineEvent)
	go forwardSteps(evs, req.Step)

	switch req.Op {
	case Preview:
		res, err := st.Preview(ctx,
			optpreview.ProgressStreams(req.Log), optpreview.ErrorProgressStreams(req.Log),
			optpreview.EventStreams(evs), optpreview.PolicyPacks(req.PolicyPacks...))
		ch := Changes{}
		for op, n := range res.ChangeSummary {
			ch[string(op)] = n
		}
		return ch, err
	case Up:
		res, err := st.Up(ctx,
			optup.ProgressStreams(req.Log), optup.ErrorProgressStreams(req.Log),
			optup.EventStreams(evs), optup.PolicyPacks(req.PolicyPacks...))
		return summaryChanges(res.Summary), err
	case Refresh:
		res, err := st.Refresh(ctx,
			optrefresh.ProgressStreams(req.Log), optrefresh.ErrorProgressStreams(req.Log),
			optrefresh.EventStreams(evs))
		return summaryChanges(res.Summary), err
	case Destroy:
		res, err := st.Destroy(ctx,
			optdestroy.ProgressStreams(req.Log), optdestroy.ErrorProgressStreams(req.Log),
			optdestroy.EventStreams(evs))
		return summaryChanges(res.Summary), err
	}
	close(evs)
	return nil, fmt.Errorf("stamp: unknown operation %q", req.Op)
}

// Retained implements Engine from the stack's exported state.
func (e *PulumiEngine) Retained(ctx context.Context, stack string) ([]string, error) {
	st, err := e.stack(ctx, stack, false)
	if err != nil {
		return nil, concise(err)
	}
	d, err := st.Export(ctx)
	if err != nil {
		return nil, concise(err)
	}
	return RetainedInDeployment(d.Deployment)
}

// forwardSteps turns engine events into Steps until the Automation API closes the channel.
// It must drain every event: the API blocks on each send.
func forwardSteps(evs <-chan events.EngineEvent, step func(Step)) {
	for ev := range evs {
		if step == nil {
			continue
		}
		switch {
		case ev.ResourcePreEvent != nil:
			m := ev.ResourcePreEvent.Metadata
			step(Step{Op: string(m.Op), URN: m.URN})
		case ev.ResOutputsEvent != nil:
			m := ev.ResOutputsEvent.Metadata
			step(Step{Op: string(m.Op), URN: m.URN, Done: true})
		case ev.ResOpFailedEvent != nil:
			m := ev.ResOpFailedEvent.Metadata
			step(Step{Op: "failed " + string(m.Op), URN: m.URN, Done: true})
		}
	}
}

// cliError is an Automation API error without the CLI's full output, which the stack's log
// holds already: the API's message and the lines the CLI marked as errors. The summary table
// of twenty customers must stay readable.
type cliError struct {
	msg string
	err error
}

func (e *cliError) Error() string { return e.msg }
func (e *cliError) Unwrap() error { return e.err }

// maxErrorLines bounds how many of the CLI's error lines an error quotes.
const maxErrorLines = 5

// concise shortens an Automation API error ("<message>\ncode: N\nstdout: ...\nstderr: ...")
// to its message and the CLI's "error:" lines. Other errors are returned as they are.
func concise(err error) error {
	if err == nil {
		return nil
	}
	head, output, found := strings.Cut(err.Error(), "\ncode: ")
	if !found {
		return err
	}
	var lines []string
	seen := map[string]bool{}
	for _, line := range strings.Split(output, "\n") {
		i := strings.Index(line, "error:")
		if i < 0 {
			continue
		}
		line = strings.TrimSpace(line[i+len("error:"):])
		if line != "" && !seen[line] && len(lines) < maxErrorLines {
			seen[line] = true
			lines = append(lines, line)
		}
	}
	if auto.IsConcurrentUpdateError(err) {
		lines = append(lines, "another update of this stack is in progress")
	}
	msg := head
	if len(lines) > 0 {
		msg += ": " + strings.Join(lines, "; ")
	}
	return &cliError{msg: msg, err: err}
}

func summaryChanges(s auto.UpdateSummary) Changes {
	ch := Changes{}
	if s.ResourceChanges != nil {
		for op, n := range *s.ResourceChanges {
			ch[op] = n
		}
	}
	return ch
}

var _ Engine = (*PulumiEngine)(nil)
