package keys_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/ottkit/ottkit/cmd/ottkit/keys"
	"github.com/ottkit/ottkit/functions/aws/awstest"
	"github.com/ottkit/ottkit/functions/edge/cloudflare"
)

func TestMain(m *testing.M) { os.Exit(awstest.Main(m)) }

// edgeStack is a complete AWS stack file with a Cloudflare edge but no edge keys yet.
func edgeStack(t *testing.T) string {
	t.Helper()
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return stackWithKeys(testPublicPEM(t, &priv.PublicKey)) + `  ottkit:edge: cloudflare
  ottkit:cloudflareAccountId: 0123456789abcdef0123456789abcdef
  ottkit:cloudflareZoneId: fedcba9876543210fedcba9876543210
  ottkit:cloudflareHostname: edge.acme.example
  ottkit:cloudflarePlan: pro
`
}

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

// viewer is a player holding the token it was issued, playing until the token expires.
type viewer struct {
	token   string
	expires time.Time
}

func setup(t *testing.T) (*keys.Rotator, *clock, keys.SecretsManager, string) {
	t.Helper()
	dir := t.TempDir()
	file := filepath.Join(dir, "Pulumi.acme-prod.yaml")
	if err := os.WriteFile(file, []byte(edgeStack(t)), 0o644); err != nil {
		t.Fatal(err)
	}
	sm := keys.SecretsManager{Client: secretsmanager.NewFromConfig(awstest.Config(nil), func(o *secretsmanager.Options) {
		o.BaseEndpoint = aws.String(awstest.MotoEndpoint(t))
	})}
	c := &clock{t: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)}
	prefix := awstest.UniqueName("acme-prod")
	return &keys.Rotator{Prefix: prefix, File: file, Secrets: sm, TokenLifetime: 10 * time.Minute, Now: c.now}, c, sm, file
}

