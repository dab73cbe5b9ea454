package eventbridge

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDecodeObjectCreated(t *testing.T) {
	tests := []struct {
		fixture string
		want    ObjectCreated
	}{
		{"s3-object-created.json", ObjectCreated{
			EventID: "17793124-05d4-b198-2fde-7ededc63b103", Time: time.Date(2021, 11, 12, 0, 0, 0, 0, time.UTC),
			Bucket: "amzn-s3-demo-bucket1", Key: "uploads/acme/2b1c8f9e-6a8d-4e51-9a5e-3f0b7c1d2e4f/example.mp4", Size: 5,
			ETag: "b1946ac92492d2347c6235b4d2611184", VersionID: "IYV3p45BT0ac8hjHg1houSdS1a.Mro8e",
			Sequencer: "617f08299329d189", Reason: "PutObject",
		}},
		{"s3-object-created-multipart.json", ObjectCreated{
			EventID: "c9888434-815d-c6f4-9fc2-4dd7bdeccaaf", Time: time.Date(2023, 8, 9, 13, 9, 50, 0, time.UTC),
			Bucket: "ottkit-ingest", Key: "uploads/acme/7c0a/Holiday Clip.MOV", Size: 198524144,
			ETag: "4af981f98d22a0b9979da24b259e5e42-12", Sequencer: "0064D3901D00059242", Reason: "CompleteMultipartUpload",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			got, err := DecodeObjectCreated(readFixture(t, tt.fixture))
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("DecodeObjectCreated = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestDecodeObjectCreatedRejects(t *testing.T) {
	tests := []struct {
		name, body string
		wantErr    string
		unexpected bool
	}{
		{"not json", `hello`, "eventbridge: body is not an EventBridge event: invalid character 'h' looking for beginning of value", false},
		{"other detail type", `{"source":"aws.s3","detail-type":"Object Deleted","detail":{}}`, "", true},
		{"job event", string(readFixture(t, "mediaconvert-error.json")), "", true},
		{"no detail", `{"source":"aws.s3","detail-type":"Object Created"}`, "eventbridge: event has no detail", false},
		{"no bucket", `{"source":"aws.s3","detail-type":"Object Created","detail":{"object":{"key":"k","size":1}}}`, "eventbridge: object created: detail.bucket.name is empty", false},
		{"no key", `{"source":"aws.s3","detail-type":"Object Created","detail":{"bucket":{"name":"b"},"object":{"size":1}}}`, "eventbridge: object created: detail.object.key is empty", false},
		{"no size", `{"source":"aws.s3","detail-type":"Object Created","detail":{"bucket":{"name":"b"},"object":{"key":"k"}}}`, "eventbridge: object created: detail.object.size is missing", false},
		{"negative size", `{"source":"aws.s3","detail-type":"Object Created","detail":{"bucket":{"name":"b"},"object":{"key":"k","size":-1}}}`, "eventbridge: object created: detail.object.size -1 is negative", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeObjectCreated([]byte(tt.body))
			if err == nil {
				t.Fatal("DecodeObjectCreated succeeded, want an error")
			}
			if got := errors.Is(err, ErrUnexpectedEvent); got != tt.unexpected {
				t.Errorf("errors.Is(%v, ErrUnexpectedEvent) = %v, want %v", err, got, tt.unexpected)
			}
			if tt.wantErr != "" && err.Error() != tt.wantErr {
				t.Errorf("error = %q, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestDecodeJobStateChange(t *testing.T) {
	t.Run("complete with HLS and frame capture", func(t *testing.T) {
		got, err := DecodeJobStateChange(readFixture(t, "mediaconvert-complete-hls.json"))
		if err != nil {
			t.Fatal(err)
		}
		if got.JobID != "1671476818694-phptj0" || got.Status != JobComplete || got.UserMetadata["assetId"] != "example" {
			t.Errorf("job = %q status = %q metadata = %v, want 1671476818694-phptj0 COMPLETE assetId=example", got.JobID, got.Status, got.UserMetadata)
		}
		if want := time.UnixMilli(1671476832124).UTC(); !got.Timestamp.Equal(want) {
			t.Errorf("Timestamp = %s, want %s", got.Timestamp, want)
		}
		if len(got.OutputGroups) != 2 {
			t.Fatalf("got %d output groups, want 2", len(got.OutputGroups))
		}
		hls := got.OutputGroups[0]
		if hls.Type != "HLS_GROUP" || len(hls.PlaylistFilePaths) != 1 || hls.PlaylistFilePaths[0] != "s3://amzn-s3-demo-bucket/hls/main.m3u8" {
			t.Errorf("HLS group = %+v", hls)
		}
		if len(hls.Outputs) != 2 || hls.Outputs[1].Video == nil || *hls.Outputs[1].Video != (VideoDetails{WidthInPx: 1280, HeightInPx: 720, AverageBitrate: 3000000}) {
			t.Errorf("HLS outputs = %+v", hls.Outputs)
		}
		if hls.Outputs[0].DurationInMs != 180041 {
			t.Errorf("DurationInMs = %d, want 180041", hls.Outputs[0].DurationInMs)
		}
	})
	t.Run("error", func(t *testing.T) {
		got, err := DecodeJobStateChange(readFixture(t, "mediaconvert-error.json"))
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != JobError || got.ErrorCode != 1040 || got.ErrorMessage != "Example error message" {
			t.Errorf("got %+v, want ERROR 1040 Example error message", got)
		}
	})
	t.Run("string error code", func(t *testing.T) {
		got, err := DecodeJobStateChange([]byte(`{"source":"aws.mediaconvert","detail-type":"MediaConvert Job State Change","detail":{"jobId":"j","status":"ERROR","errorCode":"1999"}}`))
		if err != nil {
			t.Fatal(err)
		}
		if got.ErrorCode != 1999 {
			t.Errorf("ErrorCode = %d, want 1999", got.ErrorCode)
		}
	})
	rejects := []struct{ name, body, wantErr string }{
		{"no job id", `{"source":"aws.mediaconvert","detail-type":"MediaConvert Job State Change","detail":{"status":"ERROR"}}`, "eventbridge: job state change: detail.jobId is empty"},
		{"no status", `{"source":"aws.mediaconvert","detail-type":"MediaConvert Job State Change","detail":{"jobId":"j"}}`, "eventbridge: job state change: detail.status is empty"},
		{"bad error code", `{"source":"aws.mediaconvert","detail-type":"MediaConvert Job State Change","detail":{"jobId":"j","status":"ERROR","errorCode":"x"}}`, `eventbridge: job state change detail: errorCode "x" is not an integer`},
	}
	for _, tt := range rejects {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeJobStateChange([]byte(tt.body))
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("error = %v, want %q", err, tt.wantErr)
			}
		})
	}
	t.Run("s3 event is unexpected", func(t *testing.T) {
		_, err := DecodeJobStateChange(readFixture(t, "s3-object-created.json"))
		if !errors.Is(err, ErrUnexpectedEvent) {
			t.Errorf("error = %v, want ErrUnexpectedEvent", err)
		}
	})
}

func FuzzDecodeObjectCreated(f *testing.F) {
	for _, name := range []string{"s3-object-created.json", "s3-object-created-multipart.json", "mediaconvert-error.json"} {
		f.Add(readFixture(f, name))
	}
	f.Add([]byte(`{"source":"aws.s3","detail-type":"Object Created","detail":null}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		ev, err := DecodeObjectCreated(body)
		if err != nil {
			return
		}
		if ev.Bucket == "" || ev.Key == "" || ev.Size < 0 {
			t.Errorf("decoded an invalid event without error: %+v", ev)
		}
	})
}

func FuzzDecodeJobStateChange(f *testing.F) {
	for _, name := range []string{"mediaconvert-complete-hls.json", "mediaconvert-error.json", "mediaconvert-progressing.json", "s3-object-created.json"} {
		f.Add(readFixture(f, name))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		ev, err := DecodeJobStateChange(body)
		if err != nil {
			return
		}
		if ev.JobID == "" || ev.Status == "" {
			t.Errorf("decoded an invalid event without error: %+v", ev)
		}
	})
}
