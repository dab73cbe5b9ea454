package platform

import (
	"strings"
	"testing"
)

// TestCDNKeyNames: the stack file's Cloud CDN key names are checked before any resource.
func TestCDNKeyNames(t *testing.T) {
	ok := gcpConfig()
	ok["ottkit:cdnKeyNames"] = `["k20261201-100000","k20261202-100000"]`
	ok["ottkit:cdnSigningKeyName"] = "k20261202-100000"
	if s, err := ParseSpec(ok); err != nil || len(s.CDNKeyNames) != 2 {
		t.Fatalf("valid names: %v", err)
	}
	for _, tc := range []struct{ names, signing, want string }{
		{`["Bad_Name"]`, "Bad_Name", "ottkit:cdnKeyNames[0]: \"Bad_Name\" is not a key name"},
		{`["a1","a1"]`, "a1", "ottkit:cdnKeyNames[1]: \"a1\" repeats"},
		{`["a1","a2","a3"]`, "a1", "has 3 names; at most 2"},
		{`["a1"]`, "a2", "ottkit:cdnSigningKeyName: \"a2\" is not a name"},
		{`[]`, "a2", "ottkit:cdnSigningKeyName: \"a2\" is not a name"},
	} {
		cfg := gcpConfig()
		cfg["ottkit:cdnKeyNames"], cfg["ottkit:cdnSigningKeyName"] = tc.names, tc.signing
		if _, err := ParseSpec(cfg); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s / %s: %v, want %q", tc.names, tc.signing, err, tc.want)
		}
	}
	aws := map[string]string{"aws:region": "us-east-1", "ottkit:customer": "acme", "ottkit:cdnKeyNames": `["a1"]`, "ottkit:cdnSigningKeyName": "a1"}
	_, err := ParseSpec(aws)
	if err == nil || !strings.Contains(err.Error(), "ottkit:cdnKeyNames: only applies to ottkit:cloud gcp") || !strings.Contains(err.Error(), "ottkit:cdnSigningKeyName: only applies") {
		t.Errorf("an aws stack with Cloud CDN names: %v", err)
	}
}
