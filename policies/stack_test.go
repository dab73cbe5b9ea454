package policies

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func TestForStack(t *testing.T) {
	tests := []struct {
		name    string
		config  map[string]string
		want    Config
		wantErr string
	}{
		{"defaults", map[string]string{"aws:region": "us-east-1"}, Config{}, ""},
		{"regions", map[string]string{"ottkit:allowedRegions": `["eu-west-1","eu-central-1"]`},
			Config{"deny_region": {Properties: map[string]any{"allowedRegions": []any{"eu-west-1", "eu-central-1"}}}}, ""},
		{"empty regions", map[string]string{"ottkit:allowedRegions": `[]`}, Config{}, ""},
		{"licensed countries", map[string]string{"ottkit:geoAllowList": `["DE","AT"]`},
			Config{"deny_cloudfront_geo_restriction": {Properties: map[string]any{"allowedCountries": []any{"DE", "AT"}}}}, ""},
		{"worldwide", map[string]string{"ottkit:geoAllowList": `[]`}, Config{}, ""},
		{"bad countries", map[string]string{"ottkit:geoAllowList": `DE`}, nil, "ottkit:geoAllowList"},
		{"destroy data", map[string]string{"ottkit:retainData": "false"},
			Config{"deny_stateful_retained": {EnforcementLevel: Advisory}, "deny_dynamodb_deletion_protection": {EnforcementLevel: Advisory}}, ""},
		{"retain data", map[string]string{"ottkit:retainData": "true"}, Config{}, ""},
		{"gcp", map[string]string{"ottkit:cloud": "gcp", "ottkit:retainData": "false", "ottkit:allowedRegions": `["europe-west1"]`},
			Config{"deny_gcp_region": {Properties: map[string]any{"allowedRegions": []any{"europe-west1"}}},
				"deny_gcp_stateful_retained": {EnforcementLevel: Advisory}, "deny_firestore_delete_protection": {EnforcementLevel: Advisory}}, ""},
		{"bad regions", map[string]string{"ottkit:allowedRegions": `eu-west-1`}, nil, "ottkit:allowedRegions"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ForStack(tt.config)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %#v, want %#v", got, tt.want)
			}
		})
	}
}

func TestMerge(t *testing.T) {
	base := Config{
		"deny_region":            {Properties: map[string]any{"allowedRegions": []any{"eu-west-1"}, "x": 1.0}},
		"deny_stateful_retained": {EnforcementLevel: Advisory},
	}
	over := Config{
		"deny_region":            {EnforcementLevel: Advisory, Properties: map[string]any{"allowedRegions": []any{"us-east-1"}}},
		"deny_stateful_retained": {EnforcementLevel: Mandatory},
		"all":                    {EnforcementLevel: Advisory},
	}
	want := Config{
		"deny_region":            {EnforcementLevel: Advisory, Properties: map[string]any{"allowedRegions": []any{"us-east-1"}, "x": 1.0}},
		"deny_stateful_retained": {EnforcementLevel: Mandatory},
		"all":                    {EnforcementLevel: Advisory},
	}
	if got := base.Merge(over); !reflect.DeepEqual(got, want) {
		t.Errorf("got %#v, want %#v", got, want)
	}
	if base["deny_region"].EnforcementLevel != "" {
		t.Errorf("Merge changed its receiver: %#v", base)
	}
}

func TestConfigJSONRoundTrip(t *testing.T) {
	cfg := Config{
		"all":          {EnforcementLevel: Advisory},
		"deny_region":  {EnforcementLevel: Mandatory, Properties: map[string]any{"allowedRegions": []any{"eu-west-1"}}},
		"deny_sqs_kms": {Properties: map[string]any{"x": true}},
	}
	b, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseConfig(b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, cfg) {
		t.Errorf("round trip through %s: got %#v, want %#v", b, got, cfg)
	}
}

func TestParseStackURN(t *testing.T) {
	tests := []struct {
		urn, project, stack, wantErr string
	}{
		{"urn:pulumi:acme-prod::ottkit::pulumi:pulumi:Stack::ottkit-acme-prod", "ottkit", "acme-prod", ""},
		{"urn:pulumi:dev::shop::aws:s3/bucketV2:BucketV2::media", "shop", "dev", ""},
		{"arn:aws:s3:::bucket", "", "", "not a Pulumi URN"},
		{"urn:pulumi:::ottkit::x", "", "", "names no stack"},
		{"urn:pulumi:dev", "", "", "names no stack"},
	}
	for _, tt := range tests {
		project, stack, err := ParseStackURN(tt.urn)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseStackURN(%q) error = %v, want %q", tt.urn, err, tt.wantErr)
			}
			continue
		}
		if err != nil || project != tt.project || stack != tt.stack {
			t.Errorf("ParseStackURN(%q) = %q, %q, %v; want %q, %q", tt.urn, project, stack, err, tt.project, tt.stack)
		}
	}
}
