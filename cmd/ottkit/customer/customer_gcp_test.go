package customer

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// gcpProject is a project directory with the repository's Pulumi.yaml.
func gcpProject(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	py, err := os.ReadFile(filepath.Join("..", "..", "..", "Pulumi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "Pulumi.yaml"), py, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestNewGCPStack(t *testing.T) {
	dir := gcpProject(t)
	path, spec, err := New(NewOptions{ProjectDir: dir, Name: "acme", Cloud: "gcp", Project: "acme-media-prod", Region: "europe-west4",
		Env: "prod", Domain: "media.acme.example", JWTIssuer: "https://login.acme.example/", JWTAudience: []string{"acme-player"}})
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	for _, want := range []string{"gcp:project: acme-media-prod", "gcp:region: europe-west4", "ottkit:cloud: gcp", "ottkit:archiveStorageClass: ARCHIVE"} {
		if !strings.Contains(text, want) {
			t.Errorf("stack file lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "aws:region") || strings.Contains(text, "ottkit:waf") || spec.WAF {
		t.Errorf("a gcp stack got AWS keys:\n%s", text)
	}
	stacks, err := List(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(stacks) != 1 || stacks[0].Cloud != "gcp" || stacks[0].Region != "europe-west4" || Invalid(stacks) != 0 {
		t.Errorf("list %+v", stacks)
	}
	// Another customer's GCP stack as a template: its project stays behind.
	_, _, err = New(NewOptions{ProjectDir: dir, Name: "globex", Env: "prod", From: "acme-prod", Region: "europe-west4",
		Domain: "media.globex.example", JWTIssuer: "https://login.globex.example/", JWTAudience: []string{"p"}})
	if err == nil || !strings.Contains(err.Error(), "gcp:project: required") {
		t.Errorf("from another customer's gcp stack: %v, want gcp:project required", err)
	}
}

func TestNewGCPKeyOnAWS(t *testing.T) {
	_, _, err := New(NewOptions{ProjectDir: gcpProject(t), Name: "acme", Cloud: "aws", Project: "acme-media-prod", Region: "eu-west-1", Env: "dev",
		JWTIssuer: "https://login.acme.example/", JWTAudience: []string{"p"}})
	if err == nil || !strings.Contains(err.Error(), "gcp:project: only applies to ottkit:cloud gcp") {
		t.Errorf("error %v, want gcp:project refused on aws", err)
	}
}
