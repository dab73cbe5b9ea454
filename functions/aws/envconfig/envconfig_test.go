package envconfig

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestReader(t *testing.T) {
	env := map[string]string{
		"NAME": " bucket ", "CLASS": "GLACIER_IR", "BADCLASS": "TAPE", "N": "42", "BIG": "1000", "NAN": "4x", "SECS": "90",
	}
	r := New(func(k string) string { return env[k] })
	if got := r.String("NAME"); got != "bucket" {
		t.Errorf("String = %q, want bucket", got)
	}
	if got := r.OneOf("CLASS", "X", "GLACIER_IR", "DEEP_ARCHIVE"); got != "GLACIER_IR" {
		t.Errorf("OneOf = %q", got)
	}
	if got := r.OneOf("UNSET_CLASS", "DEEP_ARCHIVE", "GLACIER_IR", "DEEP_ARCHIVE"); got != "DEEP_ARCHIVE" {
		t.Errorf("OneOf default = %q", got)
	}
	if got := r.Int("N", 0, 0, 100); got != 42 {
		t.Errorf("Int = %d", got)
	}
	if got := r.Int("UNSET_N", 7, 0, 100); got != 7 {
		t.Errorf("Int default = %d", got)
	}
	if got := r.Seconds("SECS", time.Minute, time.Second, time.Hour); got != 90*time.Second {
		t.Errorf("Seconds = %s", got)
	}
	if r.Err() != nil {
		t.Fatalf("unexpected error: %v", r.Err())
	}
	r.String("MISSING")
	r.OneOf("BADCLASS", "X", "GLACIER_IR")
	r.Int("BIG", 0, 0, 100)
	r.Int("NAN", 0, 0, 100)
	r.Check("LADDER", errors.New("ladder[0].height: 100 is below the minimum 144"))
	want := "MISSING: is not set\n" +
		`BADCLASS: "TAPE" is not one of GLACIER_IR` + "\n" +
		"BIG: 1000 is outside [0, 100]\n" +
		`NAN: "4x" is not a decimal integer` + "\n" +
		"LADDER: ladder[0].height: 100 is below the minimum 144"
	if err := r.Err(); err == nil || err.Error() != want {
		t.Errorf("Err() =\n%v\nwant\n%s", err, want)
	}
}

func TestOptionalAndTogether(t *testing.T) {
	env := map[string]string{"CLAIM": " bad claim ", "A": "x"}
	r := New(func(k string) string { return env[k] })
	if v := r.Optional("UNSET", "def", func(string) error { return errors.New("never") }); v != "def" {
		t.Errorf("Optional of an unset variable = %q, want the default", v)
	}
	r.Optional("CLAIM", "def", func(v string) error { return fmt.Errorf("%q has a space", v) })
	if got := r.Together("A", "B"); got[0] != "x" || got[1] != "" {
		t.Errorf("Together = %q", got)
	}
	if got := r.Together("C", "D"); got[0] != "" || got[1] != "" {
		t.Errorf("Together of two unset = %q", got)
	}
	err := r.Err()
	for _, want := range []string{`CLAIM: "bad claim" has a space`, "B: is required with A"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("errors %v, want %q", err, want)
		}
	}
	if err != nil && (strings.Contains(err.Error(), "UNSET") || strings.Contains(err.Error(), "C:")) {
		t.Errorf("errors %v name a variable that was fine", err)
	}
}
