package gcp

import (
	"sort"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

func TestEdgeReader(t *testing.T) {
	const n = "acme-prod-edge-reader"
	res := run(t, func(ctx *pulumi.Context) error {
		_, err := NewEdgeReader(ctx, n, &EdgeReaderArgs{Project: proj, BucketName: pulumi.String("acme-prod-delivery")})
		return err
	})
	c := find(t, res, EdgeReaderType, n)
	var kids []string
	for _, r := range res.Resources {
		if r.Parent == c.URN {
			kids = append(kids, r.Type+" "+r.Name)
		}
	}
	sort.Strings(kids) // the mock engine registers concurrently
	want := []string{
		"gcp:projects/iAMCustomRole:IAMCustomRole " + n + "-role",
		"gcp:serviceaccount/account:Account " + n + "-account",
		"gcp:storage/bucketIAMMember:BucketIAMMember " + n + "-reads",
	}
	if strings.Join(kids, "\n") != strings.Join(want, "\n") {
		t.Fatalf("children:\n%s\nwant:\n%s", strings.Join(kids, "\n"), strings.Join(want, "\n"))
	}
	for _, r := range res.Resources {
		if strings.Contains(r.Type, "hmacKey") || strings.Contains(r.Type, "serviceAccountKey") {
			t.Errorf("plans %s: its secret would be in Pulumi state", r.Type)
		}
		if strings.HasPrefix(r.Type, "gcp:projects/iAMMember") || strings.HasPrefix(r.Type, "gcp:projects/iAMBinding") {
			t.Errorf("a project-level grant: %s", r.Name)
		}
	}
	role := find(t, res, "gcp:projects/iAMCustomRole:IAMCustomRole", n+"-role")
	if p := role.Inputs["permissions"].([]any); len(p) != 1 || p[0] != "storage.objects.get" {
		t.Errorf("role permissions %v, want storage.objects.get only", p)
	}
	grant := find(t, res, "gcp:storage/bucketIAMMember:BucketIAMMember", n+"-reads")
	acct := find(t, res, "gcp:serviceaccount/account:Account", n+"-account")
	if grant.Inputs["bucket"] != "acme-prod-delivery" || grant.Inputs["role"] != role.Outputs["name"] ||
		grant.Inputs["member"] != "serviceAccount:"+acct.Outputs["email"].(string) {
		t.Errorf("grant %v", grant.Inputs)
	}
	if got := at(grant.Inputs, "condition", "expression"); got != `resource.name.startsWith("projects/_/buckets/acme-prod-delivery/objects/assets/")` {
		t.Errorf("condition %v", got)
	}
	if id := acct.Inputs["accountId"].(string); len(id) > 30 {
		t.Errorf("account id %q is longer than 30", id)
	}
}

func TestEdgeReaderRejects(t *testing.T) {
	for name, tc := range map[string]struct {
		args *EdgeReaderArgs
		want string
	}{
		"nil":       {nil, "args are required"},
		"project":   {&EdgeReaderArgs{Project: "Acme", BucketName: pulumi.String("b")}, "not a project id"},
		"no bucket": {&EdgeReaderArgs{Project: proj}, "BucketName is required"},
	} {
		err, n := runFailing(t, func(ctx *pulumi.Context) error {
			_, err := NewEdgeReader(ctx, "acme-prod-edge-reader", tc.args)
			return err
		})
		if !strings.Contains(err.Error(), tc.want) || n != 0 {
			t.Errorf("%s: %v after %d resources, want %q before any", name, err, n, tc.want)
		}
	}
}
