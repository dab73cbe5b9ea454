package awstest

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
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
// every source key the request does not set); and If-None-Match: * on CompleteMultipartUpload
// (412 when the key holds an object).
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
		// gofakes3 honours If-None-Match on PutObject but not on CompleteMultipartUpload:
		// a completion onto a key that holds an object fails with 412, as S3's does.
		if r.Method == http.MethodPost && r.URL.Query().Has("uploadId") && r.Header.Get("If-None-Match") == "*" {
			bucket, key, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
			if _, err := backend.HeadObject(bucket, key); err == nil && uploadExists(next, r) {
				w.Header().Set("Content-Type", "application/xml")
				w.WriteHeader(http.StatusPreconditionFailed)
				_, _ = w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>PreconditionFailed</Code><Message>At least one of the pre-conditions you specified did not hold</Message><Condition>If-None-Match</Condition></Error>`))
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

// uploadExists asks gofakes3 (ListParts) whether the multipart upload r completes exists, so
// that completing an unknown upload still answers NoSuchUpload, as S3 does, before any
// precondition.
func uploadExists(next http.Handler, r *http.Request) bool {
	u := *r.URL
	u.RawQuery = url.Values{"uploadId": {r.URL.Query().Get("uploadId")}}.Encode()
	list := httptest.NewRequestWithContext(r.Context(), http.MethodGet, u.String(), nil)
	list.Host = r.Host
	rec := httptest.NewRecorder()
	next.ServeHTTP(rec, list)
	return rec.Code/100 == 2
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
		switch h {
		case "host", "":
		case "content-length":
			// The signer signs the request's length, not a header: a body of another length
			// than the signed one fails here, as S3 refuses it.
			req.ContentLength = r.ContentLength
		default:
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
