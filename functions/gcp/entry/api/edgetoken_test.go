package api

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ottkit/ottkit/functions/edge/cloudflare"
	"github.com/ottkit/ottkit/functions/gcp/cdnsign"
	"github.com/ottkit/ottkit/functions/gcp/firestorecat"
	"github.com/ottkit/ottkit/functions/gcp/gateway"
	"github.com/ottkit/ottkit/functions/gcp/gcptest"
	"github.com/ottkit/ottkit/functions/gcp/manifest"
	"github.com/ottkit/ottkit/functions/pipeline"
	stage "github.com/ottkit/ottkit/functions/stages/api"
)

// TestEdgeToken: on a stack with a Cloudflare edge the playback grant carries the edge's
// viewer token next to Cloud CDN's cookie, signed with the key in the edge signing secret;
// while that secret has no version the grant is an opaque 500 with no cookie at all, and the
// log says what to run. The edge's calls are exactly the grant manifest.EdgeToken adds.
func TestEdgeToken(t *testing.T) {
	e := gcptest.NewEnv(t)
	ctx := context.Background()
	mine := ready(pipeline.AssetID("b", "k1", "1"), "acme")
	if err := firestorecat.New(e.Catalog).Create(ctx, mine); err != nil {
		t.Fatal(err)
	}
	e.Secrets.Put(gcptest.SigningSecret, []byte(`{"keyName":"ottkit-edge-1","key":"`+base64.URLEncoding.EncodeToString(cdnKey)+`"}`))
	edgeSecret := "projects/" + gcptest.Project + "/secrets/ottkit-test-edge-signing"
	var logs bytes.Buffer
	h, err := Build(e.Endpoints())(ctx, e.Getenv(map[string]string{
		"PLAYBACK_DOMAIN": "cdn.example.com", "EDGE_SIGNING_SECRET": edgeSecret, "EDGE_DOMAIN": "media.example.com",
	}), slog.New(slog.NewJSONHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	acme := userinfo(map[string]any{"sub": "u1", "tenant": "acme", "roles": []string{"viewer"}})
	play := func(viaEdge bool) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodPost, "/assets/"+mine.ID+"/playback", nil)
		r.Header.Set(gateway.UserinfoHeader, acme)
		if viaEdge {
			r.Header.Set(stage.EdgeHostHeader, "media.example.com")
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		return rec
	}

	if rec := play(true); rec.Code != 500 || len(rec.Result().Cookies()) != 0 || !strings.Contains(rec.Body.String(), `"internal error"`) {
		t.Errorf("empty edge secret: %d %v %s, want an opaque 500 and no cookie", rec.Code, rec.Result().Cookies(), rec.Body)
	}
	if !strings.Contains(logs.String(), "secret has no value yet") || !strings.Contains(logs.String(), "ottkit keys rotate") {
		t.Errorf("the log does not say the edge secret is empty and what to run:\n%s", logs.String())
	}

	key, err := cloudflare.GenerateKey("k20261201t120000")
	if err != nil {
		t.Fatal(err)
	}
	secret, err := key.MarshalSecret()
	if err != nil {
		t.Fatal(err)
	}
	e.Secrets.Put(edgeSecret, []byte(strings.TrimSuffix(secret, "}")+`,"since":1764590400}`)) // as ottkit keys writes it
	public := map[string]string{key.ID: key.Public()}
	for _, viaEdge := range []bool{true, false} {
		rec := play(viaEdge)
		host := map[bool]string{true: "media.example.com", false: "cdn.example.com"}[viaEdge]
		if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"hls":"https://`+host+`/assets/`+mine.ID+`/`) {
			t.Fatalf("playback (through the edge: %v): %d %s, want the HLS URL on %s", viaEdge, rec.Code, rec.Body, host)
		}
		var names []string
		var edge *http.Cookie
		for _, c := range rec.Result().Cookies() {
			names = append(names, c.Name)
			if c.Name == cloudflare.CookieName {
				edge = c
			}
		}
		if !slices.Contains(names, cdnsign.CookieName) || edge == nil {
			t.Fatalf("cookies %v, want %s and %s", names, cdnsign.CookieName, cloudflare.CookieName)
		}
		raw := rec.Result().Header.Values("Set-Cookie")
		for _, c := range raw {
			if strings.HasPrefix(c, cloudflare.CookieName+"=") && (!strings.Contains(c, "HttpOnly") || !strings.Contains(c, "Secure") || strings.Contains(c, "Domain=") || !strings.Contains(c, "Path=/assets/"+mine.ID+"/")) {
				t.Errorf("Set-Cookie %q: want HttpOnly, Secure, host-only, scoped to the asset", c)
			}
		}
		if _, err := cloudflare.Verify(edge.Value, "/assets/"+mine.ID+"/hls/index.m3u8", public, time.Now()); err != nil {
			t.Errorf("the edge token does not grant the asset: %v", err)
		}
		other := pipeline.AssetID("b", "k2", "1")
		if _, err := cloudflare.Verify(edge.Value, "/assets/"+other+"/hls/index.m3u8", public, time.Now()); !errors.Is(err, cloudflare.ErrWrongPath) {
			t.Errorf("the edge token on another asset: %v, want ErrWrongPath", err)
		}
	}

	names := e.Names()
	names[edgeSecret] = manifest.EdgeSigningSecret
	used := manifest.API.With(manifest.EdgeToken)
	used.Permissions = slices.DeleteFunc(used.Permissions, func(p manifest.Permission) bool {
		// What this test's calls exercise; TestAPIFunction proves the rest of the api's grant.
		return p.Permission != "secretmanager.versions.access" && p.Permission != "datastore.entities.get"
	})
	gcptest.CheckPermissions(t, used, e.Uses(), names)
	if n := len(manifest.API.With(manifest.EdgeToken).Permissions) - len(manifest.API.Permissions); n != 1 {
		t.Errorf("the edge adds %d permissions, want the one secret access", n)
	}
}

