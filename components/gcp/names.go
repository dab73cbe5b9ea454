package gcp

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

var (
	nameRe    = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`)
	projectRe = regexp.MustCompile(`^[a-z][a-z0-9-]{4,28}[a-z0-9]$`)
	regionRe  = regexp.MustCompile(`^[a-z]+-[a-z]+[0-9]{1,2}$`)
)

// checkName rejects a component name that cannot prefix the physical names derived from it.
func checkName(component, name string, max int) error {
	if !nameRe.MatchString(name) {
		return fmt.Errorf("%s: name %q must be lowercase letters, digits and single hyphens, starting with a letter (it prefixes physical names)", component, name)
	}
	if len(name) > max {
		return fmt.Errorf("%s: name %q is %d characters; at most %d fit the physical names derived from it", component, name, len(name), max)
	}
	return nil
}

// checkPlace rejects a missing or malformed project id or region.
func checkPlace(component, project, region string) error {
	if !projectRe.MatchString(project) {
		return fmt.Errorf("%s: Project %q is not a project id", component, project)
	}
	if !regionRe.MatchString(region) {
		return fmt.Errorf("%s: Region %q is not a Google Cloud region such as europe-west1", component, region)
	}
	return nil
}

// fit returns name when it is at most max characters, else a shortened form that keeps it
// unique: as much of name as fits, a hyphen and 8 hex digits of its hash. Service account ids
// (30), custom role ids (64) and a few others are shorter than a stack prefix plus a role.
func fit(name string, max int) string {
	if len(name) <= max {
		return name
	}
	sum := sha256.Sum256([]byte(name))
	h := hex.EncodeToString(sum[:4])
	head := strings.TrimRight(name[:max-len(h)-1], "-_")
	return head + "-" + h
}

// accountID is the service account id "<prefix>-<role>", shortened to the 30 characters
// Google Cloud allows.
func accountID(prefix, role string) string { return fit(prefix+"-"+role, 30) }

// saMember is the IAM member of a service account email.
func saMember(email pulumi.StringInput) pulumi.StringOutput {
	return pulumi.Sprintf("serviceAccount:%s", email)
}

// labelsOrEmpty keeps a nil label map from being sent as null.
func labelsOrEmpty(l pulumi.StringMap) pulumi.StringMap {
	if l == nil {
		return pulumi.StringMap{}
	}
	return l
}

// sortedInputs returns m's keys in order, so children register in a stable order.
func sortedInputs(m map[string]pulumi.StringInput) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
