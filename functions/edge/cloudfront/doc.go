// Package cloudfront holds ottkit's CloudFront edge session check: the CloudFront Function
// (session.js, runtime cloudfront-js-2.0, embedded as FunctionCode and deployed byte for byte)
// that the media behaviours run on every viewer request when a stack sets
// ottkit:edgeSessions, and the Go side of its contract: the session cookie the api issues
// (Key.Cookie), the user hash revocations are keyed by (UserHash), and the names of the
// entries in the function's CloudFront KeyValueStore (KeyEntry, SessionEntry, UserEntry,
// SigningKeyEntry).
//
// The cookie is HMAC-SHA256 rather than a signature because CloudFront Functions' crypto
// module offers hashes and HMACs only. Its key lives in the KeyValueStore the function reads,
// under the key id the cookie names, so keys rotate by adding one and pointing
// SigningKeyEntry at it.
package cloudfront
