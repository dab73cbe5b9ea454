// Package gcp is ottkit's Pulumi component library for Google Cloud: one component per logical
// entity of the platform (project services and service agents, the stack key, media storage,
// queues, the retry queue, the catalog, functions, delivery through Cloud CDN, the API and
// alerting), with the same contracts as package aws:
//
//   - NewX(ctx, name, *XArgs, ...pulumi.ResourceOption) (*X, error), type token
//     "ottkit:gcp:<Type>" (a test checks each), children named "<name>-<role>" and parented to
//     the component, RegisterResourceOutputs always;
//   - arguments are validated before the first child is registered, and the error names the
//     field;
//   - secure defaults: uniform bucket-level access, public access prevention enforced, the
//     stack's CMEK on buckets, topics and the catalog, TLS 1.2 or newer at the edge, and each
//     function's grants exactly its manifest's permissions (functions/gcp/manifest), as
//     resource-level IAM members of custom roles, narrowed by IAM Conditions to object
//     prefixes; no primitive role anywhere;
//   - stateful data (masters, delivery, logs, the catalog and the key) is retained on
//     `pulumi destroy` unless DestroyData says otherwise.
package gcp
