package customer

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/ottkit/ottkit/components/platform"
)

// repoRoot holds the real Pulumi.yaml: the tests' projects use it, so the typed config block
// and its defaults are the ones `pulumi up` applies.
const repoRoot = "../../.."

// newProject returns a project directory with the repository's Pulumi.yaml and an empty
// stacks/ directory.
func newProject(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	py, err := os.ReadFile(filepath.Join(repoRoot, "Pulumi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "Pulumi.yaml"), py, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "stacks"), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// acme is a complete set of options for a customer in its own account.
func acme(dir string) NewOptions {
	return NewOptions{
		ProjectDir: dir, Name: "acme", Cloud: "aws", Region: "eu-west-1", Env: "prod",
		Domain:          "media.acme.example",
		CertificateArn:  "arn:aws:acm:us-east-1:210987654321:certificate/4b0c9a36-2f1e-4b8e-9d67-0c1a2b3c4d5e",
		AssumeRoleArn:   "arn:aws:iam::210987654321:role/ottkit-deployer",
		JWTIssuer:       "https://login.acme.example/",
		JWTAudience:     []string{"acme-player", "acme-studio"},
		SigningKeyFiles: []string{"testdata/one.pub.pem"},
		AlertEmail:      "oncall@acme.example",
	}
}

func TestNewRoundTrips(t *testing.T) {
	dir := newProject(t)
	// A source stack with settings worth copying, and some that belong to acme only.
	_, acmeSpec, err := New(acme(dir))
	if err != nil {
		t.Fatalf("New(acme) error: %v", err)
	}
	acmeFile := filepath.Join(dir, "stacks", "Pulumi.acme-prod.yaml")
	edited, err := os.ReadFile(acmeFile)
	if err != nil {
		t.Fatal(err)
	}
	edited = append(edited, []byte("  ottkit:priceClass: PriceClass_200\n  ottkit:logRetentionDays: 400\n  ottkit:uploadOrigins:\n    - https://studio.acme.example\n")...)
	if err := os.WriteFile(acmeFile, edited, 0o644); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name      string
		opts      NewOptions
		wantStack string
		check     func(t *testing.T, s *platform.Spec)
	}{
		{
			name: "minimal",
			opts: NewOptions{ProjectDir: dir, Name: "globex", Cloud: "aws", Region: "us-east-2", Env: "staging",
				JWTIssuer: "https://auth.globex.example/", JWTAudience: []string{"globex"},
				SigningKeyFiles: []string{"testdata/two.pub.pem"}},
			wantStack: "globex-staging",
			check: func(t *testing.T, s *platform.Spec) {
				if s.AssumeRoleArn != "" || s.Domain != "" || !s.RetainData || s.PriceClass != "PriceClass_100" || s.WAF {
					t.Errorf("minimal spec lacks the defaults: %+v", s)
				}
			},
		},
		{
			name:      "full",
			opts:      acme(dir),
			wantStack: "",
		},
		{
			name:      "from the same customer keeps its account and identity",
			opts:      NewOptions{ProjectDir: dir, Name: "acme", Cloud: "aws", Region: "eu-central-1", Env: "staging", From: "acme-prod"},
			wantStack: "acme-staging",
			check: func(t *testing.T, s *platform.Spec) {
				if s.AssumeRoleArn != acmeSpec.AssumeRoleArn || s.JWTIssuer != acmeSpec.JWTIssuer ||
					!slices.Equal(s.SigningPublicKeys, acmeSpec.SigningPublicKeys) {
					t.Errorf("same-customer copy dropped acme's own settings: %+v", s)
				}
				if s.PriceClass != "PriceClass_200" || s.LogRetentionDays != 400 || !slices.Equal(s.UploadOrigins, []string{"https://studio.acme.example"}) {
					t.Errorf("copy lost the source's settings: priceClass %s, logRetentionDays %d, uploadOrigins %v", s.PriceClass, s.LogRetentionDays, s.UploadOrigins)
				}
				if !s.WAF {
					t.Error("the copy dropped the source's WAF")
				}
				if s.Domain != "" || s.CertificateArn != "" {
					t.Errorf("copy took the source's domain %q / certificate %q", s.Domain, s.CertificateArn)
				}
			},
		},
		{
			name: "from another customer leaves that customer's out",
			opts: NewOptions{ProjectDir: dir, Name: "initech", Cloud: "aws", Region: "eu-west-1", Env: "prod", From: "acme-prod",
				JWTIssuer: "https://id.initech.example/", JWTAudience: []string{"initech"},
				SigningKeyFiles: []string{"testdata/two.pub.pem"}},
			wantStack: "initech-prod",
			check: func(t *testing.T, s *platform.Spec) {
				if s.AssumeRoleArn != "" || s.AlertEmail != "" || len(s.UploadOrigins) != 0 || len(s.AllowedRegions) != 0 {
					t.Errorf("copy from acme kept acme's account or contacts: %+v", s)
				}
				if slices.Equal(s.SigningPublicKeys, acmeSpec.SigningPublicKeys) {
					t.Error("copy from acme trusts acme's signing keys")
				}
				if !s.WAF || s.PriceClass != "PriceClass_200" || s.LogRetentionDays != 400 {
					t.Errorf("copy lost the shareable settings: waf %v, priceClass %s, logRetentionDays %d", s.WAF, s.PriceClass, s.LogRetentionDays)
				}
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var path string
			var spec *platform.Spec
			if tc.wantStack == "" { // written above
				path, spec = acmeFile, acmeSpec
			} else {
				var err error
				path, spec, err = New(tc.opts)
				if err != nil {
					t.Fatalf("New() error: %v", err)
				}
				if want := filepath.Join(dir, "stacks", "Pulumi."+tc.wantStack+".yaml"); path != want {
					t.Errorf("New() path = %q, want %q", path, want)
				}
			}
			if spec.Customer != tc.opts.Name || spec.Environment != tc.opts.Env || spec.Region != tc.opts.Region {
				t.Errorf("spec = %s/%s/%s, want %s/%s/%s", spec.Customer, spec.Environment, spec.Region,
					tc.opts.Name, tc.opts.Env, tc.opts.Region)
			}
			if tc.wantStack == "" {
				return // acme's file was edited after writing; its round trip is checked by New
			}
			back, err := platform.LoadSpec(dir, tc.wantStack)
			if err != nil {
				t.Fatalf("LoadSpec() error: %v", err)
			}
			if !reflect.DeepEqual(back, spec) {
				t.Errorf("file reads back as\n%+v\nwant\n%+v", back, spec)
			}
			if tc.check != nil {
				tc.check(t, back)
			}
		})
	}
}

func TestNewWritesOnlyNonDefaults(t *testing.T) {
	dir := newProject(t)
	path, _, err := New(acme(dir))
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	for _, want := range []string{
		"aws:region: eu-west-1", "ottkit:customer: acme", "ottkit:environment: prod",
		"ottkit:assumeRoleArn: arn:aws:iam::210987654321:role/ottkit-deployer",
		"ottkit:domain: media.acme.example", "-----BEGIN PUBLIC KEY-----",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("stack file lacks %q:\n%s", want, text)
		}
	}
	for _, unwanted := range []string{"ottkit:cloud", "ottkit:ladder", "ottkit:priceClass"} {
		if strings.Contains(text, unwanted) {
			t.Errorf("stack file repeats the default %s:\n%s", unwanted, text)
		}
	}
}

func TestNewRejects(t *testing.T) {
	dir := newProject(t)
	if _, _, err := New(acme(dir)); err != nil {
		t.Fatal(err)
	}
	existing, err := os.ReadFile(filepath.Join(dir, "stacks", "Pulumi.acme-prod.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	with := func(f func(*NewOptions)) NewOptions {
		o := acme(dir)
		o.Env = "dev" // not taken yet
		f(&o)
		return o
	}
	for _, tc := range []struct {
		name string
		opts NewOptions
		want []string
	}{
		{"upper case", with(func(o *NewOptions) { o.Name = "Acme" }), []string{`name "Acme" is not DNS-safe`}},
		{"underscore", with(func(o *NewOptions) { o.Name = "acme_co" }), []string{"not DNS-safe"}},
		{"leading hyphen", with(func(o *NewOptions) { o.Name = "-acme" }), []string{"not DNS-safe"}},
		{"double hyphen", with(func(o *NewOptions) { o.Name = "acme--co" }), []string{"not DNS-safe"}},
		{"leading digit", with(func(o *NewOptions) { o.Name = "1acme" }), []string{"not DNS-safe"}},
		{"too short", with(func(o *NewOptions) { o.Name = "a" }), []string{"not DNS-safe"}},
		{"too long", with(func(o *NewOptions) { o.Name = "a-very-long-customer-x" }), []string{"not DNS-safe"}},
		{"path", with(func(o *NewOptions) { o.Name = "../acme" }), []string{"not DNS-safe"}},
		{"exists", with(func(o *NewOptions) { o.Env = "prod" }), []string{"Pulumi.acme-prod.yaml already exists"}},
		{"bad env", with(func(o *NewOptions) { o.Env = "Prod-1" }), []string{"ottkit:environment"}},
		{"other cloud", with(func(o *NewOptions) { o.Cloud = "azure" }), []string{"ottkit:cloud", `"azure"`}},
		{"bad region", with(func(o *NewOptions) { o.Region = "europe" }), []string{"aws:region", `"europe"`}},
		{"domain without certificate", with(func(o *NewOptions) { o.CertificateArn = "" }), []string{"ottkit:certificateArn"}},
		{"role ARN", with(func(o *NewOptions) { o.AssumeRoleArn = "arn:aws:iam::1:user/x" }), []string{"ottkit:assumeRoleArn"}},
		{"missing identity", with(func(o *NewOptions) { o.JWTIssuer, o.JWTAudience, o.SigningKeyFiles = "", nil, nil }),
			[]string{"ottkit:jwtIssuer", "ottkit:jwtAudience", "ottkit:signingPublicKeys"}},
		{"short key", with(func(o *NewOptions) { o.SigningKeyFiles = []string{"testdata/short.pub.pem"} }), []string{"ottkit:signingPublicKeys[0]", "1024 bits"}},
		{"key file missing", with(func(o *NewOptions) { o.SigningKeyFiles = []string{"testdata/nope.pem"} }), []string{"signing key", "nope.pem"}},
		{"from missing stack", with(func(o *NewOptions) { o.From = "globex-prod" }), []string{"from globex-prod", "globex-prod"}},
		{"from another customer without identity", with(func(o *NewOptions) {
			o.Name, o.From, o.JWTIssuer, o.JWTAudience, o.SigningKeyFiles = "initech", "acme-prod", "", nil, nil
		}), []string{"ottkit:jwtIssuer", "ottkit:signingPublicKeys"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path, spec, err := New(tc.opts)
			if err == nil {
				t.Fatalf("New() = %s, %+v; want an error", path, spec)
			}
			for _, want := range tc.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("New() error = %q, want it to contain %q", err, want)
				}
			}
			names, err := StackNames(dir)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(names, []string{"acme-prod"}) {
				t.Errorf("stack files after a rejected New = %v, want only acme-prod", names)
			}
			now, err := os.ReadFile(filepath.Join(dir, "stacks", "Pulumi.acme-prod.yaml"))
			if err != nil || !bytes.Equal(now, existing) {
				t.Errorf("acme-prod's stack file changed (err %v)", err)
			}
		})
	}
}

