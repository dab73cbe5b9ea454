package gcptest

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// multipart serves the XML API's multipart upload requests, which fake-gcs-server lacks:
// POST ?uploads, PUT ?partNumber&uploadId, GET ?uploadId (ListParts), POST ?uploadId
// (complete) and DELETE ?uploadId (abort), on XML paths /<bucket>/<object>. Everything else
// goes to next. A part's ETag is the MD5 of its body, as GCS's; bodies are hashed and counted,
// not kept, so a test can send parts of the real minimum size without holding them. A part
// whose length differs from a signed X-Goog-Content-Length-Range is refused, as GCS does.
//
// It also enforces x-goog-if-generation-match: 0 (create only if absent) on XML API object
// PUTs and multipart completions, which fake-gcs-server honours only as the JSON API's
// ifGenerationMatch query parameter: onto a key that holds an object (or a completed
// multipart upload) such a request fails with 412 PreconditionFailed and writes nothing.
type multipart struct {
	next    http.Handler
	mu      sync.Mutex
	n       int
	uploads map[string]*mpUpload
	// done maps bucket/object to the total size of each completed upload.
	done map[string]int64
	// exists reports whether fake-gcs-server holds bucket/object.
	exists func(bucket, object string) bool
}

type mpUpload struct {
	bucket, object string
	parts          map[int]mpPart
}

type mpPart struct {
	etag string
	size int64
}

func newMultipart(next http.Handler) *multipart {
	return &multipart{next: next, uploads: map[string]*mpUpload{}, done: map[string]int64{}}
}

func xmlError(w http.ResponseWriter, status int, code string) {
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	fmt.Fprintf(w, "<?xml version='1.0' encoding='UTF-8'?><Error><Code>%s</Code></Error>", code)
}

