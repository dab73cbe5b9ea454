package policies

import (
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/open-policy-agent/opa/v1/ast"
)

// TestAnalyzerCompiles compiles the pack the way pulumi-policy-opa loads it: every .rego file
// in the directory (tests included), parsed as Rego v0, in one package.
func TestAnalyzerCompiles(t *testing.T) {
	modules, err := readModules(FS(), true)
	if err != nil {
		t.Fatal(err)
	}
	c, err := ast.CompileModulesWithOpt(modules, ast.CompileOpts{ParserOptions: ast.ParserOptions{RegoVersion: ast.RegoV0}})
	if err != nil {
		t.Fatalf("the analyzer (Rego v0) cannot compile the pack: %v", err)
	}
	for name, m := range c.Modules {
		if got := m.Package.String(); got != "package "+PackageName {
			t.Errorf("%s: got %q, want package %s", name, got, PackageName)
		}
	}
}

func TestClassify(t *testing.T) {
	tests := []struct {
		name  string
		level Level
		scope Scope
		ok    bool
	}{
		{"deny_sqs_kms", Mandatory, ResourceScope, true},
		{"violation_x", Mandatory, ResourceScope, true},
		{"warn_lambda_arm64", Advisory, ResourceScope, true},
		{"stack_deny_s3_versioning", Mandatory, StackScope, true},
		{"stack_warn_x", Advisory, StackScope, true},
		{"deny", Mandatory, ResourceScope, true},
		{"test_deny_sqs_kms", "", "", false},
		{"buckets", "", "", false},
		{"denyx", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			level, scope, ok := Classify(tt.name)
			if level != tt.level || scope != tt.scope || ok != tt.ok {
				t.Errorf("Classify(%q) = %q, %q, %v; want %q, %q, %v", tt.name, level, scope, ok, tt.level, tt.scope, tt.ok)
			}
		})
	}
}

func TestPackMetadata(t *testing.T) {
	p := mustPack(t)
	if p.Title == "" || p.Description == "" {
		t.Errorf("package METADATA: got title %q description %q, want both", p.Title, p.Description)
	}
	if len(p.Rules) < 30 {
		t.Errorf("got %d rules, want at least 30", len(p.Rules))
	}
	families := map[string]int{}
	for _, r := range p.Rules {
		families[r.Family()]++
		if strings.HasPrefix(r.Name, "warn_") && r.Level != Advisory {
			t.Errorf("%s: got level %s, want advisory", r.Name, r.Level)
		}
	}
	for _, f := range []string{"storage", "cdn", "functions", "queues", "iam", "catalog", "governance"} {
		if families[f] == 0 {
			t.Errorf("family %s has no rules", f)
		}
	}
}

func TestLoadRejects(t *testing.T) {
	manifest := &fstest.MapFile{Data: []byte("runtime: opa\n")}
	ok := "package ottkit\nimport rego.v1\n# METADATA\n# title: T\n# description: D\n# custom:\n#   message: M\ndeny_x contains \"x\" if input.a\n"
	tests := []struct {
		name string
		fsys fstest.MapFS
		want string
	}{
		{"no manifest", fstest.MapFS{"a.rego": {Data: []byte(ok)}}, "manifest"},
		{"not opa", fstest.MapFS{"PulumiPolicy.yaml": {Data: []byte("runtime: nodejs\n")}, "a.rego": {Data: []byte(ok)}}, "runtime must be opa"},
		{"no rules", fstest.MapFS{"PulumiPolicy.yaml": manifest}, "no .rego files"},
		{"two packages", fstest.MapFS{"PulumiPolicy.yaml": manifest, "a.rego": {Data: []byte(ok)},
			"b.rego": {Data: []byte("package ottkit.sub\nimport rego.v1\nx := 1\n")}}, "one package"},
		{"no metadata", fstest.MapFS{"PulumiPolicy.yaml": manifest,
			"a.rego": {Data: []byte("package ottkit\nimport rego.v1\ndeny_y contains \"y\" if input.b\n")}}, "deny_y (a.rego)"},
		{"syntax", fstest.MapFS{"PulumiPolicy.yaml": manifest, "a.rego": {Data: []byte("package ottkit\ndeny_z[msg {\n")}}, "a.rego"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(tt.fsys)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Load: got error %v, want one containing %q", err, tt.want)
			}
		})
	}
	if _, err := Load(fstest.MapFS{"PulumiPolicy.yaml": manifest, "a.rego": {Data: []byte(ok)}}); err != nil {
		t.Errorf("Load of a minimal pack: %v", err)
	}
}

