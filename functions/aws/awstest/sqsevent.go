package awstest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

// SQSEvent returns a Lambda SQS event with one record per body, each a copy of the record in
// aws-lambda-go's sqs-event.json fixture with its own message id and body.
func SQSEvent(t testing.TB, bodies ...string) events.SQSEvent {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	b, err := os.ReadFile(filepath.Join(filepath.Dir(file), "testdata", "sqs-event.json"))
	if err != nil {
		t.Fatal(err)
	}
	var fixture events.SQSEvent
	if err := json.Unmarshal(b, &fixture); err != nil {
		t.Fatal(err)
	}
	var out events.SQSEvent
	for i, body := range bodies {
		rec := fixture.Records[0]
		rec.MessageId = fmt.Sprintf("msg-%d-%s", i, UniqueName("m"))
		rec.Body = body
		out.Records = append(out.Records, rec)
	}
	return out
}

// ReadFile returns testdata/name of the calling package.
func ReadFile(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// LoggedError returns the error sqsbatch logged (JSON lines in logs) when it reported message
// messageID for retry, with the asset id the line carries, or a note that none was logged.
func LoggedError(logs []byte, messageID string) string {
	for _, line := range bytes.Split(logs, []byte("\n")) {
		var rec struct {
			Msg       string `json:"msg"`
			MessageID string `json:"messageId"`
			AssetID   string `json:"assetId"`
			Error     string `json:"error"`
		}
		if json.Unmarshal(line, &rec) == nil && rec.MessageID == messageID && rec.Error != "" {
			return fmt.Sprintf("%s (asset %q)", rec.Error, rec.AssetID)
		}
	}
	return "no error was logged for it"
}
