package policies

import (
	"bytes"
	"os"
	"testing"
)

// TestDocsUpToDate fails when docs/POLICIES.md no longer matches the rules' METADATA; run
// `go generate ./policies` to refresh it.
func TestDocsUpToDate(t *testing.T) {
	got, err := os.ReadFile("../docs/POLICIES.md")
	if err != nil {
		t.Fatalf("reading docs/POLICIES.md: %v", err)
	}
	want := mustPack(t).Markdown()
	if !bytes.Equal(got, want) {
		t.Errorf("docs/POLICIES.md is out of date: run go generate ./policies")
	}
}

func TestMarkdownListsEveryRule(t *testing.T) {
	p := mustPack(t)
	md := string(p.Markdown())
	for _, r := range p.Rules {
		for _, want := range []string{"### " + r.Name + "\n", r.Title, r.Message} {
			if !bytes.Contains([]byte(md), []byte(want)) {
				t.Errorf("%s: the docs lack %q", r.Name, want)
			}
		}
	}
	if !bytes.Contains([]byte(md), []byte("Configurable (`data.config.deny_region`): `allowedRegions`.")) {
		t.Errorf("the docs do not list deny_region's configuration")
	}
}
