package stamp_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/ottkit/ottkit/cmd/ottkit/stamp"
)

// planner stands in for the Pulumi engine: it "creates" one resource per stack and fails the
// stacks it is told to.
type planner struct{ fail map[string]bool }

func (p planner) Run(ctx context.Context, req stamp.Request) (stamp.Changes, error) {
	fmt.Fprintf(req.Log, "Updating (%s)\n", req.Stack)
	if p.fail[req.Stack] {
		return nil, fmt.Errorf("creating bucket %s-storage-masters: AccessDenied", req.Stack)
	}
	return stamp.Changes{"create": 41, "same": 2}, nil
}

func (planner) Retained(ctx context.Context, stack string) ([]string, error) { return nil, nil }

func ExampleRun() {
	logs, err := os.MkdirTemp("", "stamp-logs")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(logs)

	// A fixed clock that advances 45 seconds whenever it is read: once as a stack starts and
	// once as it ends.
	var tick time.Time
	clock := func() time.Time { tick = tick.Add(45 * time.Second); return tick }

	results, err := stamp.Run(context.Background(), planner{fail: map[string]bool{"globex-prod": true}}, stamp.Options{
		Op:       stamp.Up,
		Stacks:   []string{"acme-prod", "globex-prod", "initech-staging"},
		Parallel: 1, // one at a time, so the clock ticks in order
		LogDir:   logs,
		Progress: io.Discard,
		Now:      clock,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range results {
		if r.Err != nil {
			fmt.Printf("%s: %s after %s: %v\n", r.Stack, r.Outcome, r.Duration, r.Err)
			continue
		}
		fmt.Printf("%s: %s after %s: %s\n", r.Stack, r.Outcome, r.Duration, r.Changes)
	}
	fmt.Println(stamp.Failures(results), "failed")
	// Output:
	// acme-prod: succeeded after 45s: +41
	// globex-prod: failed after 45s: stamp: up globex-prod: creating bucket globex-prod-storage-masters: AccessDenied
	// initech-staging: succeeded after 45s: +41
	// 1 failed
}