func TestParseConfig(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    Config
		wantErr string
	}{
		{"empty", "  ", Config{}, ""},
		{"level string", `{"all": "advisory"}`, Config{"all": {EnforcementLevel: Advisory}}, ""},
		{"properties", `{"deny_region": {"enforcementLevel": "mandatory", "allowedRegions": ["eu-west-1"]}}`,
			Config{"deny_region": {EnforcementLevel: Mandatory, Properties: map[string]any{"allowedRegions": []any{"eu-west-1"}}}}, ""},
		{"bad level", `{"deny_region": "blocking"}`, nil, `"deny_region": enforcement level "blocking"`},
		{"level not string", `{"deny_region": {"enforcementLevel": 1}}`, nil, "enforcementLevel 1 is not a string"},
		{"number", `{"deny_region": 3}`, nil, "neither an enforcement level nor an object"},
		{"all with properties", `{"all": {"x": 1}}`, nil, `"all" takes only an enforcement level`},
		{"not json", `[`, nil, "not a JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseConfig([]byte(tt.in))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %#v, want %#v", got, tt.want)
			}
		})
	}
}

// fixture returns a rule's pass or fail input, or the policy config its test runs with.
func fixture(t testing.TB, rule, kind string) map[string]any {
	t.Helper()
	b, err := os.ReadFile("fixtures/" + rule + "/data.json")
	if err != nil {
		t.Fatal(err)
	}
	var fx map[string]map[string]any
	if err := json.Unmarshal(b, &fx); err != nil {
		t.Fatal(err)
	}
	return fx[kind]
}

