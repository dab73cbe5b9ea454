// Command lambda is a minimal Lambda handler the build tests compile.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"
)

func handle(ctx context.Context, in map[string]any) (map[string]any, error) {
	return in, nil
}

func main() {
	lambda.Start(handle)
}