func TestListAndWriteTable(t *testing.T) {
	dir := newProject(t)
	if _, _, err := New(acme(dir)); err != nil {
		t.Fatal(err)
	}
	o := acme(dir)
	o.Name, o.Env, o.Domain, o.CertificateArn, o.Region = "big-co", "dev", "", "", "us-west-2"
	if _, _, err := New(o); err != nil {
		t.Fatal(err)
	}
	// A hand-edited file with two problems, and one that is not even YAML.
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, "stacks", "Pulumi."+name+".yaml"), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("globex-prod", "config:\n  aws:region: eu-west-1\n  ottkit:customer: globex\n  ottkit:environment: prod\n")
	write("broken-prod", "config: [\n")
	acmeFile, err := os.ReadFile(filepath.Join(dir, "stacks", "Pulumi.acme-prod.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	write("acme-qa", strings.NewReplacer("https://login.acme.example/", "http://login.acme.example/",
		"ottkit:environment: prod", "ottkit:environment: qa").Replace(string(acmeFile)))

	stacks, err := List(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := Invalid(stacks); got != 3 {
		t.Errorf("Invalid() = %d, want 3", got)
	}
	var buf bytes.Buffer
	if err := WriteTable(&buf, stacks); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(buf.String(), "\n"), "\n")
	want := []struct{ prefix, contains string }{
		{"STACK", "CUSTOMER  ENV   CLOUD  REGION     DOMAIN              CONFIG"},
		{"acme-prod", "acme      prod  aws    eu-west-1  media.acme.example  ok"},
		{"acme-qa", "acme      qa    aws    eu-west-1  media.acme.example  invalid: ottkit:jwtIssuer: \"http://login.acme.example/\" is not an https URL"},
		{"big-co-dev", "big-co    dev   aws    us-west-2  -                   ok"},
		{"broken-prod", "-         -     -      -          -                   invalid: "},
		// Required keys are missing: whether Pulumi's loader or ParseSpec says so first, the
		// row names the first of them.
		{"globex-prod  globex    prod", "invalid: ottkit:jwtAudience: required"},
	}
	if len(lines) != len(want) {
		t.Fatalf("table has %d lines, want %d:\n%s", len(lines), len(want), buf.String())
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w.prefix) || !strings.Contains(lines[i], w.contains) {
			t.Errorf("line %d = %q, want it to start with %q and contain %q", i, lines[i], w.prefix, w.contains)
		}
	}
	// The globex file misses two required keys: the row counts the second.
	if !strings.HasSuffix(lines[5], "(+1 more)") {
		t.Errorf("globex row %q does not count the other problem", lines[5])
	}
	if globex := stacks[4]; len(globex.Problems) != 2 || !strings.HasPrefix(globex.Problems[1], "ottkit:jwtIssuer") {
		t.Errorf("globex problems = %q, want jwtAudience and jwtIssuer", globex.Problems)
	}
}

