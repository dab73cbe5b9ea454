package policies

import (
	"context"
	"fmt"
	"reflect"
	"sort"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
)

// analyzerEval evaluates the pack the way pulumi-policy-opa's evalPolicyPack does: the pack
// (tests included) compiled as Rego v0, one query data.<pack>.<rule> per rule, the input as
// the analyzer builds it, configuration under data.config.
func analyzerEval(t *testing.T, c *ast.Compiler, cfg Config, stackURN string, rs []Resource) []string {
	t.Helper()
	p := mustPack(t)
	store := inmem.NewFromObject(map[string]any{"config": cfg.data()})
	var out []string
	run := func(rule string, input any, urn string) {
		rsSet, err := rego.New(rego.Query("data."+PackageName+"."+rule), rego.Compiler(c), rego.Input(input),
			rego.Store(store), rego.SetRegoVersion(ast.RegoV0)).Eval(context.Background())
		if err != nil {
			t.Fatalf("%s: %v", rule, err)
		}
		for _, r := range rsSet {
			for _, e := range r.Expressions {
				msgs, _ := e.Value.([]any)
				for _, m := range msgs {
					out = append(out, fmt.Sprintf("%s|%s|%v", rule, urn, m))
				}
			}
		}
	}
	for _, rule := range p.Rules {
		if cfg.level(rule) == Disabled {
			continue
		}
		if rule.Scope == StackScope {
			run(rule.Name, stackInput(rs), stackURN)
			continue
		}
		for _, r := range rs {
			run(rule.Name, r.Input(), r.URN)
		}
	}
	sort.Strings(out)
	return out
}

// TestAnalyzerEquivalence checks that the Evaluator, with its single prepared query per
// scope, reports exactly what the analyzer's per-rule evaluation reports, on every fixture.
func TestAnalyzerEquivalence(t *testing.T) {
	modules, err := readModules(FS(), true)
	if err != nil {
		t.Fatal(err)
	}
	c, err := ast.CompileModulesWithOpt(modules, ast.CompileOpts{ParserOptions: ast.ParserOptions{RegoVersion: ast.RegoV0}})
	if err != nil {
		t.Fatal(err)
	}
	p := mustPack(t)
	const stack = "urn:pulumi:prod::ottkit::pulumi:pulumi:Stack::ottkit-prod"
	for _, rule := range p.Rules {
		for _, kind := range []string{"pass", "fail"} {
			t.Run(rule.Name+"/"+kind, func(t *testing.T) {
				cfg := fixtureConfig(t, rule.Name)
				rs := resourcesOf(t, fixture(t, rule.Name, kind))
				want := analyzerEval(t, c, cfg, stack, rs)
				e, err := p.Prepare(context.Background(), cfg)
				if err != nil {
					t.Fatal(err)
				}
				vs, err := e.Evaluate(context.Background(), stack, rs)
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, v := range vs {
					urn := v.URN
					if r, _ := p.Rule(v.Policy); r.Scope == StackScope {
						urn = stack // the analyzer reports stack rules against the stack
					}
					got = append(got, fmt.Sprintf("%s|%s|%s", v.Policy, urn, v.Message))
				}
				sort.Strings(got)
				if !reflect.DeepEqual(got, want) && (len(got) > 0 || len(want) > 0) {
					t.Errorf("Evaluator:\n%v\nanalyzer:\n%v", got, want)
				}
			})
		}
	}
}

// TestStackViolationsNameTheirResource holds every stack rule to the message convention
// attribute relies on: each failing fixture's violations point at a resource, not the stack.
func TestStackViolationsNameTheirResource(t *testing.T) {
	p := mustPack(t)
	const stack = "urn:pulumi:prod::ottkit::pulumi:pulumi:Stack::ottkit-prod"
	for _, rule := range p.Rules {
		if rule.Scope != StackScope {
			continue
		}
		t.Run(rule.Name, func(t *testing.T) {
			e, err := p.Prepare(context.Background(), fixtureConfig(t, rule.Name))
			if err != nil {
				t.Fatal(err)
			}
			vs, err := e.Evaluate(context.Background(), stack, resourcesOf(t, fixture(t, rule.Name, "fail")))
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range vs {
				if v.Policy == rule.Name && (v.URN == stack || v.URN == "") {
					t.Errorf("%q names no resource of the stack", v.Message)
				}
			}
		})
	}
}

func TestAttribute(t *testing.T) {
	rs := []Resource{
		{URN: "urn:a", Type: "aws:s3/bucketV2:BucketV2", Name: "media"},
		{URN: "urn:b", Type: "aws:sqs/queue:Queue", Name: "jobs"},
		{URN: "urn:c", Type: "aws:mediaconvert/queue:Queue", Name: "jobs"},
	}
	vs := []Violation{
		{URN: "stack", Message: `BucketV2 "media": no encryption`},
		{URN: "stack", Message: `BucketV2 "media" has no public access block`},
		{URN: "stack", Message: `Queue "jobs" has no redrive policy`}, // two resources answer to it
		{URN: "stack", Message: `BucketV2 "other" is missing`},
		{URN: "stack", Message: "no name at all"},
	}
	attribute(vs, rs)
	var got []string
	for _, v := range vs {
		got = append(got, v.URN)
	}
	if want := []string{"urn:a", "urn:a", "stack", "stack", "stack"}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}
