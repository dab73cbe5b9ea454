package aws

import (
	"encoding/json"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ottkit/ottkit/components/offline"
)

// Helpers of the platform engineer's component tests (key, storage, queue, catalog, alerts).

const platKeyArn = "arn:aws:kms:us-east-1:123456789012:key/mrk-test"

// platRun runs program offline and fails the test on error.
func platRun(t *testing.T, program pulumi.RunFunc) *offline.Result {
	t.Helper()
	res, err := offline.Run(program, offline.Options{Stack: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// platRunFailing runs program offline, expects it to fail and returns the error and how many
// resources were registered.
func platRunFailing(t *testing.T, program pulumi.RunFunc) (error, int) {
	t.Helper()
	var n atomic.Int32
	count := func(*pulumi.ResourceTransformationArgs) *pulumi.ResourceTransformationResult {
		n.Add(1)
		return nil
	}
	_, err := offline.Run(program, offline.Options{Stack: "test",
		Transformations: []pulumi.ResourceTransformation{count}})
	if err == nil {
		t.Fatal("the program succeeded; want a validation error")
	}
	return err, int(n.Load())
}

// platChildren returns "type name" of every resource whose parent is the component typ/name,
// sorted, after checking the component exists.
func platChildren(t *testing.T, res *offline.Result, typ, name string) []string {
	t.Helper()
	c, ok := res.Find(typ, name)
	if !ok {
		t.Fatalf("no %s %s registered", typ, name)
	}
	var out []string
	for _, r := range res.Resources {
		if r.Parent == c.URN {
			out = append(out, r.Type+" "+r.Name)
		}
	}
	sort.Strings(out)
	return out
}

// platMust returns the resource typ/name.
func platMust(t *testing.T, res *offline.Result, typ, name string) offline.Resource {
	t.Helper()
	r, ok := res.Find(typ, name)
	if !ok {
		t.Fatalf("no %s %s registered", typ, name)
	}
	return r
}

// platAt walks plain input values: map keys and, for numeric strings, list indexes.
func platAt(v any, path ...string) any {
	for _, p := range path {
		switch t := v.(type) {
		case map[string]any:
			v = t[p]
		case []any:
			i := 0
			for _, c := range p {
				i = i*10 + int(c-'0')
			}
			if i >= len(t) {
				return nil
			}
			v = t[i]
		default:
			return nil
		}
	}
	return v
}

// policyStatement is one statement of a rendered policy document, as the tests read it back.
type policyStatement struct {
	Sid       string
	Effect    string
	Principal any
	Action    []string
	Resource  []string
	Condition map[string]map[string][]string
}

func parsePolicy(t *testing.T, v any) []policyStatement {
	t.Helper()
	s, ok := v.(string)
	if !ok {
		t.Fatalf("policy is %T, want a JSON string", v)
	}
	var doc struct {
		Version   string
		Statement []policyStatement
	}
	if err := json.Unmarshal([]byte(s), &doc); err != nil {
		t.Fatalf("policy is not JSON: %v\n%s", err, s)
	}
	if doc.Version != "2012-10-17" {
		t.Errorf("policy version %q, want 2012-10-17", doc.Version)
	}
	return doc.Statement
}

func platSid(t *testing.T, stmts []policyStatement, sid string) policyStatement {
	t.Helper()
	for _, s := range stmts {
		if s.Sid == sid {
			return s
		}
	}
	t.Fatalf("no statement %q in %+v", sid, stmts)
	return policyStatement{}
}

// platDiff reports a mismatch between two sorted string lists, line by line.
func platDiff(t *testing.T, what string, got, want []string) {
	t.Helper()
	if slices.Equal(got, want) {
		return
	}
	t.Errorf("%s:\ngot  %s\nwant %s", what, strings.Join(got, "\n     "), strings.Join(want, "\n     "))
}

func TestTypeTokens(t *testing.T) {
	for got, want := range map[string]string{
		StackKeyType:     "ottkit:aws:StackKey",
		MediaStorageType: "ottkit:aws:MediaStorage",
		WorkQueueType:    "ottkit:aws:WorkQueue",
		CatalogType:      "ottkit:aws:Catalog",
		AlertsType:       "ottkit:aws:Alerts",
	} {
		if got != want {
			t.Errorf("type token %q, want %q", got, want)
		}
	}
}

func sortStrings(v []string) { sort.Strings(v) }

func slicesContain(v []string, s string) bool { return slices.Contains(v, s) }
