package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/spf13/cobra"
	"gopkg.in/yaml.v3"

	"github.com/ottkit/ottkit/components/offline"
	"github.com/ottkit/ottkit/components/platform"
	"github.com/ottkit/ottkit/policies"
)

func init() { register(newPlanCmd) }

// stackSource supplies a stack's configuration and the program that deploys it.
type stackSource struct {
	readConfig func(projectDir, stack string) (map[string]string, error)
	// check validates the whole configuration before the program runs. The program reads
	// only the keys it knows, so an unknown or misspelled key would otherwise go unnoticed.
	check   func(cfg map[string]string) error
	program pulumi.RunFunc
}

// planSource is the ottkit stack program; tests substitute small programs.
var planSource = stackSource{readConfig: platform.ReadStackConfig, check: checkSpec, program: platform.Program}

// checkSpec is platform.ParseSpec's verdict: every problem, each naming its key.
func checkSpec(cfg map[string]string) error {
	_, err := platform.ParseSpec(cfg)
	return err
}

type planFlags struct {
	stack      string
	all        bool
	json       bool
	projectDir string
	pack       packFlags
}

func newPlanCmd() *cobra.Command {
	var f planFlags
	cmd := &cobra.Command{
		Use:   "plan (--stack NAME | --all)",
		Short: "Run a stack's program offline and check it against the policy pack",
		Long: `plan runs the stack program under a mock engine, with the stack's configuration
(Pulumi.yaml defaults and Pulumi.<stack>.yaml), and evaluates the policy pack on every
resource it registers. It needs no credentials, no Pulumi CLI and no network.

It prints the resources by type, the IAM grants of each function, the stack outputs and the
policy verdicts, and exits 1 when a mandatory policy is violated, 2 on a usage or
configuration error. With --json it prints {stack, resources, violations} (an array of them
with --all).

The stack's own settings shape the policy configuration: ottkit:allowedRegions becomes
deny_region's allowedRegions, and ottkit:retainData false makes the retention rules advisory.
--policy-config is laid over that.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runPlan(ctxOf(cmd), cmd.OutOrStdout(), f)
		},
	}
	cmd.Flags().StringVar(&f.stack, "stack", "", "stack to plan (stacks/Pulumi.NAME.yaml)")
	cmd.Flags().BoolVar(&f.all, "all", false, "plan every stack file of the project")
	cmd.Flags().BoolVar(&f.json, "json", false, "print JSON instead of a report")
	cmd.Flags().StringVar(&f.projectDir, "project-dir", "", "directory holding Pulumi.yaml (default: the nearest one above the working directory)")
	f.pack.add(cmd)
	return cmd
}

// planResult is one planned stack; its JSON form is what --json prints.
type planResult struct {
	Stack      string               `json:"stack"`
	Resources  []planResource       `json:"resources"`
	Violations []policies.Violation `json:"violations"`

	outputs      map[string]any
	grants       []functionGrants
	duration     time.Duration
	evaluator    *policies.Evaluator
	policyConfig policies.Config
}

type planResource struct {
	Type   string         `json:"type"`
	Name   string         `json:"name"`
	URN    string         `json:"urn"`
	Parent string         `json:"parent"`
	Inputs map[string]any `json:"inputs"`
}

func runPlan(ctx context.Context, w io.Writer, f planFlags) error {
	if (f.stack == "") == !f.all {
		return fmt.Errorf("plan: give either --stack NAME or --all")
	}
	project, err := findProject(f.projectDir)
	if err != nil {
		return err
	}
	stacks := []string{f.stack}
	if f.all {
		if stacks, err = project.stacks(); err != nil {
			return err
		}
	}
	pack, user, err := f.pack.load()
	if err != nil {
		return err
	}
	var results []*planResult
	for i, stack := range stacks {
		r, err := planStack(ctx, project, stack, pack, user)
		if err != nil {
			return err
		}
		results = append(results, r)
		if !f.json {
			// Report each stack as soon as it is planned: CI logs show progress.
			if i > 0 {
				fmt.Fprintln(w)
			}
			printPlan(w, r)
		}
	}

	if f.json {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		var v any = results
		if !f.all {
			v = results[0]
		}
		if err := enc.Encode(v); err != nil {
			return err
		}
	}
	for _, r := range results {
		if policies.Blocking(r.Violations) {
			return errViolations
		}
	}
	return nil
}

// planStack runs one stack's program offline and evaluates the pack on it.
func planStack(ctx context.Context, project *projectFile, stack string, pack *policies.Pack, user policies.Config) (*planResult, error) {
	start := time.Now()
	cfg, err := planSource.readConfig(project.dir, stack)
	if err != nil {
		return nil, err
	}
	if planSource.check != nil {
		if err := planSource.check(cfg); err != nil {
			return nil, fmt.Errorf("stack %s: %w", stack, err)
		}
	}
	base, err := policies.ForStack(cfg)
	if err != nil {
		return nil, fmt.Errorf("stack %s: %w", stack, err)
	}
	e, policyConfig, err := prepare(ctx, pack, base, user)
	if err != nil {
		return nil, err
	}
	res, err := offline.Run(planSource.program, offline.Options{Project: project.Name, Stack: stack, Config: cfg})
	if err != nil {
		return nil, fmt.Errorf("stack %s: the program failed: %w", stack, err)
	}
	resources := policies.FromOffline(res, cfg)
	vs, err := e.Evaluate(ctx, policies.StackURN(project.Name, stack), resources)
	if err != nil {
		return nil, err
	}
	r := &planResult{Stack: stack, Violations: vs, outputs: res.Outputs, grants: grantsOf(resources),
		evaluator: e, policyConfig: policyConfig}
	if r.Violations == nil {
		r.Violations = []policies.Violation{}
	}
	for _, x := range res.Resources {
		inputs := x.Inputs
		if inputs == nil {
			inputs = map[string]any{}
		}
		r.Resources = append(r.Resources, planResource{Type: x.Type, Name: x.Name, URN: x.URN, Parent: x.Parent, Inputs: inputs})
	}
	r.duration = time.Since(start)
	return r, nil
}

// printPlan writes one stack's report.
func printPlan(w io.Writer, r *planResult) {
	fmt.Fprintf(w, "Stack %s: %d resources (planned offline in %s)\n\n", r.Stack, len(r.Resources), r.duration.Round(time.Millisecond))

	fmt.Fprintln(w, "Resources by type")
	counts := map[string]int{}
	for _, x := range r.Resources {
		counts[x.Type]++
	}
	types := sortedKeys(counts)
	sort.SliceStable(types, func(i, j int) bool { return counts[types[i]] > counts[types[j]] })
	for _, t := range types {
		fmt.Fprintf(w, "  %4d  %s\n", counts[t], t)
	}

	fmt.Fprintln(w, "\nIAM grants by function")
	if len(r.grants) == 0 {
		fmt.Fprintln(w, "  (no functions)")
	}
	for _, g := range r.grants {
		fmt.Fprintf(w, "  %s (role %s)\n", g.Function, g.Role)
		for _, x := range g.Grants {
			if x.Managed != "" {
				fmt.Fprintf(w, "    %-5s managed policy %s\n", x.Effect, x.Managed)
				continue
			}
			fmt.Fprintf(w, "    %-5s %s\n", x.Effect, strings.Join(x.Actions, ", "))
			for _, res := range x.Resources {
				fmt.Fprintf(w, "          on %s\n", res)
			}
			if x.Condition != "" {
				fmt.Fprintf(w, "          when %s\n", x.Condition)
			}
		}
	}

	fmt.Fprintln(w, "\nOutputs")
	if len(r.outputs) == 0 {
		fmt.Fprintln(w, "  (none)")
	}
	for _, k := range sortedKeys(r.outputs) {
		v := r.outputs[k]
		s, ok := v.(string)
		if !ok {
			b, _ := json.Marshal(v)
			s = string(b)
		}
		fmt.Fprintf(w, "  %s = %s\n", k, s)
	}
	fmt.Fprintln(w)
	printViolations(w, r.evaluator, r.policyConfig, r.Violations, len(r.Resources))
}

// projectFile is the part of Pulumi.yaml plan needs.
type projectFile struct {
	Name           string `yaml:"name"`
	StackConfigDir string `yaml:"stackConfigDir"`
	dir            string
}

// findProject reads Pulumi.yaml from dir, or from the nearest directory above the working
// directory that has one.
func findProject(dir string) (*projectFile, error) {
	if dir == "" {
		wd, err := os.Getwd()
		if err != nil {
			return nil, err
		}
		for d := wd; ; d = filepath.Dir(d) {
			if _, err := os.Stat(filepath.Join(d, "Pulumi.yaml")); err == nil {
				dir = d
				break
			}
			if filepath.Dir(d) == d {
				return nil, fmt.Errorf("no Pulumi.yaml in %s or above: pass --project-dir", wd)
			}
		}
	}
	b, err := os.ReadFile(filepath.Join(dir, "Pulumi.yaml"))
	if err != nil {
		return nil, fmt.Errorf("--project-dir: %w", err)
	}
	p := &projectFile{dir: dir}
	if err := yaml.Unmarshal(b, p); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, "Pulumi.yaml"), err)
	}
	if p.Name == "" {
		return nil, fmt.Errorf("%s: no project name", filepath.Join(dir, "Pulumi.yaml"))
	}
	return p, nil
}

// stacks lists the stacks that have a Pulumi.<stack>.yaml in the stack config directory.
func (p *projectFile) stacks() ([]string, error) {
	files, err := filepath.Glob(filepath.Join(p.dir, p.StackConfigDir, "Pulumi.*.yaml"))
	if err != nil {
		return nil, err
	}
	var out []string
	for _, f := range files {
		out = append(out, strings.TrimSuffix(strings.TrimPrefix(filepath.Base(f), "Pulumi."), ".yaml"))
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no stack files (Pulumi.*.yaml) in %s", filepath.Join(p.dir, p.StackConfigDir))
	}
	sort.Strings(out)
	return out, nil
}
