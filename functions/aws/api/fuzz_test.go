package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ottkit/ottkit/functions/aws/api"
	"github.com/ottkit/ottkit/functions/aws/lambdalog"
	"github.com/ottkit/ottkit/functions/aws/playback"
	"github.com/ottkit/ottkit/functions/pipeline"
)

// memCatalog is an in-memory stage.Catalog, so fuzzing runs without AWS fakes.
type memCatalog map[string]*pipeline.Asset

func (m memCatalog) Get(_ context.Context, id string) (*pipeline.Asset, error) {
	if a, ok := m[id]; ok {
		c := *a
		return &c, nil
	}
	return nil, pipeline.ErrNotFound
}

func (m memCatalog) List(context.Context, string, int, string) ([]pipeline.Asset, string, error) {
	return nil, "", nil
}

type staticKeys struct{ key playback.Key }

func (s staticKeys) Key(context.Context) (playback.Key, error) { return s.key, nil }

type noUploads struct{}

func (noUploads) PresignPut(context.Context, string, string, string, time.Duration) (pipeline.SignedRequest, error) {
	return pipeline.SignedRequest{}, errors.New("not in the fuzz")
}
func (noUploads) CreateMultipartUpload(context.Context, string, string, string) (string, error) {
	return "", errors.New("not in the fuzz")
}
func (noUploads) PresignUploadPart(context.Context, string, string, string, int, time.Duration) (pipeline.SignedRequest, error) {
	return pipeline.SignedRequest{}, errors.New("not in the fuzz")
}
func (noUploads) CompleteMultipartUpload(context.Context, string, string, string, []pipeline.UploadPart) error {
	return errors.New("not in the fuzz")
}

// FuzzPlaybackRequest drives the playback path with arbitrary paths, methods and tenants: the
// handler must never panic, always answer JSON with a known status, and issue cookies only for
// the caller's own ready asset, scoped to exactly that asset's path.
func FuzzPlaybackRequest(f *testing.F) {
	cat := memCatalog{
		"ready1": {ID: "ready1", Tenant: "acme", Status: pipeline.StatusReady, HLS: "assets/ready1/index.m3u8"},
		"busy1":  {ID: "busy1", Tenant: "acme", Status: pipeline.StatusTranscoding},
	}
	cfg := api.Config{PlaybackDomain: "media.example.com", PlaybackTTL: 10 * time.Minute, UploadTTL: time.Minute, MaxUploadBytes: 1}
	h := api.New(cfg, noUploads{}, cat, playback.NewSigner(staticKeys{playback.Key{KeyPairID: "K1", PrivateKey: signingKey}}, cfg.PlaybackDomain), lambdalog.New(io.Discard, slog.LevelError))

	f.Add("POST", "/assets/ready1/playback", "acme")
	f.Add("POST", "/assets/busy1/playback", "acme")
	f.Add("POST", "/assets/ready1/playback", "globex")
	f.Add("POST", "/assets/../ready1/playback", "acme")
	f.Add("POST", "/assets/ready1%2F..%2Fx/playback", "acme")
	f.Add("POST", "/assets/*/playback", "acme")
	f.Add("GET", "/assets/ready1/playback", "acme")
	f.Add("POST", "//assets//ready1//playback//", "acme")
	f.Fuzz(func(t *testing.T, method, path, tenant string) {
		req := request(t, method, path, "", map[string]string{"sub": "u", "tenant": tenant})
		resp, err := h.Handle(context.Background(), req)
		if err != nil {
			t.Fatalf("Handle error: %v", err)
		}
		var body map[string]any
		if err := json.Unmarshal([]byte(resp.Body), &body); err != nil {
			t.Fatalf("body %q is not JSON", resp.Body)
		}
		switch resp.StatusCode {
		case 200, 400, 401, 403, 404, 405, 409:
		default:
			t.Fatalf("status %d for %s %q tenant %q: %s", resp.StatusCode, method, path, tenant, resp.Body)
		}
		if len(resp.Cookies) == 0 {
			return
		}
		if method != "POST" || tenant != "acme" || strings.Trim(path, "/") != "assets/ready1/playback" {
			t.Fatalf("cookies issued for %s %q tenant %q", method, path, tenant)
		}
		for _, c := range resp.Cookies {
			hc, err := http.ParseSetCookie(c)
			if err != nil || hc.Path != "/assets/ready1/" || hc.Domain != "media.example.com" {
				t.Fatalf("cookie %q not scoped to /assets/ready1/ on the playback domain", c)
			}
		}
	})
}
