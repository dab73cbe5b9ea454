package stages_test

import (
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// forbidden are the import path prefixes no stage may depend on, directly or through another
// package, tests included: cloud SDKs, Pulumi, and ottkit's own per-cloud packages.
var forbidden = []string{
	"github.com/aws/",
	"cloud.google.com/",
	"google.golang.org/api/",
	"google.golang.org/genproto/",
	"github.com/pulumi/",
	"github.com/cloudflare/",
	"github.com/ottkit/ottkit/functions/aws/",
	"github.com/ottkit/ottkit/functions/gcp/",
	"github.com/ottkit/ottkit/components/",
}

func TestStagesImportNoCloud(t *testing.T) {
	gocmd := filepath.Join(runtime.GOROOT(), "bin", "go")
	out, err := exec.Command(gocmd, "list", "-deps", "-test", "-f", "{{.ImportPath}}", "./...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 50 {
		t.Fatalf("go list found %d dependencies, too few to be the stages' (output %q)", len(deps), out)
	}
	seen := map[string]bool{}
	for _, dep := range deps {
		for _, p := range forbidden {
			if strings.HasPrefix(dep, p) && !seen[dep] {
				seen[dep] = true
				t.Errorf("a stage depends on %s (forbidden prefix %s); see `go list -deps -test ./functions/stages/...`", dep, p)
			}
		}
	}
}
