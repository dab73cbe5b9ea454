// Package policies holds ottkit's policy pack and evaluates it the way Pulumi's OPA analyzer
// (pulumi/pulumi-policy-opa) does, without the Pulumi CLI.
//
// The directory is itself the pack: PulumiPolicy.yaml (runtime: opa) and one .rego file per
// family, all in package ottkit, so `pulumi preview --policy-pack policies` runs the same rules.
// The Go side embeds the pack, builds the analyzer's input for each resource (properties at the
// top level plus __type, __name, __urn, __options and __provider) and for the stack (the same
// objects under input.resources), and evaluates resource rules (deny_*, warn_*) per resource and
// stack rules (stack_deny_*, stack_warn_*) once over all resources.
package policies

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/open-policy-agent/opa/v1/ast"
)

//go:embed PulumiPolicy.yaml *.rego
var embedded embed.FS

// PackageName is the Rego package every file of the pack declares; the analyzer names the pack
// after it and queries data.<PackageName>.<rule>.
const PackageName = "ottkit"

// Level is a rule's enforcement level, as Pulumi names them.
type Level string

// The enforcement levels.
const (
	Mandatory Level = "mandatory"
	Advisory  Level = "advisory"
	Disabled  Level = "disabled"
)

// Scope says whether a rule sees one resource or the whole stack.
type Scope string

// The scopes.
const (
	ResourceScope Scope = "resource"
	StackScope    Scope = "stack"
)

// The analyzer's rule-name prefixes (pulumi-policy-opa cmd/pulumi-analyzer-policy-opa/policy.go).
// Rules matching none of them are library routines.
var (
	denyPrefix      = regexp.MustCompile(`^(deny|violation)(_[a-zA-Z0-9]+)*$`)
	warnPrefix      = regexp.MustCompile(`^warn(_[a-zA-Z0-9]+)*$`)
	stackDenyPrefix = regexp.MustCompile(`^stack_(deny|violation)(_[a-zA-Z0-9]+)*$`)
	stackWarnPrefix = regexp.MustCompile(`^stack_warn(_[a-zA-Z0-9]+)*$`)
)

// Classify returns the level and scope the analyzer gives a rule name, and false for a name
// that is not a policy.
func Classify(name string) (Level, Scope, bool) {
	switch {
	case stackDenyPrefix.MatchString(name):
		return Mandatory, StackScope, true
	case stackWarnPrefix.MatchString(name):
		return Advisory, StackScope, true
	case denyPrefix.MatchString(name):
		return Mandatory, ResourceScope, true
	case warnPrefix.MatchString(name):
		return Advisory, ResourceScope, true
	}
	return "", "", false
}

// Rule is one policy of the pack with the metadata its METADATA block gives.
type Rule struct {
	Name        string // the Rego rule name, e.g. deny_sqs_kms
	Title       string // METADATA title: the analyzer's DisplayName
	Description string // METADATA description
	Message     string // METADATA custom.message: how to fix a violation
	// Checkov are the ids of the Checkov checks the rule enforces (METADATA custom.checkov),
	// from which CheckovCoverage counts.
	Checkov []string
	Level   Level
	Scope   Scope
	File    string // the .rego file that defines it
}

// Family is the file's base name, e.g. "storage" for storage.rego.
func (r Rule) Family() string {
	return strings.TrimSuffix(r.File, ".rego")
}

// Pack is a compiled policy pack.
type Pack struct {
	Title       string // package METADATA title
	Description string
	Rules       []Rule // sorted by family, then name
	compiler    *ast.Compiler
	sources     map[string]string // file name to Rego text
}

// Rule returns the rule with the given name.
func (p *Pack) Rule(name string) (Rule, bool) {
	for _, r := range p.Rules {
		if r.Name == name {
			return r, true
		}
	}
	return Rule{}, false
}

// FS returns the embedded pack: PulumiPolicy.yaml and the .rego files, tests included.
func FS() fs.FS { return embedded }

var defaultPack = sync.OnceValues(func() (*Pack, error) { return Load(embedded) })

// Default returns the pack embedded in the binary, compiled once.
func Default() (*Pack, error) { return defaultPack() }

