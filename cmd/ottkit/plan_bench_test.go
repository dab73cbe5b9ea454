package main

import (
	"context"
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
