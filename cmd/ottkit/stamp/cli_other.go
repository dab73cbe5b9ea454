//go:build !unix

package stamp

import "github.com/pulumi/pulumi/sdk/v3/go/auto"

// newCLI returns no runner, so the Automation API uses its own: process groups and signals work
// differently outside Unix, and auto's runner already interrupts the CLI the Windows way. Abort
// has no effect there.
func newCLI(path string, abort <-chan struct{}) (auto.PulumiCommand, error) { return nil, nil }
