package home

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"
)

// Console is a slog.Handler for a person watching `ottkit dev`: one short line per record,
// "15:04:05 message key=value ...", warnings and errors marked, debug records dropped.
type Console struct {
	mu *sync.Mutex
	w  io.Writer
	// attrs are the With attributes, rendered with the group they were added in.
	attrs string
	group string
}

// NewConsole returns a console writing to w.
func NewConsole(w io.Writer) *Console { return &Console{mu: &sync.Mutex{}, w: w} }

// Enabled drops debug records.
func (c *Console) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelInfo }

// Handle writes one line.
func (c *Console) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	t := r.Time
	if t.IsZero() {
		t = time.Now()
	}
	b.WriteString(t.Format("15:04:05 "))
	switch {
	case r.Level >= slog.LevelError:
		b.WriteString("ERROR ")
	case r.Level >= slog.LevelWarn:
		b.WriteString("WARN ")
	}
	b.WriteString(r.Message)
	b.WriteString(c.attrs)
	r.Attrs(func(a slog.Attr) bool { render(&b, c.group, a); return true })
	b.WriteString("\n")
	c.mu.Lock()
	defer c.mu.Unlock()
	_, err := io.WriteString(c.w, b.String())
	return err
}

// render writes " group.key=value", quoting a value that needs it.
func render(b *strings.Builder, group string, a slog.Attr) {
	if a.Equal(slog.Attr{}) {
		return
	}
	v := a.Value.Resolve().String()
	if strings.ContainsAny(v, " \t\"=") || v == "" {
		v = fmt.Sprintf("%q", v)
	}
	b.WriteString(" ")
	if group != "" {
		b.WriteString(group + ".")
	}
	b.WriteString(a.Key + "=" + v)
}

// WithAttrs returns a console that adds attrs to every line.
func (c *Console) WithAttrs(attrs []slog.Attr) slog.Handler {
	n := *c
	var b strings.Builder
	b.WriteString(c.attrs)
	for _, a := range attrs {
		render(&b, c.group, a)
	}
	n.attrs = b.String()
	return &n
}

// WithGroup returns a console that prefixes keys with name.
func (c *Console) WithGroup(name string) slog.Handler {
	n := *c
	if n.group != "" {
		name = n.group + "." + name
	}
	n.group = name
	return &n
}
