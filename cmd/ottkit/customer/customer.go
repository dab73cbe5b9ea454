// Package customer manages the stack files of customer environments: one
// stacks/Pulumi.<customer>-<env>.yaml per isolated platform, each the written form of a
// validated platform.Spec. New writes one, List reads them all back with their validation
// status, and Select turns "these customers" or "all of them" into stack names.
package customer

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
	"gopkg.in/yaml.v3"

	"github.com/ottkit/ottkit/components/platform"
)

// NewOptions describe a new customer environment. Empty fields take the --from stack's value
// or the default; Validate reports the required ones still missing.
type NewOptions struct {
	ProjectDir string // directory holding Pulumi.yaml; "" means "."
	Name       string // the customer: a DNS label, 2 to 20 characters
	Cloud      string
	Region     string
	// Project is the GCP project id (gcp:project); only with Cloud gcp.
	Project string
	Env     string
	// Domain and CertificateArn are the custom playback host and its certificate: both or
	// neither. They never come from From: two platforms cannot serve one host name.
	Domain, CertificateArn string
	// From is an existing stack whose settings to start from. From another customer's stack,
	// the keys in OwnKeys are left out.
	From          string
	AssumeRoleArn string
	JWTIssuer     string
	JWTAudience   []string
	// SigningKeyFiles are files holding the RSA-2048 public keys (PEM) for signed cookies.
	SigningKeyFiles []string
	// GenerateSigningKey, without SigningKeyFiles, makes the first signing key of an AWS
	// stack: it is called with the stack's prefix (<customer>-<env>), stores the private half
	// in the cloud's secret store and returns the public key in PEM (ottkit keys).
	GenerateSigningKey func(prefix string) (string, error)
	AlertEmail         string
	// WAF puts a WAF web ACL in front of the CDN. Nil means on for production environments
	// (prod, production), which the policy pack requires, and otherwise the From stack's
	// setting or the default (off).
	WAF *bool
}

// ProdEnvironments are the environment names treated as production: they get a WAF unless
// NewOptions.WAF says otherwise, as the policy pack's deny_cloudfront_waf rule expects.
var ProdEnvironments = []string{"prod", "production"}

