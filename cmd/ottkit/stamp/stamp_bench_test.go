package stamp

import (
	"context"
	"fmt"
	"testing"
)

// BenchmarkRun measures the orchestration's own cost per stack (log file, progress, result)
// with an engine that returns at once: what stamp adds on top of each Pulumi operation.
func BenchmarkRun(b *testing.B) {
	for _, n := range []int{10, 100} {
		b.Run(fmt.Sprintf("stacks=%d", n), func(b *testing.B) {
			names := stacks(n)
			eng := &fakeEngine{}
			logDir := b.TempDir()
			b.ReportAllocs()
			for b.Loop() {
				eng.ran = eng.ran[:0]
				rs, err := Run(context.Background(), eng, Options{Op: Up, Stacks: names, Parallel: 8, LogDir: logDir})
				if err != nil || Failures(rs) != 0 {
					b.Fatalf("Run() = %d failures, %v", Failures(rs), err)
				}
			}
		})
	}
}
