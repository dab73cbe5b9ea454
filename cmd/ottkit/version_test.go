package main

import (
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

func TestVersionLine(t *testing.T) {
	vcs := []debug.BuildSetting{{Key: "vcs.revision", Value: "0123456789abcdef0123"}, {Key: "vcs.time", Value: "2026-12-01T09:00:00Z"}, {Key: "vcs.modified", Value: "true"}}
	tail := " " + runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH
	for _, tt := range []struct {
		name string
		info *debug.BuildInfo
		want string
	}{
		{"clone build", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs}, "ottkit devel (commit 0123456789ab, modified, 2026-12-01T09:00:00Z)"},
		{"go install of a tag", &debug.BuildInfo{Main: debug.Module{Version: "v0.4.0"}}, "ottkit v0.4.0"},
		{"no build info", nil, "ottkit devel"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := versionLine(tt.info); got != tt.want+tail {
				t.Errorf("versionLine = %q, want %q", got, tt.want+tail)
			}
		})
	}
}

func TestVersionCommand(t *testing.T) {
	code, out, errOut := ottkit(t, "version")
	if code != exitOK || !strings.HasPrefix(out, "ottkit ") || !strings.Contains(out, runtime.Version()) {
		t.Errorf("ottkit version: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

// TestCompletion: the README documents `ottkit completion bash|zsh|fish|powershell`; each
// must print a script that names the commands.
func TestCompletion(t *testing.T) {
	for _, shell := range []string{"bash", "zsh", "fish", "powershell"} {
		code, out, errOut := ottkit(t, "completion", shell)
		if code != exitOK || !strings.Contains(out, "ottkit") || len(out) < 500 {
			t.Errorf("completion %s: exit %d, %d bytes, stderr %q", shell, code, len(out), errOut)
		}
	}
}