// dnsLabel is what a customer name must be: it starts every resource name and bucket name.
var dnsLabel = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`)

// New writes the stack file of a new customer environment and returns its path and the spec
// it holds. It refuses to overwrite an existing stack file, and removes what it wrote unless
// the file reads back (the way `pulumi up` reads it) to exactly the spec it validated.
func New(o NewOptions) (string, *platform.Spec, error) {
	if o.ProjectDir == "" {
		o.ProjectDir = "."
	}
	if !dnsLabel.MatchString(o.Name) || len(o.Name) < 2 || len(o.Name) > 20 {
		return "", nil, fmt.Errorf("customer: name %q is not DNS-safe: use 2 to 20 lowercase letters, digits and single hyphens, starting with a letter", o.Name)
	}
	spec, err := newSpec(o)
	if err != nil {
		return "", nil, err
	}
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "# %s %s: one isolated ottkit platform. Written by `ottkit customer new`;\n"+
		"# edit freely: `ottkit customer list` says whether it still validates.\n", spec.Customer, spec.Environment)
	if err := spec.WriteStackFile(&buf); err != nil {
		return "", nil, fmt.Errorf("customer: %w", err)
	}

	dir, err := StackDir(o.ProjectDir)
	if err != nil {
		return "", nil, err
	}
	stack := spec.Prefix()
	path := filepath.Join(dir, "Pulumi."+stack+".yaml")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", nil, fmt.Errorf("customer: %w", err)
	}
	// O_EXCL: an existing stack file is a live customer's configuration; never replace it.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, os.ErrExist) {
		return "", nil, fmt.Errorf("customer: %s already exists; edit it, or choose another environment", path)
	}
	if err != nil {
		return "", nil, fmt.Errorf("customer: %w", err)
	}
	_, werr := f.Write(buf.Bytes())
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		os.Remove(path)
		return "", nil, fmt.Errorf("customer: writing %s: %w", path, werr)
	}

	back, err := platform.LoadSpec(o.ProjectDir, stack)
	if err == nil && !reflect.DeepEqual(back, spec) {
		err = fmt.Errorf("it reads back as %+v, not %+v", back, spec)
	}
	if err != nil {
		os.Remove(path)
		return "", nil, fmt.Errorf("customer: %s did not read back to the spec it was written from, removed it: %w", path, err)
	}
	return path, spec, nil
}

// OwnKeys are the configuration keys that identify or reach one customer. Starting from
// another customer's stack leaves them out, so the copy cannot deploy into that customer's
// account, trust its identity provider or signing keys, accept uploads from its sites, or mail
// its on-call.
var OwnKeys = []string{
	key("assumeRoleArn"), key("allowedRegions"), key("jwtIssuer"), key("jwtAudience"),
	key("signingPublicKeys"), key("uploadOrigins"), key("alertEmail"), platform.GCPProjectKey,
}

// throwawayKey is an RSA-2048 public key in PEM that only stands in for the real one while
// the rest of a stack is validated.
func throwawayKey() (string, error) {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return "", fmt.Errorf("customer: %w", err)
	}
	der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		return "", fmt.Errorf("customer: %w", err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})), nil
}

// newSpec assembles the stack configuration (the From stack's, or nothing), applies the
// options and lets ParseSpec fill in the defaults and validate.
func newSpec(o NewOptions) (*platform.Spec, error) {
	cfg := map[string]string{}
	if o.From != "" {
		src, err := platform.LoadSpec(o.ProjectDir, o.From)
		if err != nil {
			return nil, fmt.Errorf("customer: from %s: %w", o.From, err)
		}
		cfg = src.StackConfig()
		if src.Customer != o.Name {
			for _, k := range OwnKeys {
				delete(cfg, k)
			}
		}
		delete(cfg, key("domain"))
		delete(cfg, key("certificateArn"))
	}
	set := func(k, v string) {
		if v != "" {
			cfg[k] = v
		}
	}
	set(key("customer"), o.Name)
	set(key("environment"), o.Env)
	set(key("cloud"), o.Cloud)
	gcp := cfg[key("cloud")] == platform.CloudGCP
	if gcp {
		// A GCP stack names its place with the google provider's keys; the S3 archive class
		// default means nothing there.
		set(platform.GCPRegionKey, o.Region)
		set(platform.GCPProjectKey, o.Project)
		if _, ok := cfg[key("archiveStorageClass")]; !ok {
			cfg[key("archiveStorageClass")] = "ARCHIVE"
		}
	} else {
		set(platform.RegionKey, o.Region)
		set(platform.GCPProjectKey, o.Project) // refused by validation, naming the key
	}
	set(key("domain"), o.Domain)
	set(key("certificateArn"), o.CertificateArn)
	set(key("assumeRoleArn"), o.AssumeRoleArn)
	set(key("jwtIssuer"), o.JWTIssuer)
	set(key("alertEmail"), o.AlertEmail)
	if len(o.JWTAudience) > 0 {
		cfg[key("jwtAudience")] = jsonList(o.JWTAudience)
	}
	switch {
	case o.WAF != nil:
		cfg[key("waf")] = fmt.Sprint(*o.WAF)
	case slices.Contains(ProdEnvironments, o.Env) && !gcp: // Cloud Armor's edge policy is always on
		cfg[key("waf")] = "true"
	}
	if len(o.SigningKeyFiles) > 0 {
		var pems []string
		for _, file := range o.SigningKeyFiles {
			b, err := os.ReadFile(file)
			if err != nil {
				return nil, fmt.Errorf("customer: signing key: %w", err)
			}
			pems = append(pems, strings.TrimSpace(string(b))+"\n")
		}
		cfg[key("signingPublicKeys")] = jsonList(pems)
	}
	if o.GenerateSigningKey != nil {
		switch {
		case len(o.SigningKeyFiles) > 0:
			return nil, errors.New("customer: a signing key is either given (--signing-key) or generated, not both")
		case gcp:
			return nil, errors.New("customer: Cloud CDN keys are not CloudFront key pairs: a gcp stack takes no signing key")
		}
		// Validate everything else first: no key is stored for a stack that would not validate.
		throwaway, err := throwawayKey()
		if err != nil {
			return nil, err
		}
		probe := maps.Clone(cfg)
		probe[key("signingPublicKeys")] = jsonList([]string{throwaway})
		if _, err := platform.ParseSpec(probe); err != nil {
			return nil, fmt.Errorf("customer: %s would not validate: %w", o.Name, err)
		}
		env := o.Env
		if k, ok := platform.KeyNamed("environment"); ok && env == "" {
			env = fmt.Sprint(k.Default)
		}
		pemText, err := o.GenerateSigningKey(o.Name + "-" + env)
		if err != nil {
			return nil, fmt.Errorf("customer: generate the signing key: %w", err)
		}
		cfg[key("signingPublicKeys")] = jsonList([]string{pemText})
	}
	spec, err := platform.ParseSpec(cfg)
	if err != nil {
		return nil, fmt.Errorf("customer: %s would not validate: %w", o.Name, err)
	}
	return spec, nil
}

func key(name string) string { return platform.Namespace + ":" + name }

func jsonList(items []string) string {
	b, _ := json.Marshal(items) // strings always marshal
	return string(b)
}

// Stack is one stack file as List reads it.
type Stack struct {
	Name                                 string // the stack: Pulumi.<Name>.yaml
	Customer, Env, Cloud, Region, Domain string
	// Problems are the validation problems, each naming its key; none when the file
	// validates.
	Problems []string
	// Secrets are the keys holding encrypted (secure:) values. Such a file cannot be
	// validated offline; the program validates it when the engine runs it, with the values
	// decrypted. Problems is then empty.
	Secrets []string
}

// List reads every stack file in the project's stack directory, in stack name order. A file
// that does not parse or validate is a Stack with Problems, not an error: one broken customer
// must not hide the others. What such a file says about customer, region and so on is shown
// as far as it can be read.
func List(projectDir string) ([]Stack, error) {
	names, err := StackNames(projectDir)
	if err != nil {
		return nil, err
	}
	out := make([]Stack, 0, len(names))
	for _, name := range names {
		st := Stack{Name: name}
		spec, err := platform.LoadSpec(projectDir, name)
		if err == nil {
			st.Customer, st.Env, st.Cloud, st.Region, st.Domain =
				spec.Customer, spec.Environment, spec.Cloud, spec.Region, spec.Domain
			out = append(out, st)
			continue
		}
		if st.Secrets = SecretKeys(projectDir, name); len(st.Secrets) == 0 {
			st.Problems = problems(err)
		}
		cfg, rerr := platform.ReadStackConfig(projectDir, name)
		if rerr != nil {
			cfg = rawConfig(projectDir, name)
		}
		st.Customer, st.Env, st.Cloud = cfg[key("customer")], cfg[key("environment")], cfg[key("cloud")]
		st.Region, st.Domain = cfg[platform.RegionKey], cfg[key("domain")]
		if st.Cloud == platform.CloudGCP {
			st.Region = cfg[platform.GCPRegionKey]
		}
		out = append(out, st)
	}
	return out, nil
}

// SecretKeys lists the configuration keys of a stack file that hold encrypted (secure:)
// values, sorted; none when the file has none or cannot be read.
func SecretKeys(projectDir, stack string) []string {
	doc := stackFile(projectDir, stack)
	var out []string
	for k, v := range doc {
		if holdsSecret(v) {
			out = append(out, fullKey(k))
		}
	}
	sort.Strings(out)
	return out
}

// holdsSecret reports whether a configuration value is, or contains, {secure: ...}.
func holdsSecret(v any) bool {
	switch t := v.(type) {
	case map[string]any:
		if _, ok := t["secure"]; ok && len(t) == 1 {
			return true
		}
		for _, x := range t {
			if holdsSecret(x) {
				return true
			}
		}
	case []any:
		for _, x := range t {
			if holdsSecret(x) {
				return true
			}
		}
	}
	return false
}

// stackFile returns a stack file's config block as YAML decodes it; nil when the file cannot
// be read or is not YAML.
func stackFile(projectDir, stack string) map[string]any {
	dir, err := StackDir(projectDir)
	if err != nil {
		return nil
	}
	b, err := os.ReadFile(filepath.Join(dir, "Pulumi."+stack+".yaml"))
	if err != nil {
		return nil
	}
	var doc struct {
		Config map[string]any `yaml:"config"`
	}
	if yaml.Unmarshal(b, &doc) != nil {
		return nil
	}
	return doc.Config
}

// fullKey expands Pulumi's shorthand for the project's own keys ("customer" is
// "ottkit:customer").
func fullKey(k string) string {
	if !strings.Contains(k, ":") {
		return platform.Namespace + ":" + k
	}
	return k
}

// rawConfig reads a stack file's plain string values without Pulumi's checks, for showing
// what a file that Pulumi rejects (a required key missing, say) is about. Nil when the file is
// not YAML at all.
func rawConfig(projectDir, stack string) map[string]string {
	out := map[string]string{}
	for k, v := range stackFile(projectDir, stack) {
		if s, ok := v.(string); ok {
			out[fullKey(k)] = s
		}
	}
	return out
}

// problems returns the problems err joins, one line each. The platform package wraps its list
// (errors.Join) in context; the list is what a reader acts on.
func problems(err error) []string {
	for e := err; e != nil; e = errors.Unwrap(e) {
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			var out []string
			for _, p := range j.Unwrap() {
				out = append(out, strings.TrimSpace(p.Error()))
			}
			if len(out) > 0 {
				return out
			}
		}
	}
	return []string{strings.TrimSpace(err.Error())}
}

// WriteTable prints stacks as `ottkit customer list` shows them: one row each, with "ok" or
// the first problem (and how many more).
func WriteTable(w io.Writer, stacks []Stack) error {
	if len(stacks) == 0 {
		_, err := fmt.Fprintln(w, "no stack files yet; create one with `ottkit customer new NAME --cloud aws --region REGION`")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "STACK\tCUSTOMER\tENV\tCLOUD\tREGION\tDOMAIN\tCONFIG")
	for _, s := range stacks {
		status := "ok"
		if len(s.Secrets) > 0 {
			status = "not checked offline: secrets in " + strings.Join(s.Secrets, ", ")
		}
		if len(s.Problems) > 0 {
			first, _, _ := strings.Cut(s.Problems[0], "\n")
			status = "invalid: " + first
			if n := len(s.Problems) - 1; n > 0 {
				status += fmt.Sprintf(" (+%d more)", n)
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", s.Name, dash(s.Customer), dash(s.Env),
			dash(s.Cloud), dash(s.Region), dash(s.Domain), status)
	}
	return tw.Flush()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// Invalid counts the stacks whose configuration does not validate.
func Invalid(stacks []Stack) int {
	n := 0
	for _, s := range stacks {
		if len(s.Problems) > 0 {
			n++
		}
	}
	return n
}

// Select returns the stacks to operate on, in name order: every stack file when all is set,
// otherwise those of the given customers; env, when set, keeps only that environment. Exactly
// one of all and customers must be given, and every customer named must have a stack: a typo
// must not silently select nothing. Stacks whose file does not validate are still selected (by
// what the file says, or by the <customer>-<env> naming convention), so the run reports their
// problems instead of skipping them.
func Select(projectDir string, customers []string, env string, all bool) ([]string, error) {
	if all == (len(customers) > 0) {
		return nil, errors.New("customer: select stacks with either customer names or all, not both or neither")
	}
	stacks, err := List(projectDir)
	if err != nil {
		return nil, err
	}
	var out []string
	found := map[string]bool{}
	for _, s := range stacks {
		c, e := s.Customer, s.Env
		if c == "" {
			c, e = splitStackName(s.Name)
		}
		if env != "" && e != env {
			continue
		}
		if all || slices.Contains(customers, c) {
			out = append(out, s.Name)
			found[c] = true
		}
	}
	for _, c := range customers {
		if !found[c] {
			return nil, fmt.Errorf("customer: %q has no stack file%s in %s", c, forEnv(env), projectDir)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("customer: no stack files%s in %s; create one with `ottkit customer new`", forEnv(env), projectDir)
	}
	return out, nil
}

func forEnv(env string) string {
	if env == "" {
		return ""
	}
	return " for environment " + env
}

// splitStackName splits "<customer>-<env>" at its last hyphen: customers may contain hyphens,
// environments may not.
func splitStackName(stack string) (customer, env string) {
	if i := strings.LastIndexByte(stack, '-'); i > 0 {
		return stack[:i], stack[i+1:]
	}
	return stack, ""
}

// StackDir is where the project keeps its stack files: Pulumi.yaml's stackConfigDir.
func StackDir(projectDir string) (string, error) {
	proj, err := workspace.LoadProject(filepath.Join(projectDir, "Pulumi.yaml"))
	if err != nil {
		return "", fmt.Errorf("customer: %w", err)
	}
	return filepath.Join(projectDir, proj.StackConfigDir), nil
}

// StackNames lists the stacks that have a stack file, sorted.
func StackNames(projectDir string) ([]string, error) {
	dir, err := StackDir(projectDir)
	if err != nil {
		return nil, err
	}
	files, err := filepath.Glob(filepath.Join(dir, "Pulumi.*.yaml"))
	if err != nil {
		return nil, fmt.Errorf("customer: %w", err)
	}
	names := make([]string, 0, len(files))
	for _, f := range files {
		names = append(names, strings.TrimSuffix(strings.TrimPrefix(filepath.Base(f), "Pulumi."), ".yaml"))
	}
	sort.Strings(names)
	return names, nil
}
