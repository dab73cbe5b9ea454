package policies

import (
	"bytes"
	"fmt"
	"regexp"
	"sort"
	"strings"
)

//go:generate go run ../cmd/ottkit policy docs --out ../docs/POLICIES.md

// Markdown renders the pack's rule list from the rules' METADATA: docs/POLICIES.md is this
// output, and a test fails when the file and the pack drift apart.
func (p *Pack) Markdown() []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Policies\n\n")
	fmt.Fprintf(&b, "<!-- Generated from the METADATA blocks of policies/*.rego by `go generate ./policies`\n")
	fmt.Fprintf(&b, "     (or `ottkit policy docs --out docs/POLICIES.md`). Do not edit by hand. -->\n\n")
	fmt.Fprintf(&b, "%s. %s\n\n", p.Title, p.Description)

	byFamily := map[string][]Rule{}
	for _, r := range p.Rules {
		byFamily[r.Family()] = append(byFamily[r.Family()], r)
	}
	families := make([]string, 0, len(byFamily))
	for f := range byFamily {
		families = append(families, f)
	}
	sort.Strings(families)

	mandatory, stack := 0, 0
	for _, r := range p.Rules {
		if r.Level == Mandatory {
			mandatory++
		}
		if r.Scope == StackScope {
			stack++
		}
	}
	fmt.Fprintf(&b, "%d rules: %d mandatory, %d advisory; %d check one resource at a time, %d the whole stack.\n\n",
		len(p.Rules), mandatory, len(p.Rules)-mandatory, len(p.Rules)-stack, stack)
	fmt.Fprintf(&b, "| Rule | Family | Level | Scope | Title |\n|---|---|---|---|---|\n")
	for _, f := range families {
		for _, r := range byFamily[f] {
			fmt.Fprintf(&b, "| [`%s`](#%s) | %s | %s | %s | %s |\n", r.Name, anchor(r.Name), f, r.Level, r.Scope, escapeCell(r.Title))
		}
	}
	for _, f := range families {
		fmt.Fprintf(&b, "\n## %s\n", f)
		for _, r := range byFamily[f] {
			fmt.Fprintf(&b, "\n### %s\n\n", r.Name)
			fmt.Fprintf(&b, "**%s** — %s, %s rule (`%s`).\n\n", r.Title, r.Level, r.Scope, r.File)
			fmt.Fprintf(&b, "%s\n\n", r.Description)
			fmt.Fprintf(&b, "Fix: %s\n", r.Message)
			if keys := configKeys(p, r.Name); len(keys) > 0 {
				fmt.Fprintf(&b, "\nConfigurable (`data.config.%s`): %s.\n", r.Name, strings.Join(keys, ", "))
			}
			if len(r.Checkov) > 0 {
				fmt.Fprintf(&b, "\nCheckov: %s.\n", strings.Join(r.Checkov, ", "))
			}
		}
	}
	checkovMarkdown(&b, p.Checkov())
	return b.Bytes()
}

// checkovMarkdown writes the coverage of Checkov's checks: the number, then every check with
// the rules that cover it or the reason it is left out or does not apply.
func checkovMarkdown(b *bytes.Buffer, c CheckovCoverage) {
	fmt.Fprintf(b, "\n## Checkov coverage\n\n")
	fmt.Fprintf(b, "Of Checkov's %d checks on the resource types of the services a stack deploys, %d apply; the pack covers **%d of %d** (%d of %d high-relevance). ",
		len(CheckovChecks), c.Applicable, c.CoveredApplicable(), c.Applicable, c.HighCovered, c.High)
	fmt.Fprintf(b, "A check is covered when a rule's METADATA names it (`custom.checkov`); `policies/checkov.go` lists the checks and why some are left out.\n\n")
	fmt.Fprintf(b, "| Check | Relevance | Covered by | Checkov title |\n|---|---|---|---|\n")
	for _, check := range CheckovChecks {
		if check.NotApplicable != "" || check.LeftOut != "" {
			continue
		}
		rules := make([]string, len(c.Covered[check.ID]))
		for i, r := range c.Covered[check.ID] {
			rules[i] = fmt.Sprintf("[`%s`](#%s)", r, anchor(r))
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s |\n", check.ID, check.Relevance, strings.Join(rules, ", "), escapeCell(check.Title))
	}
	fmt.Fprintf(b, "\n### Left out\n\n| Check | Relevance | Checkov title | Why |\n|---|---|---|---|\n")
	for _, check := range CheckovChecks {
		if check.LeftOut != "" {
			fmt.Fprintf(b, "| %s | %s | %s | %s |\n", check.ID, check.Relevance, escapeCell(check.Title), escapeCell(check.LeftOut))
		}
	}
	fmt.Fprintf(b, "\n### Not applicable\n\n| Check | Checkov title | Why |\n|---|---|---|\n")
	for _, check := range CheckovChecks {
		if check.NotApplicable != "" {
			fmt.Fprintf(b, "| %s | %s | %s |\n", check.ID, escapeCell(check.Title), escapeCell(check.NotApplicable))
		}
	}
}

var configCall = regexp.MustCompile(`config\("([a-z0-9_]+)", "([A-Za-z0-9]+)"`)

// configKeys returns the configuration properties the pack's source reads for rule.
func configKeys(p *Pack, rule string) []string {
	seen := map[string]bool{}
	for _, text := range p.sources {
		for _, match := range configCall.FindAllStringSubmatch(text, -1) {
			if match[1] == rule {
				seen["`"+match[2]+"`"] = true
			}
		}
	}
	out := make([]string, 0, len(seen))
	for k := range seen {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func anchor(name string) string { return strings.ReplaceAll(name, " ", "-") }

func escapeCell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
