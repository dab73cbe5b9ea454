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

func (h *Handler) view(a *pipeline.Asset, host string) assetView {
	url := func(key string) string {
		if key == "" {
			return ""
		}
		return "https://" + host + "/" + key
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

// locationPatterns match what transcoders and storage services write into error messages
// that names the platform's insides: URLs of any scheme ("Unable to open input file
// [s3://bucket/key]", "https://bucket.s3.eu-west-1.amazonaws.com/key",
// "gs://bucket/object"), service host names without a scheme, ARNs of every partition
// ("arn:aws:iam::123456789012:role/x", "arn:aws-cn:..."), role and bucket paths ("role/x",
// "assumed-role/x/session"), Google resource names ("projects/p/locations/l/jobs/j") and bare
// 12-digit account ids.
var locationPatterns = []*regexp.Regexp{
	regexp.MustCompile(`[A-Za-z][A-Za-z0-9+.-]*://[^\s\[\]()<>"',;]*`),
	regexp.MustCompile(`arn:[A-Za-z0-9-]+:[^\s\[\]()<>"',;]*`),
	regexp.MustCompile(`[A-Za-z0-9.-]+\.(amazonaws\.com|googleapis\.com)(\.cn)?[^\s\[\]()<>"',;]*`),
	regexp.MustCompile(`\b(assumed-role|role|bucket|projects)/[^\s\[\]()<>"',;]*`),
	regexp.MustCompile(`\b[0-9]{12}\b`),
}

// redactLocations keeps a message's explanation but not the bucket names, keys, host names,
// account ids and role names in it: the catalog and the logs keep them for operators, clients
// never see them.
func redactLocations(message string) string {
	for _, p := range locationPatterns {
		message = p.ReplaceAllString(message, "<redacted>")
	}
	return message
}

type listResponse struct {
	Assets []assetView `json:"assets"`
	Next   string      `json:"next,omitempty"`
}

func (h *Handler) listAssets(ctx context.Context, c caller, query map[string]string, host string) (Response, *apiError) {
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
		out.Assets = append(out.Assets, h.view(&assets[i], host))
	}
	return jsonResponse(200, out), nil
}

func (h *Handler) getAsset(ctx context.Context, c caller, id, host string) (Response, *apiError) {
	a, apiErr := h.getOwned(ctx, c, id)
	if apiErr != nil {
		return Response{}, apiErr
	}
	return jsonResponse(200, h.view(a, host)), nil
}

type playbackResponse struct {
	ExpiresAt time.Time `json:"expiresAt"`
	HLS       string    `json:"hls,omitempty"`
	DASH      string    `json:"dash,omitempty"`
	// SessionID names the edge session the grant carries (what POST /revocations revokes);
	// absent when the stack checks no sessions at the edge.
	SessionID string `json:"sessionId,omitempty"`
	// Cookies repeats the Set-Cookie values for players that keep no cookie jar (native
	// players, server-side fetchers): they send them as a Cookie header to the playback host,
	// for paths under Path.
	Cookies []playbackCookie `json:"cookies"`
}

type playbackCookie struct {
	Name  string `json:"name"`
	Value string `json:"value"`
	Path  string `json:"path"`
}

func (h *Handler) playback(ctx context.Context, c caller, id, host, viewerIP string) (Response, *apiError) {
	a, apiErr := h.getOwned(ctx, c, id)
	if apiErr != nil {
		return Response{}, apiErr
	}
	if a.Status != pipeline.StatusReady {
		return Response{}, fail(409, CodeNotReady, "the asset is "+string(a.Status)+", not ready")
	}
	if h.Sessions != nil && h.BindSessionsToIP && viewerIP == "" {
		return Response{}, fail(403, CodeForbidden, "sessions are bound to the viewer's address, which only requests through the CDN carry: call the API on the playback host")
	}
	now := h.Now().UTC().Truncate(time.Second)
	expires := now.Add(h.cfg.PlaybackTTL)
	prefix := "/" + pipeline.AssetPrefix(a.ID)
	cookies, err := h.signer.Sign(ctx, prefix, expires)
	if err != nil {
		return Response{}, h.internal(ctx, "signing cookies failed", err)
	}
	var sessionID string
	if h.Sessions != nil {
		s := pipeline.Session{ID: h.NewID(), Prefix: prefix, Tenant: c.Tenant, Subject: c.Subject, Issued: now, Expires: expires}
		if h.BindSessionsToIP {
			s.ViewerIP = viewerIP
		}
		ck, err := h.Sessions.Issue(ctx, s)
		if err != nil {
			return Response{}, h.internal(ctx, "issuing the edge session failed", err)
		}
		cookies = append(cookies, ck)
		sessionID = s.ID
	}
	v := h.view(a, host)
	out := playbackResponse{ExpiresAt: expires, HLS: v.HLS, DASH: v.DASH, SessionID: sessionID, Cookies: make([]playbackCookie, 0, len(cookies))}
	for _, ck := range cookies {
		out.Cookies = append(out.Cookies, playbackCookie{Name: ck.Name, Value: ck.Value, Path: ck.Path})
	}
	resp := jsonResponse(200, out)
	resp.Cookies = cookies
	h.log.InfoContext(ctx, "playback cookies issued", "expires", expires, "subject", c.Subject, "session", sessionID)
	return resp, nil
}
