package platform

import (
	"fmt"
	"regexp"
	"slices"
)

var cdnKeyKeys = []Key{
	strs("cdnKeyNames", []any{}, "Names of the Cloud CDN signed-cookie keys on the delivery backend bucket (gcp): none until ottkit keys generates the first, two while rotating. The keys themselves are only in Secret Manager and the backend bucket.", func(s *Spec) *[]string { return &s.CDNKeyNames }),
	str("cdnSigningKeyName", "", "Key of ottkit:cdnKeyNames the api signs Cloud CDN cookies with (ottkit keys switches it).", func(s *Spec) *string { return &s.CDNSigningKeyName }),
}

func init() { Keys = append(Keys, cdnKeyKeys...) }

// cdnKeyNameRe is Compute Engine's resource name syntax, which signed-request key names follow.
var cdnKeyNameRe = regexp.MustCompile(`^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$`)

// validateCDNKeys checks the Cloud CDN key names: gcp only, well formed, distinct, at most two
// (the current key and the next; a backend bucket holds three), the signing one among them.
func (s *Spec) validateCDNKeys(p *problems) {
	if s.Cloud != CloudGCP {
		if len(s.CDNKeyNames) > 0 {
			p.add(k("cdnKeyNames"), "only applies to ottkit:cloud gcp (Cloud CDN); remove it")
		}
		if s.CDNSigningKeyName != "" {
			p.add(k("cdnSigningKeyName"), "only applies to ottkit:cloud gcp (Cloud CDN); remove it")
		}
		return
	}
	if len(s.CDNKeyNames) > 2 {
		p.add(k("cdnKeyNames"), "has %d names; at most 2 (the current key and the next during a rotation)", len(s.CDNKeyNames))
	}
	for i, name := range s.CDNKeyNames {
		key := fmt.Sprintf("%s[%d]", k("cdnKeyNames"), i)
		if !cdnKeyNameRe.MatchString(name) {
			p.add(key, "%q is not a key name (lowercase letters, digits and -, starting with a letter, at most 63)", name)
		}
		if j := slices.Index(s.CDNKeyNames, name); j < i {
			p.add(key, "%q repeats ottkit:cdnKeyNames[%d]", name, j)
		}
	}
	if (len(s.CDNKeyNames) > 0 || s.CDNSigningKeyName != "") && !slices.Contains(s.CDNKeyNames, s.CDNSigningKeyName) {
		p.add(k("cdnSigningKeyName"), "%q is not a name of ottkit:cdnKeyNames (ottkit keys rotate --kind cloudcdn generates the first)", s.CDNSigningKeyName)
	}
}
