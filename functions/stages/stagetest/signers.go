package stagetest

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ottkit/ottkit/functions/pipeline"
)

// PlaybackCookie is the name of the fake PlaybackSigner's one cookie.
const PlaybackCookie = "stagetest-playback"

// PlaybackSigner is a pipeline.PlaybackSigner issuing one HMAC-SHA256 cookie over the prefix
// and expiry, which Verify checks the way a CDN would.
type PlaybackSigner struct {
	Faults
	// Key is the HMAC key; a fixed test key when empty.
	Key []byte
}

var _ pipeline.PlaybackSigner = (*PlaybackSigner)(nil)

func (s *PlaybackSigner) mac(prefix string, expires int64) string {
	key := s.Key
	if len(key) == 0 {
		key = []byte("stagetest")
	}
	m := hmac.New(sha256.New, key)
	fmt.Fprintf(m, "%s\n%d", prefix, expires)
	return hex.EncodeToString(m.Sum(nil))
}

// Sign implements pipeline.PlaybackSigner.
func (s *PlaybackSigner) Sign(_ context.Context, prefix string, expires time.Time) ([]*http.Cookie, error) {
	if err := s.take("Sign"); err != nil {
		return nil, err
	}
	if !strings.HasPrefix(prefix, "/") || !strings.HasSuffix(prefix, "/") {
		return nil, fmt.Errorf("stagetest: prefix %q must start and end with /", prefix)
	}
	exp := expires.Unix()
	value := url.QueryEscape(prefix) + "|" + strconv.FormatInt(exp, 10) + "|" + s.mac(prefix, exp)
	return []*http.Cookie{{Name: PlaybackCookie, Value: value, Path: prefix, Expires: expires, Secure: true, HttpOnly: true, SameSite: http.SameSiteNoneMode}}, nil
}

// Verify reports whether cookies grant a GET of path at now.
func (s *PlaybackSigner) Verify(cookies []*http.Cookie, path string, now time.Time) error {
	for _, c := range cookies {
		if c.Name != PlaybackCookie {
			continue
		}
		parts := strings.Split(c.Value, "|")
		if len(parts) != 3 {
			return errors.New("stagetest: malformed playback cookie")
		}
		prefix, err := url.QueryUnescape(parts[0])
		if err != nil {
			return err
		}
		exp, err := strconv.ParseInt(parts[1], 10, 64)
		if err != nil {
			return err
		}
		switch {
		case !hmac.Equal([]byte(parts[2]), []byte(s.mac(prefix, exp))):
			return errors.New("stagetest: playback cookie signature does not verify")
		case now.Unix() >= exp:
			return errors.New("stagetest: playback cookie expired")
		case !strings.HasPrefix(path, prefix):
			return fmt.Errorf("stagetest: playback cookie is for %s, not %s", prefix, path)
		}
		return nil
	}
	return errors.New("stagetest: no playback cookie")
}

// UploadSigner is a pipeline.UploadSigner returning fake URLs and keeping multipart uploads,
// so a test can check what the API asked for.
type UploadSigner struct {
	Faults
	// Now is the clock; time.Now when nil.
	Now func() time.Time

	mu        sync.Mutex
	uploads   map[string]string // upload id -> bucket/key
	completed map[string][]pipeline.UploadPart
}

var _ pipeline.UploadSigner = (*UploadSigner)(nil)

func (u *UploadSigner) now() time.Time {
	if u.Now != nil {
		return u.Now()
	}
	return time.Now()
}

// PresignPut implements pipeline.UploadSigner.
func (u *UploadSigner) PresignPut(_ context.Context, bucket, key, contentType string, ttl time.Duration) (pipeline.SignedRequest, error) {
	if err := u.take("PresignPut"); err != nil {
		return pipeline.SignedRequest{}, err
	}
	h := http.Header{}
	if contentType != "" {
		h.Set("Content-Type", contentType)
	}
	return pipeline.SignedRequest{Method: http.MethodPut, URL: "https://uploads.stagetest/" + bucket + "/" + url.PathEscape(key) + "?sig=1", Headers: h, Expires: u.now().Add(ttl).UTC().Truncate(time.Second)}, nil
}

// CreateMultipartUpload implements pipeline.UploadSigner.
func (u *UploadSigner) CreateMultipartUpload(_ context.Context, bucket, key, _ string) (string, error) {
	if err := u.take("CreateMultipartUpload"); err != nil {
		return "", err
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.uploads == nil {
		u.uploads, u.completed = map[string]string{}, map[string][]pipeline.UploadPart{}
	}
	id := fmt.Sprintf("mpu-%d", len(u.uploads)+1)
	u.uploads[id] = bucket + "/" + key
	return id, nil
}

// PresignUploadPart implements pipeline.UploadSigner.
func (u *UploadSigner) PresignUploadPart(_ context.Context, bucket, key, uploadID string, part int, ttl time.Duration) (pipeline.SignedRequest, error) {
	if err := u.take("PresignUploadPart"); err != nil {
		return pipeline.SignedRequest{}, err
	}
	return pipeline.SignedRequest{Method: http.MethodPut, URL: fmt.Sprintf("https://uploads.stagetest/%s/%s?uploadId=%s&partNumber=%d", bucket, url.PathEscape(key), uploadID, part), Expires: u.now().Add(ttl).UTC().Truncate(time.Second)}, nil
}

// CompleteMultipartUpload implements pipeline.UploadSigner.
func (u *UploadSigner) CompleteMultipartUpload(_ context.Context, bucket, key, uploadID string, parts []pipeline.UploadPart) error {
	if err := u.take("CompleteMultipartUpload"); err != nil {
		return err
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.uploads[uploadID] != bucket+"/"+key {
		return fmt.Errorf("stagetest: complete %s of %s/%s: %w", uploadID, bucket, key, pipeline.ErrObjectNotFound)
	}
	u.completed[uploadID] = append([]pipeline.UploadPart(nil), parts...)
	delete(u.uploads, uploadID)
	return nil
}

// Completed returns the parts a completed upload was assembled from, and whether it was.
func (u *UploadSigner) Completed(uploadID string) ([]pipeline.UploadPart, bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	p, ok := u.completed[uploadID]
	return p, ok
}
