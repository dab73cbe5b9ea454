// Package cloudflare holds ottkit's Cloudflare edge: the viewer token the api stage issues
// (Signer, a pipeline.PlaybackSigner), its Go verifier (Verify, the same checks as the
// Worker), the Worker itself (worker.js, embedded as WorkerModule and deployed as is), and the
// format of the Worker's origin credential in origin mode (OriginCredential), which is written
// to the Worker's KV namespace out of band and never passes through Pulumi.
//
// The token is an Ed25519-signed cookie, so the Worker holds only public keys: a leaked Worker
// configuration cannot mint tokens, and keys rotate by adding a public key before signing
// with it. HMAC-SHA256 would be a little faster to verify but would put the signing secret in
// every edge location.
package cloudflare
