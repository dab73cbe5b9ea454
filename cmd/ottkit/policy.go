package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/ottkit/ottkit/policies"
)

func init() { register(newPolicyCmd) }

func newPolicyCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "policy",
		Short: "Evaluate and document the policy pack",
	}
	cmd.AddCommand(newPolicyCheckCmd(), newPolicyDocsCmd(), newPolicyConfigCmd())
	return cmd
}

// checkFlags are policy check's flags.
type checkFlags struct {
	pack          packFlags
	json          bool
	projectDir    string
	noStackConfig bool
}

func newPolicyCheckCmd() *cobra.Command {
	var f checkFlags
	cmd := &cobra.Command{
		Use:   "check FILE",
		Short: "Evaluate the pack on `pulumi preview --json` or `pulumi stack export` output",
		Long: `check reads the JSON the Pulumi CLI prints for "pulumi preview --json" (the new state of
each resource the update creates or keeps) or "pulumi stack export" (the deployed resources)
and evaluates the policy pack on it, for teams that run the real CLI but want ottkit's
verdicts, or want to check a stack that is already deployed. FILE "-" reads standard input.

The stack the file names (its URN, urn:pulumi:STACK::PROJECT::...) decides the policy
configuration, as for ottkit plan: when the project (Pulumi.yaml in --project-dir, or the
nearest one above the working directory) is that project and has the stack's file
(stacks/Pulumi.STACK.yaml), its ottkit:allowedRegions, ottkit:geoAllowList and
ottkit:retainData shape the configuration, and --policy-config is laid over it. The report
says which stack file it used. --no-stack-config judges by --policy-config alone.

It exits 1 when a mandatory policy is violated and 2 on a usage or input error.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runPolicyCheck(cmd, args[0], f)
		},
	}
	cmd.Flags().BoolVar(&f.json, "json", false, "print JSON instead of a report")
	cmd.Flags().StringVar(&f.projectDir, "project-dir", "", "directory holding Pulumi.yaml (default: the nearest one above the working directory)")
	cmd.Flags().BoolVar(&f.noStackConfig, "no-stack-config", false, "do not apply the policy configuration of the stack the file names")
	f.pack.add(cmd)
	return cmd
}

// stackPolicyConfig finds the stack file of the stack urn names and returns the policy
// configuration it implies and the file, or no configuration and why none applies.
func stackPolicyConfig(urn, projectDir string) (cfg policies.Config, file, why string, err error) {
	projectName, stack, err := policies.ParseStackURN(urn)
	if err != nil {
		return nil, "", "the file names no stack", nil
	}
	project, err := findProject(projectDir)
	if err != nil {
		if projectDir != "" {
			return nil, "", "", err
		}
		return nil, "", "no Pulumi.yaml here or above", nil
	}
	if project.Name != projectName {
		return nil, "", fmt.Sprintf("the file is of project %q, %s is %q", projectName, filepath.Join(project.dir, "Pulumi.yaml"), project.Name), nil
	}
	path := filepath.Join(project.dir, project.StackConfigDir, "Pulumi."+stack+".yaml")
	if _, err := os.Stat(path); err != nil {
		return nil, "", fmt.Sprintf("no stack file %s", path), nil
	}
	config, err := planSource.readConfig(project.dir, stack)
	if err != nil {
		return nil, "", "", err
	}
	if cfg, err = policies.ForStack(config); err != nil {
		return nil, "", "", fmt.Errorf("%s: %w", path, err)
	}
	return cfg, path, "", nil
}

// checkResult is what policy check --json prints.
type checkResult struct {
	Source string `json:"source"`
	Stack  string `json:"stack"`
	// StackConfig is the stack file whose policy configuration was applied, "" for none.
	StackConfig string               `json:"stackConfig"`
	Resources   int                  `json:"resources"`
	Violations  []policies.Violation `json:"violations"`
}

func runPolicyCheck(cmd *cobra.Command, file string, f checkFlags) error {
	var b []byte
	var err error
	if file == "-" {
		b, err = io.ReadAll(cmd.InOrStdin())
	} else {
		b, err = os.ReadFile(file)
	}
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("policy check: %s does not exist: make it with `pulumi preview --stack NAME --json > %s` "+
			"(or `pulumi stack export`), or try the sample policies/testdata/preview.json", file, file)
	}
	if err != nil {
		return err
	}
	snap, err := policies.DecodeSnapshot(b)
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	pack, user, err := f.pack.load()
	if err != nil {
		return err
	}
	base, stackFile, why := policies.Config{}, "", "--no-stack-config"
	if !f.noStackConfig {
		if base, stackFile, why, err = stackPolicyConfig(snap.StackURN, f.projectDir); err != nil {
			return err
		}
	}
	e, cfg, err := prepare(ctxOf(cmd), pack, base, user)
	if err != nil {
		return err
	}
	vs, err := e.Evaluate(ctxOf(cmd), snap.StackURN, snap.Resources)
	if err != nil {
		return err
	}
	if vs == nil {
		vs = []policies.Violation{}
	}
	w := cmd.OutOrStdout()
	if f.json {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if err := enc.Encode(checkResult{Source: snap.Source, Stack: snap.StackURN, StackConfig: stackFile,
			Resources: len(snap.Resources), Violations: vs}); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(w, "%s: %d resources from pulumi %s (%s)\n", file, len(snap.Resources), map[string]string{
			"preview": "preview --json", "export": "stack export"}[snap.Source], snap.StackURN)
		if stackFile != "" {
			fmt.Fprintf(w, "stack policy configuration: %s\n\n", stackFile)
		} else {
			fmt.Fprintf(w, "stack policy configuration: none (%s)\n\n", why)
		}
		printViolations(w, e, cfg, vs, len(snap.Resources))
	}
	if policies.Blocking(vs) {
		return errViolations
	}
	return nil
}

func newPolicyDocsCmd() *cobra.Command {
	var out string
	var dir string
	cmd := &cobra.Command{
		Use:   "docs",
		Short: "Write the rule list (docs/POLICIES.md) from the rules' METADATA",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			pack, _, err := (&packFlags{dir: dir}).load()
			if err != nil {
				return err
			}
			md := pack.Markdown()
			if out == "" {
				_, err := io.Copy(cmd.OutOrStdout(), bytes.NewReader(md))
				return err
			}
			return os.WriteFile(out, md, 0o644)
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "file to write (default: standard output)")
	cmd.Flags().StringVar(&dir, "policy-pack", "", "policy pack directory (default: the pack built into ottkit)")
	return cmd
}

func newPolicyConfigCmd() *cobra.Command {
	var stack, projectDir, user string
	cmd := &cobra.Command{
		Use:   "config --stack NAME",
		Short: "Print the policy configuration a stack implies, for pulumi --policy-pack-config",
		Long: `config prints the policy configuration ottkit plan uses for a stack (its
ottkit:allowedRegions as deny_region's allowedRegions, advisory retention rules when
ottkit:retainData is false), with --policy-config laid over it, as the JSON that
"pulumi preview --policy-pack policies --policy-pack-config FILE" reads. Both CI paths then
judge a stack by the same rules.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if stack == "" {
				return fmt.Errorf("policy config: --stack is required")
			}
			project, err := findProject(projectDir)
			if err != nil {
				return err
			}
			cfg, err := planSource.readConfig(project.dir, stack)
			if err != nil {
				return err
			}
			base, err := policies.ForStack(cfg)
			if err != nil {
				return err
			}
			pack, over, err := (&packFlags{config: user}).load()
			if err != nil {
				return err
			}
			merged := base.Merge(over)
			if _, err := pack.Prepare(ctxOf(cmd), merged); err != nil {
				return err
			}
			b, err := json.MarshalIndent(merged, "", "  ")
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "%s\n", b)
			return err
		},
	}
	cmd.Flags().StringVar(&stack, "stack", "", "stack whose configuration to derive (stacks/Pulumi.NAME.yaml)")
	cmd.Flags().StringVar(&projectDir, "project-dir", "", "directory holding Pulumi.yaml (default: the nearest one above the working directory)")
	cmd.Flags().StringVar(&user, "policy-config", "", "policy configuration JSON to lay over the stack's")
	return cmd
}
