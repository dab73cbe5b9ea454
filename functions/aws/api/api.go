// Package api is ottkit's HTTP API Lambda function behind API Gateway (HTTP API, JWT
// authorizer). It translates API Gateway's payload format 2.0 to the API stage's Request
// (github.com/ottkit/ottkit/functions/stages/api), which holds every decision, and back: the
// base64 body, and the verified JWT claims, of which it knows which name the tenant and the
// roles and how API Gateway renders list claims.
package api

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"github.com/ottkit/ottkit/functions/aws/manifest"
	"github.com/ottkit/ottkit/functions/pipeline"
	"github.com/ottkit/ottkit/functions/stages/api"
)

// Handler serves the API. It is safe for concurrent use and meant to live across invocations.
type Handler struct {
	// Stage is the API stage requests go to; tests set its clock, id source and multipart
	// geometry.
	Stage *api.Handler
	// Claims name the token's tenant and roles claims.
	Claims ClaimNames
	// bindIP: take the viewer's address from ViewerIPHeader.
	bindIP bool
}

// ViewerIPHeader is where the viewer's address arrives (manifest.ViewerIPHeader).
const ViewerIPHeader = manifest.ViewerIPHeader

// WithSessions turns edge sessions on: every playback grant carries a session cookie from
// sessions, bound to the viewer's address when cfg.EdgeSessions is manifest.EdgeSessionsIP,
// and POST /revocations is served. It returns h.
func (h *Handler) WithSessions(cfg Config, sessions pipeline.EdgeSessions) *Handler {
	h.Stage.Sessions = sessions
	h.Stage.BindSessionsToIP = cfg.EdgeSessions == manifest.EdgeSessionsIP
	h.bindIP = h.Stage.BindSessionsToIP
	return h
}

// New returns a Handler running the stage over the given adapters.
func New(cfg Config, uploads pipeline.UploadSigner, catalog api.Catalog, signer pipeline.PlaybackSigner, log *slog.Logger) *Handler {
	names := ClaimNames{Tenant: cfg.TenantClaim, Roles: cfg.RolesClaim}
	if names.Tenant == "" {
		names.Tenant = DefaultTenantClaim
	}
	if names.Roles == "" {
		names.Roles = DefaultRolesClaim
	}
	return &Handler{Claims: names, Stage: api.New(api.Config{
		IngestBucket: cfg.IngestBucket, PlaybackDomain: cfg.PlaybackDomain, EdgeDomain: cfg.EdgeDomain,
		PlaybackTTL: cfg.PlaybackTTL, UploadTTL: cfg.UploadTTL, MaxUploadBytes: cfg.MaxUploadBytes,
	}, uploads, catalog, signer, log)}
}

// Handle serves one API Gateway HTTP API (payload format 2.0) request. Every outcome is a JSON
// response; the error is always nil.
func (h *Handler) Handle(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	r, err := Request(req)
	if err != nil {
		return toGateway(api.ErrorResponse(400, api.CodeBadRequest, "body is not valid base64")), nil
	}
	if h.bindIP {
		r.ViewerIP = req.Headers[ViewerIPHeader]
	}
	r.Caller, err = callerOf(req, h.Claims)
	if err != nil && !errors.Is(err, errNoToken) {
		return toGateway(api.ErrorResponse(403, api.CodeForbidden, err.Error())), nil
	}
	return toGateway(h.Stage.Serve(ctx, r)), nil
}

// Request translates an API Gateway request, all but its caller (callerOf, which needs the
// stack's claim names); it fails only for a base64 body that does not decode.
func Request(req events.APIGatewayV2HTTPRequest) (api.Request, error) {
	path := req.RawPath
	if path == "" {
		path = req.RequestContext.HTTP.Path
	}
	out := api.Request{Method: req.RequestContext.HTTP.Method, Path: path, Query: req.QueryStringParameters, Body: []byte(req.Body),
		Host: headerValue(req.Headers, api.EdgeHostHeader)}
	if req.IsBase64Encoded {
		b, err := base64.StdEncoding.DecodeString(req.Body)
		if err != nil {
			return out, fmt.Errorf("api: body is not valid base64: %w", err)
		}
		out.Body = b
	}
	return out, nil
}

// headerValue returns header name of headers (API Gateway lower-cases names in payload 2.0;
// any case is accepted).
func headerValue(headers map[string]string, name string) string {
	if v, ok := headers[strings.ToLower(name)]; ok {
		return v
	}
	for k, v := range headers {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

func toGateway(r api.Response) events.APIGatewayV2HTTPResponse {
	out := events.APIGatewayV2HTTPResponse{StatusCode: r.Status, Headers: r.Headers, Body: string(r.Body)}
	for _, c := range r.Cookies {
		out.Cookies = append(out.Cookies, c.String())
	}
	return out
}
