package platform

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/diag"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/config"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
	"gopkg.in/yaml.v3"

	"github.com/ottkit/ottkit/functions/pipeline"
)

// projectDir is the repository root, where Pulumi.yaml lives.
const projectDir = "../.."

func TestReadStackConfigDevAws(t *testing.T) {
	cfg, err := ReadStackConfig(projectDir, "dev-aws")
	if err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]string{
		"aws:region":            "us-east-1",
		"ottkit:customer":       "ottkit",
		"ottkit:retainData":     "false",                                 // stack value, typed boolean
		"ottkit:maxHeight":      "1080",                                  // Pulumi.yaml default
		"ottkit:priceClass":     "PriceClass_100",                        // string default
		"ottkit:jwtAudience":    `["ottkit-dev"]`,                        // array as JSON
		"ottkit:geoAllowList":   `[]`,                                    // empty default
		"ottkit:tags":           `{}`,                                    // object default
		"ottkit:uploadOrigins":  `["https://studio.dev.ottkit.example"]`, // stack list
		"ottkit:maxUploadBytes": "5368709120",                            // large integer default
	} {
		if got := cfg[key]; got != want {
			t.Errorf("%s = %q, want %q", key, got, want)
		}
	}
	if got := cfg["ottkit:ladder"]; !strings.HasPrefix(got, `[{"height":1080,"maxBitrate":6000000}`) {
		t.Errorf("ottkit:ladder = %q, want the default ladder as JSON", got)
	}
}

func TestLoadSpecAcmeProd(t *testing.T) {
	s, err := LoadSpec(projectDir, "acme-prod")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := s.Prefix(), "acme-prod"; got != want {
		t.Errorf("Prefix() = %q, want %q", got, want)
	}
	if got, want := s.Ladder[0], (pipeline.Rung{Height: 2160, MaxBitrate: 16_000_000}); got != want {
		t.Errorf("Ladder[0] = %+v, want %+v", got, want)
	}
	if got, want := len(s.SigningPublicKeys), 2; got != want {
		t.Errorf("%d signing keys, want %d", got, want)
	}
	if got, want := s.Tags, map[string]string{"cost-center": "4711", "owner": "media-platform"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Tags = %v, want %v", got, want)
	}
	if !s.WAF || s.WAFRateLimit != 30000 || s.WAFAPIRateLimit != 1200 || s.Domain != "media.acme.example" || !s.RetainData {
		t.Errorf("acme-prod lost WAF/domain/retention settings: %+v", s)
	}
	tags := s.ResourceTags()
	if tags["ottkit:customer"] != "acme" || tags["ottkit:environment"] != "prod" || tags["owner"] != "media-platform" {
		t.Errorf("ResourceTags() = %v, want customer, environment and the stack's tags", tags)
	}
}

