package policies

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
)

// Violation is one message a rule reported.
type Violation struct {
	Policy  string `json:"policy"`
	Level   Level  `json:"level"`
	URN     string `json:"urn"` // the resource's, or the stack's for stack rules
	Message string `json:"message"`
}

// Evaluator evaluates a pack under one configuration. Its queries are prepared once, so it
// can evaluate many stacks; it is safe for concurrent use.
type Evaluator struct {
	pack     *Pack
	levels   map[string]Level
	resource *rego.PreparedEvalQuery // nil when no resource rule is enabled
	stack    *rego.PreparedEvalQuery
}

// Prepare compiles the queries for every enabled rule of the pack, with cfg's properties as
// data.config. A cfg naming a rule the pack lacks is an error.
func (p *Pack) Prepare(ctx context.Context, cfg Config) (*Evaluator, error) {
	if err := cfg.validate(p); err != nil {
		return nil, err
	}
	e := &Evaluator{pack: p, levels: map[string]Level{}}
	var resourceRules, stackRules []string
	for _, r := range p.Rules {
		level := cfg.level(r)
		if level == Disabled {
			continue
		}
		e.levels[r.Name] = level
		if r.Scope == StackScope {
			stackRules = append(stackRules, r.Name)
		} else {
			resourceRules = append(resourceRules, r.Name)
		}
	}
	store := inmem.NewFromObject(map[string]any{"config": cfg.data()})
	var err error
	if e.resource, err = prepare(ctx, p.compiler, store, resourceRules); err != nil {
		return nil, err
	}
	if e.stack, err = prepare(ctx, p.compiler, store, stackRules); err != nil {
		return nil, err
	}
	return e, nil
}

// prepare builds one query that evaluates every named rule at once into an object of rule
// name to its set of messages: one evaluation per resource instead of one per rule.
func prepare(ctx context.Context, c *ast.Compiler, store storage.Store, rules []string) (*rego.PreparedEvalQuery, error) {
	if len(rules) == 0 {
		return nil, nil
	}
	fields := make([]string, len(rules))
	for i, r := range rules {
		fields[i] = fmt.Sprintf("%q: data.%s.%s", r, PackageName, r)
	}
	q, err := rego.New(
		rego.Query("{"+strings.Join(fields, ", ")+"}"),
		rego.Compiler(c),
		rego.Store(store),
	).PrepareForEval(ctx)
	if err != nil {
		return nil, fmt.Errorf("policies: preparing the query: %w", err)
	}
	return &q, nil
}

// Pack returns the pack the evaluator runs.
func (e *Evaluator) Pack() *Pack { return e.pack }

// Enabled returns how many of the pack's rules the configuration leaves enabled.
func (e *Evaluator) Enabled() int { return len(e.levels) }

// Evaluate runs resource rules on every resource and stack rules once over all of them, and
// returns the violations sorted by level (mandatory first), policy and URN. A stack-rule
// violation carries the URN of the resource its message names, or stackURN, where Pulumi's
// analyzer reports them all, when it names none.
func (e *Evaluator) Evaluate(ctx context.Context, stackURN string, resources []Resource) ([]Violation, error) {
	var out []Violation
	// Each resource's input is converted to an AST value once: resource rules see it as is,
	// and stack rules see it with its dependencies added, under input.resources.
	inputs := make([]*ast.Term, len(resources))
	for i, r := range resources {
		value, err := ast.InterfaceToValue(r.Input())
		if err != nil {
			return nil, fmt.Errorf("policies: converting %s: %w", r.URN, err)
		}
		if e.resource != nil {
			vs, err := e.eval(ctx, e.resource, value, r.URN)
			if err != nil {
				return nil, fmt.Errorf("policies: evaluating %s: %w", r.URN, err)
			}
			out = append(out, vs...)
		}
		if e.stack != nil {
			obj, ok := value.(ast.Object)
			if !ok {
				return nil, fmt.Errorf("policies: %s: input is %T, not an object", r.URN, value)
			}
			if err := addDependencies(obj, r); err != nil {
				return nil, fmt.Errorf("policies: converting %s: %w", r.URN, err)
			}
			inputs[i] = ast.NewTerm(obj)
		}
	}
	if e.stack != nil {
		stack := ast.NewObject([2]*ast.Term{ast.StringTerm("resources"), ast.ArrayTerm(inputs...)})
		vs, err := e.eval(ctx, e.stack, stack, stackURN)
		if err != nil {
			return nil, fmt.Errorf("policies: evaluating stack rules: %w", err)
		}
		attribute(vs, resources)
		out = append(out, vs...)
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Level != b.Level {
			return a.Level == Mandatory
		}
		if a.Policy != b.Policy {
			return a.Policy < b.Policy
		}
		if a.URN != b.URN {
			return a.URN < b.URN
		}
		return a.Message < b.Message
	})
	return out, nil
}

func (e *Evaluator) eval(ctx context.Context, q *rego.PreparedEvalQuery, input ast.Value, urn string) ([]Violation, error) {
	// A parsed input skips the JSON round trip rego.EvalInput makes, a fifth of the
	// evaluation time.
	rs, err := q.Eval(ctx, rego.EvalParsedInput(input))
	if err != nil {
		return nil, err
	}
	var out []Violation
	for _, result := range rs {
		for _, expr := range result.Expressions {
			byRule, ok := expr.Value.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("query returned %T, not an object", expr.Value)
			}
			for rule, msgs := range byRule {
				list, _ := msgs.([]any)
				for _, m := range list {
					msg, ok := m.(string)
					if !ok {
						msg = fmt.Sprint(m)
					}
					out = append(out, Violation{Policy: rule, Level: e.levels[rule], URN: urn, Message: msg})
				}
			}
		}
	}
	return out, nil
}

// attribute points each stack-rule violation at the resource its message is about. The pack's
// stack rules start every message with the resource's short type and quoted logical name
// (named() in lib.rego), e.g. `BucketV2 "media-masters": ...`; a message that names no single
// resource keeps the stack's URN, which is where Pulumi's analyzer reports all of them.
func attribute(vs []Violation, resources []Resource) {
	if len(vs) == 0 {
		return
	}
	byName := map[string]string{}
	for _, r := range resources {
		short := r.Type[strings.LastIndex(r.Type, ":")+1:]
		key := fmt.Sprintf("%s %q", short, r.Name)
		if _, dup := byName[key]; dup {
			byName[key] = "" // ambiguous: leave such violations on the stack
			continue
		}
		byName[key] = r.URN
	}
	for i, v := range vs {
		// The key ends at the quote that closes the name.
		open := strings.IndexByte(v.Message, '"')
		if open < 0 {
			continue
		}
		closing := strings.IndexByte(v.Message[open+1:], '"')
		if closing < 0 {
			continue
		}
		if urn := byName[v.Message[:open+1+closing+1]]; urn != "" {
			vs[i].URN = urn
		}
	}
}

// Blocking reports whether any violation is mandatory, i.e. would stop `pulumi up`.
func Blocking(vs []Violation) bool {
	for _, v := range vs {
		if v.Level == Mandatory {
			return true
		}
	}
	return false
}
