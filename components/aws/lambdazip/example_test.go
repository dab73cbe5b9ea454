package lambdazip_test

import (
	"context"
	"fmt"
	"log"

	"github.com/ottkit/ottkit/components/aws/lambdazip"
)

// Building the same package twice costs one build: the second call finds the archive under
// the hash of its inputs.
func ExampleBuilder_Build() {
	var b lambdazip.Builder // the current directory, the default cache
	a, err := b.Build(context.Background(), "github.com/ottkit/ottkit/components/aws/lambdazip/testdata/lambda")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(a.Path != "", len(a.SHA256))
	// Output: true 64
}
