package keys_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/ottkit/ottkit/cmd/ottkit/keys"
	awscomp "github.com/ottkit/ottkit/components/aws"
	"github.com/ottkit/ottkit/components/platform"
	"github.com/ottkit/ottkit/functions/aws/awstest"
	"github.com/ottkit/ottkit/functions/aws/playback"
	"github.com/ottkit/ottkit/functions/local/cdn"
)

// awsStack is a complete AWS stack file but for its signing keys, which the rotation writes.
const awsStack = `# acme prod on AWS
config:
  aws:region: us-east-1
  ottkit:customer: acme
  ottkit:environment: prod
  ottkit:jwtIssuer: https://auth.acme.example/
  ottkit:jwtAudience:
    - acme-prod
  ottkit:playbackTtl: 600
`

const mediaDomain = "d111111abcdef8.cloudfront.net"

// deployedKeyGroup is what Pulumi makes of the stack file's ottkit:signingPublicKeys: a
// CloudFront public key per PEM, with an id CloudFront assigns at creation and keeps while the
// key stays in the file (components/aws names each key's resource by its fingerprint), and the
// key group holding them. It is the TrustedKeys of the rotation under test and the key set of
// the CDN verifier.
type deployedKeyGroup struct {
	t      *testing.T
	group  string
	ids    map[string]string // fingerprint → id
	keys   cdn.KeyGroup      // id → key
	serial int
}

func (d *deployedKeyGroup) deploy(file string) {
	d.t.Helper()
	cfg := readConfig(d.t, file)
	pems, _ := cfg["ottkit:signingPublicKeys"].([]any)
	ids, group := map[string]string{}, cdn.KeyGroup{}
	for _, p := range pems {
		fp, err := awscomp.PublicKeyFingerprint(p.(string))
		if err != nil {
			d.t.Fatal(err)
		}
		id, ok := d.ids[fp]
		if !ok {
			d.serial++
			id = fmt.Sprintf("K%013d", d.serial)
		}
		key, err := cdn.ParsePublicKey(p.(string))
		if err != nil {
			d.t.Fatal(err)
		}
		ids[fp], group[id] = id, key
	}
	if len(group) == 0 || len(group) > 2 {
		d.t.Fatalf("deploy: a key group of %d keys; CloudFront's component takes 1 or 2", len(group))
	}
	d.ids, d.keys = ids, group
}

func (d *deployedKeyGroup) KeyID(_ context.Context, group, pemText string) (string, error) {
	if group != d.group {
		return "", fmt.Errorf("key group %s: %w", group, keys.ErrNotTrusted)
	}
	fp, err := awscomp.PublicKeyFingerprint(pemText)
	if err != nil {
		return "", err
	}
	if id, ok := d.ids[fp]; ok {
		return id, nil
	}
	return "", fmt.Errorf("key %s: %w", fp, keys.ErrNotTrusted)
}

func readConfig(t *testing.T, file string) map[string]any {
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
	return doc.Config
}

type cfWorld struct {
	r      *keys.CloudFrontRotator
	clock  *clock
	sm     keys.SecretsManager
	cf     *deployedKeyGroup
	file   string
	issuer *playback.SecretKeys
}

func setupCloudFront(t *testing.T, store func(keys.SecretsManager) keys.SecretStore) *cfWorld {
	t.Helper()
	dir := t.TempDir()
	file := filepath.Join(dir, "Pulumi.acme-prod.yaml")
	if err := os.WriteFile(file, []byte(awsStack), 0o640); err != nil {
		t.Fatal(err)
	}
	client := secretsmanager.NewFromConfig(awstest.Config(nil), func(o *secretsmanager.Options) {
		o.BaseEndpoint = aws.String(awstest.MotoEndpoint(t))
	})
	sm := keys.SecretsManager{Client: client}
	c := &clock{t: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)}
	prefix := awstest.UniqueName("acme")
	cf := &deployedKeyGroup{t: t, group: awscomp.KeyGroupName(prefix + "-delivery")}
	var s keys.SecretStore = sm
	if store != nil {
		s = store(sm)
	}
	r := &keys.CloudFrontRotator{Prefix: prefix, File: file, Secrets: s, Trusted: cf,
		CookieLifetime: 10 * time.Minute, Now: c.now}
	issuer := playback.NewSecretKeys(client, r.SigningSecret())
	issuer.Now = c.now
	return &cfWorld{r: r, clock: c, sm: sm, cf: cf, file: file, issuer: issuer}
}

