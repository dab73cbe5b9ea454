// Package stages holds ottkit's cloud-neutral pipeline stages, one package each: ingest,
// transcode, complete and api, with stagetest (fakes of every port and the contract suites
// every adapter runs) and stagelog (the asset id in log contexts).
//
// A stage takes a normalised input (pipeline.ObjectCreated, pipeline.TranscodeRequest,
// pipeline.JobResult, api.Request) and talks only to the ports declared in package pipeline.
// Everything a cloud needs, event decoding, SDK adapters, job builders, signers, start-up and
// permission manifests, lives beside it (functions/aws, functions/gcp, the local platform),
// and no stage imports a cloud SDK or Pulumi: TestStagesImportNoCloud proves it.
package stages
