package platform

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// The clouds a Spec deploys to.
const (
	CloudAWS = "aws"
	CloudGCP = "gcp"
)

// The configuration keys of a GCP stack outside the ottkit namespace: the google provider's own
// project and region keys, which the platform reads as well.
const (
	GCPProjectKey = "gcp:project"
	GCPRegionKey  = "gcp:region"
)

var (
	// gcpProjectRe is a project id: 6 to 30 lowercase letters, digits and hyphens, starting
	// with a letter and not ending with a hyphen.
	gcpProjectRe = regexp.MustCompile(`^[a-z][a-z0-9-]{4,28}[a-z0-9]$`)
	// gcpRegionRe is a Google Cloud region such as europe-west1 or northamerica-northeast2.
	gcpRegionRe = regexp.MustCompile(`^[a-z]+-[a-z]+[0-9]{1,2}$`)
	// labelKeyRe and labelValueRe are what Google Cloud accepts as resource labels, which is
	// what ottkit:tags become on GCP.
	labelKeyRe   = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,62}$`)
	labelValueRe = regexp.MustCompile(`^[a-z0-9_-]{0,63}$`)
)

// gcpStorageClassValues are the classes complete may rewrite a transcoded master to on GCS.
var gcpStorageClassValues = []string{"NEARLINE", "COLDLINE", "ARCHIVE"}

// awsOnly lists the keys that configure AWS resources only: a GCP stack that sets any of them
// to something other than its default (which means "not used") is refused, because the
// setting would silently do nothing.
var awsOnly = []string{
	"assumeRoleArn", "certificateArn", "signingPublicKeys", "waf", "wafRateLimit",
	"wafApiRateLimit", "priceClass", "queueConcurrency", "reservedConcurrency",
	"edgeSessions", "edgeSessionBinding",
}

// awsOnlySet returns the full names of the AWS-only keys s sets to other than their default.
func (s *Spec) awsOnlySet() []string {
	var out []string
	for _, name := range awsOnly {
		key, ok := KeyNamed(name)
		if !ok {
			panic("platform: awsOnly names an unknown key " + name)
		}
		if !sameValue(key.get(s), key.Default) {
			out = append(out, k(name))
		}
	}
	return out
}

// readCloudConfig fills the region (and on GCP the project) from the cloud's own provider
// keys and refuses the other cloud's keys.
func (s *Spec) readCloudConfig(cfg map[string]string, p *problems) {
	if s.Cloud == CloudGCP {
		s.Project = cfg[GCPProjectKey]
		s.Region = cfg[GCPRegionKey]
		if _, set := cfg[RegionKey]; set {
			p.add(RegionKey, "only applies to ottkit:cloud aws; a gcp stack sets gcp:region")
		}
		return
	}
	s.Region = cfg[RegionKey]
	for _, key := range []string{GCPProjectKey, GCPRegionKey} {
		if _, set := cfg[key]; set {
			p.add(key, "only applies to ottkit:cloud gcp; this stack deploys to %s", s.Cloud)
		}
	}
}

// cloudConfig returns the provider keys of the spec's cloud: aws:region, or gcp:project and
// gcp:region.
func (s *Spec) cloudConfig() [][2]string {
	if s.Cloud == CloudGCP {
		return [][2]string{{GCPProjectKey, s.Project}, {GCPRegionKey, s.Region}}
	}
	return [][2]string{{RegionKey, s.Region}}
}

// validateGCP checks what only a GCP stack has, and that it sets no AWS-only key.
func (s *Spec) validateGCP(p *problems) {
	switch {
	case s.Project == "":
		p.add(GCPProjectKey, "required on ottkit:cloud gcp: the project id, e.g. acme-media-prod")
	case !gcpProjectRe.MatchString(s.Project):
		p.add(GCPProjectKey, "%q is not a project id (6 to 30 lowercase letters, digits and hyphens, starting with a letter)", s.Project)
	}
	switch {
	case s.Region == "":
		p.add(GCPRegionKey, "required on ottkit:cloud gcp, e.g. europe-west1")
	case !gcpRegionRe.MatchString(s.Region):
		p.add(GCPRegionKey, "%q is not a Google Cloud region name such as europe-west1", s.Region)
	case len(s.AllowedRegions) > 0 && !slices.Contains(s.AllowedRegions, s.Region):
		p.add(GCPRegionKey, "%q is not in ottkit:allowedRegions %v", s.Region, s.AllowedRegions)
	}
	for i, r := range s.AllowedRegions {
		if !gcpRegionRe.MatchString(r) {
			p.add(fmt.Sprintf("%s[%d]", k("allowedRegions"), i), "%q is not a Google Cloud region name", r)
		}
	}
	if s.Domain == "" {
		p.add(k("domain"), "required on ottkit:cloud gcp: Cloud CDN has no default HTTPS host name, and the stack's Google-managed certificate covers this one (point it at the stack's address)")
	}
	for _, key := range s.awsOnlySet() {
		p.add(key, "only applies to ottkit:cloud aws; remove it from this gcp stack")
	}
	if !slices.Contains(gcpStorageClassValues, s.ArchiveStorageClass) {
		p.add(k("archiveStorageClass"), "%q is not a Cloud Storage class for masters; on gcp use one of %s",
			s.ArchiveStorageClass, strings.Join(gcpStorageClassValues, ", "))
	}
	between(p, k("logRetentionDays"), s.LogRetentionDays, 1, 3650)
	for _, name := range sortedKeys(s.Tags) {
		key := fmt.Sprintf("%s.%s", k("tags"), name)
		if !labelKeyRe.MatchString(name) {
			p.add(key, "is not a Google Cloud label key (lowercase letters, digits, _ and -, starting with a letter, at most 63)")
		}
		if !labelValueRe.MatchString(s.Tags[name]) {
			p.add(key, "value %q is not a Google Cloud label value (lowercase letters, digits, _ and -, at most 63)", s.Tags[name])
		}
	}
}

// validateNotGCP refuses the GCP-only field on another cloud.
func (s *Spec) validateNotGCP(p *problems) {
	if s.Project != "" {
		p.add(GCPProjectKey, "only applies to ottkit:cloud gcp; this stack deploys to %s", s.Cloud)
	}
}

// Labels returns ResourceTags as Google Cloud labels: the ottkit: keys become ottkit-customer
// and ottkit-environment (a colon is not allowed in label keys).
func (s *Spec) Labels() map[string]string {
	out := map[string]string{}
	for k, v := range s.ResourceTags() {
		out[strings.ReplaceAll(k, ":", "-")] = v
	}
	return out
}
