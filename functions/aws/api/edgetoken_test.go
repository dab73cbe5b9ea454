package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"maps"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/ottkit/ottkit/functions/aws/api"
	"github.com/ottkit/ottkit/functions/aws/awstest"
	"github.com/ottkit/ottkit/functions/aws/catalog"
	"github.com/ottkit/ottkit/functions/aws/lambdalog"
	"github.com/ottkit/ottkit/functions/aws/manifest"
	"github.com/ottkit/ottkit/functions/aws/s3store"
	"github.com/ottkit/ottkit/functions/edge/cloudflare"
	"github.com/ottkit/ottkit/functions/pipeline"
	stage "github.com/ottkit/ottkit/functions/stages/api"
)

func union(ms ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range ms {
		maps.Copy(out, m)
	}
	return out
}

// TestEdgeToken: on a stack with a Cloudflare edge the playback grant carries the edge's
// viewer token next to CloudFront's cookies, signed with the key `ottkit keys` put into the
// secret the stack created empty; while the secret is empty the grant fails with an opaque
// 500 and a log line saying what to run, and issues no cookie at all.
func TestEdgeToken(t *testing.T) {
	f := newFixture(t)
	f.seed(t, "ready1", "acme", pipeline.StatusReady, f.now)
	ctx := context.Background()
	// What the component creates: the secret, with no value.
	name := awstest.UniqueName("edge-signing")
	created, err := f.env.Admin.SecretsManager.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	rec.Name(manifest.EdgeSigningSecret, name, *created.ARN)
	_, cdnARN := f.env.Secret(t, secretValue())
	cfg := api.Config{
		IngestBucket: f.bucket, CatalogTable: f.catalog.Name(), SigningSecretARN: cdnARN,
		PlaybackDomain: "d111abcdef8.cloudfront.net", PlaybackTTL: 10 * time.Minute, UploadTTL: 15 * time.Minute,
		MaxUploadBytes: 1 << 30, TenantClaim: "custom:tenant", RolesClaim: "cognito:groups",
		EdgeSigningSecretARN: *created.ARN, EdgeDomain: "media.example.com",
	}
	signers, ok := api.NewSigner(cfg, f.env.SecretsManager).(pipeline.PlaybackSigners)
	if !ok || len(signers) != 2 {
		t.Fatalf("the signer of an edge stack is %T, want CloudFront's and the edge's", signers)
	}
	signers[1].(*cloudflare.Signer).Now = func() time.Time { return f.now }
	h := api.New(cfg, s3store.New(f.env.S3), catalog.New(f.env.DynamoDB, f.catalog.Name()), signers, lambdalog.New(f.logs, slog.LevelInfo))
	h.Stage.Now = func() time.Time { return f.now }
	f.h = h
	throughEdge := func() map[string]string {
		return map[string]string{strings.ToLower(stage.EdgeHostHeader): "media.example.com"}
	}

	t.Run("empty secret", func(t *testing.T) {
		req := request(t, "POST", "/assets/ready1/playback", "", viewer)
		maps.Copy(req.Headers, throughEdge())
		resp, body := f.do(t, req)
		wantError(t, resp, body, 500, stage.CodeInternal)
		if len(resp.Cookies) != 0 {
			t.Errorf("an edge stack with an empty signing secret issued %v", resp.Cookies)
		}
		if logs := f.logs.String(); !strings.Contains(logs, "secret has no value yet") || !strings.Contains(logs, "ottkit keys rotate") {
			t.Errorf("the log does not say the edge secret is empty and what to run:\n%s", logs)
		}
	})

	// What `ottkit keys rotate` (generate) does: PutSecretValue into the existing secret.
	key, err := cloudflare.GenerateKey("k20261201t120000")
	if err != nil {
		t.Fatal(err)
	}
	secret, err := key.MarshalSecret()
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	_ = json.Unmarshal([]byte(secret), &v)
	v["since"] = f.now.Unix() // ottkit keys records when signing switched to the key
	withSince, _ := json.Marshal(v)
	if _, err := f.env.Admin.SecretsManager.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String(name), SecretString: aws.String(string(withSince))}); err != nil {
		t.Fatal(err)
	}
	public := map[string]string{key.ID: key.Public()}

	for _, via := range []struct {
		name    string
		headers map[string]string
		host    string
	}{{"through the edge", throughEdge(), "media.example.com"}, {"through the CDN", nil, "d111abcdef8.cloudfront.net"}} {
		t.Run(via.name, func(t *testing.T) {
			req := request(t, "POST", "/assets/ready1/playback", "", viewer)
			maps.Copy(req.Headers, via.headers)
			resp, body := f.do(t, req)
			if resp.StatusCode != 200 || body["hls"] != "https://"+via.host+"/assets/ready1/index.m3u8" {
				t.Fatalf("playback: %d %v, want 200 with the HLS URL on %s", resp.StatusCode, body, via.host)
			}
			byName := map[string]*http.Cookie{}
			for _, c := range resp.Cookies {
				hc, err := http.ParseSetCookie(c)
				if err != nil {
					t.Fatalf("Set-Cookie %q: %v", c, err)
				}
				byName[hc.Name] = hc
			}
			for _, n := range []string{"CloudFront-Policy", "CloudFront-Signature", "CloudFront-Key-Pair-Id", cloudflare.CookieName} {
				if byName[n] == nil {
					t.Errorf("no %s cookie in %v", n, resp.Cookies)
				}
			}
			edge := byName[cloudflare.CookieName]
			if edge == nil {
				return
			}
			if !edge.HttpOnly || !edge.Secure || edge.Path != "/assets/ready1/" || edge.Domain != "" || !edge.Expires.Equal(f.now.Add(10*time.Minute)) {
				t.Errorf("edge cookie %+v: want HttpOnly, Secure, host-only, Path=/assets/ready1/, expiring with the grant", edge)
			}
			claims, err := cloudflare.Verify(edge.Value, "/assets/ready1/hls/720p/seg-00001.m4s", public, f.now.Add(time.Minute))
			if err != nil {
				t.Fatalf("the edge token does not grant the asset: %v", err)
			}
			if claims.KeyID != key.ID || claims.Expires != f.now.Add(10*time.Minute).Unix() {
				t.Errorf("claims %+v: want key %s and the grant's expiry", claims, key.ID)
			}
			if _, err := cloudflare.Verify(edge.Value, "/assets/other1/index.m3u8", public, f.now.Add(time.Minute)); !errors.Is(err, cloudflare.ErrWrongPath) {
				t.Errorf("the edge token on another asset: %v, want ErrWrongPath", err)
			}
		})
	}
}
