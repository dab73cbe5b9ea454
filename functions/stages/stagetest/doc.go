// Package stagetest is the test support of the cloud-neutral stages: in-memory fakes of every
// port in package pipeline, and one contract suite per port that every implementation runs
// (the fakes here, the AWS adapters against moto and gofakes3, the local adapters of
// `ottkit dev`, the GCP ones), so that a stage tested on the fakes behaves the same on each.
//
// A contract suite takes a constructor and runs subtests:
//
//	func TestContract(t *testing.T) {
//		stagetest.CatalogContract(t, func(t *testing.T) pipeline.Catalog { return newTable(t) })
//	}
//
// The fakes are safe for concurrent use and keep what the stages did (messages sent,
// notifications published, jobs submitted) for tests to assert on. Each has a Fail hook to
// inject a transient error into the next calls of one method.
package stagetest
