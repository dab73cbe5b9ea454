package platform

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	ottaws "github.com/ottkit/ottkit/components/aws"
	"github.com/ottkit/ottkit/functions/pipeline"
)

// Namespace is the configuration namespace of every ottkit key: "ottkit:<key>".
const Namespace = "ottkit"

// RegionKey is the configuration key the AWS region is read from.
const RegionKey = "aws:region"

// Spec is the validated configuration of one customer environment. ParseSpec builds it from a
// stack's configuration and StackConfig turns it back into one.
type Spec struct {
	// Cloud is the cloud the stack deploys to: CloudAWS or CloudGCP.
	Cloud string
	// Project is the GCP project id (gcp:project); set only on CloudGCP.
	Project string
	// Customer and Environment name the stack's resources: "<customer>-<environment>-...".
	Customer    string
	Environment string
	// Region is the cloud's region (aws:region, or gcp:region on GCP); AllowedRegions, when set, is the customer's
	// data-residency list it must belong to.
	Region         string
	AllowedRegions []string
	// AssumeRoleArn, when set, is the role in the customer's own account every resource is
	// created with, through an explicit provider.
	AssumeRoleArn string

	// Domain is the custom playback host name and CertificateArn its ACM certificate in
	// us-east-1 (CloudFront's requirement). Both or neither.
	Domain         string
	CertificateArn string

	// Ladder, MaxHeight and VideoCodec configure the encoding ladder; ThumbnailInterval is the
	// number of seconds between thumbnails.
	Ladder            []pipeline.Rung
	MaxHeight         int
	VideoCodec        string
	ThumbnailInterval int

	// Storage tiers, in days: uploads expire from ingest, masters move to Glacier Instant
	// Retrieval and then Deep Archive (0 = never), old master versions expire, access logs
	// expire.
	IngestExpirationDays            int
	ArchiveAfterDays                int
	DeepArchiveAfterDays            int
	NoncurrentVersionExpirationDays int
	AccessLogExpirationDays         int
	// LogRetentionDays is the CloudWatch Logs retention of the functions' logs.
	LogRetentionDays int
	// RetainData keeps masters, delivery, logs, the catalog and the key on `pulumi destroy`.
	RetainData bool
	// ArchiveStorageClass is the storage class masters are copied to once transcoded.
	ArchiveStorageClass string

	// JWTIssuer and JWTAudience configure the API's JWT authorizer.
	JWTIssuer   string
	JWTAudience []string
	// TenantClaim and RolesClaim name the one claim of a viewer's token that holds its tenant
	// and the one that lists its roles; neither may be a claim end users can write.
	TenantClaim, RolesClaim string
	// SigningPublicKeys are the PEM public keys CloudFront trusts for signed cookies; two
	// during a rotation.
	SigningPublicKeys []string
	// PlaybackTTL is the lifetime of signed playback cookies, in seconds.
	PlaybackTTL int
	// Edge is the optional Cloudflare edge (edge.go).
	Edge EdgeSpec
	// CDNKeyNames are the names of the Cloud CDN signed-cookie keys on the delivery backend
	// bucket (gcp), CDNSigningKeyName the one the api signs with; `ottkit keys` maintains
	// both, and the keys themselves live only in Secret Manager and the backend bucket.
	CDNKeyNames       []string
	CDNSigningKeyName string

	// UploadTTL is the lifetime of presigned upload URLs, in seconds; MaxUploadBytes and
	// MaxDurationSeconds bound what ingest accepts; UploadOrigins are the browser origins
	// allowed to PUT to the ingest bucket.
	UploadTTL          int
	MaxUploadBytes     int64
	MaxDurationSeconds int
	UploadOrigins      []string
	// PlayerOrigins are the https origins of the web players that fetch media with the
	// signed cookies (credentialed CORS on the CDN) and call the API.
	PlayerOrigins []string
	// MaxRetries is how often a retryable transcode error is resubmitted.
	MaxRetries int
	// QueueConcurrency caps each queue-triggered function's event source mapping
	// (scalingConfig.maximumConcurrency): what bounds the pipeline's share of the account
	// without reserving any of it. ReservedConcurrency, when above 0, reserves that many
	// executions for each function; it must cover QueueConcurrency.
	QueueConcurrency    int
	ReservedConcurrency int

	// AlertEmail, when set, is subscribed to the alarm topic.
	AlertEmail string
	// Tags are added to every resource, after the customer and environment tags.
	Tags map[string]string

	// WAF puts a web ACL in front of the CDN with two per-IP limits per 5 minutes:
	// WAFRateLimit media requests and WAFAPIRateLimit API requests (/api/*). GeoAllowList
	// restricts viewers to those countries; PriceClass picks the CloudFront edge locations.
	WAF             bool
	WAFRateLimit    int
	WAFAPIRateLimit int
	GeoAllowList    []string
	PriceClass      string

	// EdgeSessions puts the session check (a CloudFront Function and its KeyValueStore) on
	// the media behaviours, and has the api issue a session cookie with each grant and serve
	// POST /revocations; EdgeSessionBinding is manifest.EdgeSessionsNone or
	// manifest.EdgeSessionsIP (sessions.go).
	EdgeSessions       bool
	EdgeSessionBinding string
}

