package awstest

import (
	"encoding/hex"
	"net/http"
	"net/url"
	"strings"

	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// copyShim gives gofakes3's CopyObject the two behaviours of S3 the stages rely on and
// gofakes3 v1.2 lacks: x-amz-copy-source-if-match (a copy of a source whose ETag changed fails
// with 412 PreconditionFailed and writes nothing), and x-amz-metadata-directive: REPLACE (the
// copy carries only the request's metadata; gofakes3 merges in the source's, so the shim
// blanks every source key the request does not set).
func copyShim(backend *s3mem.Backend, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
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
