package api

import (
	"context"
	"errors"
	"regexp"
	"strconv"
	"time"

	"github.com/ottkit/ottkit/functions/pipeline"
)

// List page sizes.
const (
	DefaultPageSize = 20
	MaxPageSize     = 100
)

// assetView is what clients see of an asset: no bucket names, object keys of the master, or
// job ids. Media locations are URLs on the playback domain.
type assetView struct {
	ID              string               `json:"id"`
	Status          pipeline.Status      `json:"status"`
	CreatedAt       time.Time            `json:"createdAt"`
	UpdatedAt       time.Time            `json:"updatedAt"`
	DurationSeconds float64              `json:"durationSeconds,omitempty"`
	Width           int                  `json:"width,omitempty"`
	Height          int                  `json:"height,omitempty"`
	Renditions      []pipeline.Rendition `json:"renditions,omitempty"`
	HLS             string               `json:"hls,omitempty"`
	DASH            string               `json:"dash,omitempty"`
	Poster          string               `json:"poster,omitempty"`
	Thumbnails      []string             `json:"thumbnails,omitempty"`
	FailureCode     string               `json:"failureCode,omitempty"`
	FailureMessage  string               `json:"failureMessage,omitempty"`
}

func (h *Handler) view(a *pipeline.Asset) assetView {
	url := func(key string) string {
		if key == "" {
			return ""
		}
		return "https://" + h.cfg.PlaybackDomain + "/" + key
	}
	v := assetView{
		ID: a.ID, Status: a.Status, CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt,
		Renditions: a.Renditions,
		HLS:        url(a.HLS), DASH: url(a.DASH), Poster: url(a.Poster),
		FailureCode: a.FailureCode, FailureMessage: redactLocations(a.FailureMessage),
	}
	if a.Probe != nil {
		v.DurationSeconds = a.Probe.DurationSeconds
		v.Width, v.Height = a.Probe.Width, a.Probe.Height
	}
	for _, t := range a.Thumbnails {
		v.Thumbnails = append(v.Thumbnails, url(t))
	}
	return v
}

// locationPattern matches the storage URIs and resource names transcoders write into job error
// messages ("Unable to open input file [s3://bucket/key]", "...role arn:aws:iam::123456789012:role/x",
// "gs://bucket/object", "projects/p/locations/l/jobs/j").
var locationPattern = regexp.MustCompile(`(s3://|gs://|arn:aws[a-z-]*:|projects/)[^\s\[\]()<>"',;]*`)

// redactLocations keeps a failure message's explanation but not the bucket names, keys, account
// ids and role names in it: the catalog keeps them for operators, clients never see them.
func redactLocations(message string) string {
	return locationPattern.ReplaceAllString(message, "<redacted>")
}

type listResponse struct {
	Assets []assetView `json:"assets"`
	Next   string      `json:"next,omitempty"`
}

func (h *Handler) listAssets(ctx context.Context, c caller, query map[string]string) (Response, *apiError) {
	limit := DefaultPageSize
	if s, ok := query["limit"]; ok {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > MaxPageSize {
			return Response{}, fail(400, CodeBadRequest, "limit must be an integer from 1 to "+strconv.Itoa(MaxPageSize))
		}
		limit = n
	}
	assets, next, err := h.catalog.List(ctx, c.Tenant, limit, query["next"])
	if errors.Is(err, pipeline.ErrBadPageToken) {
		return Response{}, fail(400, CodeBadRequest, "next is not a token this API issued to you")
	}
	if err != nil {
		return Response{}, h.internal(ctx, "catalog list failed", err)
	}
	out := listResponse{Assets: make([]assetView, 0, len(assets)), Next: next}
	for i := range assets {
		out.Assets = append(out.Assets, h.view(&assets[i]))
	}
	return jsonResponse(200, out), nil
}

func (h *Handler) getAsset(ctx context.Context, c caller, id string) (Response, *apiError) {
	a, apiErr := h.getOwned(ctx, c, id)
	if apiErr != nil {
		return Response{}, apiErr
	}
	return jsonResponse(200, h.view(a)), nil
}

type playbackResponse struct {
	ExpiresAt time.Time `json:"expiresAt"`
	HLS       string    `json:"hls,omitempty"`
	DASH      string    `json:"dash,omitempty"`
}

func (h *Handler) playback(ctx context.Context, c caller, id string) (Response, *apiError) {
	a, apiErr := h.getOwned(ctx, c, id)
	if apiErr != nil {
		return Response{}, apiErr
	}
	if a.Status != pipeline.StatusReady {
		return Response{}, fail(409, CodeNotReady, "the asset is "+string(a.Status)+", not ready")
	}
	expires := h.Now().Add(h.cfg.PlaybackTTL).UTC().Truncate(time.Second)
	cookies, err := h.signer.Sign(ctx, "/"+pipeline.AssetPrefix(a.ID), expires)
	if err != nil {
		return Response{}, h.internal(ctx, "signing cookies failed", err)
	}
	v := h.view(a)
	resp := jsonResponse(200, playbackResponse{ExpiresAt: expires, HLS: v.HLS, DASH: v.DASH})
	resp.Cookies = cookies
	h.log.InfoContext(ctx, "playback cookies issued", "expires", expires, "subject", c.Subject)
	return resp, nil
}