// DefaultLadder is the ladder a stack gets when it configures none.
var DefaultLadder = []pipeline.Rung{
	{Height: 1080, MaxBitrate: 6_000_000},
	{Height: 720, MaxBitrate: 3_500_000},
	{Height: 480, MaxBitrate: 1_500_000},
	{Height: 360, MaxBitrate: 800_000},
}

// Limits enforced by Validate, with the reason each exists.
const (
	// MaxPutBytes is the largest object a single presigned PUT may upload (5 GiB).
	MaxPutBytes = 5 << 30
	// MaxPresignSeconds is the longest a SigV4 presigned URL may live (7 days).
	MaxPresignSeconds = 7 * 24 * 3600
	// MaxPlaybackSeconds caps signed playback cookies at an hour, as the policy pack's
	// deny_signed_cookie_lifetime does: media is reachable only with short-lived
	// credentials, and players refresh them through the API (default 10 minutes).
	MaxPlaybackSeconds = 3600
	// MaxRungs keeps a ladder within one MediaConvert output group's practical size.
	MaxRungs = 10
	// MaxUserTags leaves room under AWS's 50 tags per resource for ottkit's own.
	MaxUserTags = 40
	// MaxReservedConcurrency keeps the four functions' reservations (4 x 225) within the
	// default regional quota of 1,000 less the 100 Lambda keeps unreserved.
	MaxReservedConcurrency = 225
)

// logRetentions are the values CloudWatch Logs accepts for a retention in days.
var logRetentions = []int{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192,
	2557, 2922, 3288, 3653}