// deploy is pulumi up: the key group follows the stack file, and the first deploy creates
// the api's (empty) signing secret, as components/aws.Delivery does.
func (w *cfWorld) deploy(t *testing.T) {
	t.Helper()
	w.cf.deploy(w.file)
	ctx := context.Background()
	if _, err := w.sm.Client.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(w.r.SigningSecret())}); err != nil {
		if _, err := w.sm.Client.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String(w.r.SigningSecret())}); err != nil {
			t.Fatal(err)
		}
	}
}

// cfViewer holds the cookies the api issued it and plays until they expire.
type cfViewer struct {
	cookies []*http.Cookie
	expires time.Time
}

type cfPlayers struct {
	w       *cfWorld
	viewers []cfViewer
	plays   int
}

// issue is the api: it signs with the key the signing secret holds (cached for
// playback.DefaultKeyTTL, as the function does).
func (p *cfPlayers) issue(t *testing.T) {
	t.Helper()
	key, err := p.w.issuer.Key(context.Background())
	if err != nil {
		t.Fatalf("the api cannot sign: %v", err)
	}
	c, err := playback.Sign(key, mediaDomain, "a1", p.w.clock.t, p.w.r.CookieLifetime)
	if err != nil {
		t.Fatal(err)
	}
	p.viewers = append(p.viewers, cfViewer{cookies: c.Cookies, expires: c.Expires})
}

// play is CloudFront: every viewer with live cookies fetches a segment, verified by the local
// CDN's verifier against the deployed key group.
func (p *cfPlayers) play(t *testing.T, when string) {
	t.Helper()
	v := &cdn.Verifier{Domain: mediaDomain, Keys: p.w.cf.keys, Now: p.w.clock.now}
	for i, vw := range p.viewers {
		if !p.w.clock.t.Before(vw.expires) {
			continue
		}
		req := httptest.NewRequest(http.MethodGet, "https://"+mediaDomain+"/assets/a1/hls/720p/seg-00001.ts", nil)
		for _, c := range vw.cookies {
			req.AddCookie(c)
		}
		if err := v.Verify(req); err != nil {
			t.Errorf("%s: viewer %d refused (403): %v", when, i, err)
		}
		p.plays++
	}
}

func (p *cfPlayers) tick(t *testing.T, d time.Duration, when string) {
	t.Helper()
	for end := p.w.clock.t.Add(d); p.w.clock.t.Before(end); p.w.clock.t = p.w.clock.t.Add(time.Minute) {
		p.issue(t)
		p.play(t, when)
	}
}

func step(t *testing.T, r keys.Rotation, want string) {
	t.Helper()
	s, err := r.Next(context.Background())
	if err != nil {
		t.Fatalf("step %s: %v", want, err)
	}
	if s.Name != want {
		t.Fatalf("step %s, want %s", s.Name, want)
	}
}

func refused(t *testing.T, r keys.Rotation, want string) {
	t.Helper()
	if s, err := r.Next(context.Background()); err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("step %v: err %v, want a refusal saying %q", s, err, want)
	}
}

