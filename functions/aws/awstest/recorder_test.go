package awstest

import (
	"strings"
	"testing"

	"github.com/ottkit/ottkit/functions/aws/manifest"
)

func TestRecorderCheck(t *testing.T) {
	fn := manifest.Function{Name: "fn", Permissions: []manifest.Permission{
		{Action: "s3:GetObject", On: manifest.IngestBucket, Path: "uploads/*"},
		{Action: "s3:PutObject", On: manifest.IngestBucket, Path: "quarantine/*"},
		{Action: "dynamodb:Query", On: manifest.CatalogTable, Path: "index/*"},
		{Action: "mediaconvert:CreateJob", On: manifest.MediaConvertQueue},
		{Action: "iam:PassRole", On: manifest.MediaConvertRole, PassedToService: "mediaconvert.amazonaws.com"},
	}}
	named := func() *Recorder {
		r := NewRecorder()
		r.Name(manifest.IngestBucket, "ingest")
		r.Name(manifest.CatalogTable, "catalog")
		r.Name(manifest.MediaConvertQueue, "arn:queue")
		r.Name(manifest.MediaConvertRole, "arn:role")
		return r
	}
	all := []Call{
		{Service: "S3", Operation: "CopyObject", Fields: map[string]string{"Bucket": "ingest", "Key": "quarantine/a b", "CopySource": "ingest/uploads/a%20b"}},
		{Service: "DynamoDB", Operation: "Query", Fields: map[string]string{"TableName": "catalog", "IndexName": "byTenant"}},
		{Service: "MediaConvert", Operation: "CreateJob", Fields: map[string]string{"Queue": "arn:queue", "Role": "arn:role"}},
	}
	tests := []struct {
		name  string
		calls []Call
		want  []string // substrings of the error; none means success
	}{
		{"exact", all, nil},
		{"unused permission", all[1:], []string{`declared s3:GetObject on ingest-bucket path "uploads/*" is never used`, `declared s3:PutObject on ingest-bucket path "quarantine/*" is never used`}},
		{"undeclared path", append(all, Call{Service: "S3", Operation: "DeleteObject", Fields: map[string]string{"Bucket": "ingest", "Key": "uploads/x"}}),
			[]string{`needs s3:DeleteObject on ingest-bucket path "uploads/x"`}},
		{"table instead of index", append(all, Call{Service: "DynamoDB", Operation: "Query", Fields: map[string]string{"TableName": "catalog"}}),
			[]string{`needs dynamodb:Query on catalog-table path ""`}},
		{"unnamed resource", append(all, Call{Service: "SNS", Operation: "Publish", Fields: map[string]string{"TopicArn": "arn:topic"}}),
			[]string{`"arn:topic", which the test never named`}},
		{"unmapped operation", append(all, Call{Service: "S3", Operation: "PutBucketPolicy"}),
			[]string{"no IAM mapping for S3.PutBucketPolicy"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := named()
			for _, c := range tt.calls {
				r.record(c)
			}
			err := r.Check(fn)
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("Check = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Check = nil, want errors %q", tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Check error %q lacks %q", err, w)
				}
			}
		})
	}
}

func TestPathMatch(t *testing.T) {
	tests := []struct {
		pattern, path string
		want          bool
	}{
		{"", "", true}, {"", "x", false}, {"*", "", false}, {"*", "a/b", true},
		{"uploads/*", "uploads/t/u/f", true}, {"uploads/*", "quarantine/x", false}, {"uploads/*", "uploads/", true}, // IAM's * matches zero characters too
		{"index/*", "index/byTenant", true}, {"exact", "exact", true},
	}
	for _, tt := range tests {
		if got := pathMatch(tt.pattern, tt.path); got != tt.want {
			t.Errorf("pathMatch(%q, %q) = %v, want %v", tt.pattern, tt.path, got, tt.want)
		}
	}
}

func TestGrantsTaggedCreateJob(t *testing.T) {
	queue := "arn:aws:mediaconvert:eu-west-1:111122223333:queues/q"
	tests := []struct {
		name   string
		fields map[string]string
		want   []string
	}{
		{"untagged", map[string]string{"Queue": queue, "Role": "arn:role"},
			[]string{"mediaconvert:CreateJob " + queue, "iam:PassRole arn:role"}},
		{"tagged", map[string]string{"Queue": queue, "Role": "arn:role", "Tags": "2"},
			[]string{"mediaconvert:CreateJob " + queue, "iam:PassRole arn:role",
				"mediaconvert:TagResource arn:aws:mediaconvert:eu-west-1:111122223333:jobs/*"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			grants, err := Grants(Call{Service: "MediaConvert", Operation: "CreateJob", Fields: tt.fields})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, g := range grants {
				got = append(got, g.Action+" "+g.Name)
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("Grants() = %q, want %q", got, tt.want)
			}
		})
	}
	if _, err := Grants(Call{Service: "MediaConvert", Operation: "CreateJob",
		Fields: map[string]string{"Queue": "default", "Tags": "1"}}); err == nil {
		t.Error("Grants() of a tagged CreateJob on a non-ARN queue: got nil error")
	}
}

func TestStringFieldsCountsMaps(t *testing.T) {
	type input struct {
		Queue *string
		Tags  map[string]string
		Empty map[string]string
	}
	q := "arn:queue"
	got := stringFields(&input{Queue: &q, Tags: map[string]string{"assetId": "a", "tenant": "t"}})
	if got["Queue"] != q || got["Tags"] != "2" {
		t.Errorf("stringFields() = %v, want Queue and Tags=2", got)
	}
	if _, ok := got["Empty"]; ok {
		t.Errorf("stringFields() recorded an empty map: %v", got)
	}
}

func TestLoggedErrorNamesTheMessagesFailure(t *testing.T) {
	logs := []byte(`{"msg":"upload probed","assetId":"a1"}
{"msg":"message will be retried","messageId":"m2","assetId":"a2","error":"s3store: copy: SlowDown"}
`)
	if got := LoggedError(logs, "m2"); got != `s3store: copy: SlowDown (asset "a2")` {
		t.Errorf("LoggedError(m2) = %q", got)
	}
	if got := LoggedError(logs, "m9"); got != "no error was logged for it" {
		t.Errorf("LoggedError(m9) = %q", got)
	}
}
