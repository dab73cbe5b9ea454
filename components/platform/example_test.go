package platform_test

import (
	"fmt"
	"os"

	"github.com/ottkit/ottkit/components/platform"
)

// LoadSpec reads a stack the way `pulumi up` would and validates it; the Spec then names
// resources, tags them and renders the functions' settings.
func ExampleLoadSpec() {
	spec, err := platform.LoadSpec("../..", "acme-prod")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(spec.Prefix(), spec.Region, len(spec.Ladder), "rungs")
	fmt.Println(spec.Settings()["ladder"][:40])
	// Output:
	// acme-prod eu-west-1 6 rungs
	// [{"height":2160,"maxBitrate":16000000},{
}

// WriteStackFile writes only what differs from Pulumi.yaml's defaults.
func ExampleSpec_WriteStackFile() {
	spec, err := platform.LoadSpec("../..", "dev-aws")
	if err != nil {
		fmt.Println(err)
		return
	}
	spec.Customer, spec.Environment = "globex", "staging"
	spec.SigningPublicKeys = spec.SigningPublicKeys[:1]
	if err := spec.WriteStackFile(os.Stdout); err != nil {
		fmt.Println(err)
	}
}
