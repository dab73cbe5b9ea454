package awstest

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// copyShim gives gofakes3 the behaviours of S3 the stages rely on and gofakes3 v1.2 lacks:
// presigned requests are verified (SigV4 query signatures over the signed headers, so a PUT
// with another content type than the signed one is refused with 403, as S3 does); and for
// CopyObject, x-amz-copy-source-if-match (a copy of a source whose ETag changed fails with 412
// PreconditionFailed and writes nothing) and x-amz-metadata-directive: REPLACE (the copy
// carries only the request's metadata; gofakes3 merges in the source's, so the shim blanks
// every source key the request does not set).
func copyShim(backend *s3mem.Backend, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("X-Amz-Signature") != "" {
			if err := verifyPresigned(r); err != nil {
				w.Header().Set("Content-Type", "application/xml")
				w.WriteHeader(http.StatusForbidden)
				_, _ = w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>SignatureDoesNotMatch</Code><Message>` + err.Error() + `</Message></Error>`))
				return
			}
		}
		source := r.Header.Get("X-Amz-Copy-Source")
		if r.Method != http.MethodPut || source == "" {
			next.ServeHTTP(w, r)
			return
		}
		bucket, key, ok := strings.Cut(strings.TrimPrefix(source, "/"), "/")
		if ok {
			key, _, _ = strings.Cut(key, "?")
			if k, err := url.PathUnescape(key); err == nil {
				key = k
			}
		}
		if !ok {
			next.ServeHTTP(w, r)
			return
		}
		src, err := backend.HeadObject(bucket, key)
		if err != nil {
			next.ServeHTTP(w, r) // gofakes3 answers NoSuchKey itself
			return
		}
		if want := strings.Trim(r.Header.Get("X-Amz-Copy-Source-If-Match"), `"`); want != "" && want != hex.EncodeToString(src.Hash) {
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusPreconditionFailed)
			_, _ = w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>PreconditionFailed</Code><Message>At least one of the pre-conditions you specified did not hold</Message><Condition>x-amz-copy-source-If-Match</Condition></Error>`))
			return
		}
		if strings.EqualFold(r.Header.Get("X-Amz-Metadata-Directive"), "REPLACE") {
			for k := range src.Metadata {
				if strings.HasPrefix(strings.ToLower(k), "x-amz-meta-") && r.Header.Get(k) == "" {
					r.Header.Set(k, "")
				}
			}
		}
		next.ServeHTTP(w, r)
	})
}

// verifyPresigned re-signs a presigned request with the fakes' static credentials, over the
// headers its X-Amz-SignedHeaders names as the request carries them, and compares signatures.
func verifyPresigned(r *http.Request) error {
	q := r.URL.Query()
	signingTime, err := time.Parse("20060102T150405Z", q.Get("X-Amz-Date"))
	if err != nil {
		return fmt.Errorf("X-Amz-Date %q: %w", q.Get("X-Amz-Date"), err)
	}
	want := q.Get("X-Amz-Signature")
	q.Del("X-Amz-Signature")
	u := *r.URL
	u.Scheme, u.Host, u.RawQuery = "http", r.Host, q.Encode()
	req, err := http.NewRequest(r.Method, u.String(), nil)
	if err != nil {
		return err
	}
	for _, h := range strings.Split(q.Get("X-Amz-SignedHeaders"), ";") {
		if h != "host" && h != "" {
			req.Header[http.CanonicalHeaderKey(h)] = r.Header.Values(h)
		}
	}
	signed, _, err := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true }).PresignHTTP(context.Background(), aws.Credentials{AccessKeyID: "testing", SecretAccessKey: "testing"},
		req, "UNSIGNED-PAYLOAD", "s3", Region, signingTime)
	if err != nil {
		return err
	}
	su, err := url.Parse(signed)
	if err != nil {
		return err
	}
	if got := su.Query().Get("X-Amz-Signature"); got != want {
		return errors.New("the request signature we calculated does not match the signature you provided")
	}
	if exp, err := strconv.Atoi(q.Get("X-Amz-Expires")); err == nil && time.Now().After(signingTime.Add(time.Duration(exp)*time.Second)) {
		return errors.New("request has expired")
	}
	return nil
}
