package awstest

import (
	"slices"
	"strings"
	"testing"

	"github.com/ottkit/ottkit/functions/aws/manifest"
)

// CheckEnv proves a config loader reads exactly fn.Env: with valid values it loads, it looks up
// every variable the manifest lists and no other, and each variable it rejects when blank or
// set to garbage is named in the error.
func CheckEnv(t *testing.T, fn manifest.Function, load func(getenv func(string) string) error, valid map[string]string) {
	t.Helper()
	var want []string
	for _, e := range fn.Env {
		want = append(want, e.Name)
	}
	slices.Sort(want)

	read := map[string]bool{}
	if err := load(func(k string) string { read[k] = true; return valid[k] }); err != nil {
		t.Fatalf("%s: loading valid settings failed: %v", fn.Name, err)
	}
	var got []string
	for k := range read {
		got = append(got, k)
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("%s config reads %v, manifest lists %v", fn.Name, got, want)
	}
	for _, name := range want {
		for _, bad := range []string{"", "\x00garbage\x00"} {
			err := load(func(k string) string {
				if k == name {
					return bad
				}
				return valid[k]
			})
			if err != nil && !strings.Contains(err.Error(), name+":") {
				t.Errorf("%s=%q: error %q does not name the variable", name, bad, err)
			}
		}
	}
}

// CheckEnvRejects fails the test unless load refuses each bad {variable, value} pair, set one
// at a time over valid, with an error that starts with the variable's name.
func CheckEnvRejects(t *testing.T, load func(getenv func(string) string) error, valid map[string]string, bad [][2]string) {
	t.Helper()
	for _, b := range bad {
		name, value := b[0], b[1]
		err := load(func(k string) string {
			if k == name {
				return value
			}
			return valid[k]
		})
		if err == nil || !strings.HasPrefix(err.Error(), name+": ") {
			t.Errorf("%s=%s: error %v, want one naming %s", name, value, err, name)
		}
	}
}
