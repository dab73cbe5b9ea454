package platform

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/encoding"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/config"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"

	"github.com/ottkit/ottkit/functions/pipeline"
)

// Key describes one ottkit:* configuration key: its Pulumi type, default and meaning. Keys is
// the single list Pulumi.yaml's typed config block, ParseSpec and StackConfig agree on (a test
// holds Pulumi.yaml to it).
type Key struct {
	// Name is the key without its namespace, e.g. "ladder".
	Name string
	// Type is the Pulumi project config type: string, integer, boolean, array or object;
	// Items is an array's item type.
	Type, Items string
	// Default is the value a stack gets when it sets none, as YAML would hold it; nil means
	// the key is required, and Pulumi (or ReadStackConfig) names every missing one before the
	// program runs.
	Default any
	// Description is what Pulumi.yaml says about the key.
	Description string

	get func(*Spec) any
	set func(*Spec, any) error
}

// Keys lists every ottkit:* configuration key, in the order stack files write them.
var Keys = []Key{
	str("cloud", "aws", "Cloud the stack deploys to: aws or gcp (gcp stacks also set gcp:project and gcp:region).", func(s *Spec) *string { return &s.Cloud }),
	str("customer", nil, "Required. Customer short name; resource names start with <customer>-<environment>.", func(s *Spec) *string { return &s.Customer }),
	str("environment", "dev", "Environment name, e.g. dev or prod.", func(s *Spec) *string { return &s.Environment }),
	strs("allowedRegions", []any{}, "Regions the customer allows (data residency); empty allows any.", func(s *Spec) *[]string { return &s.AllowedRegions }),
	str("assumeRoleArn", "", "IAM role in the customer's account to deploy with, through an explicit provider.", func(s *Spec) *string { return &s.AssumeRoleArn }),
	str("domain", "", "Custom playback host name, e.g. media.example.com.", func(s *Spec) *string { return &s.Domain }),
	str("certificateArn", "", "ACM certificate in us-east-1 for ottkit:domain.", func(s *Spec) *string { return &s.CertificateArn }),
	{Name: "ladder", Type: "array", Items: "object", Default: ladderDefault(),
		Description: "Encoding ladder: [{height: <short side px>, maxBitrate: <bits/s>}, ...].",
		get:         func(s *Spec) any { return ladderValue(s.Ladder) }, set: setLadder},
	integer("maxHeight", 1080, "Ceiling of any rendition's short side, in pixels.", func(s *Spec) *int { return &s.MaxHeight }),
	str("videoCodec", pipeline.CodecH264, "Video codec: h264 or hevc.", func(s *Spec) *string { return &s.VideoCodec }),
	integer("thumbnailInterval", 10, "Seconds between thumbnails.", func(s *Spec) *int { return &s.ThumbnailInterval }),
	integer("ingestExpirationDays", 7, "Days before uploads (and quarantined files) expire from the ingest bucket.", func(s *Spec) *int { return &s.IngestExpirationDays }),
	integer("archiveAfterDays", 30, "Days before masters move to S3 Glacier Instant Retrieval.", func(s *Spec) *int { return &s.ArchiveAfterDays }),
	integer("deepArchiveAfterDays", 180, "Days before masters move to S3 Glacier Deep Archive; 0 never.", func(s *Spec) *int { return &s.DeepArchiveAfterDays }),
	integer("noncurrentVersionExpirationDays", 30, "Days before replaced master versions expire (archiving leaves the STANDARD copy as one).", func(s *Spec) *int { return &s.NoncurrentVersionExpirationDays }),
	integer("accessLogExpirationDays", 365, "Days S3 access logs are kept.", func(s *Spec) *int { return &s.AccessLogExpirationDays }),
	integer("logRetentionDays", 30, "Days function logs are kept in CloudWatch Logs.", func(s *Spec) *int { return &s.LogRetentionDays }),
	boolean("retainData", true, "Keep masters, delivery, logs, catalog and key on pulumi destroy.", func(s *Spec) *bool { return &s.RetainData }),
	str("archiveStorageClass", "GLACIER_IR", "Storage class masters are copied to once transcoded.", func(s *Spec) *string { return &s.ArchiveStorageClass }),
	str("jwtIssuer", nil, "Required. https URL of the identity provider whose JWTs the API accepts.", func(s *Spec) *string { return &s.JWTIssuer }),
	strs("jwtAudience", nil, "Required. Audiences the API's JWT authorizer accepts.", func(s *Spec) *[]string { return &s.JWTAudience }),
	str("tenantClaim", "tenant", "JWT claim holding the viewer's tenant; one an end user cannot write (docs/IDENTITY.md).", func(s *Spec) *string { return &s.TenantClaim }),
	str("rolesClaim", "roles", "JWT claim listing the viewer's roles (uploader may upload); one an end user cannot write (docs/IDENTITY.md).", func(s *Spec) *string { return &s.RolesClaim }),
	strs("signingPublicKeys", []any{}, "Required on aws. RSA-2048 public keys (PEM) CloudFront trusts for signed cookies; two while rotating. Not used on gcp (Cloud CDN signs with a key the stack generates).", func(s *Spec) *[]string { return &s.SigningPublicKeys }),
	integer("playbackTtl", 600, "Lifetime of signed playback cookies, in seconds (60 to 3600); players refresh them through the API.", func(s *Spec) *int { return &s.PlaybackTTL }),
	integer("uploadTtl", 900, "Lifetime of presigned upload URLs, in seconds.", func(s *Spec) *int { return &s.UploadTTL }),
	{Name: "maxUploadBytes", Type: "integer", Default: MaxPutBytes, Description: "Largest accepted upload, in bytes (at most 5 GiB).",
		get: func(s *Spec) any { return s.MaxUploadBytes },
		set: func(s *Spec, v any) error { n, err := asInt(v); s.MaxUploadBytes = n; return err }},
	integer("maxDuration", 14400, "Longest accepted upload, in seconds.", func(s *Spec) *int { return &s.MaxDurationSeconds }),
	strs("uploadOrigins", []any{}, "Browser origins allowed to upload (CORS PUT on the ingest bucket).", func(s *Spec) *[]string { return &s.UploadOrigins }),
	strs("playerOrigins", []any{}, "Web player origins allowed to fetch media with signed cookies and to call the API.", func(s *Spec) *[]string { return &s.PlayerOrigins }),
	integer("maxRetries", 2, "Resubmissions of a retryable transcode error.", func(s *Spec) *int { return &s.MaxRetries }),
	integer("queueConcurrency", 5, "Most copies of each queue-triggered function running at once (the event source mapping's maximum concurrency, 2 to 1000); takes nothing from the account's concurrency pool.", func(s *Spec) *int { return &s.QueueConcurrency }),
	integer("reservedConcurrency", 0, "Concurrent executions reserved for each of the four functions; 0 reserves none. Lambda keeps 100 of the account's quota unreserved, so a reservation of N needs a quota of at least 100 + 4N.", func(s *Spec) *int { return &s.ReservedConcurrency }),
	str("alertEmail", "", "E-mail address subscribed to alarms; empty for none.", func(s *Spec) *string { return &s.AlertEmail }),
	{Name: "tags", Type: "object", Default: map[string]any{}, Description: "Extra tags for every resource.",
		get: func(s *Spec) any { return tagsValue(s.Tags) }, set: setTags},
	boolean("waf", false, "Put an AWS WAF web ACL with a per-IP rate limit in front of the CDN.", func(s *Spec) *bool { return &s.WAF }),
	integer("wafRateLimit", 15000, "Media requests (everything but /api/*) per IP per 5 minutes the WAF allows: 150 per viewer (6-second segments) x 100 viewers behind one address.", func(s *Spec) *int { return &s.WAFRateLimit }),
	integer("wafApiRateLimit", 600, "API requests (/api/*) per IP per 5 minutes the WAF allows: 20 per viewer x 30 viewers behind one address.", func(s *Spec) *int { return &s.WAFAPIRateLimit }),
	strs("geoAllowList", []any{}, "ISO country codes allowed to play; empty allows all.", func(s *Spec) *[]string { return &s.GeoAllowList }),
	str("priceClass", "PriceClass_100", "CloudFront price class.", func(s *Spec) *string { return &s.PriceClass }),
}

