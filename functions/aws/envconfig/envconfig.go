// Package envconfig reads a function's configuration from environment variables at start-up,
// collecting every problem into one error that names each variable, so a misconfigured
// deployment fails its first invocation with the whole list instead of one fix at a time.
package envconfig

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Reader reads variables through a lookup function (os.Getenv in production, a map in tests)
// and remembers the first problem with each.
type Reader struct {
	getenv func(string) string
	errs   []error
}

// New returns a Reader over getenv.
func New(getenv func(string) string) *Reader {
	return &Reader{getenv: getenv}
}

// Err returns every problem found so far, joined, or nil.
func (r *Reader) Err() error { return errors.Join(r.errs...) }

func (r *Reader) fail(name, format string, args ...any) {
	r.errs = append(r.errs, fmt.Errorf("%s: "+format, append([]any{name}, args...)...))
}

// String returns the variable, which must be set and not blank.
func (r *Reader) String(name string) string {
	v := strings.TrimSpace(r.getenv(name))
	if v == "" {
		r.fail(name, "is not set")
	}
	return v
}

// OneOf returns the variable, or def when unset; the value must be one of allowed.
func (r *Reader) OneOf(name, def string, allowed ...string) string {
	v := strings.TrimSpace(r.getenv(name))
	if v == "" {
		return def
	}
	for _, a := range allowed {
		if v == a {
			return v
		}
	}
	r.fail(name, "%q is not one of %s", v, strings.Join(allowed, ", "))
	return def
}

// Int returns the variable as a decimal integer in [lo, hi], or def when unset.
func (r *Reader) Int(name string, def, lo, hi int64) int64 {
	v := strings.TrimSpace(r.getenv(name))
	if v == "" {
		return def
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		r.fail(name, "%q is not a decimal integer", v)
		return def
	}
	if n < lo || n > hi {
		r.fail(name, "%d is outside [%d, %d]", n, lo, hi)
		return def
	}
	return n
}

// Seconds returns the variable, a whole number of seconds in [lo, hi], as a duration, or def
// when unset.
func (r *Reader) Seconds(name string, def, lo, hi time.Duration) time.Duration {
	return time.Duration(r.Int(name, int64(def/time.Second), int64(lo/time.Second), int64(hi/time.Second))) * time.Second
}

// Check records a problem found by the caller's own validation of a variable.
func (r *Reader) Check(name string, err error) {
	if err != nil {
		r.fail(name, "%w", err)
	}
}

// Optional returns the variable, or def when unset; a set value must pass check.
func (r *Reader) Optional(name, def string, check func(string) error) string {
	v := strings.TrimSpace(r.getenv(name))
	if v == "" {
		return def
	}
	r.Check(name, check(v))
	return v
}

// Together returns the variables, which configure one feature and so are set all or none: each
// one left unset while another is set is a problem naming the one that is.
func (r *Reader) Together(names ...string) []string {
	vals := make([]string, len(names))
	set := ""
	for i, n := range names {
		if vals[i] = strings.TrimSpace(r.getenv(n)); vals[i] != "" && set == "" {
			set = n
		}
	}
	if set == "" {
		return vals
	}
	for i, n := range names {
		if vals[i] == "" {
			r.fail(n, "is required with %s", set)
		}
	}
	return vals
}
