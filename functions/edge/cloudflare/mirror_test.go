package cloudflare_test

import (
	"regexp"
	"strings"
	"testing"

	edgeworker "github.com/ottkit/ottkit/functions/edge/cloudflare"
	"github.com/ottkit/ottkit/functions/stages/complete"
)

// TestMirrorHeadersMatchTheWorker: the complete stage stores mirrored objects with the
// content types and cache policy the Worker answers with, so R2's own metadata and the
// Worker never disagree.
func TestMirrorHeadersMatchTheWorker(t *testing.T) {
	table := regexp.MustCompile(`(?s)const CONTENT_TYPES = \{(.*?)\};`).FindStringSubmatch(edgeworker.WorkerModule)
	if table == nil {
		t.Fatal("worker.js has no CONTENT_TYPES table")
	}
	entries := regexp.MustCompile(`(\w+): "([^"]+)"`).FindAllStringSubmatch(table[1], -1)
	if len(entries) < 10 {
		t.Fatalf("parsed %d content types from worker.js", len(entries))
	}
	for _, e := range entries {
		if got := complete.MirrorContentType("assets/a/x."+e[1], ""); got != e[2] {
			t.Errorf(".%s: the mirror stores %q, the Worker serves %q", e[1], got, e[2])
		}
	}
	for key, want := range map[string]string{"index.m3u8": "private, max-age=60", "index.mpd": "private, max-age=60", "seg_00001.m4s": "private, max-age=86400, immutable"} {
		if !strings.Contains(edgeworker.WorkerModule, `"`+want+`"`) {
			t.Errorf("worker.js no longer answers %q", want)
		}
		if got := complete.MirrorCacheControl("assets/a/" + key); got != want {
			t.Errorf("%s: the mirror stores Cache-Control %q, want the Worker's %q", key, got, want)
		}
	}
}
