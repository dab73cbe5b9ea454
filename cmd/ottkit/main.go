// Command ottkit is the ottkit CLI: `ottkit plan` runs a stack's program offline and checks it
// against the policy pack, `ottkit policy` evaluates the pack on Pulumi CLI output and
// generates its documentation, `ottkit probe` judges video files as ingest would and plans
// their ladder and cost, `ottkit cost` prices titles and idle stacks and compares ottkit's
// jobs with AWS's Video on Demand solution, and `ottkit keys` rotates a stack's playback
// signing keys.
//
// Exit codes: 0 success; 1 the command ran and the verdict is no (a mandatory policy
// violation, a stack that `stamp` could not preview, deploy, refresh or destroy, or a file
// `probe` would reject); 2 a usage or configuration error (anything that kept ottkit from
// reaching a verdict).
package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
)

// Exit codes.
const (
	exitOK     = 0
	exitFailed = 1 // mandatory violations, or stacks that did not succeed
	exitUsage  = 2
)

// commands holds the constructors of the root command's subcommands. Each file registers its
// own in an init function, so adding a command touches no other file.
var commands []func() *cobra.Command

// register adds a subcommand constructor to the root command.
func register(newCmd func() *cobra.Command) {
	commands = append(commands, newCmd)
}

// errViolations is returned by commands that found mandatory violations; the report is already
// printed, so main prints nothing more.
var errViolations = errors.New("mandatory policy violations")

// verdictError is a command's "no" after it ran to the end, such as stacks that did not
// succeed: main prints it and exits with exitFailed rather than exitUsage.
type verdictError struct{ msg string }

func (e *verdictError) Error() string { return e.msg }

// newRootCmd builds the command tree; a fresh tree per call keeps flag state out of tests.
func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "ottkit",
		Short:         "Plan, check and operate ottkit video-on-demand stacks",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	for _, newCmd := range commands {
		root.AddCommand(newCmd())
	}
	return root
}

// run executes the CLI with args and returns the process exit code.
func run(args []string, stdout, stderr io.Writer) int {
	return execute(args, os.Stdin, stdout, stderr)
}

// execute is run with the standard input given.
func execute(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := newRootCmd()
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.Execute()
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, errViolations):
		return exitFailed
	}
	var verdict *verdictError
	if errors.As(err, &verdict) {
		fmt.Fprintf(stderr, "ottkit: %v\n", err)
		return exitFailed
	}
	// Everything else kept ottkit from reaching a verdict: a bad flag, an unreadable or invalid
	// stack or policy file, a program that failed to run.
	fmt.Fprintf(stderr, "ottkit: %v\n", err)
	return exitUsage
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}
