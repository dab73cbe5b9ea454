package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ottkit/ottkit/policies"
)

// packFlags are the flags that choose the policy pack and its configuration.
type packFlags struct {
	dir    string // --policy-pack: a pack directory; "" = the pack built into ottkit
	config string // --policy-config: a pulumi --policy-pack-config JSON file
}

func (f *packFlags) add(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.dir, "policy-pack", "", "policy pack directory (default: the pack built into ottkit)")
	cmd.Flags().StringVar(&f.config, "policy-config", "", "policy configuration JSON, as for pulumi --policy-pack-config")
}

// load returns the pack and the user's configuration.
func (f *packFlags) load() (*policies.Pack, policies.Config, error) {
	var pack *policies.Pack
	var err error
	if f.dir == "" {
		pack, err = policies.Default()
	} else {
		pack, err = policies.Load(os.DirFS(f.dir))
		if err != nil {
			err = fmt.Errorf("--policy-pack %s: %w", f.dir, err)
		}
	}
	if err != nil {
		return nil, nil, err
	}
	cfg := policies.Config{}
	if f.config != "" {
		if cfg, err = policies.ReadConfig(f.config); err != nil {
			return nil, nil, fmt.Errorf("--policy-config: %w", err)
		}
	}
	return pack, cfg, nil
}

// ctxOf returns the command's context, or a background one when it was run without.
func ctxOf(cmd *cobra.Command) context.Context {
	if ctx := cmd.Context(); ctx != nil {
		return ctx
	}
	return context.Background()
}

// prepare builds the evaluator for base overlaid with the user's configuration, and returns
// the configuration it uses.
func prepare(ctx context.Context, pack *policies.Pack, base, user policies.Config) (*policies.Evaluator, policies.Config, error) {
	cfg := base.Merge(user)
	e, err := pack.Prepare(ctx, cfg)
	if err != nil {
		return nil, nil, fmt.Errorf("policy config: %w", err)
	}
	return e, cfg, nil
}

// verdict summarises a set of violations.
type verdict struct {
	mandatory, advisory int
}

func verdictOf(vs []policies.Violation) verdict {
	var v verdict
	for _, x := range vs {
		if x.Level == policies.Mandatory {
			v.mandatory++
		} else {
			v.advisory++
		}
	}
	return v
}

// printViolations writes the policy verdicts for humans: one block per violation, mandatory
// first, with the rule's title and remediation, and a closing verdict line. In GitHub Actions
// it also emits workflow commands, so violations show up as annotations on the run.
func printViolations(w io.Writer, e *policies.Evaluator, cfg policies.Config, vs []policies.Violation, resources int) {
	pack := e.Pack()
	fmt.Fprintf(w, "Policies (%d of %d rules enabled, pack %q)\n", e.Enabled(), len(pack.Rules), pack.Title)
	if len(cfg) > 0 {
		b, _ := json.Marshal(cfg)
		fmt.Fprintf(w, "  config %s\n", b)
	}
	if len(vs) == 0 {
		fmt.Fprintf(w, "  ✓ no violations in %d resources\n", resources)
	}
	for _, v := range vs {
		mark := "✗"
		if v.Level != policies.Mandatory {
			mark = "!"
		}
		rule, _ := pack.Rule(v.Policy)
		fmt.Fprintf(w, "  %s %-9s %s — %s\n", mark, v.Level, v.Policy, rule.Title)
		fmt.Fprintf(w, "      %s\n", v.Message)
		if v.URN != "" {
			fmt.Fprintf(w, "      at %s\n", v.URN)
		}
		if rule.Message != "" {
			fmt.Fprintf(w, "      fix: %s\n", rule.Message)
		}
	}
	if os.Getenv("GITHUB_ACTIONS") == "true" {
		for _, v := range vs {
			cmd := "error"
			if v.Level != policies.Mandatory {
				cmd = "warning"
			}
			fmt.Fprintf(w, "::%s title=%s::%s\n", cmd, escapeProperty(v.Policy), escapeData(v.Message))
		}
	}
	s := verdictOf(vs)
	result := "PASS"
	if s.mandatory > 0 {
		result = "FAIL"
	}
	fmt.Fprintf(w, "Result: %s (%d mandatory, %d advisory)\n", result, s.mandatory, s.advisory)
}

// escapeData and escapeProperty escape GitHub Actions workflow command values.
func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

func escapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}

// sortedKeys returns m's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
