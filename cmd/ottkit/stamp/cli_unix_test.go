//go:build unix

package stamp

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestCLIRunsInItsOwnProcessGroup: the terminal's Ctrl-C goes to the foreground process group;
// the CLI must not be in ours, or it would get that interrupt and then ours, and Pulumi treats a
// second interrupt as "abandon the in-flight steps".
func TestCLIRunsInItsOwnProcessGroup(t *testing.T) {
	_, state := fakePulumi(t)
	eng, err := NewPulumiEngine(t.TempDir(), "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := eng.Run(context.Background(), Request{Stack: "acme-prod", Op: Preview, Log: &bytes.Buffer{}}); err != nil {
		t.Fatal(err)
	}
	got := waitForFile(t, filepath.Join(state, "acme-prod.pgid"), func(s string) bool { return s != "" })
	var pid, pgid int
	if _, err := fmt.Sscan(got, &pid, &pgid); err != nil {
		t.Fatalf("fake CLI wrote %q: %v", got, err)
	}
	if pgid != pid || pgid == syscall.Getpgrp() {
		t.Errorf("CLI pid %d runs in process group %d; want its own (ours is %d)", pid, pgid, syscall.Getpgrp())
	}
}

// TestPulumiEngineAbort: cancelling interrupts the CLI once and then waits for it; only Abort
// interrupts it again, which makes Pulumi stop at once.
func TestPulumiEngineAbort(t *testing.T) {
	_, state := fakePulumi(t)
	eng, err := NewPulumiEngine(t.TempDir(), "")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := eng.Run(ctx, Request{Stack: "stubborn-prod", Op: Destroy, Log: &bytes.Buffer{}})
		done <- err
	}()
	signals := filepath.Join(state, "stubborn-prod.signal")
	waitForFile(t, signals, func(s string) bool { return s == "started" })
	cancel()
	waitForFile(t, signals, func(s string) bool { return strings.HasSuffix(s, "interrupt 1") })
	select {
	case err := <-done:
		t.Fatalf("Run() returned (%v) while the CLI was still finishing its in-flight steps", err)
	default:
	}
	eng.Abort()
	eng.Abort() // idempotent
	if err := <-done; err == nil {
		t.Fatal("Run() succeeded after an abort")
	}
	if got := waitForFile(t, signals, func(s string) bool { return s != "" }); got != "started\ninterrupt 1\ninterrupt 2" {
		t.Errorf("the CLI saw %q, want one interrupt on cancel and one on abort", got)
	}
}
