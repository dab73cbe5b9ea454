// Package api is the API stage: ottkit's HTTP API over normalised requests whose caller the
// platform's gateway has already authenticated (API Gateway's JWT authorizer, the local
// platform's JWT check):
//
//	POST /uploads                      presigned upload (multipart above MultipartThreshold); role uploader
//	POST /uploads/complete             assemble a multipart upload's parts; role uploader
//	GET  /assets?limit=&next=          the caller's tenant's assets, paginated with an opaque token
//	GET  /assets/{id}                  one asset of the caller's tenant (another tenant's is 404)
//	POST /assets/{id}/playback         playback cookies (CloudFront's, Cloud CDN's, the local CDN's; the edge's token next to them) for a ready asset,
//	                                   and an edge session cookie when Handler.Sessions is set
//	POST /revocations                  revoke one edge session, or every session of a user; role admin (sessions.go)
//
// Every error is JSON {"error": code, "message": text} with the matching status; messages never
// carry internals, which are logged with the request and asset ids instead. Tenant scoping is
// decided here: a caller sees, lists and plays only its own tenant's assets, and another
// tenant's asset is reported exactly like a missing one.
package api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/ottkit/ottkit/functions/pipeline"
	"github.com/ottkit/ottkit/functions/stages/stagelog"
)

// Catalog is the part of pipeline.Catalog the API reads.
type Catalog interface {
	Get(ctx context.Context, id string) (*pipeline.Asset, error)
	List(ctx context.Context, tenant string, limit int, pageToken string) ([]pipeline.Asset, string, error)
}

// Config is what the stage decides with.
type Config struct {
	// IngestBucket receives uploads.
	IngestBucket string
	// PlaybackDomain is the CDN's host name; asset URLs are https://<PlaybackDomain>/assets/...
	PlaybackDomain string
	// EdgeDomain is the host of an edge in front of the CDN (the Cloudflare Worker's), or
	// "". A request that arrived through it (Request.Host) gets asset URLs on it instead: the
	// playback cookies are host-only, so the URLs name the host that set them.
	EdgeDomain string
	// PlaybackTTL is how long playback cookies work; UploadTTL how long upload URLs do.
	PlaybackTTL, UploadTTL time.Duration
	// MaxUploadBytes is the largest upload the API signs.
	MaxUploadBytes int64
}

// Caller is the authenticated principal of a request, as the gateway's token check found it:
// the token's subject, its tenant claim and its roles, whatever the claims were called.
type Caller struct {
	Subject string
	Tenant  string
	Roles   []string
}

// hasRole reports whether the caller has role.
func (c *Caller) hasRole(role string) bool {
	for _, r := range c.Roles {
		if r == role {
			return true
		}
	}
	return false
}

// Request is one HTTP request to the API.
type Request struct {
	Method string
	// Path is the request path, e.g. "/assets/abc/playback".
	Path  string
	Query map[string]string
	// Body is the decoded request body.
	Body []byte
	// Caller is nil when the request carries no verified token.
	Caller *Caller
	// ViewerIP is the viewer's address as the CDN saw it, taken only from what the CDN itself
	// sets on the way to the API (never from a header a client may write); "" when unknown.
	ViewerIP string
	// Host is the host name the viewer addressed when a front door in between says so (the
	// edge Worker's X-Ottkit-Edge-Host), else "". It only chooses between the stack's own
	// media hosts (Config.EdgeDomain or PlaybackDomain), so a forged value gains nothing.
	Host string
}

// EdgeHostHeader is the request header the edge Worker sets, to its own host, on the API
// requests it passes through; gateways copy it into Request.Host.
const EdgeHostHeader = "X-Ottkit-Edge-Host"

// mediaHost is the host asset URLs name for a request: the edge's when it came through the
// edge, else the CDN's.
func (h *Handler) mediaHost(req Request) string {
	if h.cfg.EdgeDomain != "" && strings.EqualFold(req.Host, h.cfg.EdgeDomain) {
		return h.cfg.EdgeDomain
	}
	return h.cfg.PlaybackDomain
}

// Response is the API's answer.
type Response struct {
	Status  int
	Headers map[string]string
	// Cookies are set on the client (playback cookies).
	Cookies []*http.Cookie
	Body    []byte
}

// Handler serves the API. It is safe for concurrent use and meant to live across invocations.
type Handler struct {
	cfg     Config
	uploads pipeline.UploadSigner
	catalog Catalog
	signer  pipeline.PlaybackSigner
	log     *slog.Logger
	// MultipartThreshold and MinPartSize shape multipart uploads (the package constants by
	// default).
	MultipartThreshold, MinPartSize int64
	// Now and NewID are the clock and the upload and session id source; tests replace them.
	Now   func() time.Time
	NewID func() string
	// Sessions, when set, issues an edge session cookie with every playback grant and serves
	// POST /revocations; nil (the default) leaves both off.
	Sessions pipeline.EdgeSessions
	// BindSessionsToIP binds each session to Request.ViewerIP; a grant whose viewer address
	// is unknown is refused rather than issued unbound.
	BindSessionsToIP bool
}