func (m *multipart) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	path := strings.TrimPrefix(r.URL.Path, "/")
	bucket, object, ok := strings.Cut(path, "/")
	xmlObject := ok && object != "" && bucket != "storage" && bucket != "upload"
	if xmlObject && r.Method == http.MethodPut && !q.Has("uploadId") && r.Header.Get("X-Goog-If-Generation-Match") == "0" && m.held(bucket, object) {
		xmlError(w, http.StatusPreconditionFailed, "PreconditionFailed")
		return
	}
	if !xmlObject || (!q.Has("uploads") && !q.Has("uploadId")) {
		m.next.ServeHTTP(w, r)
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if r.Method == http.MethodPost && q.Has("uploads") {
		m.n++
		id := "upload-" + strconv.Itoa(m.n)
		m.uploads[id] = &mpUpload{bucket: bucket, object: object, parts: map[int]mpPart{}}
		w.Header().Set("Content-Type", "application/xml")
		fmt.Fprintf(w, "<?xml version='1.0' encoding='UTF-8'?><InitiateMultipartUploadResult><Bucket>%s</Bucket><Key>%s</Key><UploadId>%s</UploadId></InitiateMultipartUploadResult>", bucket, object, id)
		return
	}
	up, found := m.uploads[q.Get("uploadId")]
	if !found || up.bucket != bucket || up.object != object {
		xmlError(w, http.StatusNotFound, "NoSuchUpload")
		return
	}
	switch r.Method {
	case http.MethodPut:
		n, err := strconv.Atoi(q.Get("partNumber"))
		if err != nil || n < 1 || n > 10000 {
			xmlError(w, http.StatusBadRequest, "InvalidArgument")
			return
		}
		h := md5.New()
		size, err := io.Copy(h, r.Body)
		if err != nil {
			xmlError(w, http.StatusBadRequest, "IncompleteBody")
			return
		}
		if rng := r.Header.Get("X-Goog-Content-Length-Range"); rng != "" {
			var lo, hi int64
			if _, err := fmt.Sscanf(rng, "%d,%d", &lo, &hi); err != nil || size < lo || size > hi {
				xmlError(w, http.StatusBadRequest, "EntityTooLarge")
				return
			}
		}
		etag := hex.EncodeToString(h.Sum(nil))
		up.parts[n] = mpPart{etag: etag, size: size}
		w.Header().Set("ETag", `"`+etag+`"`)
	case http.MethodGet:
		numbers := make([]int, 0, len(up.parts))
		for n := range up.parts {
			numbers = append(numbers, n)
		}
		slices.Sort(numbers)
		w.Header().Set("Content-Type", "application/xml")
		fmt.Fprintf(w, "<?xml version='1.0' encoding='UTF-8'?><ListPartsResult><Bucket>%s</Bucket><Key>%s</Key><UploadId>%s</UploadId><IsTruncated>false</IsTruncated>", bucket, object, q.Get("uploadId"))
		for _, n := range numbers {
			fmt.Fprintf(w, "<Part><PartNumber>%d</PartNumber><ETag>&quot;%s&quot;</ETag><Size>%d</Size></Part>", n, up.parts[n].etag, up.parts[n].size)
		}
		fmt.Fprint(w, "</ListPartsResult>")
	case http.MethodPost:
		var doc struct {
			Parts []struct {
				PartNumber int
				ETag       string
			} `xml:"Part"`
		}
		if err := xml.NewDecoder(r.Body).Decode(&doc); err != nil || len(doc.Parts) == 0 {
			xmlError(w, http.StatusBadRequest, "MalformedXML")
			return
		}
		if r.Header.Get("X-Goog-If-Generation-Match") == "0" && m.heldLocked(bucket, object) {
			xmlError(w, http.StatusPreconditionFailed, "PreconditionFailed")
			return
		}
		var total int64
		for i, p := range doc.Parts {
			part, ok := up.parts[p.PartNumber]
			if !ok || strings.Trim(p.ETag, `"`) != part.etag || (i > 0 && p.PartNumber <= doc.Parts[i-1].PartNumber) {
				xmlError(w, http.StatusBadRequest, "InvalidPart")
				return
			}
			total += part.size
		}
		m.done[bucket+"/"+object] = total
		delete(m.uploads, q.Get("uploadId"))
		w.Header().Set("Content-Type", "application/xml")
		fmt.Fprintf(w, "<?xml version='1.0' encoding='UTF-8'?><CompleteMultipartUploadResult><Bucket>%s</Bucket><Key>%s</Key></CompleteMultipartUploadResult>", bucket, object)
	case http.MethodDelete:
		delete(m.uploads, q.Get("uploadId"))
		w.WriteHeader(http.StatusNoContent)
	default:
		xmlError(w, http.StatusMethodNotAllowed, "MethodNotAllowed")
	}
}

// held reports whether bucket/object holds an object: one in fake-gcs-server, or a completed
// multipart upload (which the fake keeps no data of).
func (m *multipart) held(bucket, object string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.heldLocked(bucket, object)
}

func (m *multipart) heldLocked(bucket, object string) bool {
	if _, ok := m.done[bucket+"/"+object]; ok {
		return true
	}
	return m.exists != nil && m.exists(bucket, object)
}

// Multipart returns the total size of every completed XML API multipart upload, by
// "bucket/object". The fake keeps no data of multipart uploads, so they leave no object.
func (g *GCS) Multipart() map[string]int64 {
	g.multipart.mu.Lock()
	defer g.multipart.mu.Unlock()
	out := make(map[string]int64, len(g.multipart.done))
	for k, v := range g.multipart.done {
		out[k] = v
	}
	return out
}

// XMLClient is an http.Client for the signed XML API URLs of a client connected to g: they
// name g's address with https, which the client sends to g over plain HTTP.
func (g *GCS) XMLClient() *http.Client {
	host := strings.TrimPrefix(g.URL, "http://")
	return &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if r.URL.Scheme == "https" && r.URL.Host == host {
			r = r.Clone(r.Context())
			r.URL.Scheme = "http"
		}
		return http.DefaultTransport.RoundTrip(r)
	})}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
