package stamp

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// board shows one progress line per stack. Live, it redraws every line in place after each
// change (a terminal); otherwise it appends a line whenever a stack changes phase (a CI log, where
// redrawing would print garbage and per-step lines would drown the summary).
type board struct {
	mu     sync.Mutex
	w      io.Writer
	live   bool
	op     Op
	order  []string
	lines  map[string]*line
	width  int // of the widest stack name, to align the columns
	drawn  bool
	closed bool
	// minRedraw spaces out live redraws caused by resource steps: a few stacks can report
	// hundreds of steps a second, and a terminal need not show each. Phase changes always
	// redraw.
	minRedraw time.Duration
	lastDraw  time.Time
}

// liveRedrawInterval is how often resource steps may redraw a live board.
const liveRedrawInterval = 100 * time.Millisecond

type line struct {
	phase string // queued, checking (retained resources), running, or the outcome
	steps int    // resource steps finished
	last  string // the resource step most recently reported
	final bool
}

func newBoard(w io.Writer, live bool, op Op, stacks []string) *board {
	b := &board{w: w, live: live, op: op, order: stacks, lines: map[string]*line{}, minRedraw: liveRedrawInterval}
	for _, s := range stacks {
		b.lines[s] = &line{phase: "queued"}
		b.width = max(b.width, len(s))
	}
	if live {
		b.mu.Lock()
		b.redraw()
		b.mu.Unlock()
	}
	return b
}

// status moves a stack to a new phase.
func (b *board) status(stack, phase string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	l := b.lines[stack]
	if l.final || b.closed {
		return
	}
	l.phase = phase
	b.show(stack)
}

// step records a resource step. Steps arriving after the stack finished are dropped: the engine
// may deliver its last events after the operation returned.
func (b *board) step(stack string, s Step) {
	b.mu.Lock()
	defer b.mu.Unlock()
	l := b.lines[stack]
	if l.final || b.closed {
		return
	}
	if s.Done {
		l.steps++
	}
	l.last = s.Op + " " + logicalName(s.URN)
	if b.live && time.Since(b.lastDraw) >= b.minRedraw {
		b.redraw()
	}
}

// finish records a stack's outcome.
func (b *board) finish(stack string, r Result) {
	b.mu.Lock()
	defer b.mu.Unlock()
	l := b.lines[stack]
	if l.final || b.closed {
		return
	}
	l.final = true
	l.phase = string(r.Outcome)
	l.last = ""
	switch {
	case r.Outcome == Succeeded:
		l.last = r.Changes.String()
	case r.Err != nil:
		l.last = firstLine(r.Err.Error())
	}
	b.show(stack)
}

// close draws the final state once more and stops all further output.
func (b *board) close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.live {
		b.redraw()
	}
	b.closed = true
}

func (b *board) show(stack string) {
	if b.live {
		b.redraw()
		return
	}
	fmt.Fprintln(b.w, b.render(stack))
}

func (b *board) redraw() {
	var sb strings.Builder
	if b.drawn {
		fmt.Fprintf(&sb, "\x1b[%dA", len(b.order)) // back to the first line
	}
	for _, s := range b.order {
		sb.WriteString("\r\x1b[2K") // clear the old line: the new one may be shorter
		sb.WriteString(b.render(s))
		sb.WriteByte('\n')
	}
	io.WriteString(b.w, sb.String())
	b.drawn = true
	b.lastDraw = time.Now()
}

func (b *board) render(stack string) string {
	l := b.lines[stack]
	out := fmt.Sprintf("%-*s  %-7s  %-9s", b.width, stack, b.op, l.phase)
	if l.steps > 0 {
		out += fmt.Sprintf("  %d steps", l.steps)
	}
	if l.last != "" {
		out += "  " + l.last
	}
	return strings.TrimRight(out, " ")
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
