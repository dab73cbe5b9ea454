package home

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ottkit/ottkit/functions/pipeline"
)

// RoleUploader is the role that may create uploads.
const RoleUploader = "uploader"

// IngestFile uploads the file at path through the platform's own API, as a client would (a
// token, POST /api/uploads, the signed PUT or the multipart parts), and waits until the asset
// reaches a final status, which it returns: ready, rejected or failed. It fails when ctx ends
// first.
func (p *Platform) IngestFile(ctx context.Context, path, tenant string) (*pipeline.Asset, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("home: ingest %s: %w", path, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("home: ingest %s: %w", path, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("home: ingest %s: not a regular file", path)
	}
	tok, err := p.Token(tenant, []string{RoleUploader}, time.Hour)
	if err != nil {
		return nil, err
	}
	c := &apiClient{base: p.URL, token: tok}
	ct := mime.TypeByExtension(strings.ToLower(filepath.Ext(path)))
	if ct == "" || strings.Contains(ct, ";") {
		ct = "application/octet-stream"
	}
	var up uploadResponse
	if err := c.call(ctx, http.MethodPost, "/api/uploads", map[string]any{"filename": filepath.Base(path), "size": fi.Size(), "contentType": ct}, &up); err != nil {
		return nil, fmt.Errorf("home: ingest %s: %w", path, err)
	}

	// Subscribed before the bytes go up: the final notification may come quickly.
	final := make(chan pipeline.Notification, 16)
	stop := p.Subscribe(func(n pipeline.Notification) {
		if n.Status.Final() {
			select {
			case final <- n:
			default:
			}
		}
	})
	defer stop()

	if up.Multipart != nil {
		err = c.multipart(ctx, f, up)
	} else {
		err = put(ctx, up.Method, up.URL, up.Headers, io.NewSectionReader(f, 0, fi.Size()), fi.Size())
	}
	if err != nil {
		return nil, fmt.Errorf("home: ingest %s: %w", path, err)
	}
	p.log.Info("waiting for the asset to finish", "key", up.Key)
	for {
		// The catalog, not only the notification: it may have been published before.
		a, err := p.assetOf(ctx, tenant, up.Key)
		if err != nil {
			return nil, fmt.Errorf("home: ingest %s: %w", path, err)
		}
		if a != nil && a.Status.Final() {
			return a, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("home: ingest %s: %w", path, ctx.Err())
		case <-final:
		case <-time.After(time.Second):
		}
	}
}

// assetOf finds the tenant's asset made from the upload at key, or nil while there is none.
// It looks in the catalog rather than at the upload, which ingest may already have moved to
// quarantine (or deleted) by the time the client asks: every upload has a key of its own.
func (p *Platform) assetOf(ctx context.Context, tenant, key string) (*pipeline.Asset, error) {
	if info, err := p.store.Head(ctx, IngestBucket, key); err == nil {
		a, err := p.catalog.Get(ctx, pipeline.AssetID(IngestBucket, key, info.Version))
		if err == nil {
			return a, nil
		}
		if !errors.Is(err, pipeline.ErrNotFound) {
			return nil, err
		}
	} else if !errors.Is(err, pipeline.ErrObjectNotFound) {
		return nil, err
	}
	// A rejected asset's source is where ingest moved the upload.
	quarantined := pipeline.QuarantinePrefix + strings.TrimPrefix(key, pipeline.UploadPrefix)
	token := ""
	for {
		page, next, err := p.catalog.List(ctx, tenant, 100, token)
		if err != nil {
			return nil, err
		}
		for i := range page {
			if src := page[i].Source; src.Bucket == IngestBucket && (src.Key == key || src.Key == quarantined) {
				return &page[i], nil
			}
		}
		if next == "" {
			return nil, nil
		}
		token = next
	}
}

type uploadResponse struct {
	Key       string            `json:"key"`
	Method    string            `json:"method"`
	URL       string            `json:"url"`
	Headers   map[string]string `json:"headers"`
	Multipart *struct {
		UploadID string `json:"uploadId"`
		PartSize int64  `json:"partSize"`
		Parts    []struct {
			PartNumber int               `json:"partNumber"`
			URL        string            `json:"url"`
			Headers    map[string]string `json:"headers"`
		} `json:"parts"`
	} `json:"multipart"`
}

// apiClient calls the platform's API with a bearer token.
type apiClient struct {
	base, token string
}

func (c *apiClient) call(ctx context.Context, method, path string, in, out any) error {
	b, err := json.Marshal(in)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, strings.TrimSpace(string(body)))
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	return nil
}

func (c *apiClient) multipart(ctx context.Context, f *os.File, up uploadResponse) error {
	m := up.Multipart
	type part struct {
		PartNumber int    `json:"partNumber"`
		ETag       string `json:"etag"`
	}
	var parts []part
	for i, sp := range m.Parts {
		off := int64(i) * m.PartSize
		fi, err := f.Stat()
		if err != nil {
			return err
		}
		n := min(m.PartSize, fi.Size()-off)
		if n <= 0 {
			return errors.New("the API planned more parts than the file has")
		}
		etag, err := putETag(ctx, http.MethodPut, sp.URL, sp.Headers, io.NewSectionReader(f, off, n), n)
		if err != nil {
			return fmt.Errorf("part %d: %w", sp.PartNumber, err)
		}
		parts = append(parts, part{PartNumber: sp.PartNumber, ETag: etag})
	}
	var done map[string]string
	return c.call(ctx, http.MethodPost, "/api/uploads/complete", map[string]any{"key": up.Key, "uploadId": m.UploadID, "parts": parts}, &done)
}

func put(ctx context.Context, method, url string, headers map[string]string, body io.Reader, size int64) error {
	_, err := putETag(ctx, method, url, headers, body, size)
	return err
}

func putETag(ctx context.Context, method, url string, headers map[string]string, body io.Reader, size int64) (string, error) {
	if method == "" {
		method = http.MethodPut
	}
	req, err := http.NewRequestWithContext(ctx, method, url, body)
	if err != nil {
		return "", err
	}
	req.ContentLength = size
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("upload %s: %s", resp.Status, strings.TrimSpace(string(msg)))
	}
	return resp.Header.Get("ETag"), nil
}
