package policies

import (
	"context"
	"os"
	"strings"
	"testing"
)

func readSnapshot(t *testing.T, file string) *Snapshot {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	s, err := DecodeSnapshot(b)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func find(rs []Resource, name string) (Resource, bool) {
	for _, r := range rs {
		if r.Name == name {
			return r, true
		}
	}
	return Resource{}, false
}

func TestDecodeSnapshot(t *testing.T) {
	tests := []struct {
		file      string
		source    string
		resources []string // names, in order
		gone      string   // a resource being deleted, which policies must not see
	}{
		{"testdata/preview.json", "preview",
			[]string{"ottkit-prod", "default_6_83_4", "acme-storage-masters", "acme-storage-masters-sse", "acme-ingest"}, "acme-old"},
		{"testdata/export.json", "export",
			[]string{"ottkit-prod", "default_6_83_4", "acme-catalog", "acme-api"}, "acme-retired"},
	}
	for _, tt := range tests {
		t.Run(tt.source, func(t *testing.T) {
			s := readSnapshot(t, tt.file)
			if s.Source != tt.source {
				t.Errorf("got source %q, want %q", s.Source, tt.source)
			}
			if want := "urn:pulumi:prod::ottkit::pulumi:pulumi:Stack::ottkit-prod"; s.StackURN != want {
				t.Errorf("got stack URN %q, want %q", s.StackURN, want)
			}
			var names []string
			for _, r := range s.Resources {
				names = append(names, r.Name)
			}
			if strings.Join(names, ",") != strings.Join(tt.resources, ",") {
				t.Errorf("got resources %v, want %v", names, tt.resources)
			}
			if _, ok := find(s.Resources, tt.gone); ok {
				t.Errorf("%s is being deleted but was kept", tt.gone)
			}
			for _, r := range s.Resources {
				if strings.HasPrefix(r.Type, "aws:") {
					if r.Provider == nil || r.Provider.Properties["region"] != "eu-west-1" {
						t.Errorf("%s: got provider %+v, want the default provider in eu-west-1", r.Name, r.Provider)
					}
				}
			}
		})
	}
}

func TestDecodeSnapshotSecrets(t *testing.T) {
	s := readSnapshot(t, "testdata/export.json")
	api, _ := find(s.Resources, "acme-api")
	vars, _ := api.Properties["environment"].(map[string]any)["variables"].(map[string]any)
	if vars["API_TOKEN"] != "hunter2" {
		t.Errorf("got variables %v, want the secret envelope unwrapped", vars)
	}
	if got := plainSecret(map[string]any{secretSig: "1b47061264138c4ac30d75fd1eb44270", "ciphertext": "v1:abc"}); got != "[secret]" {
		t.Errorf("ciphertext secret: got %v, want [secret]", got)
	}
}

func TestDecodeSnapshotErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{`[]`, "not a JSON object"},
		{`{"foo": 1}`, "neither pulumi preview"},
		{`{"version": 2, "deployment": {"resources": []}}`, "version 2 is not supported"},
		{`{"version": 3, "deployment": {"resources": [{"type": "aws:sqs/queue:Queue"}]}}`, "resources[0] has no urn"},
		{`{"steps": [{"op": "create", "newState": {"type": "x"}}]}`, "steps[0]: newState has no urn"},
		{`{"steps": 3}`, "reading pulumi preview"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			_, err := DecodeSnapshot([]byte(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

// TestSnapshotVerdicts evaluates the pack on both documents: joins by property dependency
// when a bucket name is still unknown, provider default tags, unwrapped secrets.
func TestSnapshotVerdicts(t *testing.T) {
	e, err := mustPack(t).Prepare(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		file string
		want map[string]string // policy -> a message fragment
		not  []string
	}{
		{"testdata/preview.json", map[string]string{
			"stack_deny_s3_encryption_kms": `BucketV2 "acme-storage-masters": default encryption is "AES256"`,
			"deny_sqs_kms":                 `Queue "acme-ingest"`,
			"stack_deny_sqs_dead_letter":   `Queue "acme-ingest"`,
		}, []string{"deny_required_tags", "deny_region"}},
		{"testdata/export.json", map[string]string{
			"deny_dynamodb_pitr":      `Table "acme-catalog"`,
			"deny_lambda_env_secrets": "API_TOKEN",
		}, []string{"deny_required_tags", "deny_stateful_retained", "deny_sqs_kms"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			s := readSnapshot(t, tt.file)
			vs, err := e.Evaluate(context.Background(), s.StackURN, s.Resources)
			if err != nil {
				t.Fatal(err)
			}
			for policy, fragment := range tt.want {
				found := false
				for _, v := range vs {
					if v.Policy == policy && strings.Contains(v.Message, fragment) {
						found = true
					}
				}
				if !found {
					t.Errorf("no %s violation mentioning %q in %v", policy, fragment, vs)
				}
			}
			got := policiesOf(vs)
			for _, p := range tt.not {
				if _, ok := got[p]; ok {
					t.Errorf("unexpected %s violation in %v", p, vs)
				}
			}
		})
	}
}
