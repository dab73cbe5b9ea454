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

func TestWithExtendsOnlyItsFunction(t *testing.T) {
	api := API.With(EdgeToken)
	if len(api.Env) != len(API.Env)+len(EdgeToken.Env) || len(api.Permissions) != len(API.Permissions)+len(EdgeToken.Permissions) {
		t.Fatalf("API.With(EdgeToken): %d env, %d permissions; want the api's plus the extension's", len(api.Env), len(api.Permissions))
	}
	if last := api.Permissions[len(api.Permissions)-1]; last.Action != "secretsmanager:GetSecretValue" || last.On != EdgeSigningSecret {
		t.Errorf("last permission %+v, want GetSecretValue on the edge signing secret", last)
	}
	if len(API.Env) == len(api.Env) || API.Permissions[len(API.Permissions)-1].On == EdgeSigningSecret {
		t.Error("With changed the api's own declaration")
	}
	if c := Complete.With(EdgeToken); len(c.Env) != len(Complete.Env) || len(c.Permissions) != len(Complete.Permissions) {
		t.Error("EdgeToken extended complete, which it does not name")
	}
}
