package stamp

import (
	"os"
	"slices"
	"strings"
	"testing"
)

func TestRetainedInDeployment(t *testing.T) {
	// testdata/deployment.json is the "deployment" object of `pulumi stack export` (schema v3),
	// cut down to a provider, components and a few custom resources.
	fixture, err := os.ReadFile("testdata/deployment.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		in      string
		want    []string
		wantErr string
	}{
		{
			name: "export",
			in:   string(fixture),
			// The delivery bucket is already pending deletion, the component owns nothing
			// physical, and the ingest bucket is deleted with the stack.
			want: []string{
				"urn:pulumi:acme-prod::ottkit::ottkit:index:Platform$ottkit:aws:Catalog$aws:dynamodb/table:Table::acme-prod-catalog",
				"urn:pulumi:acme-prod::ottkit::ottkit:index:Platform$ottkit:aws:MediaStorage$aws:s3/bucketV2:BucketV2::acme-prod-storage-masters",
			},
		},
		{name: "never deployed", in: "", want: nil},
		{name: "no resources", in: `{"manifest":{}}`, want: nil},
		{name: "not json", in: `{"resources": [`, wantErr: "stamp: decoding stack state"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := RetainedInDeployment([]byte(tc.in))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("RetainedInDeployment() error = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("RetainedInDeployment() error: %v", err)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("RetainedInDeployment() =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}
