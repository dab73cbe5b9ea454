package iampolicy

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func TestJSONGolden(t *testing.T) {
	tests := []struct {
		name string
		doc  Document
	}{
		{
			name: "function",
			doc: Document{Statements: []Statement{
				// Unsorted and duplicated on purpose: the output must not depend on it.
				AllowStatement("ReadUploads", []string{"s3:GetObject", "s3:GetObject"},
					"arn:aws:s3:::ingest/uploads/*"),
				{
					Sid:       "PassMediaConvertRole",
					Actions:   []string{"iam:PassRole"},
					Resources: []string{"arn:aws:iam::123456789012:role/mc"},
					Conditions: []Condition{{Test: "StringEquals", Variable: "iam:PassedToService",
						Values: []string{"mediaconvert.amazonaws.com"}}},
				},
				AllowStatement("Tracing", []string{"xray:PutTelemetryRecords", "xray:PutTraceSegments"}, "*"),
			}},
		},
		{
			name: "bucket",
			doc: Document{Statements: []Statement{
				{
					Sid:        "DenyInsecureTransport",
					Effect:     Deny,
					Principals: []Principal{{Type: "*", Identifiers: []string{"*"}}},
					Actions:    []string{"s3:*"},
					Resources:  []string{"arn:aws:s3:::b/*", "arn:aws:s3:::b"},
					Conditions: []Condition{{Test: "Bool", Variable: "aws:SecureTransport", Values: []string{"false"}}},
				},
				{
					Sid:        "AllowCloudFront",
					Principals: []Principal{{Type: "Service", Identifiers: []string{"cloudfront.amazonaws.com"}}},
					Actions:    []string{"s3:GetObject"},
					Resources:  []string{"arn:aws:s3:::b/assets/*"},
					Conditions: []Condition{{Test: "StringEquals", Variable: "AWS:SourceArn",
						Values: []string{"arn:aws:cloudfront::123456789012:distribution/E1"}}},
				},
			}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.doc.JSON()
			if err != nil {
				t.Fatalf("JSON() error: %v", err)
			}
			path := filepath.Join("testdata", tt.name+".golden.json")
			if *update {
				if err := os.WriteFile(path, []byte(got+"\n"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("read golden (run with -update to create): %v", err)
			}
			if got != strings.TrimSpace(string(want)) {
				t.Errorf("JSON() =\n%s\nwant\n%s", got, want)
			}
			again, _ := tt.doc.JSON()
			if again != got {
				t.Errorf("JSON() is not stable across calls")
			}
		})
	}
}

func TestValidateRejects(t *testing.T) {
	tests := []struct {
		name    string
		stmt    Statement
		wantErr string
	}{
		{"action star", AllowStatement("All", []string{"*"}, "arn:aws:s3:::b"), `statement "All": action "*" grants everything`},
		{"service wildcard", AllowStatement("S3", []string{"s3:*"}, "arn:aws:s3:::b"), `statement "S3": action "s3:*" is a service wildcard`},
		{"resource star", AllowStatement("Get", []string{"s3:GetObject"}, "*"), `statement "Get": action "s3:GetObject" on resource "*"`},
		{"no prefix", AllowStatement("P", []string{"GetObject"}, "arn:aws:s3:::b"), `action "GetObject" has no service prefix`},
		{"no actions", AllowStatement("N", nil, "arn:aws:s3:::b"), `statement "N": no actions`},
		{"no resources", AllowStatement("R", []string{"s3:GetObject"}), `statement "R": no resources`},
		{"bad effect", Statement{Sid: "E", Effect: "Maybe", Actions: []string{"s3:GetObject"}, Resources: []string{"arn:aws:s3:::b"}}, `effect "Maybe"`},
		{"empty condition", Statement{Sid: "C", Actions: []string{"s3:GetObject"}, Resources: []string{"arn:aws:s3:::b"}, Conditions: []Condition{{Test: "Bool"}}}, `condition needs`},
		{"empty principal", Statement{Sid: "Pr", Actions: []string{"s3:GetObject"}, Resources: []string{"arn:aws:s3:::b"}, Principals: []Principal{{Type: "AWS"}}}, `principal needs`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Document{Statements: []Statement{tt.stmt}}.JSON()
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("JSON() error = %v, want it to contain %q", err, tt.wantErr)
			}
		})
	}
	t.Run("duplicate sid", func(t *testing.T) {
		s := AllowStatement("Same", []string{"s3:GetObject"}, "arn:aws:s3:::b/*")
		err := Document{Statements: []Statement{s, s}}.Validate()
		if err == nil || !strings.Contains(err.Error(), "sid is used twice") {
			t.Errorf("Validate() error = %v, want duplicate sid", err)
		}
	})
	t.Run("empty document", func(t *testing.T) {
		if err := (Document{}).Validate(); err == nil {
			t.Error("Validate() of an empty document: got nil error")
		}
	})
}

