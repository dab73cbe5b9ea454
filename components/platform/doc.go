// Package platform turns one stack's configuration into a validated Spec and deploys the
// video-on-demand platform it describes.
//
// A Spec is the single form of a customer environment's configuration that the stack program,
// the ottkit CLI and the tests share: ParseSpec builds it from the configuration Pulumi passes
// to programs, ReadStackConfig reads that configuration from Pulumi.yaml and a stack file
// exactly as `pulumi up` would, and WriteStackFile writes a stack file back. Validation reports
// every problem at once, each naming its key, before any resource is registered.
//
// New builds the platform from a Spec on the cloud it names; Program is the whole stack
// program, which stacks/main.go runs.
package platform
