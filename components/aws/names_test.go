package aws

import (
	"strings"
	"testing"
)

func TestCheckBucketName(t *testing.T) {
	for _, tt := range []struct {
		name, want string // want "" accepts
	}{
		{"acme-prod-ingest-123456789012", ""},
		{"a.b-c", ""},
		{"ab", "must be 3 to 63"},
		{strings.Repeat("a", 64), "must be 3 to 63"},
		{"Acme-prod", "must be 3 to 63 lowercase"},
		{"-acme", "starting and ending with a letter or digit"},
		{"acme..prod", "two adjacent dots"},
		{"192.168.5.4", "formatted as an IP address"},
		{"xn--acme-prod", `starts with "xn--"`},
		{"sthree-tv-prod", `starts with "sthree-"`},
		{"sthree-configurator", `starts with "sthree-"`},
		{"amzn-s3-demo-prod-ingest-1", `starts with "amzn-s3-demo-"`},
		{"acme-s3alias", `ends with "-s3alias"`},
		{"acme--ol-s3", `ends with "--ol-s3"`},
		{"acme.mrap", `ends with ".mrap"`},
		{"acme--x-s3", `ends with "--x-s3"`},
		{"acme--table-s3", `ends with "--table-s3"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckBucketName(tt.name)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("CheckBucketName(%q) = %v, want nil", tt.name, err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("CheckBucketName(%q) = %v, want it to contain %q", tt.name, err, tt.want)
			}
		})
	}
}

func TestCheckTag(t *testing.T) {
	for _, tt := range []struct {
		key, value, want string
	}{
		{"team", "Video Ops/EU", ""},
		{"Kostenstelle", "Müller-4711", ""},
		{"owner", "ops+alerts@example.com", ""},
		{"empty-value", "", ""},
		{"department", "R&D (video)", `tag value "R&D (video)" may hold only`},
		{"cost#centre", "1", `tag key "cost#centre" may hold only`},
		{"", "x", "tag key must be 1 to 128 characters, not 0"},
		{strings.Repeat("k", 129), "x", "not 129"},
		{strings.Repeat("é", 128), "x", ""},
		{"note", strings.Repeat("ü", 256), ""},
		{"note", strings.Repeat("ü", 257), "tag value is 257 characters"},
		{"AWS:owner", "x", "the aws: prefix is reserved"},
	} {
		t.Run(tt.key+"="+tt.value, func(t *testing.T) {
			err := CheckTag(tt.key, tt.value)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("CheckTag = %v, want nil", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("CheckTag = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestCheckRegion(t *testing.T) {
	for _, tt := range []struct{ region, want string }{
		{"eu-west-1", ""},
		{"us-east-1", ""},
		{"ap-northeast-3", ""},
		{"eu-south-2", "has no AWS Elemental MediaConvert endpoint"},
		{"me-south-1", "has no AWS Elemental MediaConvert endpoint"},
		{"af-south-1", "is an opt-in region"},
		{"ap-southeast-4", "is an opt-in region"},
		{"us-gov-west-1", "is in the aws-us-gov partition"},
		{"us-gov-east-1", "is in the aws-us-gov partition"},
		{"cn-north-1", "is in the aws-cn partition"},
		{"cn-northwest-1", "is in the aws-cn partition"},
		{"us-isob-east-1", "is in the aws-iso-b partition"},
	} {
		t.Run(tt.region, func(t *testing.T) {
			err := CheckRegion(tt.region)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("CheckRegion(%q) = %v, want nil", tt.region, err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("CheckRegion(%q) = %v, want it to contain %q", tt.region, err, tt.want)
			}
		})
	}
}
