package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"sort"
	"strings"
	"sync"

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
	parallel   int
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
--policy-config is laid over that.

With --all the stacks are planned in parallel (--parallel, default one per CPU); the report
lists them in name order and is the same, byte for byte, whatever the parallelism.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runPlan(ctxOf(cmd), cmd.OutOrStdout(), f)
		},
	}
	cmd.Flags().StringVar(&f.stack, "stack", "", "stack to plan (stacks/Pulumi.NAME.yaml)")
	cmd.Flags().BoolVar(&f.all, "all", false, "plan every stack file of the project")
	cmd.Flags().BoolVar(&f.json, "json", false, "print JSON instead of a report")
	cmd.Flags().StringVar(&f.projectDir, "project-dir", "", "directory holding Pulumi.yaml (default: the nearest one above the working directory)")
	cmd.Flags().IntVar(&f.parallel, "parallel", 0, "stacks planned at once with --all (default: the number of CPUs)")
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
	if f.parallel < 0 {
		return fmt.Errorf("plan: --parallel %d is negative", f.parallel)
	}
	workers := f.parallel
	if workers == 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	if len(stacks) > 1 && os.Getenv("GOGC") == "" {
		// Planning allocates a lot of short-lived garbage (mock engine, Rego values) while
		// little stays live: collecting less often saves a fifth of the CPU of plan --all.
		defer debug.SetGCPercent(debug.SetGCPercent(400))
	}
	p := &planner{project: project, pack: pack, user: user, evaluators: map[string]*evaluatorOnce{}}
	results := make([]*planResult, len(stacks))
	errs := make([]error, len(stacks))
	done := make([]chan struct{}, len(stacks))
	for i := range done {
		done[i] = make(chan struct{})
	}
	next := make(chan int)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	for range min(workers, len(stacks)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				results[i], errs[i] = p.plan(ctx, stacks[i])
				close(done[i])
			}
		}()
	}
	go func() {
		defer close(next)
		for i := range stacks {
			select {
			case next <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	// Report the stacks in name order, each as soon as it and those before it are planned:
	// CI logs show progress, and the bytes do not depend on which worker finished first.
	var failed error
	for i := range stacks {
		<-done[i]
		if errs[i] != nil {
			failed = errs[i]
			break
		}
		if !f.json {
			if i > 0 {
				fmt.Fprintln(w)
			}
			printPlan(w, results[i])
			// Only the verdict is needed from here on: let the rest be collected.
			results[i] = &planResult{Stack: results[i].Stack, Violations: results[i].Violations}
		}
	}
	cancel()
	wg.Wait()
	if failed != nil {
		return failed
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

// planner plans the stacks of one project with one pack; it is safe for concurrent use.
// Stacks whose policy configuration is the same share one prepared evaluator, so the pack's
// queries are compiled once per distinct configuration, not once per stack.
type planner struct {
	project *projectFile
	pack    *policies.Pack
	user    policies.Config

	mu         sync.Mutex
	evaluators map[string]*evaluatorOnce // by the configuration's JSON
}

type evaluatorOnce struct {
	once sync.Once
	e    *policies.Evaluator
	cfg  policies.Config
	err  error
}

// evaluator returns the evaluator for base overlaid with the user's configuration.
func (p *planner) evaluator(ctx context.Context, base policies.Config) (*policies.Evaluator, policies.Config, error) {
	key, err := json.Marshal(base.Merge(p.user))
	if err != nil {
		return nil, nil, err
	}
	p.mu.Lock()
	x, ok := p.evaluators[string(key)]
	if !ok {
		x = &evaluatorOnce{}
		p.evaluators[string(key)] = x
	}
	p.mu.Unlock()
	x.once.Do(func() { x.e, x.cfg, x.err = prepare(ctx, p.pack, base, p.user) })
	return x.e, x.cfg, x.err
}

// planStack runs one stack's program offline and evaluates the pack on it.
func planStack(ctx context.Context, project *projectFile, stack string, pack *policies.Pack, user policies.Config) (*planResult, error) {
	p := &planner{project: project, pack: pack, user: user, evaluators: map[string]*evaluatorOnce{}}
	return p.plan(ctx, stack)
}

// plan runs one stack's program offline and evaluates the pack on it.
func (p *planner) plan(ctx context.Context, stack string) (*planResult, error) {
	project := p.project
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
	e, policyConfig, err := p.evaluator(ctx, base)
	if err != nil {
		return nil, err
	}
	res, err := offline.Run(planSource.program, offline.Options{Project: project.Name, Stack: stack, Config: cfg})
	if err != nil {
		return nil, fmt.Errorf("stack %s: the program failed: %w", stack, err)
	}
	resources := policies.FromOffline(res, cfg)
	sort.Slice(resources, func(i, j int) bool { return resources[i].URN < resources[j].URN })
	vs, err := e.Evaluate(ctx, policies.StackURN(project.Name, stack), resources)
	if err != nil {
		return nil, err
	}
	r := &planResult{Stack: stack, Violations: vs, outputs: res.Outputs, grants: grantsOf(resources),
		evaluator: e, policyConfig: policyConfig}
	if r.Violations == nil {
		r.Violations = []policies.Violation{}
	}
	// The engine registers resources concurrently, so their order differs from run to run:
	// list them by URN, so the same stack always gives the same report.
	registered := slices.Clone(res.Resources)
	sort.Slice(registered, func(i, j int) bool { return registered[i].URN < registered[j].URN })
	for _, x := range registered {
		inputs := x.Inputs
		if inputs == nil {
			inputs = map[string]any{}
		}
		r.Resources = append(r.Resources, planResource{Type: x.Type, Name: x.Name, URN: x.URN, Parent: x.Parent, Inputs: inputs})
	}
	return r, nil
}

// printPlan writes one stack's report.
func printPlan(w io.Writer, r *planResult) {
	fmt.Fprintf(w, "Stack %s: %d resources (planned offline)\n\n", r.Stack, len(r.Resources))

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
