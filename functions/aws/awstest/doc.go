// Package awstest is the shared test support for ottkit's AWS adapters and handlers.
//
// It runs the fakes the tests talk to: moto's server (DynamoDB, SQS, SNS, Secrets Manager),
// started once per test binary from TestMain, and gofakes3 (S3) in-process per test. It builds
// SDK clients pointed at them, and it records every AWS operation those clients perform so a
// handler package can prove, at the end of its test run, that its manifest entry lists exactly
// the IAM actions its code needs.
package awstest
