package api

import (
	"fmt"
	"net"
	"regexp"
	"strings"
	"time"

	"github.com/ottkit/ottkit/functions/aws/envconfig"
	"github.com/ottkit/ottkit/functions/aws/manifest"
	"github.com/ottkit/ottkit/functions/aws/s3store"
	"github.com/ottkit/ottkit/functions/stages/api"
)

// Config is the api function's configuration; LoadConfig reads exactly the variables
// manifest.API.Env lists.
type Config struct {
	IngestBucket     string        // INGEST_BUCKET
	CatalogTable     string        // CATALOG_TABLE
	SigningSecretARN string        // SIGNING_SECRET_ARN
	PlaybackDomain   string        // PLAYBACK_DOMAIN: host name, no scheme
	PlaybackTTL      time.Duration // PLAYBACK_TTL: seconds, default 600, at most 3600
	UploadTTL        time.Duration // UPLOAD_TTL: seconds, default 900
	MaxUploadBytes   int64         // MAX_UPLOAD_BYTES: default and ceiling 5 GiB
	TenantClaim      string        // TENANT_CLAIM: default DefaultTenantClaim
	RolesClaim       string        // ROLES_CLAIM: default DefaultRolesClaim
	// EdgeSessions is CLOUDFRONT_SESSIONS: manifest.EdgeSessionsOff, or the sessions' binding
	// (manifest.EdgeSessionsNone, manifest.EdgeSessionsIP).
	EdgeSessions string
	// SessionsKVSARN is SESSIONS_KVS_ARN, read only when EdgeSessions is not off
	// (manifest.EdgeSessions).
	SessionsKVSARN string
	// EdgeSigningSecretARN and EdgeDomain are set together on a stack with a Cloudflare edge
	// (manifest.EdgeToken), else both empty: the secret holding the viewer token's key, and
	// the edge's media host.
	EdgeSigningSecretARN string // EDGE_SIGNING_SECRET_ARN
	EdgeDomain           string // EDGE_DOMAIN: host name, no scheme
}

// Edge reports whether the stack has an edge whose viewer token the api issues.
func (c Config) Edge() bool { return c.EdgeSigningSecretARN != "" }

// Defaults for the optional settings.
const (
	DefaultPlaybackTTL = 10 * time.Minute
	DefaultUploadTTL   = 15 * time.Minute
	// MaxPlaybackTTL keeps playback cookies short-lived whoever deploys the function; the
	// platform spec and policy pack enforce the same ceiling.
	MaxPlaybackTTL = time.Hour
)

// LoadConfig reads the configuration through getenv (os.Getenv in production) and returns an
// error naming every missing or invalid variable.
func LoadConfig(getenv func(string) string) (Config, error) {
	r := envconfig.New(getenv)
	c := Config{
		IngestBucket:     r.String("INGEST_BUCKET"),
		CatalogTable:     r.String("CATALOG_TABLE"),
		SigningSecretARN: r.String("SIGNING_SECRET_ARN"),
		PlaybackDomain:   r.String("PLAYBACK_DOMAIN"),
		PlaybackTTL:      r.Seconds("PLAYBACK_TTL", DefaultPlaybackTTL, time.Minute, MaxPlaybackTTL),
		UploadTTL:        r.Seconds("UPLOAD_TTL", DefaultUploadTTL, time.Minute, 7*24*time.Hour),
		MaxUploadBytes:   r.Int("MAX_UPLOAD_BYTES", s3store.MaxCopySize, 1, s3store.MaxCopySize),
	}
	c.TenantClaim = r.Optional("TENANT_CLAIM", DefaultTenantClaim, api.CheckClaimName)
	c.RolesClaim = r.Optional("ROLES_CLAIM", DefaultRolesClaim, api.CheckClaimName)
	if c.TenantClaim == c.RolesClaim {
		r.Check("ROLES_CLAIM", fmt.Errorf("%q is TENANT_CLAIM too; tenant and roles are two claims", c.RolesClaim))
	}
	if c.PlaybackDomain != "" {
		r.Check("PLAYBACK_DOMAIN", validHost(c.PlaybackDomain))
	}
	c.EdgeSessions = r.OneOf("CLOUDFRONT_SESSIONS", manifest.EdgeSessionsOff,
		manifest.EdgeSessionsOff, manifest.EdgeSessionsNone, manifest.EdgeSessionsIP)
	if c.EdgeSessions != manifest.EdgeSessionsOff {
		c.SessionsKVSARN = r.String("SESSIONS_KVS_ARN")
		if c.SessionsKVSARN != "" {
			r.Check("SESSIONS_KVS_ARN", validKVSARN(c.SessionsKVSARN))
		}
	}
	edge := r.Together("EDGE_SIGNING_SECRET_ARN", "EDGE_DOMAIN")
	c.EdgeSigningSecretARN, c.EdgeDomain = edge[0], edge[1]
	if c.EdgeDomain != "" {
		r.Check("EDGE_DOMAIN", validHost(c.EdgeDomain))
		if c.EdgeDomain == c.PlaybackDomain {
			r.Check("EDGE_DOMAIN", fmt.Errorf("%q is PLAYBACK_DOMAIN too; the edge has its own host", c.EdgeDomain))
		}
	}
	return c, r.Err()
}

// kvsARNPattern is a CloudFront KeyValueStore's ARN.
var kvsARNPattern = regexp.MustCompile(`^arn:aws[a-z-]*:cloudfront::[0-9]{12}:key-value-store/[A-Za-z0-9-]{1,64}$`)

func validKVSARN(arn string) error {
	if !kvsARNPattern.MatchString(arn) {
		return fmt.Errorf("%q is not a CloudFront KeyValueStore ARN (arn:aws:cloudfront::<account>:key-value-store/<id>)", arn)
	}
	return nil
}

func validHost(h string) error {
	if strings.Contains(h, "://") || strings.ContainsAny(h, "/:*? ") || net.ParseIP(h) != nil || !strings.Contains(h, ".") {
		return fmt.Errorf("%q must be a bare DNS host name such as media.example.com", h)
	}
	return nil
}
