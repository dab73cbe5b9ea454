package policies

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/loader"
	"github.com/open-policy-agent/opa/v1/tester"
	"github.com/open-policy-agent/opa/v1/util"
)

// TestRego runs every Rego unit test (*_test.rego) through OPA's tester, loading the pack
// directory the way `opa test policies/` does: fixtures/<rule>/data.json becomes
// data.fixtures.<rule>.
func TestRego(t *testing.T) {
	skipTestdata := func(abspath string, info fs.FileInfo, depth int) bool {
		return info.IsDir() && info.Name() == "testdata"
	}
	modules, store, err := tester.LoadWithRegoVersion([]string{"."}, loader.Filter(skipTestdata), ast.RegoV1)
	if err != nil {
		t.Fatalf("loading the pack and its tests: %v", err)
	}
	ch, err := tester.NewRunner().SetStore(store).SetDefaultRegoVersion(ast.RegoV1).Run(context.Background(), modules)
	if err != nil {
		t.Fatalf("running rego tests: %v", err)
	}
	ran := map[string]bool{}
	for r := range ch {
		name := strings.TrimPrefix(r.Name, "test_")
		ran[name] = true
		t.Run(r.Name, func(t *testing.T) {
			if r.Error != nil {
				t.Fatalf("%s: %v", r.Location, r.Error)
			}
			if !r.Pass() {
				t.Errorf("%s failed (%s)", r.Name, r.Location)
			}
		})
	}
	p := mustPack(t)
	for _, rule := range p.Rules {
		if !ran[rule.Name] {
			t.Errorf("rule %s has no Rego test named test_%s", rule.Name, rule.Name)
		}
	}
}

// TestFixtures checks that every rule has a passing and a failing fixture, and nothing else
// lives in fixtures/.
func TestFixtures(t *testing.T) {
	p := mustPack(t)
	rules := map[string]bool{}
	for _, r := range p.Rules {
		rules[r.Name] = true
		t.Run(r.Name, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("fixtures", r.Name, "data.json"))
			if err != nil {
				t.Fatalf("no fixture: %v", err)
			}
			var fx map[string]any
			if err := util.UnmarshalJSON(b, &fx); err != nil {
				t.Fatalf("fixture is not JSON: %v", err)
			}
			for _, k := range []string{"pass", "fail"} {
				if _, ok := fx[k].(map[string]any); !ok {
					t.Errorf("fixture has no %q input", k)
				}
			}
		})
	}
	entries, err := os.ReadDir("fixtures")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !rules[e.Name()] {
			t.Errorf("fixtures/%s belongs to no rule", e.Name())
		}
	}
}

func mustPack(t testing.TB) *Pack {
	t.Helper()
	p, err := Default()
	if err != nil {
		t.Fatalf("loading the embedded pack: %v", err)
	}
	return p
}
