// Package aws is ottkit's Pulumi component library for AWS: one file per entity of the
// video-on-demand platform.
//
//   - StackKey (key.go): the stack's KMS customer managed key, rotation on, with a key policy
//     that lets AWS services use it only for the stack's own resources.
//   - MediaStorage (storage.go): ingest, masters, delivery and logs buckets.
//   - WorkQueue (queue.go): an SQS queue with its dead-letter queue, alarms and, optionally,
//     the EventBridge rule feeding it.
//   - Catalog (catalog.go): the DynamoDB asset table.
//   - Alerts (alerts.go): the alarm and notify topics, and the pipeline dashboard.
//   - GoFunction, Transcoder, Delivery and Api: the functions, MediaConvert, CloudFront and
//     the HTTP API.
//
// Every component follows the same contract: NewX(ctx, name, *XArgs, opts...) returns (*X,
// error); its type token is the constant XType ("ottkit:aws:X"); its args are validated
// before any child is created, with errors naming the field; children are parented to it
// and named "<name>-<role>", and their physical names are their logical names, so every
// physical name starts with the stack's prefix. Secure settings need no flag: encryption with
// the stack key, public access blocked, TLS 1.2 or later, least-privilege policies. The
// insecure or destructive choice is an explicit field (DestroyData, DeliveryPolicyByCaller).
//
// Stateful data (masters, delivery, logs, the catalog and the key) is retained on
// `pulumi destroy` unless DestroyData is set.
package aws