func TestReadStackConfigErrors(t *testing.T) {
	tests := []struct {
		name, stackFile, want string
	}{
		{"missing stack file", "", `stack "broken"`},
		{"missing required key", "config:\n  aws:region: us-east-1\n  ottkit:customer: x1\n",
			"ottkit:extra: required by Pulumi.yaml but not set"},
		{"wrong type", "config:\n  ottkit:maxHeight: tall\n  ottkit:customer: ab\n  ottkit:jwtIssuer: https://a.example/\n  ottkit:jwtAudience: [a]\n  ottkit:signingPublicKeys: [x]\n",
			"ottkit:maxHeight: must be of type integer"},
		{"secret", "config:\n  ottkit:alertEmail:\n    secure: v1:abc\n",
			"ottkit:alertEmail hold secrets"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			py, err := os.ReadFile(filepath.Join(projectDir, "Pulumi.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			// A key declared without a default must be set by every stack.
			py = append(py, "  extra:\n    type: string\n    description: required by this test\n"...)
			if err := os.WriteFile(filepath.Join(dir, "Pulumi.yaml"), py, 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.MkdirAll(filepath.Join(dir, "stacks"), 0o755); err != nil {
				t.Fatal(err)
			}
			if tt.stackFile != "" {
				if err := os.WriteFile(filepath.Join(dir, "stacks", "Pulumi.broken.yaml"), []byte(tt.stackFile), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			_, err = ReadStackConfig(dir, "broken")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("ReadStackConfig error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

// TestPulumiYAMLDeclaresKeys holds Pulumi.yaml's typed config block to Keys: same keys, types,
// item types and defaults, so `pulumi config` and ParseSpec agree.
func TestPulumiYAMLDeclaresKeys(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(projectDir, "Pulumi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var proj struct {
		Name           string
		Main           string
		StackConfigDir string `yaml:"stackConfigDir"`
		Runtime        any
		Config         map[string]struct {
			Type        string
			Items       struct{ Type string }
			Description string
			Default     any
		}
	}
	if err := yaml.Unmarshal(b, &proj); err != nil {
		t.Fatal(err)
	}
	if proj.Name != "ottkit" || proj.Runtime != "go" || proj.Main != "stacks/" || proj.StackConfigDir != "stacks/" {
		t.Errorf("project = %q %v main %q stackConfigDir %q, want ottkit go stacks/ stacks/", proj.Name, proj.Runtime, proj.Main, proj.StackConfigDir)
	}
	if got, want := len(proj.Config), len(Keys); got != want {
		t.Errorf("Pulumi.yaml declares %d keys, Keys has %d", got, want)
	}
	for _, k := range Keys {
		decl, ok := proj.Config[k.Name]
		if !ok {
			t.Errorf("Pulumi.yaml does not declare %s", k.Name)
			continue
		}
		if decl.Type != k.Type || decl.Items.Type != k.Items {
			t.Errorf("%s: Pulumi.yaml type %s<%s>, Keys %s<%s>", k.Name, decl.Type, decl.Items.Type, k.Type, k.Items)
		}
		if decl.Description == "" {
			t.Errorf("%s: no description", k.Name)
		}
		if !sameValue(yamlToJSON(decl.Default), k.Default) {
			t.Errorf("%s: Pulumi.yaml default %v, Keys default %v", k.Name, decl.Default, k.Default)
		}
	}
}

// TestStackFileRoundTrip writes each stack's Spec as a stack file and reads it back through
// the same path `pulumi up` takes: the Spec must survive unchanged.
func TestStackFileRoundTrip(t *testing.T) {
	for _, stack := range []string{"dev-aws", "acme-prod"} {
		t.Run(stack, func(t *testing.T) {
			want, err := LoadSpec(projectDir, stack)
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := want.WriteStackFile(&buf); err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			py, err := os.ReadFile(filepath.Join(projectDir, "Pulumi.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			mustWrite(t, filepath.Join(dir, "Pulumi.yaml"), py)
			mustWrite(t, filepath.Join(dir, "stacks", "Pulumi.copy.yaml"), buf.Bytes())
			got, err := LoadSpec(dir, "copy")
			if err != nil {
				t.Fatalf("reading back:\n%s\n%v", buf.String(), err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("round trip changed the spec:\ngot  %+v\nwant %+v", got, want)
			}
			// Defaults stay out of the written file.
			if strings.Contains(buf.String(), "ottkit:cloud") {
				t.Errorf("stack file repeats the default ottkit:cloud:\n%s", buf.String())
			}
			// And the in-memory form round-trips too.
			again, err := ParseSpec(want.StackConfig())
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(again, want) {
				t.Errorf("ParseSpec(StackConfig()) = %+v, want %+v", again, want)
			}
		})
	}
}

func mustWrite(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestLoadSpecNamesEveryMissingKey: a stack file lacking every required key hears about all of
// them at once.
func TestLoadSpecNamesEveryMissingKey(t *testing.T) {
	dir := t.TempDir()
	py, err := os.ReadFile(filepath.Join(projectDir, "Pulumi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	mustWrite(t, filepath.Join(dir, "Pulumi.yaml"), py)
	mustWrite(t, filepath.Join(dir, "stacks", "Pulumi.empty.yaml"), []byte("config:\n  aws:region: eu-west-1\n"))
	_, err = LoadSpec(dir, "empty")
	if err == nil {
		t.Fatal("no error for a stack without its required keys")
	}
	// signingPublicKeys has a default (a GCP stack sets none); Validate requires it on aws.
	for _, want := range []string{"ottkit:customer: required", "ottkit:jwtIssuer: required",
		"ottkit:jwtAudience: required"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

// TestStackFileAsPulumiWritesIt: the Pulumi CLI loads a stack file and saves it again on
// `pulumi config set` and `pulumi stack select`. A file WriteStackFile wrote comes back from
// that byte for byte, and setting one key with Pulumi's own code changes only that key's line.
func TestStackFileAsPulumiWritesIt(t *testing.T) {
	for _, stack := range []string{"dev-aws", "acme-prod"} {
		t.Run(stack, func(t *testing.T) {
			spec, err := LoadSpec(projectDir, stack)
			if err != nil {
				t.Fatal(err)
			}
			// An int, a bool and another int off their defaults; alertEmail left for `config set`.
			spec.MaxRetries, spec.WAF, spec.PlaybackTTL, spec.AlertEmail = 4, true, 300, ""
			var buf bytes.Buffer
			if err := spec.WriteStackFile(&buf); err != nil {
				t.Fatal(err)
			}
			written := buf.String()
			for _, line := range []string{`ottkit:maxRetries: "4"`, `ottkit:waf: "true"`, `ottkit:playbackTtl: "300"`} {
				if !strings.Contains(written, line) {
					t.Errorf("stack file lacks %s, as Pulumi writes it:\n%s", line, written)
				}
			}
			path := filepath.Join(t.TempDir(), "Pulumi."+stack+".yaml")
			mustWrite(t, path, buf.Bytes())
			proj, err := workspace.LoadProject(filepath.Join(projectDir, "Pulumi.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			sink := diag.DefaultSink(io.Discard, io.Discard, diag.FormatOptions{Color: "never"})
			ps, err := workspace.LoadProjectStack(sink, proj, path)
			if err != nil {
				t.Fatal(err)
			}
			if err := ps.Save(path); err != nil {
				t.Fatal(err)
			}
			if saved := string(mustRead(t, path)); saved != written {
				t.Errorf("Pulumi rewrote the stack file:\n%s", lineDiffText(written, saved))
			}
			if err := ps.Config.Set(config.MustParseKey("ottkit:alertEmail"), config.NewValue("ops@example.com"), false); err != nil {
				t.Fatal(err)
			}
			if err := ps.Save(path); err != nil {
				t.Fatal(err)
			}
			if d := lineDiffText(written, string(mustRead(t, path))); d != "+   ottkit:alertEmail: ops@example.com\n" {
				t.Errorf("setting ottkit:alertEmail changed, beyond adding its line:\n%s", d)
			}
		})
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// lineDiffText lists the lines only in want (-) and only in got (+).
func lineDiffText(want, got string) string {
	in := func(s string) map[string]bool {
		m := map[string]bool{}
		for _, l := range strings.Split(s, "\n") {
			m[l] = true
		}
		return m
	}
	w, g := in(want), in(got)
	var b strings.Builder
	for _, l := range strings.Split(want, "\n") {
		if !g[l] {
			b.WriteString("- " + l + "\n")
		}
	}
	for _, l := range strings.Split(got, "\n") {
		if !w[l] {
			b.WriteString("+ " + l + "\n")
		}
	}
	return b.String()
}
