package probe

import (
	"context"
	"os"
	"strings"
	"testing"
)

func TestZZExplore(t *testing.T) {
	for _, p := range strings.Fields(os.Getenv("PROBE_FILES")) {
		f, _ := os.Open(p)
		src, _ := FileSource(f)
		info, err := Probe(context.Background(), src, Limits{})
		if info != nil {
			t.Logf("%s: %+v video=%+v err=%v", p, *info, info.Video, err)
		} else {
			t.Logf("%s: err=%v", p, err)
		}
	}
}
