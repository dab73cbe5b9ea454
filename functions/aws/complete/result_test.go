package complete_test

import (
	"strings"
	"testing"
	"time"

	"github.com/ottkit/ottkit/functions/aws/awstest"
	"github.com/ottkit/ottkit/functions/aws/complete"
	"github.com/ottkit/ottkit/functions/aws/eventbridge"
	"github.com/ottkit/ottkit/functions/pipeline"
)

func decode(t *testing.T, fixture string, vars ...string) eventbridge.JobStateChange {
	t.Helper()
	r := strings.NewReplacer(append([]string{"{{DELIVERY}}", "delivery", "{{ASSET}}", "a1", "{{JOB}}", "job-1"}, vars...)...)
	ev, err := eventbridge.DecodeJobStateChange([]byte(r.Replace(awstest.ReadFile(t, fixture))))
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

// TestResult checks the MediaConvert event → pipeline.JobResult translation on the real event
// shapes: the stage sees no MediaConvert status, code or s3:// path.
func TestResult(t *testing.T) {
	res := complete.Result(decode(t, "job-complete.json"))
	if res.JobID != "job-1" || res.AssetID != "a1" || res.State != pipeline.JobComplete || res.Duration != 95040*time.Millisecond {
		t.Errorf("complete result = %+v", res)
	}
	for _, o := range res.Outputs {
		if o.Bucket != "delivery" || !strings.HasPrefix(o.Key, "assets/a1/") {
			t.Errorf("output %+v, want a delivery key under assets/a1/", o)
		}
	}
	for _, v := range res.Videos {
		if v.Width == 320 && v.Height == 180 {
			t.Errorf("videos %+v include the 320x180 thumbnails of a FILE_GROUP", res.Videos)
		}
	}
	if len(res.Outputs) == 0 || len(res.Videos) == 0 {
		t.Errorf("result has %d outputs and %d videos, want both", len(res.Outputs), len(res.Videos))
	}

	for code, retryable := range map[string]bool{"3450": true, "1040": false} {
		res := complete.Result(decode(t, "job-error.json", "{{CODE}}", code, "{{MESSAGE}}", "boom"))
		if res.State != pipeline.JobError || res.ErrorCode != code || res.ErrorMessage != "boom" || res.Retryable != retryable {
			t.Errorf("error %s result = %+v, want retryable %v", code, res, retryable)
		}
	}
	for status, want := range map[string]pipeline.JobState{"CANCELED": pipeline.JobCanceled, "PROGRESSING": pipeline.JobProgressing, "INPUT_INFORMATION": pipeline.JobProgressing} {
		if res := complete.Result(decode(t, "job-progressing.json", "{{STATUS}}", status)); res.State != want {
			t.Errorf("%s → %s, want %s", status, res.State, want)
		}
	}

	ev := decode(t, "job-complete.json")
	ev.UserMetadata = map[string]string{"assetId": "a1", "attempt": "two"}
	ev.OutputGroups = []eventbridge.OutputGroup{{Type: "CMAF_GROUP", PlaylistFilePaths: []string{"https://elsewhere/x.m3u8", "s3://delivery/assets/a1/index.m3u8"}}}
	res = complete.Result(ev)
	if res.Attempt != 0 {
		t.Errorf("attempt metadata %q gave attempt %d, want 0 (unknown)", "two", res.Attempt)
	}
	if len(res.Outputs) != 2 || res.Outputs[0] != (pipeline.Object{Key: "https://elsewhere/x.m3u8"}) || res.Outputs[1] != (pipeline.Object{Bucket: "delivery", Key: "assets/a1/index.m3u8"}) {
		t.Errorf("outputs = %+v, want the unparsable path without a bucket and the s3 one split", res.Outputs)
	}
}
