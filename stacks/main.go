// Command stacks is the ottkit stack program. It is deliberately thin: the stack's
// configuration (Pulumi.yaml defaults and stacks/Pulumi.<stack>.yaml) is validated into a
// platform.Spec and deployed by platform.Program.
package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ottkit/ottkit/components/platform"
)

func main() {
	pulumi.Run(platform.Program)
}
