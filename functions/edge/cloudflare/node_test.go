package cloudflare_test

import (
	"os/exec"
	"testing"
)

// TestWorkerUnitNode runs the Worker's unit tests (test/*.test.js) under Node's test runner,
// so `go test ./...` covers them.
func TestWorkerUnitNode(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node is not on PATH (.ci/deps installs it): %v", err)
	}
	out, err := exec.Command(node, "--test", "test/").CombinedOutput()
	if err != nil {
		t.Fatalf("node --test test/: %v\n%s", err, out)
	}
}