// deployed reads what a deployment of the stack file gives the edge: its public keys.
func deployed(t *testing.T, file string) map[string]string {
	t.Helper()
	var doc struct {
		Config map[string]any `yaml:"config"`
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := yamlUnmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	if m, ok := doc.Config["ottkit:edgePublicKeys"].(map[string]any); ok {
		for k, v := range m {
			out[k] = v.(string)
		}
	}
	return out
}

// TestRotationNeverRefusesAViewer plays through a whole rotation: viewers keep getting tokens
// from the api (which signs with the key in the signing secret) and keep playing them at the
// edge (which trusts the deployed public keys); no live token is ever refused.
func TestRotationNeverRefusesAViewer(t *testing.T) {
	r, c, sm, file := setup(t)
	ctx := context.Background()
	var viewers []viewer
	edge := map[string]string{}
	deploy := func() { edge = deployed(t, file) }
	// The api reads the signing secret through a cache, as the function does: for up to
	// cloudflare.DefaultKeyTTL after a switch it still signs with the old key.
	apiKeys := &cloudflare.SecretKeys{Fetch: func(ctx context.Context) (string, error) {
		return sm.Get(ctx, keys.SigningSecretName(r.Prefix))
	}, Now: c.now}
	issue := func() {
		key, err := apiKeys.Key(ctx)
		if err != nil {
			t.Fatal(err)
		}
		s := cloudflare.NewSigner(cloudflare.StaticKey(key))
		s.Now = c.now
		cookies, err := s.Sign(ctx, "/assets/a1/", c.t.Add(r.TokenLifetime))
		if err != nil {
			t.Fatal(err)
		}
		viewers = append(viewers, viewer{token: cookies[0].Value, expires: cookies[0].Expires})
	}
	play := func(when string) {
		t.Helper()
		for i, v := range viewers {
			if !c.t.Before(v.expires) {
				continue
			}
			if _, err := cloudflare.Verify(v.token, "/assets/a1/hls/index.m3u8", edge, c.t); err != nil {
				t.Errorf("%s: viewer %d refused (403): %v", when, i, err)
			}
		}
	}
	tick := func(d time.Duration, when string) {
		for end := c.t.Add(d); c.t.Before(end); c.t = c.t.Add(time.Minute) {
			issue()
			play(when)
		}
	}
	step := func(want string) {
		t.Helper()
		s, err := r.Next(ctx)
		if err != nil {
			t.Fatalf("step %s: %v", want, err)
		}
		if s.Name != want {
			t.Fatalf("step %s, want %s", s.Name, want)
		}
	}

	step("generate")
	deploy()
	tick(15*time.Minute, "before the rotation")
	first := deployed(t, file)

	step("add")
	tick(3*time.Minute, "added, not yet deployed")
	deploy()
	if len(edge) != 2 {
		t.Fatalf("edge trusts %d keys after add, want 2", len(edge))
	}
	tick(3*time.Minute, "added and deployed")

	step("switch")
	switched := c.t
	tick(3*time.Minute, "switched")
	if _, err := r.Next(ctx); err == nil || !strings.Contains(err.Error(), "may be in use until") {
		t.Fatalf("retire before the token lifetime: err %v, want a refusal", err)
	}
	// Retire as soon as the rotator allows it.
	for {
		tick(time.Minute, "waiting out the old tokens")
		if st, err := r.Status(ctx); err != nil || !c.t.Before(st.RetireAfter) {
			break
		}
	}
	if wait := c.t.Sub(switched); wait < r.TokenLifetime+cloudflare.DefaultKeyTTL {
		t.Errorf("retire allowed %s after the switch; the api's key cache and the token lifetime need %s", wait, r.TokenLifetime+cloudflare.DefaultKeyTTL)
	}

	step("retire")
	tick(2*time.Minute, "retired, not yet deployed")
	deploy()
	tick(12*time.Minute, "after the rotation")

	if len(edge) != 1 {
		t.Fatalf("edge trusts %d keys after retire, want 1", len(edge))
	}
	for id := range first {
		if _, ok := edge[id]; ok {
			t.Errorf("the old key %s is still trusted", id)
		}
		if _, err := sm.Get(ctx, keys.KeySecretName(r.Prefix, id)); err == nil {
			t.Errorf("the old key's secret is still readable")
		}
	}
	b, _ := os.ReadFile(file)
	for _, leak := range []string{"seed", "PRIVATE"} {
		if strings.Contains(string(b), leak) {
			t.Errorf("the stack file holds %q:\n%s", leak, b)
		}
	}
	if !strings.Contains(string(b), "ottkit:customer: acme") || !strings.Contains(string(b), "# acme prod") || !strings.Contains(string(b), "ottkit:cloudflarePlan: pro") {
		t.Errorf("the stack file lost its other settings:\n%s", b)
	}
	if len(viewers) < 40 {
		t.Fatalf("only %d viewers played", len(viewers))
	}
}

// A retire forced before the wait would have refused live viewers: the test above would
// notice, and so does Verify directly.
func TestEarlyRetireWouldBreakViewers(t *testing.T) {
	old, err := cloudflare.GenerateKey("old")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	tok, err := cloudflare.Encode(old, cloudflare.Claims{Version: 1, Prefix: "/assets/a1/", Expires: now.Add(5 * time.Minute).Unix(), Issued: now.Unix(), KeyID: "old", Session: "s"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cloudflare.Verify(tok, "/assets/a1/x", map[string]string{"new": old.Public()}, now); err == nil {
		t.Fatal("a token of a removed key verified")
	}
}

func TestPlanAndStackFileErrors(t *testing.T) {
	r, _, _, file := setup(t)
	ctx := context.Background()
	steps, err := r.Plan(ctx)
	if err != nil || len(steps) != 1 || steps[0].Name != "generate" {
		t.Fatalf("plan of a stack without keys: %v %v", steps, err)
	}
	if _, err := r.Next(ctx); err != nil {
		t.Fatal(err)
	}
	steps, err = r.Plan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range steps {
		names = append(names, s.Name)
	}
	if strings.Join(names, ",") != "add,switch,retire" {
		t.Errorf("plan %v, want add, switch, retire", names)
	}
	before, _ := os.ReadFile(file)
	if after, _ := os.ReadFile(file); string(after) != string(before) {
		t.Error("Plan changed the stack file")
	}
	// A stack file whose signing key id is not one of its keys is refused, naming the keys.
	bad := strings.Replace(string(before), "ottkit:edgeSigningKeyId: k", "ottkit:edgeSigningKeyId: x", 1)
	if err := os.WriteFile(file, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Next(ctx); err == nil || !strings.Contains(err.Error(), "ottkit:edgeSigningKeyId") {
		t.Errorf("bad signing key id: %v", err)
	}
}

// TestEdgeRotationSurvivesCrashes crashes the edge rotation after each of its secret writes in
// turn and runs it again: every step finishes with the key it started with, no private half is
// left behind, and no viewer is refused.
func TestEdgeRotationSurvivesCrashes(t *testing.T) {
	// Changes: generate 2 (signing, key), add 2 (pending, key), switch 1, retire 2 (delete the
	// old key, signing).
	for n := 1; n <= 7; n++ {
		t.Run(fmt.Sprintf("crash after change %d", n), func(t *testing.T) {
			r, c, sm, file := setup(t)
			crash := &crashing{SecretStore: sm, n: n}
			r.Secrets = crash
			ctx := context.Background()
			edge := map[string]string{}
			var tokens []viewer
			issue := func() {
				raw, err := sm.Get(ctx, keys.SigningSecretName(r.Prefix))
				if err != nil {
					return // before the first key: nothing to sign with yet
				}
				key, err := cloudflare.ParseKey(raw)
				if err != nil {
					t.Fatal(err)
				}
				s := cloudflare.NewSigner(cloudflare.StaticKey(key))
				s.Now = c.now
				cookies, err := s.Sign(ctx, "/assets/a1/", c.t.Add(r.TokenLifetime))
				if err != nil {
					t.Fatal(err)
				}
				tokens = append(tokens, viewer{token: cookies[0].Value, expires: cookies[0].Expires})
			}
			tick := func(d time.Duration, when string) {
				for end := c.t.Add(d); c.t.Before(end); c.t = c.t.Add(time.Minute) {
					issue()
					for i, v := range tokens {
						if c.t.Before(v.expires) {
							if _, err := cloudflare.Verify(v.token, "/assets/a1/x.ts", edge, c.t); err != nil {
								t.Errorf("%s: viewer %d refused (403): %v", when, i, err)
							}
						}
					}
				}
			}
			deploy := func() { edge = deployed(t, file) }
			pending := func() string {
				raw, err := sm.Get(ctx, keys.SigningSecretName(r.Prefix))
				if err != nil {
					return ""
				}
				return raw // an interrupted generate or add is finished without rewriting it
			}
			crashed := false
			run := func(want string) {
				t.Helper()
				onCrash := func() {
					if len(edge) > 0 {
						tick(time.Minute, "after a crash in "+want)
					}
				}
				if stepThroughCrash(t, r, want, onCrash, pending) {
					crashed = true
				}
			}
			run("generate")
			deploy()
			first := ""
			for id := range edge {
				first = id
			}
			tick(2*time.Minute, "first key")
			run("add")
			deploy()
			if len(edge) != 2 {
				t.Fatalf("the edge trusts %d keys after add, want 2", len(edge))
			}
			tick(2*time.Minute, "added")
			run("switch")
			deploy()
			tick(r.Wait()+time.Minute, "switched")
			run("retire")
			deploy()
			tick(12*time.Minute, "after the rotation")
			if !crashed {
				t.Fatalf("change %d never crashed (%d changes)", n, crash.changes)
			}
			if len(edge) != 1 {
				t.Errorf("the edge trusts %d keys at the end, want 1", len(edge))
			}
			if _, ok := edge[first]; ok {
				t.Errorf("the first key %s is still trusted", first)
			}
			if _, err := sm.Get(ctx, keys.KeySecretName(r.Prefix, first)); err == nil {
				t.Errorf("the retired key's private half is still readable")
			}
			raw, err := sm.Get(ctx, keys.SigningSecretName(r.Prefix))
			if err != nil || strings.Contains(raw, `"previous"`) {
				t.Errorf("the signing secret still names a previous key: %s %v", raw, err)
			}
		})
	}
}
