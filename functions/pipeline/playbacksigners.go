package pipeline

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

// PlaybackSigners is one grant signed by several PlaybackSigners: the cloud CDN's cookies
// and, on a stack with an edge in front of it, the edge's token next to them. Sign returns
// every signer's cookies or none: a partial grant would play on one host and 403 on the
// other, so any signer's failure fails the grant.
type PlaybackSigners []PlaybackSigner

var _ PlaybackSigner = PlaybackSigners(nil)

// Sign implements PlaybackSigner. Two signers issuing a cookie of the same name and path
// would overwrite each other in the viewer's jar, and are refused.
func (s PlaybackSigners) Sign(ctx context.Context, prefix string, expires time.Time) ([]*http.Cookie, error) {
	if len(s) == 0 {
		return nil, fmt.Errorf("playback signers: none configured")
	}
	var out []*http.Cookie
	seen := map[[2]string]bool{}
	for i, signer := range s {
		cookies, err := signer.Sign(ctx, prefix, expires)
		if err != nil {
			return nil, fmt.Errorf("playback signer %d of %d: %w", i+1, len(s), err)
		}
		for _, c := range cookies {
			k := [2]string{c.Name, c.Path}
			if seen[k] {
				return nil, fmt.Errorf("playback signer %d of %d: cookie %s for path %s is already issued by another signer", i+1, len(s), c.Name, c.Path)
			}
			seen[k] = true
			out = append(out, c)
		}
	}
	return out, nil
}
