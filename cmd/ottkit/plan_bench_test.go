package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ottkit/ottkit/policies"
)

// BenchmarkPlanStack measures a warm `ottkit plan` of each stack: configuration, the program
// under the mock engine (function archives cached), and the policy pack.
func BenchmarkPlanStack(b *testing.B) {
	project, err := findProject(projectDir)
	if err != nil {
		b.Fatal(err)
	}
	stacks, err := project.stacks()
	if err != nil {
		b.Fatal(err)
	}
	pack, err := policies.Default()
	if err != nil {
		b.Fatal(err)
	}
	for _, stack := range stacks {
		b.Run(stack, func(b *testing.B) {
			// Warm-up: builds and caches the function archives.
			if _, err := planStack(context.Background(), project, stack, pack, nil); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := planStack(context.Background(), project, stack, pack, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// generatedCustomers writes a project with n customer stacks derived from the shipped acme-prod
// stack (each its own customer name, so every resource and bucket name differs) and returns
// its directory.
func generatedCustomers(tb testing.TB, n int) string {
	tb.Helper()
	dir := tb.TempDir()
	py, err := os.ReadFile(filepath.Join(projectDir, "Pulumi.yaml"))
	if err != nil {
		tb.Fatal(err)
	}
	src, err := os.ReadFile(filepath.Join(projectDir, "stacks", "Pulumi.acme-prod.yaml"))
	if err != nil {
		tb.Fatal(err)
	}
	if !bytes.Contains(src, []byte("ottkit:customer: acme\n")) {
		tb.Fatal("stacks/Pulumi.acme-prod.yaml no longer sets ottkit:customer: acme")
	}
	if err := os.WriteFile(filepath.Join(dir, "Pulumi.yaml"), py, 0o644); err != nil {
		tb.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "stacks"), 0o755); err != nil {
		tb.Fatal(err)
	}
	for i := range n {
		name := fmt.Sprintf("customer%03d", i)
		text := strings.ReplaceAll(string(src), "acme", name)
		if err := os.WriteFile(filepath.Join(dir, "stacks", "Pulumi."+name+"-prod.yaml"), []byte(text), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	return dir
}

// BenchmarkPlanAll measures `ottkit plan --all` of 100 generated customer stacks, warm (the
// archives are in the build cache), with the default parallelism and with one stack at a time.
func BenchmarkPlanAll(b *testing.B) {
	dir := generatedCustomers(b, 100)
	for _, parallel := range []int{0, 1} {
		b.Run(fmt.Sprintf("stacks=100/parallel=%d", parallel), func(b *testing.B) {
			f := planFlags{all: true, projectDir: dir, parallel: parallel}
			var out bytes.Buffer
			// Warm-up: builds and caches the function archives.
			if err := runPlan(context.Background(), &out, f); err != nil {
				b.Fatalf("%v\n%s", err, out.Bytes())
			}
			for b.Loop() {
				out.Reset()
				if err := runPlan(context.Background(), &out, f); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N)/100, "ms/stack")
		})
	}
}

// TestPlanAllDeterministic plans the same customer stacks one at a time and in parallel: the
// report and the JSON are the same bytes, in stack-name order.
func TestPlanAllDeterministic(t *testing.T) {
	dir := generatedCustomers(t, 5)
	for _, asJSON := range []bool{false, true} {
		var want []byte
		for _, parallel := range []int{1, 5, 2} {
			var out bytes.Buffer
			if err := runPlan(context.Background(), &out, planFlags{all: true, json: asJSON, projectDir: dir, parallel: parallel}); err != nil {
				t.Fatalf("parallel %d: %v\n%s", parallel, err, out.Bytes())
			}
			if want == nil {
				want = out.Bytes()
				continue
			}
			if !bytes.Equal(out.Bytes(), want) {
				t.Errorf("json %v: parallel %d gave a different report than parallel 1", asJSON, parallel)
			}
		}
		if !asJSON {
			last := -1
			for i := range 5 {
				at := bytes.Index(want, fmt.Appendf(nil, "Stack customer%03d-prod:", i))
				if at <= last {
					t.Errorf("customer%03d-prod is reported at %d, after %d: want name order", i, at, last)
				}
				last = at
			}
		}
	}
}
