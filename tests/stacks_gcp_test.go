package tests

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/ottkit/ottkit/components/offline"
	"github.com/ottkit/ottkit/components/platform"
	"github.com/ottkit/ottkit/functions/gcp/manifest"
)

// isGCPStack says whether the stack file at path deploys to Google Cloud.
func isGCPStack(t *testing.T, path string) bool {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return regexp.MustCompile(`(?m)^\s*ottkit:cloud:\s*"?gcp"?\s*$`).Match(b)
}

// gcpStackNames lists the stacks in stacks/ that deploy to Google Cloud.
func gcpStackNames(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(root, "stacks", "Pulumi.*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range files {
		if isGCPStack(t, f) {
			out = append(out, strings.TrimSuffix(strings.TrimPrefix(filepath.Base(f), "Pulumi."), ".yaml"))
		}
	}
	if len(out) < 2 {
		t.Fatalf("found GCP stacks %v, want at least dev-gcp and a production one", out)
	}
	return out
}

func eachGCPStack(t *testing.T, f func(t *testing.T, d *deployed)) {
	for _, stack := range gcpStackNames(t) {
		t.Run(stack, func(t *testing.T) { f(t, deploy(t, stack)) })
	}
}

// golden compares got with testdata/<name>, rewriting it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s changed (run with -update if intended):\n%s", name, lineDiff(string(want), got))
	}
}

func TestGCPStackInventories(t *testing.T) {
	eachGCPStack(t, func(t *testing.T, d *deployed) {
		golden(t, d.name+".inventory", strings.Join(d.res.Inventory(), "\n")+"\n")
		for _, r := range d.res.Resources {
			if r.Custom && !strings.HasPrefix(r.Type, "gcp:") {
				t.Errorf("%s %s is not a Google Cloud resource", r.Type, r.Name)
			}
		}
		t.Logf("%s: %d resources", d.name, len(d.res.Resources))
	})
}

// iamMember is one IAM binding a stack makes, for the golden IAM document and the checks.
type iamMember struct {
	Resource  string   `json:"resource"` // type and the bound resource
	Role      string   `json:"role"`
	Member    string   `json:"member"`
	Condition string   `json:"condition,omitempty"`
	Grants    []string `json:"permissions,omitempty"` // a custom role's permissions
}

// iamMembers collects every *IAMMember / *IamMember of a stack, resolving custom roles.
func iamMembers(t *testing.T, d *deployed) []iamMember {
	t.Helper()
	roles := map[string][]string{}
	for _, r := range d.res.OfType("gcp:projects/iAMCustomRole:IAMCustomRole") {
		roles[r.Outputs["name"].(string)] = strs(r.Inputs["permissions"])
	}
	var out []iamMember
	for _, r := range d.res.Resources {
		if !strings.HasSuffix(strings.ToLower(r.Type), "iammember") {
			continue
		}
		var on string
		for _, k := range []string{"bucket", "topic", "subscription", "cryptoKeyId", "serviceAccountId", "secretId", "name", "repository", "project"} {
			if v, ok := r.Inputs[k].(string); ok {
				on = k + "=" + v
				break
			}
		}
		m := iamMember{Resource: strings.Split(r.Type, ":")[1] + " " + on, Role: r.Inputs["role"].(string), Member: r.Inputs["member"].(string)}
		if c, ok := r.Inputs["condition"].(map[string]any); ok {
			m.Condition, _ = c["expression"].(string)
		}
		m.Grants = roles[m.Role]
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		return fmt.Sprint(a.Member, a.Resource, a.Role, a.Condition) < fmt.Sprint(b.Member, b.Resource, b.Role, b.Condition)
	})
	return out
}

