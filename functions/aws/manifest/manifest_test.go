package manifest

import (
	"strings"
	"testing"
)

func TestJobsARN(t *testing.T) {
	tests := []struct {
		queue, want, wantErr string
	}{
		{queue: "arn:aws:mediaconvert:eu-west-1:123456789012:queues/acme-prod-transcoder-queue",
			want: "arn:aws:mediaconvert:eu-west-1:123456789012:jobs/*"},
		{queue: "arn:aws-cn:mediaconvert:cn-north-1:123456789012:queues/q",
			want: "arn:aws-cn:mediaconvert:cn-north-1:123456789012:jobs/*"},
		{queue: "arn:aws:sqs:eu-west-1:123456789012:q", wantErr: "is not a MediaConvert queue ARN"},
		{queue: "arn:aws:mediaconvert:eu-west-1:123456789012:presets/p", wantErr: "is not a MediaConvert queue ARN"},
		{queue: "", wantErr: "is not a MediaConvert queue ARN"},
	}
	for _, tt := range tests {
		t.Run(tt.queue, func(t *testing.T) {
			got, err := JobsARN(tt.queue)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("JobsARN(%q) error = %v, want %q", tt.queue, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("JobsARN(%q) = %q, %v; want %q", tt.queue, got, err, tt.want)
			}
		})
	}
}
