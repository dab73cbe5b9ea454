package tests

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// The README's configuration reference is rendered from Pulumi.yaml's typed config block, the
// same declarations `pulumi up` validates against, so the two cannot drift. Run
// `go test ./tests -run TestREADMEConfigReference -update` after changing a key.

const (
	configBegin = "<!-- config-reference:begin (generated from Pulumi.yaml; go test ./tests -run TestREADMEConfigReference -update) -->"
	configEnd   = "<!-- config-reference:end -->"
)

type projectFile struct {
	Config yaml.Node `yaml:"config"`
}

type configKey struct {
	Type        string `yaml:"type"`
	Description string `yaml:"description"`
	Default     any    `yaml:"default"`
	Items       *struct {
		Type string `yaml:"type"`
	} `yaml:"items"`
}

// renderConfigReference renders Pulumi.yaml's config keys, in file order, as a Markdown table.
func renderConfigReference(project []byte) (string, error) {
	var p projectFile
	if err := yaml.Unmarshal(project, &p); err != nil {
		return "", fmt.Errorf("Pulumi.yaml: %w", err)
	}
	if p.Config.Kind != yaml.MappingNode {
		return "", fmt.Errorf("Pulumi.yaml: config is not a mapping")
	}
	var b strings.Builder
	b.WriteString("| key | type | default | description |\n|---|---|---|---|\n")
	for i := 0; i+1 < len(p.Config.Content); i += 2 {
		name := p.Config.Content[i].Value
		var k configKey
		if err := p.Config.Content[i+1].Decode(&k); err != nil {
			return "", fmt.Errorf("Pulumi.yaml: config.%s: %w", name, err)
		}
		typ := k.Type
		if k.Items != nil {
			typ += " of " + k.Items.Type
		}
		def := "*required*"
		if _, has := fieldOf(p.Config.Content[i+1], "default"); has {
			j, err := json.Marshal(k.Default)
			if err != nil {
				return "", fmt.Errorf("Pulumi.yaml: config.%s.default: %w", name, err)
			}
			def = "`" + string(j) + "`"
		}
		desc := cellEscaper.Replace(strings.TrimPrefix(k.Description, "Required. "))
		fmt.Fprintf(&b, "| `ottkit:%s` | %s | %s | %s |\n", name, typ, def, desc)
	}
	return b.String(), nil
}

// cellEscaper keeps a description inside its table cell and out of HTML.
var cellEscaper = strings.NewReplacer("|", `\|`, "<", "&lt;", ">", "&gt;")

func fieldOf(n *yaml.Node, key string) (*yaml.Node, bool) {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1], true
		}
	}
	return nil, false
}

func TestREADMEConfigReference(t *testing.T) {
	project, err := os.ReadFile("../Pulumi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	table, err := renderConfigReference(project)
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	start := bytes.Index(readme, []byte(configBegin))
	end := bytes.Index(readme, []byte(configEnd))
	if start < 0 || end < start {
		t.Fatalf("README.md: the config reference markers are missing")
	}
	body := readme[start+len(configBegin) : end]
	want := "\n" + table
	if *update {
		out := append(append(append([]byte{}, readme[:start+len(configBegin)]...), want...), readme[end:]...)
		if err := os.WriteFile("../README.md", out, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if string(body) != want {
		t.Errorf("README.md config reference is out of date with Pulumi.yaml; run: go test ./tests -run TestREADMEConfigReference -update")
	}
	// Every key Pulumi.yaml declares is documented, and nothing else is.
	if n := strings.Count(table, "| `ottkit:"); n < 30 {
		t.Errorf("config reference has %d keys; Pulumi.yaml declares more", n)
	}
}

func TestRenderConfigReference(t *testing.T) {
	got, err := renderConfigReference([]byte(`
config:
  customer:
    type: string
    description: Required. Customer short name.
  ladder:
    type: array
    items: {type: object}
    description: 'Rungs | pipes <px>.'
    default: [{height: 720}]
`))
	if err != nil {
		t.Fatal(err)
	}
	want := "| key | type | default | description |\n|---|---|---|---|\n" +
		"| `ottkit:customer` | string | *required* | Customer short name. |\n" +
		"| `ottkit:ladder` | array of object | `[{\"height\":720}]` | Rungs \\| pipes &lt;px&gt;. |\n"
	if got != want {
		t.Errorf("renderConfigReference() =\n%s\nwant\n%s", got, want)
	}
}