func TestDenyMayUseWildcards(t *testing.T) {
	d := Document{Statements: []Statement{{
		Sid: "DenyAll", Effect: Deny, Principals: []Principal{{Type: "*", Identifiers: []string{"*"}}},
		Actions: []string{"s3:*"}, Resources: []string{"*"},
	}}}
	if err := d.Validate(); err != nil {
		t.Errorf("Validate() = %v, want nil for a Deny with wildcards", err)
	}
}

func TestKeyPolicyAllowsResourceStar(t *testing.T) {
	d := Document{Statements: []Statement{{
		Sid: "S3Use", Principals: []Principal{{Type: "Service", Identifiers: []string{"s3.amazonaws.com"}}},
		Actions: []string{"kms:Decrypt", "kms:GenerateDataKey"}, Resources: []string{"*"},
	}}}
	if _, err := d.KeyPolicyJSON(); err != nil {
		t.Errorf("KeyPolicyJSON() = %v, want nil", err)
	}
	if _, err := d.JSON(); err == nil {
		t.Error("JSON() of the same document as an identity policy: got nil error, want Resource * rejected")
	}
	bad := Document{Statements: []Statement{{Sid: "Admin", Actions: []string{"kms:*"}, Resources: []string{"*"},
		Principals: []Principal{{Type: "AWS", Identifiers: []string{"arn:aws:iam::123456789012:root"}}}}}}
	if _, err := bad.KeyPolicyJSON(); err == nil {
		t.Error("KeyPolicyJSON() with kms:*: got nil error")
	}
}

func TestTrustPolicy(t *testing.T) {
	got, err := ServiceTrust("lambda.amazonaws.com", "123456789012").TrustPolicyJSON()
	if err != nil {
		t.Fatalf("TrustPolicyJSON() error: %v", err)
	}
	want := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":["lambda.amazonaws.com"]},"Action":["sts:AssumeRole"],"Condition":{"StringEquals":{"aws:SourceAccount":["123456789012"]}}}]}`
	if got != want {
		t.Errorf("TrustPolicyJSON() =\n%s\nwant\n%s", got, want)
	}
	tests := []struct {
		name    string
		stmt    Statement
		wantErr string
	}{
		{"resources", Statement{Sid: "R", Principals: []Principal{{Type: "Service", Identifiers: []string{"x.amazonaws.com"}}},
			Actions: []string{"sts:AssumeRole"}, Resources: []string{"*"}}, "a trust policy names no resources"},
		{"no principal", Statement{Sid: "P", Actions: []string{"sts:AssumeRole"}}, "needs a principal"},
		{"not sts", Statement{Sid: "S", Principals: []Principal{{Type: "Service", Identifiers: []string{"x.amazonaws.com"}}},
			Actions: []string{"s3:GetObject"}}, `action "s3:GetObject" is not an sts action`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Document{Statements: []Statement{tt.stmt}}.TrustPolicyJSON()
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("TrustPolicyJSON() error = %v, want it to contain %q", err, tt.wantErr)
			}
		})
	}
	if _, err := ServiceTrust("lambda.amazonaws.com", "").TrustPolicyJSON(); err == nil ||
		!strings.Contains(err.Error(), "aws:SourceAccount has an empty value") {
		t.Errorf("TrustPolicyJSON() without an account: error = %v, want empty value", err)
	}
	if _, err := ServiceTrust("lambda.amazonaws.com", "123456789012").JSON(); err == nil {
		t.Error("JSON() of a trust policy as an identity policy: got nil error, want no resources")
	}
}

func TestEveryResourceStarActionHasAReason(t *testing.T) {
	for a, why := range ResourceStarActions {
		if !strings.Contains(a, ":") || strings.HasSuffix(a, ":*") {
			t.Errorf("ResourceStarActions[%q]: not a single action", a)
		}
		if len(why) < 20 {
			t.Errorf("ResourceStarActions[%q] = %q: give the reason", a, why)
		}
	}
}

func ExampleDocument_JSON() {
	doc := Document{Statements: []Statement{
		AllowStatement("ReadMasters", []string{"s3:GetObject"}, "arn:aws:s3:::masters/*"),
	}}
	s, err := doc.JSON()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(s)
	// Output: {"Version":"2012-10-17","Statement":[{"Sid":"ReadMasters","Effect":"Allow","Action":["s3:GetObject"],"Resource":["arn:aws:s3:::masters/*"]}]}
}
