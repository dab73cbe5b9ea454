package stamp

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"
)

// WriteSummary prints one row per stack (stack, result, changes, duration, log) and then the
// error of every stack that did not succeed, so the reason is on screen without opening a log.
func WriteSummary(w io.Writer, results []Result) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "STACK\tRESULT\tCHANGES\tDURATION\tLOG")
	for _, r := range results {
		changes := "-"
		if r.Outcome == Succeeded || len(r.Changes) > 0 {
			changes = r.Changes.String()
		}
		dur, log := "-", "-"
		if r.Log != "" {
			dur, log = r.Duration.Round(100*time.Millisecond).String(), r.Log
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.Stack, r.Outcome, changes, dur, log)
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("stamp: summary: %w", err)
	}
	n := Failures(results)
	if n == 0 {
		_, err := fmt.Fprintf(w, "\nall %d stack(s) succeeded\n", len(results))
		return err
	}
	fmt.Fprintf(w, "\n%d of %d stack(s) did not succeed:\n", n, len(results))
	for _, r := range results {
		if r.Outcome != Succeeded && r.Err != nil {
			fmt.Fprintf(w, "  %s (%s): %v\n", r.Stack, r.Outcome, r.Err)
		}
	}
	return nil
}