func str(name string, def any, desc string, f func(*Spec) *string) Key {
	return Key{Name: name, Type: "string", Default: def, Description: desc,
		get: func(s *Spec) any { return *f(s) },
		set: func(s *Spec, v any) error {
			t, ok := v.(string)
			if !ok {
				return fmt.Errorf("must be a string, not %s", describe(v))
			}
			*f(s) = t
			return nil
		}}
}

func integer(name string, def int, desc string, f func(*Spec) *int) Key {
	return Key{Name: name, Type: "integer", Default: def, Description: desc,
		get: func(s *Spec) any { return int64(*f(s)) },
		set: func(s *Spec, v any) error {
			n, err := asInt(v)
			*f(s) = int(n)
			return err
		}}
}

func boolean(name string, def bool, desc string, f func(*Spec) *bool) Key {
	return Key{Name: name, Type: "boolean", Default: def, Description: desc,
		get: func(s *Spec) any { return *f(s) },
		set: func(s *Spec, v any) error {
			b, ok := v.(bool)
			if !ok {
				return fmt.Errorf("must be true or false, not %s", describe(v))
			}
			*f(s) = b
			return nil
		}}
}

func strs(name string, def any, desc string, f func(*Spec) *[]string) Key {
	return Key{Name: name, Type: "array", Items: "string", Default: def, Description: desc,
		get: func(s *Spec) any {
			out := []any{}
			for _, x := range *f(s) {
				out = append(out, x)
			}
			return out
		},
		set: func(s *Spec, v any) error {
			arr, ok := v.([]any)
			if !ok {
				return fmt.Errorf("must be a list of strings, not %s", describe(v))
			}
			out := make([]string, 0, len(arr))
			for i, x := range arr {
				t, ok := x.(string)
				if !ok {
					return fmt.Errorf("[%d] must be a string, not %s", i, describe(x))
				}
				out = append(out, t)
			}
			*f(s) = out
			return nil
		}}
}