func TestLoadConfigEdge(t *testing.T) {
	base := (&gcptest.Env{}).Getenv(map[string]string{"PLAYBACK_DOMAIN": "cdn.example.com"})
	with := func(kv ...string) func(string) string {
		return func(k string) string {
			for i := 0; i+1 < len(kv); i += 2 {
				if kv[i] == k {
					return kv[i+1]
				}
			}
			return base(k)
		}
	}
	if cfg, err := LoadConfig(base); err != nil || cfg.EdgeSigningSecret != "" {
		t.Errorf("no edge: %+v %v", cfg, err)
	}
	read := map[string]bool{}
	if _, err := LoadConfig(func(k string) string { read[k] = true; return "" }); err == nil {
		t.Error("empty environment loaded")
	}
	for _, e := range manifest.API.With(manifest.EdgeToken).Env {
		if !read[e.Name] {
			t.Errorf("LoadConfig does not read %s", e.Name)
		}
		delete(read, e.Name)
	}
	if len(read) > 0 {
		t.Errorf("LoadConfig reads %v, which the manifest does not list", read)
	}
	const secret = "projects/p/secrets/s"
	for _, bad := range [][]string{
		{"EDGE_SIGNING_SECRET", secret},
		{"EDGE_DOMAIN", "media.example.com"},
		{"EDGE_SIGNING_SECRET", "s", "EDGE_DOMAIN", "media.example.com"},
		{"EDGE_SIGNING_SECRET", secret, "EDGE_DOMAIN", "https://media.example.com"},
		{"EDGE_SIGNING_SECRET", secret, "EDGE_DOMAIN", "cdn.example.com"},
	} {
		if _, err := LoadConfig(with(bad...)); err == nil || !strings.Contains(err.Error(), "EDGE_") {
			t.Errorf("%v: %v, want an error naming the variable", bad, err)
		}
	}
	if cfg, err := LoadConfig(with("EDGE_SIGNING_SECRET", secret, "EDGE_DOMAIN", "media.example.com")); err != nil || cfg.EdgeDomain != "media.example.com" {
		t.Errorf("edge: %+v %v", cfg, err)
	}
}
