package customer

import (
	"fmt"
	"testing"
)

// BenchmarkList measures `ottkit customer list` per stack file: Pulumi's project and stack
// loaders plus ParseSpec, which every plan and stamp selection also pays.
func BenchmarkList(b *testing.B) {
	dir := newProject(b)
	const n = 50
	for i := range n {
		o := acme(dir)
		o.Name = fmt.Sprintf("customer%d", i)
		if _, _, err := New(o); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		stacks, err := List(dir)
		if err != nil || len(stacks) != n || Invalid(stacks) != 0 {
			b.Fatalf("List() = %d stacks, %d invalid, %v", len(stacks), Invalid(stacks), err)
		}
	}
}
