package platform

import (
	"reflect"
	"strings"
	"testing"
)

// gcpConfig is a valid GCP stack's configuration, as Pulumi passes it.
func gcpConfig() map[string]string {
	return map[string]string{
		"gcp:project":                "acme-media-prod",
		"gcp:region":                 "europe-west1",
		"ottkit:cloud":               "gcp",
		"ottkit:customer":            "acme",
		"ottkit:environment":         "prod",
		"ottkit:domain":              "media.acme.example",
		"ottkit:archiveStorageClass": "ARCHIVE",
		"ottkit:jwtIssuer":           "https://login.acme.example/",
		"ottkit:jwtAudience":         `["acme-player"]`,
	}
}

func TestParseSpecGCP(t *testing.T) {
	s, err := ParseSpec(gcpConfig())
	if err != nil {
		t.Fatal(err)
	}
	if s.Cloud != CloudGCP || s.Project != "acme-media-prod" || s.Region != "europe-west1" {
		t.Errorf("spec cloud %q project %q region %q", s.Cloud, s.Project, s.Region)
	}
	// The round trip writes gcp:project and gcp:region, never aws:region.
	cfg := s.StackConfig()
	if _, ok := cfg[RegionKey]; ok || cfg[GCPProjectKey] != "acme-media-prod" || cfg[GCPRegionKey] != "europe-west1" {
		t.Errorf("StackConfig provider keys: aws:region %q, gcp:project %q, gcp:region %q", cfg[RegionKey], cfg[GCPProjectKey], cfg[GCPRegionKey])
	}
	back, err := ParseSpec(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, s) {
		t.Errorf("ParseSpec(StackConfig()) = %+v, want %+v", back, s)
	}
	var b strings.Builder
	if err := s.WriteStackFile(&b); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "gcp:project: acme-media-prod") || strings.Contains(b.String(), "aws:region") {
		t.Errorf("stack file:\n%s", b.String())
	}
	if got := s.Labels(); got["ottkit-customer"] != "acme" || got["ottkit-environment"] != "prod" {
		t.Errorf("labels %v", got)
	}
}

func TestValidationRulesGCP(t *testing.T) {
	for _, tt := range []struct {
		name string
		set  map[string]string
		drop []string
		want string
	}{
		{"project required", nil, []string{"gcp:project"}, "gcp:project: required on ottkit:cloud gcp"},
		{"project malformed", map[string]string{"gcp:project": "Acme"}, nil, `gcp:project: "Acme" is not a project id`},
		{"region required", nil, []string{"gcp:region"}, "gcp:region: required on ottkit:cloud gcp"},
		{"region malformed", map[string]string{"gcp:region": "eu-west-1"}, nil, `gcp:region: "eu-west-1" is not a Google Cloud region`},
		{"residency", map[string]string{"ottkit:allowedRegions": `["europe-west4"]`}, nil, `gcp:region: "europe-west1" is not in ottkit:allowedRegions [europe-west4]`},
		{"allowed region shape", map[string]string{"ottkit:allowedRegions": `["eu-west-1"]`}, nil, `ottkit:allowedRegions[0]: "eu-west-1" is not a Google Cloud region name`},
		{"aws region", map[string]string{"aws:region": "eu-west-1"}, nil, "aws:region: only applies to ottkit:cloud aws"},
		{"assume role", map[string]string{"ottkit:assumeRoleArn": "arn:aws:iam::123456789012:role/x"}, nil, "ottkit:assumeRoleArn: only applies to ottkit:cloud aws"},
		{"certificate", map[string]string{"ottkit:certificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/x"}, nil, "ottkit:certificateArn: only applies to ottkit:cloud aws"},
		{"signing keys", map[string]string{"ottkit:signingPublicKeys": `["pem"]`}, nil, "ottkit:signingPublicKeys: only applies to ottkit:cloud aws"},
		{"waf", map[string]string{"ottkit:waf": "true"}, nil, "ottkit:waf: only applies to ottkit:cloud aws"},
		{"price class", map[string]string{"ottkit:priceClass": "PriceClass_All"}, nil, "ottkit:priceClass: only applies to ottkit:cloud aws"},
		{"media rate limit", map[string]string{"ottkit:wafRateLimit": "2000"}, nil, "ottkit:wafRateLimit: only applies to ottkit:cloud aws"},
		{"api rate limit", map[string]string{"ottkit:wafApiRateLimit": "100"}, nil, "ottkit:wafApiRateLimit: only applies to ottkit:cloud aws"},
		{"queue concurrency", map[string]string{"ottkit:queueConcurrency": "10"}, nil, "ottkit:queueConcurrency: only applies to ottkit:cloud aws"},
		{"reserved concurrency", map[string]string{"ottkit:reservedConcurrency": "10"}, nil, "ottkit:reservedConcurrency: only applies to ottkit:cloud aws"},
		{"tenant claim", map[string]string{"ottkit:tenantClaim": "my tenant"}, nil, `ottkit:tenantClaim: "my tenant" is not a JWT claim name`},
		{"claims the same", map[string]string{"ottkit:tenantClaim": "org", "ottkit:rolesClaim": "org"}, nil, `ottkit:rolesClaim: "org" is ottkit:tenantClaim too`},
		{"s3 class", map[string]string{"ottkit:archiveStorageClass": "GLACIER_IR"}, nil, `ottkit:archiveStorageClass: "GLACIER_IR" is not a Cloud Storage class`},
		{"domain required", nil, []string{"ottkit:domain"}, "ottkit:domain: required on ottkit:cloud gcp"},
		{"log retention", map[string]string{"ottkit:logRetentionDays": "4000"}, nil, "ottkit:logRetentionDays: 4000 is outside 1..3650"},
		{"label key", map[string]string{"ottkit:tags": `{"CostCenter":"x"}`}, nil, "ottkit:tags.CostCenter: is not a Google Cloud label key"},
		{"label value", map[string]string{"ottkit:tags": `{"team":"Media Ops"}`}, nil, `ottkit:tags.team: value "Media Ops" is not a Google Cloud label value`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := gcpConfig()
			for k, v := range tt.set {
				cfg[k] = v
			}
			for _, k := range tt.drop {
				delete(cfg, k)
			}
			_, err := ParseSpec(cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ParseSpec error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestGCPSettingsCoverManifest(t *testing.T) {
	s, err := ParseSpec(gcpConfig())
	if err != nil {
		t.Fatal(err)
	}
	got := s.GCPSettings()
	for k, v := range got {
		if v == "" {
			t.Errorf("setting %s is empty", k)
		}
	}
	if got["archive-storage-class"] != "ARCHIVE" || got["project"] != "acme-media-prod" || got["playback-domain"] != "media.acme.example" {
		t.Errorf("settings %v", got)
	}
}
