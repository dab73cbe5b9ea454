//go:build unix

package stamp

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
)

// cliCommand runs the pulumi CLI for the Automation API (auto.Pulumi), like auto's own runner
// but with the cancellation a person at a terminal expects from Ctrl-C:
//
//   - Each CLI runs in its own process group, so the terminal's SIGINT reaches ottkit alone.
//     Otherwise every CLI would get two interrupts, the terminal's and the one cancelling the
//     context sends, and Pulumi treats a second interrupt as "stop at once", abandoning the
//     resource operations in flight.
//   - Cancelling the context sends one SIGINT and then waits for the CLI however long its
//     in-flight steps take (auto's runner kills it after 10 seconds, which a CloudFront update
//     easily outlasts).
//   - abort, closed by PulumiEngine.Abort, sends the second SIGINT on purpose, and kills the
//     CLI if it is still there 10 seconds later.
type cliCommand struct {
	auto.PulumiCommand // the version check and Version
	path               string
	abort              <-chan struct{}
}

// newCLI returns the runner PulumiEngine gives the Automation API: the pulumi CLI at path,
// version-checked by auto, interrupted a second time when abort closes.
func newCLI(path string, abort <-chan struct{}) (auto.PulumiCommand, error) {
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	base, err := auto.NewPulumiCommand(&auto.PulumiCommandOptions{Root: ""})
	if err != nil {
		return nil, err
	}
	return &cliCommand{PulumiCommand: base, path: path, abort: abort}, nil
}

// killDelay is how long an aborted CLI gets before it is killed.
const killDelay = 10 * time.Second

// Run implements auto.PulumiCommand.
func (c *cliCommand) Run(ctx context.Context, workdir string, stdin io.Reader,
	additionalOutput, additionalErrorOutput []io.Writer, additionalEnv []string, args ...string,
) (string, string, int, error) {
	if err := ctx.Err(); err != nil {
		return "", "", -1, err
	}
	// As auto's runner: never prompt, and find plugins installed beside the CLI first.
	flags := args
	if i := slices.Index(args, "--"); i >= 0 {
		flags = args[:i] // positional arguments follow "--"
	}
	if !slices.Contains(flags, "--non-interactive") {
		args = append([]string{"--non-interactive"}, args...)
	}
	cmd := exec.Command(c.path, args...)
	cmd.Dir = workdir
	env := append(os.Environ(), additionalEnv...)
	cmd.Env = append(withPathFirst(env, filepath.Dir(c.path)), "PULUMI_AUTOMATION_API=true")
	var stdout, stderr bytes.Buffer
	cmd.Stdout = io.MultiWriter(append(additionalOutput, &stdout)...)
	cmd.Stderr = io.MultiWriter(append(additionalErrorOutput, &stderr)...)
	cmd.Stdin = stdin
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	// Only for copying output once the CLI exited: plugins it started may hold the pipes.
	cmd.WaitDelay = killDelay

	if err := cmd.Start(); err != nil {
		return "", "", -1, err
	}
	exited := make(chan struct{})
	var watch sync.WaitGroup
	watch.Add(1)
	go func() {
		defer watch.Done()
		select {
		case <-exited:
			return
		case <-ctx.Done():
			_ = cmd.Process.Signal(os.Interrupt)
		case <-c.abort:
		}
		select {
		case <-exited:
			return
		case <-c.abort:
			_ = cmd.Process.Signal(os.Interrupt)
		}
		select {
		case <-exited:
		case <-time.After(killDelay):
			_ = cmd.Process.Kill()
		}
	}()
	err := cmd.Wait()
	close(exited)
	watch.Wait()

	code := -2 // auto's "unknown"
	var exit *exec.ExitError
	switch {
	case err == nil:
		code = 0
	case errors.As(err, &exit):
		code = exit.ExitCode()
	}
	return stdout.String(), stderr.String(), code, err
}

// withPathFirst puts dir at the front of env's PATH.
func withPathFirst(env []string, dir string) []string {
	out := slices.Clone(env)
	for i, e := range out {
		if len(e) >= 5 && strings.EqualFold(e[:5], "PATH=") {
			out[i] = "PATH=" + dir + string(os.PathListSeparator) + e[5:]
			return out
		}
	}
	return append(out, "PATH="+dir)
}