// TestGCPStackIAM records every grant of each GCP stack (golden), and checks the rules: no
// primitive role, no public member, every function's grants exactly its manifest permissions.
func TestGCPStackIAM(t *testing.T) {
	eachGCPStack(t, func(t *testing.T, d *deployed) {
		members := iamMembers(t, d)
		b, _ := json.MarshalIndent(members, "", "  ")
		golden(t, d.name+".iam.json", string(b)+"\n")
		for _, m := range members {
			switch {
			case m.Role == "roles/owner" || m.Role == "roles/editor" || m.Role == "roles/viewer":
				t.Errorf("%s holds the primitive role %s on %s", m.Member, m.Role, m.Resource)
			case m.Member == "allUsers" || m.Member == "allAuthenticatedUsers":
				t.Errorf("%s is granted %s on %s", m.Member, m.Role, m.Resource)
			}
		}
		for _, fn := range manifest.All() {
			acct := must(t, d, "gcp:serviceaccount/account:Account", d.spec.Prefix()+"-fn-"+fn.Name+"-account")
			member := "serviceAccount:" + acct.Outputs["email"].(string)
			var got []string
			for _, m := range members {
				if m.Member != member {
					continue
				}
				if !strings.HasPrefix(m.Role, "projects/") {
					t.Errorf("%s: predefined role %s on %s; functions get custom roles only", fn.Name, m.Role, m.Resource)
				}
				for _, p := range m.Grants {
					got = append(got, p+" "+m.Condition)
				}
			}
			var want []string
			for _, p := range fn.Permissions {
				cond := ""
				if p.Prefix != "" {
					cond = p.Prefix
				}
				want = append(want, p.Permission+" "+cond)
			}
			// The conditions name the bucket; compare the permission and whether (and which)
			// prefix narrows it.
			for i, g := range got {
				perm, cond, _ := strings.Cut(g, " ")
				prefix := ""
				if j := strings.Index(cond, "/objects/"); j >= 0 {
					prefix = strings.TrimSuffix(cond[j+len("/objects/"):], `")`)
				}
				got[i] = perm + " " + prefix
			}
			sort.Strings(got)
			sort.Strings(want)
			want = slices.Compact(want)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s grants %v, want exactly the manifest's %v", fn.Name, got, want)
			}
		}
	})
}

func TestGCPStackBuckets(t *testing.T) {
	eachGCPStack(t, func(t *testing.T, d *deployed) {
		buckets := d.res.OfType("gcp:storage/bucket:Bucket")
		if len(buckets) != 5 {
			t.Fatalf("%d buckets, want ingest, masters, delivery, logs and sources", len(buckets))
		}
		key := must(t, d, "gcp:kms/cryptoKey:CryptoKey", d.spec.Prefix()+"-key-key").ID
		for _, b := range buckets {
			in := b.Inputs
			if in["uniformBucketLevelAccess"] != true || in["publicAccessPrevention"] != "enforced" {
				t.Errorf("%s: uniform access %v, public access prevention %v", b.Name, in["uniformBucketLevelAccess"], in["publicAccessPrevention"])
			}
			if at(in, "encryption", "defaultKmsKeyName") != key {
				t.Errorf("%s: encryption %v, want the stack key %s", b.Name, in["encryption"], key)
			}
			if in["location"] != d.spec.Region {
				t.Errorf("%s: location %v, want %s", b.Name, in["location"], d.spec.Region)
			}
			stateful := !strings.HasSuffix(b.Name, "-ingest") && !strings.HasSuffix(b.Name, "-sources")
			if stateful && b.RetainOnDelete != d.spec.RetainData {
				t.Errorf("%s: retainOnDelete %v with retainData %v", b.Name, b.RetainOnDelete, d.spec.RetainData)
			}
		}
		masters := must(t, d, "gcp:storage/bucket:Bucket", d.spec.Prefix()+"-storage-masters")
		if at(masters.Inputs, "versioning", "enabled") != true || masters.Inputs["autoclass"] != nil {
			t.Errorf("masters: versioning %v, autoclass %v; want versioned without Autoclass", masters.Inputs["versioning"], masters.Inputs["autoclass"])
		}
		delivery := must(t, d, "gcp:storage/bucket:Bucket", d.spec.Prefix()+"-storage-delivery")
		if at(delivery.Inputs, "autoclass", "enabled") != true {
			t.Errorf("delivery: autoclass %v", delivery.Inputs["autoclass"])
		}
		notif := d.res.OfType("gcp:storage/notification:Notification")
		if len(notif) != 1 || notif[0].Inputs["objectNamePrefix"] != manifest.UploadPrefix || notif[0].Inputs["payloadFormat"] != "JSON_API_V1" {
			t.Errorf("notifications %v, want one JSON_API_V1 notification of %s", notif, manifest.UploadPrefix)
		}
	})
}

