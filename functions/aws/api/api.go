// Package api is ottkit's HTTP API function behind API Gateway (HTTP API, JWT authorizer):
//
//	POST /uploads                      presigned upload (multipart above MultipartThreshold); role uploader
//	POST /uploads/complete             assemble a multipart upload's parts; role uploader
//	GET  /assets?limit=&next=          the caller's tenant's assets, paginated with an opaque token
//	GET  /assets/{id}                  one asset of the caller's tenant (another tenant's is 404)
//	POST /assets/{id}/playback         CloudFront signed cookies for a ready asset
//
// Every error is JSON {"error": code, "message": text} with the matching status; messages never
// carry internals, which are logged with the request and asset ids instead.
package api

import (
	"context"
	"encoding/base64"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/ottkit/ottkit/functions/aws/lambdalog"
	"github.com/ottkit/ottkit/functions/aws/playback"
	"github.com/ottkit/ottkit/functions/aws/s3store"
	"github.com/ottkit/ottkit/functions/pipeline"
)

// Uploads presigns uploads into the ingest bucket; *s3store.Store implements it.
type Uploads interface {
	PresignPut(ctx context.Context, bucket, key, contentType string, ttl time.Duration) (s3store.PresignedRequest, error)
	CreateMultipartUpload(ctx context.Context, bucket, key, contentType string) (string, error)
	PresignUploadPart(ctx context.Context, bucket, key, uploadID string, part int, ttl time.Duration) (s3store.PresignedRequest, error)
	CompleteMultipartUpload(ctx context.Context, bucket, key, uploadID string, parts []s3store.Part) error
}

// Catalog is the part of pipeline.Catalog the API reads.
type Catalog interface {
	Get(ctx context.Context, id string) (*pipeline.Asset, error)
	List(ctx context.Context, tenant string, limit int, pageToken string) ([]pipeline.Asset, string, error)
}

// Keys returns the CloudFront signing key; *playback.SecretKeys implements it.
type Keys interface {
	Key(ctx context.Context) (playback.Key, error)
}

// Handler serves the API. It is safe for concurrent use and meant to live across invocations.
type Handler struct {
	cfg     Config
	uploads Uploads
	catalog Catalog
	keys    Keys
	log     *slog.Logger
	// MultipartThreshold and MinPartSize shape multipart uploads (the package constants by
	// default).
	MultipartThreshold, MinPartSize int64
	// Now and NewID are the clock and the upload id source; tests replace them.
	Now   func() time.Time
	NewID func() string
}

// New returns a Handler.
func New(cfg Config, uploads Uploads, catalog Catalog, keys Keys, log *slog.Logger) *Handler {
	return &Handler{cfg: cfg, uploads: uploads, catalog: catalog, keys: keys, log: log,
		MultipartThreshold: MultipartThreshold, MinPartSize: MinPartSize, Now: time.Now, NewID: newUUID}
}

// maxBody bounds request bodies; every request body of this API is a small JSON object.
const maxBody = 64 << 10

// Handle serves one API Gateway HTTP API (payload format 2.0) request. It returns an error only
// for a bug it cannot describe to the client; every expected failure is a JSON response.
func (h *Handler) Handle(ctx context.Context, req events.APIGatewayV2HTTPRequest) (resp events.APIGatewayV2HTTPResponse, err error) {
	defer func() {
		if r := recover(); r != nil {
			h.log.ErrorContext(ctx, "panic serving request", "panic", r, "path", req.RawPath)
			resp, err = errorResponse(fail(500, CodeInternal, "internal error")), nil
		}
	}()
	method := req.RequestContext.HTTP.Method
	path := req.RawPath
	if path == "" {
		path = req.RequestContext.HTTP.Path
	}
	if segs := strings.Split(strings.Trim(path, "/"), "/"); len(segs) >= 2 && segs[0] == "assets" && validAssetID(segs[1]) {
		ctx = lambdalog.WithAssetID(ctx, segs[1])
	}
	result, apiErr := h.route(ctx, method, path, req)
	if apiErr != nil {
		level := slog.LevelInfo
		if apiErr.status >= 500 {
			level = slog.LevelError
		}
		h.log.Log(ctx, level, "request failed", "method", method, "path", path, "status", apiErr.status, "error", apiErr.code)
		return errorResponse(apiErr), nil
	}
	h.log.InfoContext(ctx, "request served", "method", method, "path", path, "status", result.StatusCode)
	return result, nil
}

func (h *Handler) route(ctx context.Context, method, path string, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, *apiError) {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	var allowed string
	var serve func(context.Context, caller) (events.APIGatewayV2HTTPResponse, *apiError)
	switch {
	case len(segs) == 1 && segs[0] == "uploads":
		allowed = http.MethodPost
		serve = func(ctx context.Context, c caller) (events.APIGatewayV2HTTPResponse, *apiError) {
			return h.createUpload(ctx, c, req)
		}
	case len(segs) == 2 && segs[0] == "uploads" && segs[1] == "complete":
		allowed = http.MethodPost
		serve = func(ctx context.Context, c caller) (events.APIGatewayV2HTTPResponse, *apiError) {
			return h.completeUpload(ctx, c, req)
		}
	case len(segs) == 1 && segs[0] == "assets":
		allowed = http.MethodGet
		serve = func(ctx context.Context, c caller) (events.APIGatewayV2HTTPResponse, *apiError) {
			return h.listAssets(ctx, c, req.QueryStringParameters)
		}
	case len(segs) == 2 && segs[0] == "assets" && validAssetID(segs[1]):
		allowed = http.MethodGet
		serve = func(ctx context.Context, c caller) (events.APIGatewayV2HTTPResponse, *apiError) {
			return h.getAsset(ctx, c, segs[1])
		}
	case len(segs) == 3 && segs[0] == "assets" && validAssetID(segs[1]) && segs[2] == "playback":
		allowed = http.MethodPost
		serve = func(ctx context.Context, c caller) (events.APIGatewayV2HTTPResponse, *apiError) {
			return h.playback(ctx, c, segs[1])
		}
	default:
		return events.APIGatewayV2HTTPResponse{}, fail(404, CodeNotFound, "no such resource")
	}
	if method != allowed {
		resp := errorResponse(fail(405, CodeMethodNotAllowed, "use "+allowed))
		resp.Headers["Allow"] = allowed
		return resp, nil
	}
	c, apiErr := callerOf(req)
	if apiErr != nil {
		return events.APIGatewayV2HTTPResponse{}, apiErr
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

// body returns the request body, decoded when API Gateway base64-encoded it.
func body(req events.APIGatewayV2HTTPRequest) ([]byte, *apiError) {
	b := []byte(req.Body)
	if req.IsBase64Encoded {
		var err error
		if b, err = base64.StdEncoding.DecodeString(req.Body); err != nil {
			return nil, fail(400, CodeBadRequest, "body is not valid base64")
		}
	}
	if len(b) > maxBody {
		return nil, fail(413, CodeTooLarge, "request body is too large")
	}
	return b, nil
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