func validStack(t *testing.T, file string) {
	t.Helper()
	dir := filepath.Dir(file)
	project := "name: ottkit\nruntime: go\n"
	if err := os.WriteFile(filepath.Join(dir, "Pulumi.yaml"), []byte(project), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := platform.ReadStackConfig(dir, strings.TrimSuffix(strings.TrimPrefix(filepath.Base(file), "Pulumi."), ".yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := platform.ParseSpec(cfg); err != nil {
		t.Fatalf("the stack file is not valid: %v", err)
	}
}

// TestCloudFrontRotationNeverRefusesAViewer plays a brand-new stack from its first key through
// a whole rotation: viewers keep getting cookies from the api (signing with the signing
// secret's key) and keep fetching through CloudFront (trusting the deployed key group); no
// live cookie is ever refused, and every unsafe step is refused.
func TestCloudFrontRotationNeverRefusesAViewer(t *testing.T) {
	w := setupCloudFront(t, nil)
	ctx := context.Background()
	p := &cfPlayers{w: w}

	steps, err := w.r.Plan(ctx)
	if err != nil || len(steps) != 2 || steps[0].Name != "generate" || steps[1].Name != "switch" {
		t.Fatalf("plan of a new stack: %v %v", steps, err)
	}
	step(t, w.r, "generate")
	validStack(t, w.file)
	refused(t, w.r, "deploy the stack file first")
	w.deploy(t)
	step(t, w.r, "switch")
	first := w.cf.ids
	p.tick(t, 15*time.Minute, "before the rotation")

	steps, err = w.r.Plan(ctx)
	if err != nil || len(steps) != 3 || steps[0].Name != "add" {
		t.Fatalf("plan: %v %v", steps, err)
	}
	step(t, w.r, "add")
	validStack(t, w.file)
	p.tick(t, 3*time.Minute, "added, not yet deployed")
	refused(t, w.r, "deploy the stack file first")
	w.deploy(t)
	if len(w.cf.keys) != 2 {
		t.Fatalf("CloudFront trusts %d keys after add, want 2", len(w.cf.keys))
	}
	p.tick(t, 3*time.Minute, "added and deployed")

	step(t, w.r, "switch")
	st, err := w.r.Status(ctx)
	if err != nil || st.Next.Name != "retire" || !st.RetireAfter.Equal(w.clock.t.Add(w.r.Wait())) {
		t.Fatalf("status after the switch: %+v %v", st, err)
	}
	p.tick(t, 3*time.Minute, "switched")
	refused(t, w.r, "may be in use until")
	p.tick(t, w.r.Wait()-3*time.Minute, "waiting out the old cookies")

	step(t, w.r, "retire")
	validStack(t, w.file)
	p.tick(t, 2*time.Minute, "retired, not yet deployed")
	w.deploy(t)
	p.tick(t, 12*time.Minute, "after the rotation")

	if len(w.cf.keys) != 1 {
		t.Fatalf("CloudFront trusts %d keys after retire, want 1", len(w.cf.keys))
	}
	for fp := range first {
		if _, ok := w.cf.ids[fp]; ok {
			t.Errorf("the old key %s is still trusted", fp)
		}
	}
	if v, err := w.sm.Get(ctx, w.r.NextSecret()); err != nil || v != "{}" {
		t.Errorf("%s holds %q (%v), want it cleared", w.r.NextSecret(), v, err)
	}
	b, _ := os.ReadFile(w.file)
	if strings.Contains(string(b), "PRIVATE") {
		t.Errorf("the stack file holds a private key:\n%s", b)
	}
	if !strings.Contains(string(b), "# acme prod on AWS") || !strings.Contains(string(b), "jwtIssuer: https://auth.acme.example/") {
		t.Errorf("the stack file lost its other settings:\n%s", b)
	}
	// The next rotation starts where this one ended.
	steps, err = w.r.Plan(ctx)
	if err != nil || steps[0].Name != "add" {
		t.Fatalf("plan after a rotation: %v %v", steps, err)
	}
	if p.plays < 100 {
		t.Fatalf("only %d plays", p.plays)
	}
}

// crashing is a SecretStore that dies (returns an error) right after its n-th change is made,
// as a process killed between writing a secret and writing the stack file would.
type crashing struct {
	keys.SecretStore
	n, changes int
}

var errCrash = errors.New("crash")

func (c *crashing) after() error {
	c.changes++
	if c.changes == c.n {
		return errCrash
	}
	return nil
}

func (c *crashing) Put(ctx context.Context, name, value string) error {
	if err := c.SecretStore.Put(ctx, name, value); err != nil {
		return err
	}
	return c.after()
}

func (c *crashing) Delete(ctx context.Context, name string) error {
	if err := c.SecretStore.Delete(ctx, name); err != nil {
		return err
	}
	return c.after()
}

// stepThroughCrash takes the step want. When it crashes, onCrash runs (viewers keep playing)
// and the step runs again, unless the crash came after the step's last needed write, when the
// step is done and the plan has moved on. pending reads the secret an interrupted generate or
// add must reuse; the re-run must not replace it. It reports whether a crash happened.
func stepThroughCrash(t *testing.T, r keys.Rotation, want string, onCrash func(), pending func() string) bool {
	t.Helper()
	ctx := context.Background()
	s, err := r.Next(ctx)
	if !errors.Is(err, errCrash) {
		if err != nil || s.Name != want {
			t.Fatalf("step %s (%v), want %s", s.Name, err, want)
		}
		return false
	}
	onCrash()
	steps, err := r.Plan(ctx)
	if err != nil {
		t.Fatalf("plan after a crash in %s: %v", want, err)
	}
	if steps[0].Name != want {
		return true
	}
	before := pending()
	if s, err = r.Next(ctx); err != nil || s.Name != want {
		t.Fatalf("re-run of %s: step %s, %v", want, s.Name, err)
	}
	if (want == "generate" || want == "add") && before != "" && pending() != before {
		t.Errorf("the re-run of %s made another key instead of finishing with the pending one", want)
	}
	return true
}

// TestCloudFrontRotationSurvivesCrashes crashes the rotation after each of its secret writes
// in turn and runs it again: the re-run completes the step (a pending key is reused, not
// doubled), and viewers play through the crash and the recovery.
func TestCloudFrontRotationSurvivesCrashes(t *testing.T) {
	// Changes of a rotation: generate 1 (next), switch 2 (signing, delete next), add 1,
	// switch 2, retire 1 (signing, after the stack file).
	for n := 1; n <= 7; n++ {
		t.Run(fmt.Sprintf("crash after change %d", n), func(t *testing.T) {
			var crash *crashing
			w := setupCloudFront(t, func(sm keys.SecretsManager) keys.SecretStore {
				crash = &crashing{SecretStore: sm, n: n}
				return crash
			})
			p := &cfPlayers{w: w}
			crashed := false
			run := func(want string) {
				t.Helper()
				if stepThroughCrash(t, w.r, want, func() {
					if len(w.cf.keys) > 0 {
						p.tick(t, time.Minute, "after a crash in "+want)
					}
				}, func() string { v, _ := w.sm.Get(context.Background(), w.r.NextSecret()); return v }) {
					crashed = true
				}
			}
			run("generate")
			w.deploy(t)
			run("switch")
			p.tick(t, 2*time.Minute, "first key")
			run("add")
			if got := len(readConfig(t, w.file)["ottkit:signingPublicKeys"].([]any)); got != 2 {
				t.Fatalf("%d keys after add, want 2", got)
			}
			w.deploy(t)
			p.tick(t, 2*time.Minute, "added")
			run("switch")
			p.tick(t, w.r.Wait(), "switched")
			run("retire")
			w.deploy(t)
			p.tick(t, 12*time.Minute, "after the rotation")
			if !crashed && n <= crash.changes {
				t.Fatalf("change %d did not crash (%d changes)", n, crash.changes)
			}
			if len(w.cf.keys) != 1 {
				t.Errorf("CloudFront trusts %d keys at the end, want 1", len(w.cf.keys))
			}
			validStack(t, w.file)
		})
	}
}

func TestCloudFrontRefusals(t *testing.T) {
	ctx := context.Background()
	t.Run("a hand-made key without its private half", func(t *testing.T) {
		w := setupCloudFront(t, nil)
		priv, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(w.file, []byte(stackWithKeys(testPublicPEM(t, &priv.PublicKey))), 0o640); err != nil {
			t.Fatal(err)
		}
		if _, err := w.r.Next(ctx); err == nil || !strings.Contains(err.Error(), "has no value") || !strings.Contains(err.Error(), w.r.SigningSecret()) {
			t.Errorf("err %v, want it to name the empty signing secret", err)
		}
	})
	t.Run("a stack file that lost the signing key", func(t *testing.T) {
		w := setupCloudFront(t, nil)
		step(t, w.r, "generate")
		w.deploy(t)
		step(t, w.r, "switch")
		step(t, w.r, "add")
		// Someone drops the key that signs: a deploy would refuse every cookie.
		pems := readConfig(t, w.file)["ottkit:signingPublicKeys"].([]any)
		if err := os.WriteFile(w.file, []byte(stackWithKeys(pems[1].(string))), 0o640); err != nil {
			t.Fatal(err)
		}
		if _, err := w.r.Next(ctx); err == nil || !strings.Contains(err.Error(), "restore the stack file") {
			t.Errorf("err %v, want a refusal to go on", err)
		}
	})
	t.Run("a write that would make the stack file invalid", func(t *testing.T) {
		w := setupCloudFront(t, nil)
		bad := strings.Replace(awsStack, "ottkit:playbackTtl: 600", "ottkit:playbackTtl: 5", 1)
		if err := os.WriteFile(w.file, []byte(bad), 0o640); err != nil {
			t.Fatal(err)
		}
		if _, err := w.r.Next(ctx); err == nil || !strings.Contains(err.Error(), "ottkit:playbackTtl") {
			t.Errorf("err %v, want the invalid key named", err)
		}
		if b, _ := os.ReadFile(w.file); string(b) != bad {
			t.Error("an invalid stack file was written")
		}
	})
}

// stackWithKeys is awsStack with these signing keys.
func stackWithKeys(pems ...string) string {
	s := awsStack + "  ottkit:signingPublicKeys:\n"
	for _, p := range pems {
		s += "    - |\n      " + strings.ReplaceAll(strings.TrimSpace(p), "\n", "\n      ") + "\n"
	}
	return s
}

func testPublicPEM(t *testing.T, pub *rsa.PublicKey) string {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

// TestCloudFrontKeyIDAgainstMoto: the SDK lookup finds a key's id in the named key group by
// its encoded key, and refuses a key CloudFront has but the group does not hold.
func TestCloudFrontKeyIDAgainstMoto(t *testing.T) {
	ctx := context.Background()
	client := cloudfront.NewFromConfig(awstest.Config(nil), func(o *cloudfront.Options) {
		o.BaseEndpoint = aws.String(awstest.MotoEndpoint(t))
	})
	var pems, ids []string
	for i := 0; i < 2; i++ {
		priv, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		p := testPublicPEM(t, &priv.PublicKey)
		out, err := client.CreatePublicKey(ctx, &cloudfront.CreatePublicKeyInput{PublicKeyConfig: &cftypes.PublicKeyConfig{
			CallerReference: aws.String(awstest.UniqueName("ref")), Name: aws.String(awstest.UniqueName("key")), EncodedKey: aws.String(p),
		}})
		if err != nil {
			t.Fatal(err)
		}
		pems, ids = append(pems, p), append(ids, aws.ToString(out.PublicKey.Id))
	}
	group := awstest.UniqueName("acme-prod-delivery-signers")
	if _, err := client.CreateKeyGroup(ctx, &cloudfront.CreateKeyGroupInput{KeyGroupConfig: &cftypes.KeyGroupConfig{
		Name: aws.String(group), Items: []string{ids[0]},
	}}); err != nil {
		t.Fatal(err)
	}
	cf := keys.CloudFront{Client: client}
	// A PEM with other line breaks is the same key.
	id, err := cf.KeyID(ctx, group, strings.ReplaceAll(pems[0], "\n", "\r\n"))
	if err != nil || id != ids[0] {
		t.Errorf("KeyID of the member: %q %v, want %q", id, err, ids[0])
	}
	if _, err := cf.KeyID(ctx, group, pems[1]); !errors.Is(err, keys.ErrNotTrusted) {
		t.Errorf("KeyID of a key outside the group: %v, want ErrNotTrusted", err)
	}
	if _, err := cf.KeyID(ctx, group+"-other", pems[0]); !errors.Is(err, keys.ErrNotTrusted) {
		t.Errorf("KeyID in a missing group: %v, want ErrNotTrusted", err)
	}
}

// TestCloudFrontFirstKey is ottkit customer new --generate-signing-key: the pending key's public
// half goes into the new stack file, a re-run returns the same key, and after the first deploy
// the rotation switches signing to it.
func TestCloudFrontFirstKey(t *testing.T) {
	w := setupCloudFront(t, nil)
	ctx := context.Background()
	first, err := w.r.FirstKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	again, err := w.r.FirstKey(ctx)
	if err != nil || again != first {
		t.Fatalf("a re-run gave another key (%v)", err)
	}
	if err := os.WriteFile(w.file, []byte(stackWithKeys(first)), 0o640); err != nil {
		t.Fatal(err)
	}
	validStack(t, w.file)
	refused(t, w.r, "deploy the stack file first")
	w.deploy(t)
	step(t, w.r, "switch")
	p := &cfPlayers{w: w}
	p.tick(t, 3*time.Minute, "first key")
	if _, err := w.r.FirstKey(ctx); err == nil || !strings.Contains(err.Error(), "already holds a signing key") {
		t.Errorf("FirstKey of a stack with a signing key: %v", err)
	}
}