func TestListEmpty(t *testing.T) {
	dir := newProject(t)
	stacks, err := List(dir)
	if err != nil || len(stacks) != 0 {
		t.Fatalf("List() = %v, %v; want no stacks", stacks, err)
	}
	var buf bytes.Buffer
	if err := WriteTable(&buf, stacks); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "ottkit customer new") {
		t.Errorf("empty table %q does not say how to start", buf.String())
	}
	if _, err := List(t.TempDir()); err == nil || !strings.Contains(err.Error(), "Pulumi.yaml") {
		t.Errorf("List() without Pulumi.yaml error = %v, want it to name Pulumi.yaml", err)
	}
}

func TestSelect(t *testing.T) {
	dir := newProject(t)
	for _, c := range []struct{ name, env string }{{"acme", "prod"}, {"acme", "staging"}, {"big-co", "prod"}, {"globex", "dev"}} {
		o := acme(dir)
		o.Name, o.Env, o.Domain, o.CertificateArn = c.name, c.env, "", ""
		if _, _, err := New(o); err != nil {
			t.Fatal(err)
		}
	}
	// Invalid, but still selected by its name so the run reports it.
	if err := os.WriteFile(filepath.Join(dir, "stacks", "Pulumi.initech-prod.yaml"), []byte("config: [\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name      string
		customers []string
		env       string
		all       bool
		want      []string
		wantErr   string
	}{
		{name: "all", all: true, want: []string{"acme-prod", "acme-staging", "big-co-prod", "globex-dev", "initech-prod"}},
		{name: "all prod", all: true, env: "prod", want: []string{"acme-prod", "big-co-prod", "initech-prod"}},
		{name: "one customer", customers: []string{"acme"}, want: []string{"acme-prod", "acme-staging"}},
		{name: "hyphenated customer", customers: []string{"big-co"}, want: []string{"big-co-prod"}},
		{name: "two customers one env", customers: []string{"acme", "globex"}, env: "staging", wantErr: `"globex" has no stack file for environment staging`},
		{name: "invalid stack by name", customers: []string{"initech"}, want: []string{"initech-prod"}},
		{name: "unknown customer", customers: []string{"acme", "umbrella"}, wantErr: `"umbrella" has no stack file`},
		{name: "neither", wantErr: "either customer names or all"},
		{name: "both", customers: []string{"acme"}, all: true, wantErr: "either customer names or all"},
		{name: "no env match", all: true, env: "qa", wantErr: "no stack files for environment qa"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Select(dir, tc.customers, tc.env, tc.all)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Select() = %v, %v; want error %q", got, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Select() error: %v", err)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("Select() = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestNewWAFDefault(t *testing.T) {
	off, on := false, true
	for _, tc := range []struct {
		env  string
		waf  *bool
		want bool
	}{
		{"prod", nil, true},
		{"production", nil, true},
		{"staging", nil, false},
		{"prod", &off, false},
		{"dev", &on, true},
	} {
		t.Run(fmt.Sprintf("%s/%v", tc.env, tc.waf != nil), func(t *testing.T) {
			o := acme(newProject(t))
			o.Env, o.WAF = tc.env, tc.waf
			_, spec, err := New(o)
			if err != nil {
				t.Fatal(err)
			}
			if spec.WAF != tc.want {
				t.Errorf("WAF = %v, want %v", spec.WAF, tc.want)
			}
		})
	}
}

// TestListStackWithSecrets: encrypted values cannot be read offline. Such a file is reported as
// not checked, naming the keys, rather than invalid.
func TestListStackWithSecrets(t *testing.T) {
	dir := newProject(t)
	path, _, err := New(acme(dir))
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	secret := strings.Replace(string(b), "  ottkit:alertEmail: oncall@acme.example\n",
		"  ottkit:alertEmail:\n    secure: v1:c2FsdA==:ZW5jcnlwdGVk\n  ottkit:tags:\n    owner:\n      secure: v1:c2FsdA==:b3duZXI=\n", 1)
	if secret == string(b) {
		t.Fatalf("stack file has no alertEmail line to encrypt:\n%s", b)
	}
	if err := os.WriteFile(path, []byte(secret), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, want := SecretKeys(dir, "acme-prod"), []string{"ottkit:alertEmail", "ottkit:tags"}; !slices.Equal(got, want) {
		t.Errorf("SecretKeys() = %v, want %v", got, want)
	}
	stacks, err := List(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(stacks) != 1 || len(stacks[0].Problems) != 0 || Invalid(stacks) != 0 {
		t.Fatalf("List() = %+v; want acme-prod unchecked, not invalid", stacks)
	}
	if stacks[0].Customer != "acme" || stacks[0].Region != "eu-west-1" {
		t.Errorf("List() shows %+v; want what the file says", stacks[0])
	}
	var buf bytes.Buffer
	if err := WriteTable(&buf, stacks); err != nil {
		t.Fatal(err)
	}
	if want := "not checked offline: secrets in ottkit:alertEmail, ottkit:tags"; !strings.Contains(buf.String(), want) {
		t.Errorf("table %q lacks %q", buf.String(), want)
	}
	if got := SecretKeys(dir, "missing-prod"); got != nil {
		t.Errorf("SecretKeys() of a missing file = %v", got)
	}
}

// TestNewGeneratesTheFirstSigningKey: without --signing-key, GenerateSigningKey is asked for
// the key of the stack's prefix, only once the rest of the stack validates, and its public key
// is what the file trusts.
func TestNewGeneratesTheFirstSigningKey(t *testing.T) {
	pub, err := os.ReadFile("testdata/one.pub.pem")
	if err != nil {
		t.Fatal(err)
	}
	var asked []string
	gen := func(prefix string) (string, error) {
		asked = append(asked, prefix)
		return string(pub), nil
	}
	dir := newProject(t)
	o := acme(dir)
	o.SigningKeyFiles, o.GenerateSigningKey = nil, gen
	_, spec, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(asked, []string{"acme-prod"}) {
		t.Errorf("asked for keys of %v, want acme-prod", asked)
	}
	if len(spec.SigningPublicKeys) != 1 || strings.TrimSpace(spec.SigningPublicKeys[0]) != strings.TrimSpace(string(pub)) {
		t.Errorf("the stack trusts %v, want the generated key", spec.SigningPublicKeys)
	}

	asked = nil
	o = acme(newProject(t))
	o.GenerateSigningKey = gen
	if _, _, err := New(o); err == nil || !strings.Contains(err.Error(), "not both") {
		t.Errorf("a given and a generated key: %v", err)
	}
	o = acme(newProject(t))
	o.SigningKeyFiles, o.GenerateSigningKey, o.JWTIssuer = nil, gen, "http://login.acme.example/"
	if _, _, err := New(o); err == nil || !strings.Contains(err.Error(), "ottkit:jwtIssuer") {
		t.Errorf("an invalid stack: %v", err)
	}
	if len(asked) != 0 {
		t.Errorf("keys were generated for stacks that were refused: %v", asked)
	}
}
