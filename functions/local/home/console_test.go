package home_test

import (
	"bytes"
	"log/slog"
	"regexp"
	"testing"

	"github.com/ottkit/ottkit/functions/local/home"
)

func TestConsole(t *testing.T) {
	var b bytes.Buffer
	log := slog.New(home.NewConsole(&b)).With("assetId", "a1")
	log.Info("upload accepted", "width", 1920, "plan", "h264 1920x1080@6000k")
	log.Warn("stage failed", "error", `probe: "moov" missing`)
	log.Debug("not shown")
	log.WithGroup("job").Error("transcoding job failed", "code", "encode_failed")
	want := regexp.MustCompile(`^\d\d:\d\d:\d\d upload accepted assetId=a1 width=1920 plan="h264 1920x1080@6000k"
\d\d:\d\d:\d\d WARN stage failed assetId=a1 error="probe: \\"moov\\" missing"
\d\d:\d\d:\d\d ERROR transcoding job failed assetId=a1 job.code=encode_failed
$`)
	if !want.MatchString(b.String()) {
		t.Errorf("console printed:\n%s", b.String())
	}
}