// New returns a Handler.
func New(cfg Config, uploads pipeline.UploadSigner, catalog Catalog, signer pipeline.PlaybackSigner, log *slog.Logger) *Handler {
	return &Handler{cfg: cfg, uploads: uploads, catalog: catalog, signer: signer, log: log,
		MultipartThreshold: MultipartThreshold, MinPartSize: MinPartSize, Now: time.Now, NewID: newUUID}
}

// MaxBody bounds request bodies; every request body of this API is a small JSON object.
const MaxBody = 64 << 10

// Serve answers one request. Every outcome, a panic included, is a JSON response.
func (h *Handler) Serve(ctx context.Context, req Request) (resp Response) {
	defer func() {
		if r := recover(); r != nil {
			h.log.ErrorContext(ctx, "panic serving request", "panic", r, "path", req.Path)
			resp = errorResponse(fail(500, CodeInternal, "internal error"))
		}
	}()
	if segs := strings.Split(strings.Trim(req.Path, "/"), "/"); len(segs) >= 2 && segs[0] == "assets" && validAssetID(segs[1]) {
		ctx = stagelog.WithAssetID(ctx, segs[1])
	}
	result, apiErr := h.route(ctx, req)
	if apiErr != nil {
		level := slog.LevelInfo
		if apiErr.status >= 500 {
			level = slog.LevelError
		}
		h.log.Log(ctx, level, "request failed", "method", req.Method, "path", req.Path, "status", apiErr.status, "error", apiErr.code)
		return errorResponse(apiErr)
	}
	h.log.InfoContext(ctx, "request served", "method", req.Method, "path", req.Path, "status", result.Status)
	return result
}

func (h *Handler) route(ctx context.Context, req Request) (Response, *apiError) {
	segs := strings.Split(strings.Trim(req.Path, "/"), "/")
	var allowed string
	var serve func(context.Context, caller) (Response, *apiError)
	switch {
	case len(segs) == 1 && segs[0] == "uploads":
		allowed = http.MethodPost
		serve = func(ctx context.Context, c caller) (Response, *apiError) {
			return h.createUpload(ctx, c, req)
		}
	case len(segs) == 2 && segs[0] == "uploads" && segs[1] == "complete":
		allowed = http.MethodPost
		serve = func(ctx context.Context, c caller) (Response, *apiError) {
			return h.completeUpload(ctx, c, req)
		}
	case len(segs) == 1 && segs[0] == "assets":
		allowed = http.MethodGet
		serve = func(ctx context.Context, c caller) (Response, *apiError) {
			return h.listAssets(ctx, c, req.Query, h.mediaHost(req))
		}
	case len(segs) == 2 && segs[0] == "assets" && validAssetID(segs[1]):
		allowed = http.MethodGet
		serve = func(ctx context.Context, c caller) (Response, *apiError) {
			return h.getAsset(ctx, c, segs[1], h.mediaHost(req))
		}
	case len(segs) == 3 && segs[0] == "assets" && validAssetID(segs[1]) && segs[2] == "playback":
		allowed = http.MethodPost
		serve = func(ctx context.Context, c caller) (Response, *apiError) {
			return h.playback(ctx, c, segs[1], h.mediaHost(req), req.ViewerIP)
		}
	case len(segs) == 1 && segs[0] == "revocations" && h.Sessions != nil:
		allowed = http.MethodPost
		serve = func(ctx context.Context, c caller) (Response, *apiError) {
			return h.revoke(ctx, c, req)
		}
	default:
		return Response{}, fail(404, CodeNotFound, "no such resource")
	}
	if req.Method != allowed {
		resp := errorResponse(fail(405, CodeMethodNotAllowed, "use "+allowed))
		resp.Headers["Allow"] = allowed
		return resp, nil
	}
	c, apiErr := callerOf(req.Caller)
	if apiErr != nil {
		return Response{}, apiErr
	}
	return serve(ctx, c)
}

// validAssetID accepts what pipeline.AssetID produces (lower-case base32) and nothing that
// could leave the asset's path in a cookie or key.
func validAssetID(id string) bool {
	if len(id) == 0 || len(id) > 64 {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// body returns the request body, refusing one above MaxBody.
func body(req Request) ([]byte, *apiError) {
	if len(req.Body) > MaxBody {
		return nil, fail(413, CodeTooLarge, "request body is too large")
	}
	return req.Body, nil
}

// internal logs err and returns the opaque error the client sees.
func (h *Handler) internal(ctx context.Context, msg string, err error) *apiError {
	h.log.ErrorContext(ctx, msg, "error", err.Error())
	return fail(500, CodeInternal, "internal error")
}

// getOwned returns the caller's tenant's asset id; another tenant's asset is reported exactly
// like a missing one so ids cannot be probed across tenants.
func (h *Handler) getOwned(ctx context.Context, c caller, id string) (*pipeline.Asset, *apiError) {
	a, err := h.catalog.Get(ctx, id)
	if errors.Is(err, pipeline.ErrNotFound) || (err == nil && a.Tenant != c.Tenant) {
		return nil, fail(404, CodeNotFound, "no such asset")
	}
	if err != nil {
		return nil, h.internal(ctx, "catalog get failed", err)
	}
	return a, nil
}
