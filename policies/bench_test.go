package policies

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// benchResources returns every passing fixture's resources: a stack of the platform's
// resource types, about the size of a real one.
func benchResources(b *testing.B) []Resource {
	dirs, err := filepath.Glob("fixtures/*")
	if err != nil {
		b.Fatal(err)
	}
	var out []Resource
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "data.json")); err != nil {
			continue
		}
		out = append(out, resourcesOf(b, fixture(b, filepath.Base(d), "pass"))...)
	}
	return out
}

// BenchmarkPrepare measures compiling the queries for the whole pack: paid once per
// configuration.
func BenchmarkPrepare(b *testing.B) {
	p := mustPack(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Prepare(ctx, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEvaluate measures one stack evaluation with queries prepared once and reused.
func BenchmarkEvaluate(b *testing.B) {
	rs := benchResources(b)
	e, err := mustPack(b).Prepare(context.Background(), nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.Evaluate(context.Background(), "", rs); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(rs)), "resources")
}

// BenchmarkEvaluateUnprepared is the same evaluation preparing the queries every time, the
// cost Prepare's reuse avoids.
func BenchmarkEvaluateUnprepared(b *testing.B) {
	rs := benchResources(b)
	p := mustPack(b)
	b.ReportAllocs()
	for b.Loop() {
		e, err := p.Prepare(context.Background(), nil)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := e.Evaluate(context.Background(), "", rs); err != nil {
			b.Fatal(err)
		}
	}
}
