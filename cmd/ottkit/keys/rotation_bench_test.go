package keys

import (
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkWriteStackFile measures what every step adds to a stack-file write: decoding the
// config, platform.ParseSpec's validation, encoding and the atomic replace.
func BenchmarkWriteStackFile(b *testing.B) {
	src, err := os.ReadFile(filepath.Join("..", "..", "..", "stacks", "Pulumi.acme-prod.yaml"))
	if err != nil {
		b.Fatal(err)
	}
	file := filepath.Join(b.TempDir(), "Pulumi.acme-prod.yaml")
	if err := os.WriteFile(file, src, 0o644); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		doc, err := readStackFile(file)
		if err != nil {
			b.Fatal(err)
		}
		if err := writeStackFile(file, doc); err != nil {
			b.Fatal(err)
		}
	}
}