func asInt(v any) (int64, error) {
	switch t := v.(type) {
	case int:
		return int64(t), nil
	case int64:
		return t, nil
	case float64:
		if t == float64(int64(t)) {
			return int64(t), nil
		}
	}
	return 0, fmt.Errorf("must be a whole number, not %s", describe(v))
}

func describe(v any) string {
	switch t := v.(type) {
	case string:
		return strconv.Quote(t)
	case nil:
		return "null"
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprint(v)
}

func ladderDefault() []any { return ladderValue(DefaultLadder) }

func ladderValue(rungs []pipeline.Rung) []any {
	out := []any{}
	for _, r := range rungs {
		out = append(out, map[string]any{"height": int64(r.Height), "maxBitrate": int64(r.MaxBitrate)})
	}
	return out
}

func setLadder(s *Spec, v any) error {
	arr, ok := v.([]any)
	if !ok {
		return fmt.Errorf("must be a list of {height, maxBitrate}, not %s", describe(v))
	}
	var errs []error
	rungs := make([]pipeline.Rung, len(arr))
	for i, x := range arr {
		m, ok := x.(map[string]any)
		if !ok {
			errs = append(errs, fmt.Errorf("[%d] must be {height, maxBitrate}, not %s", i, describe(x)))
			continue
		}
		for _, f := range slices.Sorted(maps.Keys(m)) {
			if f != "height" && f != "maxBitrate" {
				errs = append(errs, fmt.Errorf("[%d].%s: unknown field (rungs have height and maxBitrate)", i, f))
			}
		}
		for _, f := range []string{"height", "maxBitrate"} {
			raw, present := m[f]
			if !present {
				errs = append(errs, fmt.Errorf("[%d].%s: missing", i, f))
				continue
			}
			n, err := asInt(raw)
			if err != nil {
				errs = append(errs, fmt.Errorf("[%d].%s: %w", i, f, err))
				continue
			}
			if f == "height" {
				rungs[i].Height = int(n)
			} else {
				rungs[i].MaxBitrate = int(n)
			}
		}
	}
	s.Ladder = rungs
	return errors.Join(errs...)
}

func tagsValue(tags map[string]string) map[string]any {
	out := map[string]any{}
	for k, v := range tags {
		out[k] = v
	}
	return out
}

func setTags(s *Spec, v any) error {
	m, ok := v.(map[string]any)
	if !ok {
		return fmt.Errorf("must be an object of string values, not %s", describe(v))
	}
	var errs []error
	s.Tags = map[string]string{}
	for _, name := range slices.Sorted(maps.Keys(m)) {
		t, ok := m[name].(string)
		if !ok {
			errs = append(errs, fmt.Errorf(".%s: must be a string (quote it in YAML), not %s", name, describe(m[name])))
			continue
		}
		s.Tags[name] = t
	}
	return errors.Join(errs...)
}

// decode turns a value as Pulumi passes it to programs into the typed value its key holds:
// strings stay as they are, everything else is JSON.
func (key Key) decode(raw string) (any, error) {
	if key.Type == "string" {
		return raw, nil
	}
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		if key.Type == "array" && key.Items == "string" && !strings.HasPrefix(strings.TrimSpace(raw), "[") {
			return nil, fmt.Errorf("must be a list, e.g. [%q]", raw)
		}
		return nil, fmt.Errorf("%q is not a valid %s", raw, key.Type)
	}
	return normalize(v), nil
}

