package s3store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/ottkit/ottkit/functions/aws/manifest"
)

// R2Region is the region of every R2 bucket through the S3 API.
const R2Region = "auto"

// R2MaxPutSize is the largest object one PUT can write to R2: 5 MiB less than 5 GiB
// (developers.cloudflare.com/r2/platform/limits).
const R2MaxPutSize = 5<<30 - 5<<20

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
	s.md5ETag, s.maxPut = true, R2MaxPutSize
	return s
}

// R2CredentialsTTL is how long credentials read by R2SecretCredentials are used before the
// secret is read again, so warm functions pick up a rotated token too.
const R2CredentialsTTL = 15 * time.Minute

// R2SecretCredentials returns credentials read from a secret holding manifest.R2Credentials
// JSON, cached for R2CredentialsTTL. read fetches the secret named name (Secrets Manager on
// AWS, Secret Manager on GCP) when the SDK first needs credentials; a failed read or a
// malformed secret fails that request, so the work is retried rather than done unsigned.
func R2SecretCredentials(name string, read func(ctx context.Context) ([]byte, error)) aws.CredentialsProvider {
	return aws.NewCredentialsCache(aws.CredentialsProviderFunc(func(ctx context.Context) (aws.Credentials, error) {
		b, err := read(ctx)
		if err != nil {
			return aws.Credentials{}, fmt.Errorf("s3store: read the R2 credentials %s: %w", name, err)
		}
		var cred manifest.R2Credentials
		if err := json.Unmarshal(b, &cred); err != nil || cred.AccessKeyID == "" || cred.SecretAccessKey == "" {
			return aws.Credentials{}, fmt.Errorf("s3store: secret %s must hold {\"accessKeyId\", \"secretAccessKey\"} (the R2 token's S3 credentials)", name)
		}
		return aws.Credentials{
			AccessKeyID: cred.AccessKeyID, SecretAccessKey: cred.SecretAccessKey, Source: "ottkit R2 secret " + name,
			CanExpire: true, Expires: time.Now().Add(R2CredentialsTTL),
		}, nil
	}))
}

// R2Mirror is where an edge mirror is, as a function's environment names it.
type R2Mirror struct {
	Bucket   string // EDGE_MIRROR_BUCKET
	Endpoint string // EDGE_MIRROR_ENDPOINT
	Secret   string // the secret variable's value (an ARN on AWS, a secret name on GCP)
}

var r2BucketName = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$`)

// ReadR2Mirror reads EDGE_MIRROR_BUCKET, EDGE_MIRROR_ENDPOINT and secretVar through getenv:
// all three, or none (no mirror, the zero R2Mirror). secret says why a secret value is
// malformed, or "". Every problem is reported, each naming its variable.
func ReadR2Mirror(getenv func(string) string, secretVar string, secret func(string) string) (R2Mirror, error) {
	m := R2Mirror{
		Bucket:   strings.TrimSpace(getenv("EDGE_MIRROR_BUCKET")),
		Endpoint: strings.TrimSpace(getenv("EDGE_MIRROR_ENDPOINT")),
		Secret:   strings.TrimSpace(getenv(secretVar)),
	}
	if m == (R2Mirror{}) {
		return m, nil
	}
	var errs []error
	for _, v := range []struct{ name, value string }{{"EDGE_MIRROR_BUCKET", m.Bucket}, {"EDGE_MIRROR_ENDPOINT", m.Endpoint}, {secretVar, m.Secret}} {
		if v.value == "" {
			errs = append(errs, fmt.Errorf("%s: required with an edge mirror (EDGE_MIRROR_BUCKET, EDGE_MIRROR_ENDPOINT and %s are set together)", v.name, secretVar))
		}
	}
	if m.Bucket != "" && !r2BucketName.MatchString(m.Bucket) {
		errs = append(errs, fmt.Errorf("EDGE_MIRROR_BUCKET: %q is not an R2 bucket name (3-63 lowercase letters, digits and hyphens)", m.Bucket))
	}
	if u, err := url.Parse(m.Endpoint); m.Endpoint != "" && (err != nil || u.Scheme != "https" || u.Host == "" || (u.Path != "" && u.Path != "/")) {
		errs = append(errs, fmt.Errorf("EDGE_MIRROR_ENDPOINT: %q must be an https URL with no path, such as https://<account id>.r2.cloudflarestorage.com", m.Endpoint))
	}
	if m.Secret != "" {
		if why := secret(m.Secret); why != "" {
			errs = append(errs, fmt.Errorf("%s: %q %s", secretVar, m.Secret, why))
		}
	}
	return m, errors.Join(errs...)
}
