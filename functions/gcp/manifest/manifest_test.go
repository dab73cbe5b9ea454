package manifest

import (
	"regexp"
	"strings"
	"testing"
)

var permissionSyntax = regexp.MustCompile(`^[a-z]+\.[a-zA-Z]+\.[a-zA-Z]+$`)

func TestFunctionsAreWellFormed(t *testing.T) {
	buckets := map[Resource]bool{IngestBucket: true, MastersBucket: true, DeliveryBucket: true}
	names := map[string]bool{}
	for _, f := range All() {
		f = f.With(EdgeToken) // as a stack with every option deploys them
		if names[f.Name] {
			t.Errorf("function %s repeats", f.Name)
		}
		names[f.Name] = true
		if !strings.HasSuffix(f.Package, "/gcp-"+f.Name) || f.EntryPoint == "" {
			t.Errorf("%s: package %s, entry point %q", f.Name, f.Package, f.EntryPoint)
		}
		if len(f.Triggers) == 0 || f.TimeoutSeconds <= 0 || f.MemoryMB < 128 {
			t.Errorf("%s: triggers %v, timeout %d, memory %d", f.Name, f.Triggers, f.TimeoutSeconds, f.MemoryMB)
		}
		env := map[string]bool{}
		for _, e := range f.Env {
			if env[e.Name] {
				t.Errorf("%s: env %s repeats", f.Name, e.Name)
			}
			env[e.Name] = true
			if (e.From == "") == (e.Setting == "") || (e.From != "" && e.Attr == "") {
				t.Errorf("%s: env %s must come from a resource attribute or a setting", f.Name, e.Name)
			}
		}
		seen := map[string]bool{}
		for _, p := range f.Permissions {
			key := p.Permission + " " + string(p.On) + " " + p.Prefix
			if seen[key] {
				t.Errorf("%s: %s repeats", f.Name, key)
			}
			seen[key] = true
			if !permissionSyntax.MatchString(p.Permission) || p.On == "" || p.Why == "" {
				t.Errorf("%s: permission %+v is incomplete", f.Name, p)
			}
			if p.Prefix != "" && !buckets[p.On] {
				t.Errorf("%s: %s has a prefix on %s, which is not a bucket", f.Name, p.Permission, p.On)
			}
			if strings.HasPrefix(p.Permission, "storage.") != buckets[p.On] {
				t.Errorf("%s: %s on %s", f.Name, p.Permission, p.On)
			}
		}
	}
}

func TestWithExtendsOnlyItsFunction(t *testing.T) {
	api := API.With(EdgeToken)
	if len(api.Env) != len(API.Env)+2 || len(api.Permissions) != len(API.Permissions)+1 || api.Permissions[len(api.Permissions)-1].On != EdgeSigningSecret {
		t.Errorf("API.With(EdgeToken) = %d env, %d permissions; want the api's plus the edge secret's", len(api.Env), len(api.Permissions))
	}
	if API.Permissions[len(API.Permissions)-1].On == EdgeSigningSecret {
		t.Error("With changed the api's own declaration")
	}
	if c := Complete.With(EdgeToken); len(c.Env) != len(Complete.Env) {
		t.Error("EdgeToken extended complete")
	}
}