// normalize turns json.Number into int64 where whole, float64 otherwise.
func normalize(v any) any {
	switch t := v.(type) {
	case json.Number:
		if n, err := t.Int64(); err == nil {
			return n
		}
		f, _ := t.Float64()
		return f
	case []any:
		for i := range t {
			t[i] = normalize(t[i])
		}
	case map[string]any:
		for k := range t {
			t[k] = normalize(t[k])
		}
	}
	return v
}

// encode renders a typed value the way Pulumi passes it to programs.
func encode(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, _ := json.Marshal(v) // values built from YAML or Spec fields always marshal
	return string(b)
}

// KeyNamed returns the key with the given name (without namespace).
func KeyNamed(name string) (Key, bool) {
	for _, key := range Keys {
		if key.Name == name {
			return key, true
		}
	}
	return Key{}, false
}

// nearestKey returns the key a misspelled name most likely meant: the same name in another
// case, or one at most two edits away; "" when none is that close.
func nearestKey(name string) string {
	best, bestDist := "", 3
	for _, key := range Keys {
		if strings.EqualFold(key.Name, name) {
			return key.Name
		}
		if d := editDistance(strings.ToLower(name), strings.ToLower(key.Name)); d < bestDist {
			best, bestDist = key.Name, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

// ParseSpec builds a Spec from a stack's configuration as Pulumi passes it to programs
// ("ottkit:key" to the value's text, structured values as JSON; "aws:region" for the region),
// fills in the defaults for absent keys and validates. The error lists every problem, each
// naming its key.
func ParseSpec(cfg map[string]string) (*Spec, error) {
	s := &Spec{}
	var p problems
	for _, key := range Keys {
		full := Namespace + ":" + key.Name
		raw, present := cfg[full]
		var v any
		switch {
		case present:
			var err error
			if v, err = key.decode(raw); err != nil {
				p = append(p, fmt.Errorf("%s: %w", full, err))
				continue
			}
			if v == nil {
				p = append(p, fmt.Errorf("%s: null is not a %s", full, key.Type))
				continue
			}
		default:
			v = key.Default
		}
		if v == nil {
			continue // required and absent: Validate names it
		}
		if err := key.set(s, v); err != nil {
			p = append(p, prefixEach(full, err)...)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(cfg)) {
		ns, short, _ := strings.Cut(name, ":")
		if ns != Namespace {
			continue
		}
		if _, known := KeyNamed(short); !known {
			if near := nearestKey(short); near != "" {
				p.add(name, "unknown key; did you mean %s:%s? (the ottkit keys are listed in Pulumi.yaml)", Namespace, near)
			} else {
				p.add(name, "unknown key; the ottkit keys are listed in Pulumi.yaml")
			}
		}
	}
	s.readCloudConfig(cfg, &p)
	s.validate(&p)
	if len(p) > 0 {
		return nil, fmt.Errorf("platform: invalid stack configuration:\n%w", errors.Join(p...))
	}
	return s, nil
}

// prefixEach names key in each of err's joined errors, so "[2].height: missing" becomes
// "ottkit:ladder[2].height: missing".
func prefixEach(key string, err error) []error {
	var list []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		list = j.Unwrap()
	} else {
		list = []error{err}
	}
	out := make([]error, len(list))
	for i, e := range list {
		sep := ": "
		if msg := e.Error(); strings.HasPrefix(msg, "[") || strings.HasPrefix(msg, ".") {
			sep = ""
		}
		out[i] = fmt.Errorf("%s%s%w", key, sep, e)
	}
	return out
}

// StackConfig returns the spec as the complete configuration Pulumi passes to the program:
// every ottkit:* key (defaults included) and aws:region. ParseSpec(s.StackConfig()) equals s.
func (s *Spec) StackConfig() map[string]string {
	out := map[string]string{}
	for _, kv := range s.cloudConfig() {
		out[kv[0]] = kv[1]
	}
	for _, key := range Keys {
		out[Namespace+":"+key.Name] = encode(key.get(s))
	}
	return out
}

// WriteStackFile writes the spec as a stack file (Pulumi.<stack>.yaml): aws:region and every
// ottkit:* key that is required or differs from its default. It writes the file the way the
// Pulumi CLI does (Pulumi's own config values and encoder): top-level numbers and booleans as
// strings, lists and objects as YAML with their own types, keys sorted, two-space indent. So
// `pulumi config set` or `pulumi stack select` rewriting it afterwards leaves no diff. Reading
// it back with ReadStackConfig and ParseSpec gives an equal Spec.
func (s *Spec) WriteStackFile(w io.Writer) error {
	ps := &workspace.ProjectStack{Config: config.Map{}}
	add := func(name string, v any) error {
		key, err := config.ParseKey(name)
		if err != nil {
			return fmt.Errorf("platform: %s: %w", name, err)
		}
		switch v.(type) {
		case []any, map[string]any:
			ps.Config[key] = config.NewObjectValue(encode(v))
		default:
			// What `pulumi config set` stores: the value's text.
			ps.Config[key] = config.NewValue(encode(v))
		}
		return nil
	}
	for _, kv := range s.cloudConfig() {
		if err := add(kv[0], kv[1]); err != nil {
			return err
		}
	}
	for _, key := range Keys {
		v := key.get(s)
		if key.Default != nil && sameValue(v, key.Default) {
			continue
		}
		if err := add(Namespace+":"+key.Name, v); err != nil {
			return err
		}
	}
	b, err := encoding.YAML.Marshal(ps)
	if err != nil {
		return fmt.Errorf("platform: write stack file: %w", err)
	}
	_, err = w.Write(b)
	return err
}

// sameValue compares two typed config values by their JSON form, so int and int64 of the same
// number compare equal.
func sameValue(a, b any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return bytes.Equal(ja, jb)
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
