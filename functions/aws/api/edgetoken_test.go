package api_test

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"gopkg.in/yaml.v3"

	"github.com/ottkit/ottkit/cmd/ottkit/keys"
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
// viewer token next to CloudFront's cookies, signed with the key `ottkit keys rotate` put
// into the secret the stack created empty, and verifying under the public key it wrote to the
// stack file; while the secret is empty the grant fails with an opaque 500 and a log line
// saying what to run, and issues no cookie at all.
func TestEdgeToken(t *testing.T) {
	f := newFixture(t)
	f.seed(t, "ready1", "acme", pipeline.StatusReady, f.now)
	ctx := context.Background()
	// What the component creates: the secret `ottkit keys` writes, with no value.
	prefix := awstest.UniqueName("acme-prod")
	name := keys.SigningSecretName(prefix)
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

	// `ottkit keys rotate` (generate) on the bootstrap stack file: the first key goes into
	// the secret the stack created (PutSecretValue) and its public half into the file.
	dir := t.TempDir()
	file := filepath.Join(dir, "Pulumi.acme-prod.yaml")
	// The shipped acme-prod stack with an edge and no edge key yet: `ottkit keys` writes only
	// a stack file that still validates.
	shipped, err := os.ReadFile(filepath.Join("..", "..", "..", "stacks", "Pulumi.acme-prod.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	bootstrap := string(shipped) + `  ottkit:edge: cloudflare
  ottkit:cloudflareAccountId: 0123456789abcdef0123456789abcdef
  ottkit:cloudflareZoneId: fedcba9876543210fedcba9876543210
  ottkit:cloudflareHostname: media.example.com
  ottkit:cloudflarePlan: pro
  ottkit:edgePublicKeys: {}
`
	if err := os.WriteFile(file, []byte(bootstrap), 0o644); err != nil {
		t.Fatal(err)
	}
	rot := &keys.Rotator{Prefix: prefix, File: file, Secrets: keys.SecretsManager{Client: f.env.Admin.SecretsManager}, TokenLifetime: 10 * time.Minute}
	if step, err := rot.Next(ctx); err != nil || step.Name != "generate" {
		t.Fatalf("ottkit keys rotate: %v %v, want generate", step, err)
	}
	var doc struct {
		Config struct {
			Keys    map[string]string `yaml:"ottkit:edgePublicKeys"`
			Signing string            `yaml:"ottkit:edgeSigningKeyId"`
		} `yaml:"config"`
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, &doc); err != nil || len(doc.Config.Keys) != 1 {
		t.Fatalf("stack file after generate: %s (%v)", b, err)
	}
	public := doc.Config.Keys
	key := cloudflare.Key{ID: doc.Config.Signing}

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