func TestGCPStackQueues(t *testing.T) {
	eachGCPStack(t, func(t *testing.T, d *deployed) {
		push := 0
		for _, s := range d.res.OfType("gcp:pubsub/subscription:Subscription") {
			if at(s.Inputs, "pushConfig", "pushEndpoint") == nil {
				continue
			}
			push++
			if at(s.Inputs, "deadLetterPolicy", "maxDeliveryAttempts") != 5.0 || at(s.Inputs, "pushConfig", "oidcToken", "serviceAccountEmail") == nil {
				t.Errorf("%s: dead letter %v, push %v", s.Name, s.Inputs["deadLetterPolicy"], s.Inputs["pushConfig"])
			}
		}
		if push != 3 {
			t.Errorf("%d push subscriptions, want ingest, transcode and complete", push)
		}
	})
}

func TestGCPStackOutputs(t *testing.T) {
	aws := deploy(t, "dev-aws")
	eachGCPStack(t, func(t *testing.T, d *deployed) {
		var want, got []string
		for k := range aws.res.Outputs {
			want = append(want, k)
		}
		for k, v := range d.res.Outputs {
			got = append(got, k)
			if s, _ := v.(string); s == "" || s == offline.Unknown {
				t.Errorf("output %s = %v", k, v)
			}
		}
		sort.Strings(want)
		sort.Strings(got)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("outputs %v, want the AWS stacks' %v", got, want)
		}
		if d.res.Outputs["playbackDomain"] != d.spec.Domain {
			t.Errorf("playbackDomain %v, want %s", d.res.Outputs["playbackDomain"], d.spec.Domain)
		}
	})
	_ = platform.CloudGCP
}

// TestGCPStackClaimNames: ottkit:tenantClaim and ottkit:rolesClaim reach the GCP api
// function's environment, which functions/gcp/entry/api reads and the gateway decoder uses on
// API Gateway's userinfo; the shipped stacks carry the defaults.
func TestGCPStackClaimNames(t *testing.T) {
	env := func(t *testing.T, res *offline.Result, prefix string) map[string]any {
		t.Helper()
		fn, ok := res.Find("gcp:cloudfunctionsv2/function:Function", prefix+"-fn-api-function")
		if !ok {
			t.Fatalf("no api function %s-fn-api-function", prefix)
		}
		vars, _ := at(fn.Inputs, "serviceConfig", "environmentVariables").(map[string]any)
		return vars
	}
	d := deploy(t, "dev-gcp")
	if vars := env(t, d.res, d.spec.Prefix()); vars["TENANT_CLAIM"] != "tenant" || vars["ROLES_CLAIM"] != "roles" {
		t.Errorf("dev-gcp api env TENANT_CLAIM %v ROLES_CLAIM %v, want the defaults tenant and roles", vars["TENANT_CLAIM"], vars["ROLES_CLAIM"])
	}
	cfg, err := platform.ReadStackConfig(root, "dev-gcp")
	if err != nil {
		t.Fatal(err)
	}
	cfg["ottkit:tenantClaim"] = "https://ottkit.example/tenant"
	cfg["ottkit:rolesClaim"] = "cognito:groups"
	res, err := offline.Run(platform.Program, offline.Options{Project: "ottkit", Stack: "dev-gcp", Config: cfg})
	if err != nil {
		t.Fatalf("dev-gcp with claim names: %v", err)
	}
	if vars := env(t, res, d.spec.Prefix()); vars["TENANT_CLAIM"] != "https://ottkit.example/tenant" || vars["ROLES_CLAIM"] != "cognito:groups" {
		t.Errorf("api env TENANT_CLAIM %v ROLES_CLAIM %v, want the configured names", vars["TENANT_CLAIM"], vars["ROLES_CLAIM"])
	}
}