// Load compiles the pack in the root of fsys: every .rego file except *_test.rego. It checks
// what the analyzer requires: PulumiPolicy.yaml with runtime opa, one package for all files,
// and, beyond it, that every policy carries a METADATA title, description and custom.message.
func Load(fsys fs.FS) (*Pack, error) {
	if err := checkManifest(fsys); err != nil {
		return nil, err
	}
	modules, err := readModules(fsys, false)
	if err != nil {
		return nil, err
	}
	if len(modules) == 0 {
		return nil, fmt.Errorf("policies: no .rego files in the pack")
	}
	compiler, err := compile(modules, ast.RegoV1)
	if err != nil {
		return nil, err
	}
	p, err := describe(compiler)
	if err != nil {
		return nil, err
	}
	p.sources = modules
	return p, nil
}

var runtimeLine = regexp.MustCompile(`(?m)^runtime:\s*(\S+)\s*$`)

// checkManifest reads PulumiPolicy.yaml and insists on the OPA runtime.
func checkManifest(fsys fs.FS) error {
	b, err := fs.ReadFile(fsys, "PulumiPolicy.yaml")
	if err != nil {
		return fmt.Errorf("policies: reading the pack manifest: %w", err)
	}
	m := runtimeLine.FindSubmatch(b)
	if m == nil || string(m[1]) != "opa" {
		return fmt.Errorf("policies: PulumiPolicy.yaml: runtime must be opa")
	}
	return nil
}

// readModules returns the text of the pack's .rego files by file name, with or without tests.
func readModules(fsys fs.FS, tests bool) (map[string]string, error) {
	names, err := fs.Glob(fsys, "*.rego")
	if err != nil {
		return nil, fmt.Errorf("policies: listing rego files: %w", err)
	}
	out := map[string]string{}
	for _, name := range names {
		if !tests && strings.HasSuffix(name, "_test.rego") {
			continue
		}
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("policies: reading %s: %w", name, err)
		}
		out[name] = string(b)
	}
	return out, nil
}

// compile parses and compiles modules with annotations, in the given Rego version.
func compile(modules map[string]string, version ast.RegoVersion) (*ast.Compiler, error) {
	parsed := map[string]*ast.Module{}
	opts := ast.ParserOptions{ProcessAnnotation: true, RegoVersion: version}
	for name, text := range modules {
		m, err := ast.ParseModuleWithOpts(name, text, opts)
		if err != nil {
			return nil, fmt.Errorf("policies: %w", err)
		}
		parsed[name] = m
	}
	c := ast.NewCompiler().WithEnablePrintStatements(false)
	c.Compile(parsed)
	if c.Failed() {
		return nil, fmt.Errorf("policies: compiling the pack: %w", c.Errors)
	}
	return c, nil
}

// describe extracts the pack's rules and their metadata from a compiled pack.
func describe(c *ast.Compiler) (*Pack, error) {
	p := &Pack{compiler: c}
	seen := map[string]bool{}
	names := make([]string, 0, len(c.Modules))
	for name := range c.Modules {
		names = append(names, name)
	}
	sort.Strings(names)
	var problems []string
	for _, file := range names {
		m := c.Modules[file]
		if pkg := strings.TrimPrefix(m.Package.Path.String(), "data."); pkg != PackageName {
			return nil, fmt.Errorf("policies: %s declares package %s; the analyzer needs one package, %s, for every file", file, pkg, PackageName)
		}
		for _, a := range m.Annotations {
			if a.Scope == "package" {
				p.Title, p.Description = a.Title, a.Description
			}
		}
		for _, rule := range m.Rules {
			name := rule.Head.Name.String()
			if name == "" {
				name = rule.Head.Ref().String()
			}
			level, scope, ok := Classify(name)
			if !ok || seen[name] {
				continue
			}
			seen[name] = true
			r := Rule{Name: name, Level: level, Scope: scope, File: path.Base(file)}
			for _, a := range rule.Annotations {
				r.Title, r.Description = a.Title, a.Description
				if msg, ok := a.Custom["message"].(string); ok {
					r.Message = strings.TrimSpace(msg)
				}
				if ids, ok := a.Custom["checkov"].([]any); ok {
					for _, id := range ids {
						r.Checkov = append(r.Checkov, fmt.Sprint(id))
					}
				}
			}
			if r.Title == "" || r.Description == "" || r.Message == "" {
				problems = append(problems, fmt.Sprintf("%s (%s)", name, file))
			}
			p.Rules = append(p.Rules, r)
		}
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("policies: rules without a METADATA title, description and custom.message: %s", strings.Join(problems, ", "))
	}
	sort.Slice(p.Rules, func(i, j int) bool {
		a, b := p.Rules[i], p.Rules[j]
		if a.File != b.File {
			return a.File < b.File
		}
		return a.Name < b.Name
	})
	return p, nil
}
