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
	if !strings.HasPrefix(prefix, "/") || !strings.HasSuffix(prefix, "/") || strings.ContainsAny(prefix, "*?# ") {
		return nil, fmt.Errorf("stagetest: prefix %q must be a path from / to / without wildcards", prefix)
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