// fixtureConfig returns the policy config a rule's fixtures are evaluated with.
func fixtureConfig(t testing.TB, rule string) Config {
	t.Helper()
	raw := fixture(t, rule, "config")
	if raw == nil {
		return nil
	}
	b, _ := json.Marshal(raw)
	cfg, err := ParseConfig(b)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// fromInput rebuilds the Resource whose analyzer input obj is.
func fromInput(t testing.TB, obj map[string]any) Resource {
	t.Helper()
	opts := obj["__options"].(map[string]any)
	r := Resource{URN: obj["__urn"].(string), Type: obj["__type"].(string), Name: obj["__name"].(string),
		Parent: opts["parent"].(string), Properties: obj["__properties"].(map[string]any), Protect: opts["protect"].(bool)}
	if v, ok := opts["retainOnDelete"].(bool); ok {
		r.RetainOnDelete, r.RetainOnDeleteKnown = v, true
	}
	if p, ok := obj["__provider"].(map[string]any); ok && len(p) > 0 {
		r.Provider = &Provider{URN: p["urn"].(string), Type: p["type"].(string), Name: p["name"].(string),
			Properties: p["properties"].(map[string]any)}
	}
	return r
}

// resourcesOf returns the resources of a fixture input, resource or stack shaped.
func resourcesOf(t testing.TB, in map[string]any) []Resource {
	if list, ok := in["resources"].([]any); ok {
		var out []Resource
		for _, x := range list {
			out = append(out, fromInput(t, x.(map[string]any)))
		}
		return out
	}
	return []Resource{fromInput(t, in)}
}

// TestInputShape proves Resource.Input builds exactly the analyzer object the fixtures hold.
func TestInputShape(t *testing.T) {
	in := fixture(t, "deny_lambda_tracing", "pass")
	r := fromInput(t, in)
	got, err := json.Marshal(r.Input())
	if err != nil {
		t.Fatal(err)
	}
	want, _ := json.Marshal(in)
	var g, w any
	_ = json.Unmarshal(got, &g)
	_ = json.Unmarshal(want, &w)
	if !reflect.DeepEqual(g, w) {
		t.Errorf("Input():\n got %s\nwant %s", got, want)
	}
}

func policiesOf(vs []Violation) map[string]Level {
	out := map[string]Level{}
	for _, v := range vs {
		out[v.Policy] = v.Level
	}
	return out
}

// TestEvaluateFixtures runs every fixture through the Go evaluator: the failing one is caught
// by its rule, the passing one is not.
func TestEvaluateFixtures(t *testing.T) {
	p := mustPack(t)
	for _, r := range p.Rules {
		t.Run(r.Name, func(t *testing.T) {
			e, err := p.Prepare(context.Background(), fixtureConfig(t, r.Name))
			if err != nil {
				t.Fatal(err)
			}
			for _, kind := range []string{"pass", "fail"} {
				vs, err := e.Evaluate(context.Background(), "urn:pulumi:prod::ottkit::pulumi:pulumi:Stack::ottkit-prod", resourcesOf(t, fixture(t, r.Name, kind)))
				if err != nil {
					t.Fatal(err)
				}
				level, caught := policiesOf(vs)[r.Name]
				if caught != (kind == "fail") {
					t.Errorf("%s fixture: caught %v, want %v (violations %v)", kind, caught, kind == "fail", vs)
				}
				if caught && level != r.Level {
					t.Errorf("%s fixture: got level %s, want %s", kind, level, r.Level)
				}
			}
		})
	}
}

func TestEvaluateConfig(t *testing.T) {
	p := mustPack(t)
	ctx := context.Background()
	region := resourcesOf(t, fixture(t, "deny_region", "fail")) // ap-south-1
	tests := []struct {
		name    string
		cfg     string
		want    map[string]Level
		wantErr string
	}{
		{"any region by default", `{}`, map[string]Level{}, ""},
		{"outside", `{"deny_region": {"allowedRegions": ["eu-west-1"]}}`, map[string]Level{"deny_region": Mandatory}, ""},
		{"allowed", `{"deny_region": {"allowedRegions": ["ap-south-1"]}}`, map[string]Level{}, ""},
		{"advisory", `{"deny_region": {"enforcementLevel": "advisory", "allowedRegions": ["eu-west-1"]}}`, map[string]Level{"deny_region": Advisory}, ""},
		{"all advisory", `{"all": "advisory", "deny_region": {"allowedRegions": ["eu-west-1"]}}`, map[string]Level{"deny_region": Advisory}, ""},
		{"rule beats all", `{"all": "advisory", "deny_region": {"enforcementLevel": "mandatory", "allowedRegions": ["eu-west-1"]}}`, map[string]Level{"deny_region": Mandatory}, ""},
		{"disabled", `{"deny_region": {"enforcementLevel": "disabled", "allowedRegions": ["eu-west-1"]}}`, map[string]Level{}, ""},
		{"unknown rule", `{"deny_nothing": "advisory"}`, nil, "unknown rules: deny_nothing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := ParseConfig([]byte(tt.cfg))
			if err != nil {
				t.Fatal(err)
			}
			e, err := p.Prepare(ctx, cfg)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			vs, err := e.Evaluate(ctx, "", region)
			if err != nil {
				t.Fatal(err)
			}
			got := policiesOf(vs)
			delete(got, "stack_deny_sqs_dead_letter") // the lone fixture queue has no dead-letter queue
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestEmbeddedMatchesDirectory(t *testing.T) {
	// The embedded pack must be the directory users pass to pulumi --policy-pack.
	names, _ := fs.Glob(FS(), "*.rego")
	disk, _ := fs.Glob(os.DirFS("."), "*.rego")
	if !reflect.DeepEqual(names, disk) {
		t.Errorf("embedded %v, on disk %v", names, disk)
	}
}

// ruleLike is the pattern pulumi-policy-opa (unreleased, CHANGELOG "Unrecognized rule names now
// warn") uses to spot a helper that looks like a mistyped policy and print
// warning[opa/unrecognized-rule] for it.
var ruleLike = regexp.MustCompile(`^(?i:stack[_-]?)?(?i:` +
	`deny|denies|violation|violations|violate|warn|warns|warning|warnings|` +
	`require|requires|must|ensure|ensures|enforce|enforces|should|` +
	`check|checks|validate|validates|verify|verifies|disallow|disallows|` +
	`prohibit|prohibits|forbid|forbids|restrict|restricts|block|blocks|` +
	`prevent|prevents|mandate|mandates|reject|rejects` +
	`)(_|-|[A-Z0-9]|$)`)

// TestNoHelperLooksLikeARule keeps the analyzer quiet: no helper (or test) name may look like
// a misnamed policy.
func TestNoHelperLooksLikeARule(t *testing.T) {
	modules, err := readModules(FS(), true)
	if err != nil {
		t.Fatal(err)
	}
	c, err := compile(modules, ast.RegoV1)
	if err != nil {
		t.Fatal(err)
	}
	for file, m := range c.Modules {
		for _, r := range m.Rules {
			name := r.Head.Name.String()
			if name == "" {
				name = r.Head.Ref().String()
			}
			if _, _, policy := Classify(name); !policy && ruleLike.MatchString(name) {
				t.Errorf("%s: helper %q looks like a misnamed policy to the analyzer", file, name)
			}
		}
	}
	if !ruleLike.MatchString("require_tags") || ruleLike.MatchString("stateful") {
		t.Errorf("ruleLike does not match what the analyzer matches")
	}
}
