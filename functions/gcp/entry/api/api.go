// Package api wires the api function on GCP; see package entry.
package api

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	credentials "cloud.google.com/go/iam/credentials/apiv1"
	secretmanager "cloud.google.com/go/secretmanager/apiv1"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/ottkit/ottkit/functions/aws/envconfig"
	"github.com/ottkit/ottkit/functions/edge/cloudflare"
	"github.com/ottkit/ottkit/functions/gcp/cdnsign"
	"github.com/ottkit/ottkit/functions/gcp/entry"
	"github.com/ottkit/ottkit/functions/gcp/firestorecat"
	"github.com/ottkit/ottkit/functions/gcp/gateway"
	"github.com/ottkit/ottkit/functions/gcp/gcsstore"
	"github.com/ottkit/ottkit/functions/gcp/runmain"
	"github.com/ottkit/ottkit/functions/pipeline"
	stage "github.com/ottkit/ottkit/functions/stages/api"
)

// API limits, as on AWS.
const (
	DefaultPlaybackTTL = 10 * time.Minute
	DefaultUploadTTL   = 15 * time.Minute
	MaxPlaybackTTL     = time.Hour
	// MaxUploadBytes is Cloud Storage's largest object, 5 TiB.
	MaxUploadBytes = 5 << 40
)

// Config is the api function's configuration (manifest.API.Env).
type Config struct {
	Project, Database string        // GCP_PROJECT, FIRESTORE_DATABASE
	IngestBucket      string        // INGEST_BUCKET
	SigningSecret     string        // SIGNING_SECRET: projects/<p>/secrets/<s>
	ServiceAccount    string        // SERVICE_ACCOUNT: the function's own account, which signs uploads
	PlaybackDomain    string        // PLAYBACK_DOMAIN
	PlaybackTTL       time.Duration // PLAYBACK_TTL seconds, default 600, at most 3600
	UploadTTL         time.Duration // UPLOAD_TTL seconds, default 900
	MaxUploadBytes    int64         // MAX_UPLOAD_BYTES, default and ceiling 5 TiB
	// EdgeSigningSecret and EdgeDomain are set together on a stack with a Cloudflare edge
	// (manifest.EdgeToken), else both empty.
	EdgeSigningSecret string // EDGE_SIGNING_SECRET: projects/<p>/secrets/<s>, the viewer token's key
	EdgeDomain        string // EDGE_DOMAIN: the edge's media host
	// Claims name the verified token's tenant and roles claims: TENANT_CLAIM and ROLES_CLAIM,
	// default stage.DefaultTenantClaim and stage.DefaultRolesClaim (ottkit:tenantClaim and
	// ottkit:rolesClaim).
	Claims stage.ClaimNames
}

// LoadConfig reads the configuration, naming every missing or invalid variable.
func LoadConfig(getenv func(string) string) (Config, error) {
	r := envconfig.New(getenv)
	c := Config{
		Project: r.String("GCP_PROJECT"), Database: r.String("FIRESTORE_DATABASE"),
		IngestBucket: r.String("INGEST_BUCKET"), SigningSecret: r.String("SIGNING_SECRET"),
		ServiceAccount: r.String("SERVICE_ACCOUNT"), PlaybackDomain: r.String("PLAYBACK_DOMAIN"),
		PlaybackTTL:    r.Seconds("PLAYBACK_TTL", DefaultPlaybackTTL, time.Minute, MaxPlaybackTTL),
		UploadTTL:      r.Seconds("UPLOAD_TTL", DefaultUploadTTL, time.Minute, gcsstore.MaxSignedTTL),
		MaxUploadBytes: r.Int("MAX_UPLOAD_BYTES", MaxUploadBytes, 1, MaxUploadBytes),
		Claims: stage.ClaimNames{
			Tenant: r.Optional("TENANT_CLAIM", stage.DefaultTenantClaim, stage.CheckClaimName),
			Roles:  r.Optional("ROLES_CLAIM", stage.DefaultRolesClaim, stage.CheckClaimName),
		},
	}
	if c.Claims.Tenant == c.Claims.Roles {
		r.Check("ROLES_CLAIM", fmt.Errorf("%q is TENANT_CLAIM too; tenant and roles are two claims", c.Claims.Roles))
	}
	edge := r.Together("EDGE_SIGNING_SECRET", "EDGE_DOMAIN")
	c.EdgeSigningSecret, c.EdgeDomain = edge[0], edge[1]
	if c.EdgeSigningSecret != "" && (!strings.HasPrefix(c.EdgeSigningSecret, "projects/") || !strings.Contains(c.EdgeSigningSecret, "/secrets/")) {
		r.Check("EDGE_SIGNING_SECRET", fmt.Errorf("%q is not projects/<project>/secrets/<secret>", c.EdgeSigningSecret))
	}
	if c.EdgeDomain != "" {
		if strings.Contains(c.EdgeDomain, "://") || strings.ContainsAny(c.EdgeDomain, "/:*? ") || !strings.Contains(c.EdgeDomain, ".") {
			r.Check("EDGE_DOMAIN", fmt.Errorf("%q must be a bare DNS host name such as media.example.com", c.EdgeDomain))
		} else if c.EdgeDomain == c.PlaybackDomain {
			r.Check("EDGE_DOMAIN", fmt.Errorf("%q is PLAYBACK_DOMAIN too; the edge has its own host", c.EdgeDomain))
		}
	}
	return c, r.Err()
}

