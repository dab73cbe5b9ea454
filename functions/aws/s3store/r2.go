package s3store

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// R2Region is the region of every R2 bucket through the S3 API.
const R2Region = "auto"

// R2Endpoint is the S3 API endpoint of a Cloudflare account's R2 buckets.
func R2Endpoint(accountID string) string { return "https://" + accountID + ".r2.cloudflarestorage.com" }

// NewR2 returns a Store over Cloudflare R2's S3 API at endpoint (R2Endpoint) with the R2
// token's S3 credentials: region auto, path-style requests, and checksums only where an
// operation requires one. R2 accepts only some of the flexible checksums the SDK sends by
// default (no full-object CRC32 or SHA-256), and a streamed PUT with a trailing checksum is
// an aws-chunked upload; without them the PUT is plain over TLS (UNSIGNED-PAYLOAD), and
// PutStream instead checks R2's ETag, the MD5 of a single PUT's bytes, against what it sent.
// httpClient may be nil for the SDK's default.
func NewR2(endpoint string, creds aws.CredentialsProvider, httpClient aws.HTTPClient) *Store {
	client := s3.New(s3.Options{
		Region:                     R2Region,
		BaseEndpoint:               aws.String(endpoint),
		UsePathStyle:               true,
		Credentials:                creds,
		HTTPClient:                 httpClient,
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
		RetryMaxAttempts:           3,
	})
	s := New(client)
	s.md5ETag = true
	return s
}