var (
	customerRe   = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`)
	envRe        = regexp.MustCompile(`^[a-z][a-z0-9]*$`)
	regionRe     = regexp.MustCompile(`^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-[0-9]$`)
	labelRe      = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)
	certRe       = regexp.MustCompile(`^arn:aws:acm:us-east-1:[0-9]{12}:certificate/[0-9a-f-]{36}$`)
	roleRe       = regexp.MustCompile(`^arn:aws:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]{1,512}$`)
	countryRe    = regexp.MustCompile(`^[A-Z]{2}$`)
	originHostRe = regexp.MustCompile(`^[a-z0-9.-]+(:[0-9]{1,5})?$`)
)

var (
	cloudValues        = []string{CloudAWS, CloudGCP}
	codecValues        = []string{pipeline.CodecH264, pipeline.CodecHEVC}
	priceClassValues   = []string{"PriceClass_100", "PriceClass_200", "PriceClass_All"}
	storageClassValues = []string{"STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER_IR", "GLACIER", "DEEP_ARCHIVE"}
)

// Prefix is the name every resource of the stack starts with: "<customer>-<environment>".
// Validate keeps it a DNS label of at most 31 characters.
func (s *Spec) Prefix() string {
	return s.Customer + "-" + s.Environment
}

// ResourceTags returns the tags every resource carries: customer and environment, then the stack's own.
func (s *Spec) ResourceTags() map[string]string {
	out := make(map[string]string, len(s.Tags)+2)
	for k, v := range s.Tags {
		out[k] = v
	}
	out["ottkit:customer"] = s.Customer
	out["ottkit:environment"] = s.Environment
	return out
}

// problems collects every validation error; each names its configuration key.
type problems []error

func (p *problems) add(key, format string, args ...any) {
	*p = append(*p, fmt.Errorf("%s: %s", key, fmt.Sprintf(format, args...)))
}

func k(name string) string { return Namespace + ":" + name }

// Validate checks every field and returns all problems at once, joined; each error starts
// with the configuration key it concerns, e.g. `ottkit:ladder[2].height: 100 is below 144`.
func (s *Spec) Validate() error {
	var p problems
	s.validate(&p)
	return errors.Join(p...)
}

func (s *Spec) validate(p *problems) {
	oneOf(p, k("cloud"), s.Cloud, cloudValues)
	s.validateEdge(p)
	s.validateSessions(p)
	s.validateCDNKeys(p)

	switch {
	case s.Customer == "":
		p.add(k("customer"), "required: the customer's short name, e.g. acme")
	case len(s.Customer) < 2 || len(s.Customer) > 20:
		p.add(k("customer"), "%q must be 2 to 20 characters long", s.Customer)
	case !customerRe.MatchString(s.Customer):
		p.add(k("customer"), "%q must be lowercase letters, digits and single hyphens, starting with a letter", s.Customer)
	}
	if s.Customer != "" && envRe.MatchString(s.Environment) {
		// Bucket names are "<customer>-<environment>-<role>-<account id>".
		if err := ottaws.CheckBucketName(s.Prefix() + "-ingest-000000000000"); err != nil {
			p.add(k("customer"), "%q with ottkit:environment %q names buckets S3 refuses: %v", s.Customer, s.Environment, err)
		}
	}
	switch {
	case s.Environment == "":
		p.add(k("environment"), "required, e.g. prod")
	case len(s.Environment) > 10 || !envRe.MatchString(s.Environment):
		p.add(k("environment"), "%q must be 1 to 10 lowercase letters and digits, starting with a letter", s.Environment)
	}

	gcp := s.Cloud == CloudGCP
	if gcp {
		s.validateGCP(p)
	} else {
		s.validateNotGCP(p)
	}
	switch {
	case gcp:
	case s.Region == "":
		p.add(RegionKey, "required, e.g. eu-west-1")
	case !regionRe.MatchString(s.Region):
		p.add(RegionKey, "%q is not an AWS region name", s.Region)
	case ottaws.CheckRegion(s.Region) != nil:
		p.add(RegionKey, "%v", ottaws.CheckRegion(s.Region))
	case len(s.AllowedRegions) > 0 && !slices.Contains(s.AllowedRegions, s.Region):
		p.add(RegionKey, "%q is not in ottkit:allowedRegions %v", s.Region, s.AllowedRegions)
	}
	for i, r := range s.AllowedRegions {
		if !gcp && !regionRe.MatchString(r) {
			p.add(fmt.Sprintf("%s[%d]", k("allowedRegions"), i), "%q is not an AWS region name", r)
		}
	}
	if s.AssumeRoleArn != "" && !roleRe.MatchString(s.AssumeRoleArn) {
		p.add(k("assumeRoleArn"), "%q is not an IAM role ARN of the commercial partition, where the stack deploys (arn:aws:iam::<account>:role/<name>)", s.AssumeRoleArn)
	}

	if s.Domain != "" && !validHost(s.Domain) {
		p.add(k("domain"), "%q is not a lowercase fully qualified host name", s.Domain)
	}
	switch {
	case gcp: // a Google-managed certificate covers ottkit:domain
	case s.Domain != "" && s.CertificateArn == "":
		p.add(k("certificateArn"), "required when ottkit:domain is set: an ACM certificate in us-east-1 covering %s", s.Domain)
	case s.Domain == "" && s.CertificateArn != "":
		p.add(k("domain"), "required when ottkit:certificateArn is set")
	case s.CertificateArn != "" && !certRe.MatchString(s.CertificateArn):
		p.add(k("certificateArn"), "%q is not an ACM certificate ARN in us-east-1 (CloudFront only uses certificates there)", s.CertificateArn)
	}

	s.validateLadder(p)
	oneOf(p, k("videoCodec"), s.VideoCodec, codecValues)
	between(p, k("thumbnailInterval"), s.ThumbnailInterval, 1, 3600)

	between(p, k("ingestExpirationDays"), s.IngestExpirationDays, 1, 365)
	between(p, k("archiveAfterDays"), s.ArchiveAfterDays, 1, 3650)
	if s.DeepArchiveAfterDays != 0 {
		between(p, k("deepArchiveAfterDays"), s.DeepArchiveAfterDays, 0, 3650)
		if s.DeepArchiveAfterDays < s.ArchiveAfterDays+90 {
			p.add(k("deepArchiveAfterDays"), "%d must be at least 90 days after ottkit:archiveAfterDays (%d): Glacier Instant Retrieval bills 90 days minimum",
				s.DeepArchiveAfterDays, s.ArchiveAfterDays)
		}
	}
	between(p, k("noncurrentVersionExpirationDays"), s.NoncurrentVersionExpirationDays, 1, 3650)
	between(p, k("accessLogExpirationDays"), s.AccessLogExpirationDays, 1, 3650)
	if !gcp && !slices.Contains(logRetentions, s.LogRetentionDays) {
		p.add(k("logRetentionDays"), "%d is not a CloudWatch Logs retention (%v)", s.LogRetentionDays, logRetentions)
	}
	if !gcp {
		oneOf(p, k("archiveStorageClass"), s.ArchiveStorageClass, storageClassValues)
	}

	s.validateAuth(p)
	between(p, k("playbackTtl"), s.PlaybackTTL, 60, MaxPlaybackSeconds)
	between(p, k("uploadTtl"), s.UploadTTL, 60, MaxPresignSeconds)
	if s.MaxUploadBytes < 1 || s.MaxUploadBytes > MaxPutBytes {
		p.add(k("maxUploadBytes"), "%d is outside 1..%d (a single presigned PUT uploads at most 5 GiB)", s.MaxUploadBytes, int64(MaxPutBytes))
	}
	between(p, k("maxDuration"), s.MaxDurationSeconds, 1, 86400)
	between(p, k("maxRetries"), s.MaxRetries, 0, 10)
	between(p, k("queueConcurrency"), s.QueueConcurrency, ottaws.MinMaxConcurrency, ottaws.MaxMaxConcurrency)
	switch r := s.ReservedConcurrency; {
	case r < 0 || r > MaxReservedConcurrency:
		p.add(k("reservedConcurrency"), "%d is outside 0..%d (0 reserves nothing)", r, MaxReservedConcurrency)
	case r > 0 && r < s.QueueConcurrency:
		p.add(k("reservedConcurrency"), "%d is below ottkit:queueConcurrency %d: the queue triggers would be throttled; reserve at least %d or 0",
			r, s.QueueConcurrency, s.QueueConcurrency)
	}
	for i, o := range s.UploadOrigins {
		if err := checkOrigin(o); err != nil {
			p.add(fmt.Sprintf("%s[%d]", k("uploadOrigins"), i), "%v", err)
		}
	}
	for i, o := range s.PlayerOrigins {
		if err := checkOrigin(o); err != nil {
			p.add(fmt.Sprintf("%s[%d]", k("playerOrigins"), i), "%v", err)
		}
	}

	if s.AlertEmail != "" {
		a, err := mail.ParseAddress(s.AlertEmail)
		if err != nil || a.Address != s.AlertEmail {
			p.add(k("alertEmail"), "%q is not a plain e-mail address", s.AlertEmail)
		}
	}
	s.validateTags(p)

	if s.WAF {
		between(p, k("wafRateLimit"), s.WAFRateLimit, 100, 2_000_000_000)
		between(p, k("wafApiRateLimit"), s.WAFAPIRateLimit, 100, 2_000_000_000)
	}
	seen := map[string]int{}
	for i, c := range s.GeoAllowList {
		key := fmt.Sprintf("%s[%d]", k("geoAllowList"), i)
		if !countryRe.MatchString(c) {
			p.add(key, "%q is not an ISO 3166-1 alpha-2 country code such as DE", c)
		}
		if j, dup := seen[c]; dup {
			p.add(key, "%q repeats ottkit:geoAllowList[%d]", c, j)
		}
		seen[c] = i
	}
	oneOf(p, k("priceClass"), s.PriceClass, priceClassValues)
}

func (s *Spec) validateLadder(p *problems) {
	switch {
	case len(s.Ladder) == 0:
		p.add(k("ladder"), "needs at least one rung")
	case len(s.Ladder) > MaxRungs:
		p.add(k("ladder"), "has %d rungs; at most %d", len(s.Ladder), MaxRungs)
	}
	seen := map[int]int{}
	lowest := 0
	for i, r := range s.Ladder {
		key := fmt.Sprintf("%s[%d]", k("ladder"), i)
		switch {
		case r.Height < pipeline.MinRungHeight:
			p.add(key+".height", "%d is below %d", r.Height, pipeline.MinRungHeight)
		case r.Height > pipeline.MaxRungHeight:
			p.add(key+".height", "%d is above %d", r.Height, pipeline.MaxRungHeight)
		case r.Height%2 != 0:
			p.add(key+".height", "%d is odd; encoders need even dimensions", r.Height)
		}
		switch {
		case r.MaxBitrate < pipeline.MinRungBitrate:
			p.add(key+".maxBitrate", "%d is below %d bits/s", r.MaxBitrate, pipeline.MinRungBitrate)
		case r.MaxBitrate > pipeline.MaxRungBitrate:
			p.add(key+".maxBitrate", "%d is above %d bits/s", r.MaxBitrate, pipeline.MaxRungBitrate)
		}
		if j, dup := seen[r.Height]; dup {
			p.add(key+".height", "%d repeats ottkit:ladder[%d]", r.Height, j)
		}
		seen[r.Height] = i
		if lowest == 0 || r.Height < lowest {
			lowest = r.Height
		}
	}
	switch {
	case s.MaxHeight < pipeline.MinRungHeight || s.MaxHeight > pipeline.MaxRungHeight:
		p.add(k("maxHeight"), "%d is outside %d..%d", s.MaxHeight, pipeline.MinRungHeight, pipeline.MaxRungHeight)
	case lowest != 0 && s.MaxHeight < lowest:
		p.add(k("maxHeight"), "%d is below every rung of ottkit:ladder (lowest %d): nothing would be encoded", s.MaxHeight, lowest)
	}
}

func (s *Spec) validateAuth(p *problems) {
	if s.JWTIssuer == "" {
		p.add(k("jwtIssuer"), "required: the https URL of the identity provider that issues viewer tokens")
	} else if u, err := url.Parse(s.JWTIssuer); err != nil || u.Scheme != "https" || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		p.add(k("jwtIssuer"), "%q is not an https URL without query or fragment", s.JWTIssuer)
	}
	for _, c := range []struct{ key, v string }{{"tenantClaim", s.TenantClaim}, {"rolesClaim", s.RolesClaim}} {
		if c.v == "" || len(c.v) > 256 || strings.ContainsAny(c.v, " \t\r\n") {
			p.add(k(c.key), "%q is not a JWT claim name", c.v)
		}
	}
	if s.TenantClaim != "" && s.TenantClaim == s.RolesClaim {
		p.add(k("rolesClaim"), "%q is ottkit:tenantClaim too; the tenant and the roles are two claims", s.RolesClaim)
	}
	if len(s.JWTAudience) == 0 {
		p.add(k("jwtAudience"), "required: at least one audience the API accepts")
	}
	for i, a := range s.JWTAudience {
		if strings.TrimSpace(a) == "" {
			p.add(fmt.Sprintf("%s[%d]", k("jwtAudience"), i), "is empty")
		}
	}
	switch n := len(s.SigningPublicKeys); {
	case s.Cloud == CloudGCP: // Cloud CDN signs with a key the stack generates; validateGCP refuses these
	case n == 0:
		p.add(k("signingPublicKeys"), "required: one RSA-2048 public key in PEM (two while rotating)")
	case n > 2:
		p.add(k("signingPublicKeys"), "has %d keys; at most 2 (the current one and the next during a rotation)", n)
	}
	for i, pemText := range s.SigningPublicKeys {
		if s.Cloud == CloudGCP {
			break
		}
		key := fmt.Sprintf("%s[%d]", k("signingPublicKeys"), i)
		if err := checkSigningKey(pemText); err != nil {
			p.add(key, "%v", err)
		}
		if i == 1 && strings.TrimSpace(pemText) == strings.TrimSpace(s.SigningPublicKeys[0]) {
			p.add(key, "repeats ottkit:signingPublicKeys[0]")
		}
	}
}

func (s *Spec) validateTags(p *problems) {
	if len(s.Tags) > MaxUserTags {
		p.add(k("tags"), "has %d tags; at most %d", len(s.Tags), MaxUserTags)
	}
	for _, name := range sortedKeys(s.Tags) {
		v := s.Tags[name]
		key := fmt.Sprintf("%s.%s", k("tags"), name)
		if strings.HasPrefix(name, "ottkit:") {
			p.add(key, "the ottkit: prefix is reserved for the tags ottkit sets")
		} else if err := ottaws.CheckTag(name, v); err != nil {
			p.add(key, "%v", err)
		}
	}
}

// checkSigningKey accepts what CloudFront accepts for a public key: an RSA key of 2048 bits
// in PEM.
func checkSigningKey(pemText string) error {
	block, _ := pem.Decode([]byte(pemText))
	if block == nil {
		return errors.New("is not PEM")
	}
	pub, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return fmt.Errorf("is not a PEM public key: %w", err)
	}
	rk, ok := pub.(*rsa.PublicKey)
	if !ok {
		return fmt.Errorf("is a %T; CloudFront needs an RSA key", pub)
	}
	if rk.N.BitLen() != 2048 {
		return fmt.Errorf("is an RSA key of %d bits; CloudFront needs 2048", rk.N.BitLen())
	}
	return nil
}

func checkOrigin(o string) error {
	u, err := url.Parse(o)
	if err != nil || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil {
		return fmt.Errorf("%q is not an origin such as https://app.example.com", o)
	}
	host := u.Hostname()
	if u.Scheme != "https" {
		return fmt.Errorf("%q must use https", o)
	}
	if !originHostRe.MatchString(u.Host) || host == "" {
		return fmt.Errorf("%q has an invalid host", o)
	}
	return nil
}

func validHost(h string) bool {
	if len(h) > 253 {
		return false
	}
	labels := strings.Split(h, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if !labelRe.MatchString(l) {
			return false
		}
	}
	return true
}

func oneOf(p *problems, key, v string, allowed []string) {
	if !slices.Contains(allowed, v) {
		p.add(key, "%q is not one of %s", v, strings.Join(allowed, ", "))
	}
}

func between(p *problems, key string, v, lo, hi int) {
	if v < lo || v > hi {
		p.add(key, "%d is outside %d..%d", v, lo, hi)
	}
}

// ladderJSON renders rungs as manifest.Ladder documents them.
func ladderJSON(rungs []pipeline.Rung) string {
	b, _ := json.Marshal(rungs) // a slice of two-int structs always marshals
	return string(b)
}

func itoa(n int) string { return strconv.Itoa(n) }