// NewSigner returns the playback signer cfg calls for: Cloud CDN's signed cookie, and on a
// stack with a Cloudflare edge the edge's viewer token next to it (the load balancer still
// serves its own host), each key read from its secret through reader.
func NewSigner(cfg Config, reader cdnsign.SecretReader) (pipeline.PlaybackSigner, error) {
	cdn, err := cdnsign.NewSigner(cfg.PlaybackDomain, cfg.SigningSecret, reader)
	if err != nil || cfg.EdgeSigningSecret == "" {
		return cdn, err
	}
	name := cfg.EdgeSigningSecret + "/versions/latest"
	edge := cloudflare.NewSigner(&cloudflare.SecretKeys{Name: name, Fetch: func(ctx context.Context) (string, error) {
		b, err := reader.Read(ctx, name)
		if status.Code(err) == codes.NotFound {
			return "", nil // no version yet
		}
		return string(b), err
	}})
	return pipeline.PlaybackSigners{cdn, edge}, nil
}

// Build builds the api function behind API Gateway.
func Build(ep entry.Endpoints) runmain.Build {
	return func(ctx context.Context, getenv func(string) string, log *slog.Logger) (http.Handler, error) {
		cfg, err := LoadConfig(getenv)
		if err != nil {
			return nil, err
		}
		fs, err := ep.FirestoreClient(ctx, cfg.Project, cfg.Database)
		if err != nil {
			return nil, err
		}
		gcs, err := ep.StorageClient(ctx)
		if err != nil {
			return nil, err
		}
		iam, err := credentials.NewIamCredentialsClient(ctx, ep.IAMCredentials...)
		if err != nil {
			return nil, fmt.Errorf("iam credentials client: %w", err)
		}
		sm, err := secretmanager.NewClient(ctx, ep.SecretManager...)
		if err != nil {
			return nil, fmt.Errorf("secret manager client: %w", err)
		}
		signer, err := NewSigner(cfg, cdnsign.SecretManager{Client: sm})
		if err != nil {
			return nil, err
		}
		uploads := &gcsstore.Uploads{
			Client: gcs, AccessID: cfg.ServiceAccount, MaxBytes: cfg.MaxUploadBytes, HTTP: ep.StorageXML,
			SignBytes: gcsstore.IAMSigner{Client: iam, Account: cfg.ServiceAccount}.SignBytes,
		}
		stage := stage.New(stage.Config{
			IngestBucket: cfg.IngestBucket, PlaybackDomain: cfg.PlaybackDomain, EdgeDomain: cfg.EdgeDomain,
			PlaybackTTL: cfg.PlaybackTTL, UploadTTL: cfg.UploadTTL, MaxUploadBytes: cfg.MaxUploadBytes,
		}, uploads, firestorecat.New(fs), signer, log)
		return gateway.Handler(stage, cfg.Claims), nil
	}
}
