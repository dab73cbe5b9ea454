package stamp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

func TestWriteSummary(t *testing.T) {
	for _, tc := range []struct {
		name    string
		results []Result
		want    string
	}{
		{
			name: "mixed",
			results: []Result{
				{Stack: "acme-prod", Outcome: Succeeded, Changes: Changes{"create": 41}, Duration: 3*time.Minute + 12340*time.Millisecond, Log: "logs/acme-prod.log"},
				{Stack: "globex-staging", Outcome: Failed, Changes: Changes{"create": 2}, Duration: 48 * time.Second, Log: "logs/globex-staging.log",
					Err: errors.New("stamp: up globex-staging: creating bucket: AccessDenied")},
				{Stack: "initech-prod", Outcome: Refused, Duration: 900 * time.Millisecond, Log: "logs/initech-prod.log",
					Err: errors.New("stamp: destroy initech-prod would orphan 1 retained resource(s)")},
				{Stack: "umbrella-prod", Outcome: Skipped, Err: context.Canceled},
			},
			want: `STACK           RESULT     CHANGES  DURATION  LOG
acme-prod       succeeded  +41      3m12.3s   logs/acme-prod.log
globex-staging  failed     +2       48s       logs/globex-staging.log
initech-prod    refused    -        900ms     logs/initech-prod.log
umbrella-prod   skipped    -        -         -

3 of 4 stack(s) did not succeed:
  globex-staging (failed): stamp: up globex-staging: creating bucket: AccessDenied
  initech-prod (refused): stamp: destroy initech-prod would orphan 1 retained resource(s)
  umbrella-prod (skipped): context canceled
`,
		},
		{
			name: "all good",
			results: []Result{
				{Stack: "acme-prod", Outcome: Succeeded, Changes: Changes{"same": 41}, Duration: time.Second, Log: "l/acme-prod.log"},
			},
			want: `STACK      RESULT     CHANGES     DURATION  LOG
acme-prod  succeeded  no changes  1s        l/acme-prod.log

all 1 stack(s) succeeded
`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteSummary(&buf, tc.results); err != nil {
				t.Fatal(err)
			}
			if got := buf.String(); got != tc.want {
				t.Errorf("WriteSummary() =\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

func TestBoardAppendsPhaseChanges(t *testing.T) {
	var buf bytes.Buffer
	b := newBoard(&buf, false, Up, []string{"acme-prod", "globex-staging"})
	b.status("acme-prod", "running")
	b.step("acme-prod", Step{Op: "create", URN: "urn:pulumi:acme-prod::ottkit::aws:sqs/queue:Queue::acme-prod-ingest"})
	b.step("acme-prod", Step{Op: "create", URN: "urn:pulumi:acme-prod::ottkit::aws:sqs/queue:Queue::acme-prod-ingest", Done: true})
	b.finish("acme-prod", Result{Outcome: Succeeded, Changes: Changes{"create": 1}})
	b.step("acme-prod", Step{Op: "create", URN: "late", Done: true}) // after finishing: dropped
	b.finish("globex-staging", Result{Outcome: Failed, Err: errors.New("stamp: up globex-staging: boom\nstack trace")})
	b.close()
	b.status("globex-staging", "running") // after close: dropped

	want := `acme-prod       up       running
acme-prod       up       succeeded  1 steps  +1
globex-staging  up       failed     stamp: up globex-staging: boom
`
	if got := buf.String(); got != want {
		t.Errorf("progress =\n%q\nwant\n%q", got, want)
	}
}

func TestBoardRedrawsLive(t *testing.T) {
	var buf bytes.Buffer
	b := newBoard(&buf, true, Preview, []string{"a-prod", "b-prod"})
	b.minRedraw = 0
	b.status("a-prod", "running")
	b.step("a-prod", Step{Op: "create", URN: "urn:pulumi:a-prod::ottkit::aws:kms/key:Key::a-prod-key"})
	b.close()
	out := buf.String()

	// Every draw after the first moves the cursor back up over both lines before rewriting them.
	draws := strings.Count(out, "\r\x1b[2Ka-prod")
	ups := strings.Count(out, "\x1b[2A")
	if draws != 4 || ups != draws-1 {
		t.Errorf("draws = %d, cursor-ups = %d; want 4 draws and 3 cursor-ups in %q", draws, ups, out)
	}
	last := out[strings.LastIndex(out, "\x1b[2A"):]
	for _, want := range []string{
		"a-prod  preview  running    create a-prod-key\n",
		"b-prod  preview  queued\n",
	} {
		if !strings.Contains(last, want) {
			t.Errorf("final draw %q lacks %q", last, want)
		}
	}
}

func ExampleWriteSummary() {
	results := []Result{
		{Stack: "acme-prod", Outcome: Succeeded, Changes: Changes{"create": 3, "update": 1}, Duration: 95 * time.Second, Log: ".ottkit/logs/up/acme-prod.log"},
		{Stack: "globex-prod", Outcome: Succeeded, Changes: Changes{"same": 44}, Duration: 21 * time.Second, Log: ".ottkit/logs/up/globex-prod.log"},
	}
	if err := WriteSummary(os.Stdout, results); err != nil {
		fmt.Println(err)
	}
	// Output:
	// STACK        RESULT     CHANGES     DURATION  LOG
	// acme-prod    succeeded  +3 ~1       1m35s     .ottkit/logs/up/acme-prod.log
	// globex-prod  succeeded  no changes  21s       .ottkit/logs/up/globex-prod.log
	//
	// all 2 stack(s) succeeded
}

func TestBoardThrottlesStepRedraws(t *testing.T) {
	var buf bytes.Buffer
	b := newBoard(&buf, true, Up, []string{"a-prod"})
	b.minRedraw = time.Hour
	b.status("a-prod", "running") // phase change: drawn
	for i := range 50 {
		b.step("a-prod", Step{Op: "create", URN: fmt.Sprintf("urn:pulumi:a-prod::ottkit::aws:sqs/queue:Queue::q%d", i), Done: true})
	}
	b.finish("a-prod", Result{Outcome: Succeeded, Changes: Changes{"create": 50}}) // drawn
	b.close()                                                                      // drawn
	if draws := strings.Count(buf.String(), "\r\x1b[2K"); draws != 4 {
		t.Errorf("draws = %d, want 4 (initial, running, finished, close): steps within the interval must not redraw", draws)
	}
	if !strings.Contains(buf.String(), "succeeded  50 steps  +50") {
		t.Errorf("final draw lacks the step count: %q", buf.String())
	}
}
