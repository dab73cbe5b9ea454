//go:build tools

// Package components pins the Pulumi provider SDKs that ottkit's GCP and Cloudflare components
// will import, at the versions that resolve through the module proxy here (newer releases do not),
// so go.mod records them and `go mod tidy` keeps them. The tools build tag keeps this file out of
// every build.
package components

import (
	_ "github.com/pulumi/pulumi-cloudflare/sdk/v5/go/cloudflare"
	_ "github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/storage"
)
