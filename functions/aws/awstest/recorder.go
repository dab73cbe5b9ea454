package awstest

import (
	"context"
	"fmt"
	"net/url"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/aws/smithy-go/middleware"

	"github.com/ottkit/ottkit/functions/aws/manifest"
)

// Call is one AWS operation a client performed (or presigned), with the resource names taken
// from its input.
type Call struct {
	Service   string // smithy service id: "S3", "DynamoDB", "SQS", "SNS", "Secrets Manager", "MediaConvert", "CloudFront KeyValueStore"
	Operation string // "GetObject", "PutItem", ...
	Fields    map[string]string
}

// Grant is one IAM permission a Call needs, on a concrete resource name and path.
type Grant struct {
	Action          string
	Name            string // bucket, table, queue URL, topic ARN, secret id, MediaConvert queue or role ARN
	Path            string // object key for buckets, "index/<name>" for table indexes, else ""
	PassedToService string
}

// Recorder records the operations of every client built with its middleware. It is safe for
// concurrent use.
type Recorder struct {
	mu    sync.Mutex
	calls []Call
	names map[string]manifest.Resource
}

// NewRecorder returns an empty Recorder.
func NewRecorder() *Recorder {
	return &Recorder{names: map[string]manifest.Resource{}}
}

// Name tells the recorder that the concrete name (bucket, table, queue URL, topic ARN, secret
// name or ARN, MediaConvert queue or role ARN) is the logical resource r.
func (r *Recorder) Name(res manifest.Resource, names ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, n := range names {
		r.names[n] = res
	}
}

// Calls returns a copy of the recorded calls.
func (r *Recorder) Calls() []Call {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Call(nil), r.calls...)
}

// APIOption is the client option that installs the recorder; append it to aws.Config.APIOptions.
func (r *Recorder) APIOption(stack *middleware.Stack) error {
	return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("ottkitPermissionRecorder",
		func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			r.record(Call{
				Service:   middleware.GetServiceID(ctx),
				Operation: middleware.GetOperationName(ctx),
				Fields:    stringFields(in.Parameters),
			})
			return next.HandleInitialize(ctx, in)
		}), middleware.Before)
}

func (r *Recorder) record(c Call) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, c)
}

// stringFields collects the *string and string fields of an operation input by name, and
// the size of every non-empty map field (such as Tags), which decides some grants.
func stringFields(params any) map[string]string {
	out := map[string]string{}
	v := reflect.ValueOf(params)
	if v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return out
	}
	for i := 0; i < v.NumField(); i++ {
		f := v.Field(i)
		name := v.Type().Field(i).Name
		switch {
		case f.Kind() == reflect.String:
			out[name] = f.String()
		case f.Kind() == reflect.Pointer && f.Type().Elem().Kind() == reflect.String && !f.IsNil():
			out[name] = f.Elem().String()
		case f.Kind() == reflect.Map && f.Len() > 0:
			out[name] = strconv.Itoa(f.Len())
		}
	}
	return out
}

// Grants maps a call to the IAM permissions it needs. An operation it does not know is an
// error, so a new SDK call cannot slip past the permission check unmapped.
func Grants(c Call) ([]Grant, error) {
	f := c.Fields
	object := func(action string) Grant { return Grant{Action: action, Name: f["Bucket"], Path: f["Key"]} }
	switch c.Service + "." + c.Operation {
	case "S3.GetObject", "S3.HeadObject":
		return []Grant{object("s3:GetObject")}, nil
	case "S3.PutObject", "S3.CreateMultipartUpload", "S3.UploadPart", "S3.CompleteMultipartUpload":
		return []Grant{object("s3:PutObject")}, nil
	case "S3.DeleteObject":
		return []Grant{object("s3:DeleteObject")}, nil
	case "S3.AbortMultipartUpload":
		return []Grant{object("s3:AbortMultipartUpload")}, nil
	case "S3.ListParts":
		return []Grant{object("s3:ListMultipartUploadParts")}, nil
	case "S3.ListObjectsV2":
		return []Grant{{Action: "s3:ListBucket", Name: f["Bucket"]}}, nil
	case "S3.CopyObject":
		src, err := url.PathUnescape(strings.SplitN(f["CopySource"], "?", 2)[0])
		if err != nil {
			return nil, fmt.Errorf("copy source %q: %w", f["CopySource"], err)
		}
		bucket, key, ok := strings.Cut(strings.TrimPrefix(src, "/"), "/")
		if !ok {
			return nil, fmt.Errorf("copy source %q has no key", f["CopySource"])
		}
		return []Grant{{Action: "s3:GetObject", Name: bucket, Path: key}, object("s3:PutObject")}, nil
	case "DynamoDB.PutItem", "DynamoDB.UpdateItem", "DynamoDB.GetItem", "DynamoDB.DeleteItem":
		return []Grant{{Action: "dynamodb:" + c.Operation, Name: f["TableName"]}}, nil
	case "DynamoDB.Query":
		g := Grant{Action: "dynamodb:Query", Name: f["TableName"]}
		if f["IndexName"] != "" {
			g.Path = "index/" + f["IndexName"]
		}
		return []Grant{g}, nil
	case "SQS.SendMessage", "SQS.SendMessageBatch":
		return []Grant{{Action: "sqs:SendMessage", Name: f["QueueUrl"]}}, nil
	case "SNS.Publish":
		return []Grant{{Action: "sns:Publish", Name: f["TopicArn"]}}, nil
	case "Secrets Manager.GetSecretValue":
		return []Grant{{Action: "secretsmanager:GetSecretValue", Name: f["SecretId"]}}, nil
	case "CloudFront KeyValueStore.DescribeKeyValueStore", "CloudFront KeyValueStore.GetKey", "CloudFront KeyValueStore.ListKeys",
		"CloudFront KeyValueStore.PutKey", "CloudFront KeyValueStore.DeleteKey", "CloudFront KeyValueStore.UpdateKeys":
		return []Grant{{Action: "cloudfront-keyvaluestore:" + c.Operation, Name: f["KvsARN"]}}, nil
	case "MediaConvert.ListJobs":
		return []Grant{{Action: "mediaconvert:ListJobs", Name: f["Queue"]}}, nil
	case "MediaConvert.CreateJob":
		grants := []Grant{
			{Action: "mediaconvert:CreateJob", Name: f["Queue"]},
			{Action: "iam:PassRole", Name: f["Role"], PassedToService: "mediaconvert.amazonaws.com"},
		}
		if f["Tags"] != "" {
			// AWS authorises a tagged CreateJob as TagResource on the new job too.
			jobs, err := manifest.JobsARN(f["Queue"])
			if err != nil {
				return nil, err
			}
			grants = append(grants, Grant{Action: "mediaconvert:TagResource", Name: jobs})
		}
		return grants, nil
	}
	return nil, fmt.Errorf("no IAM mapping for %s.%s; add it to awstest.Grants", c.Service, c.Operation)
}

// CheckPermissions returns a check for Main that compares every recorded call of rec with the
// function's declared permissions: it fails when a call needs a permission fn does not list,
// and when a listed permission was never needed by any test.
func CheckPermissions(rec *Recorder, fn manifest.Function) func() error {
	return func() error { return rec.Check(fn) }
}

// Check compares the recorded calls with fn.Permissions; see CheckPermissions.
func (r *Recorder) Check(fn manifest.Function) error {
	r.mu.Lock()
	names := make(map[string]manifest.Resource, len(r.names))
	for k, v := range r.names {
		names[k] = v
	}
	calls := append([]Call(nil), r.calls...)
	r.mu.Unlock()

	used := make([]bool, len(fn.Permissions))
	var problems []string
	seen := map[string]bool{}
	for _, c := range calls {
		grants, err := Grants(c)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		for _, g := range grants {
			res, ok := names[g.Name]
			if !ok {
				problems = append(problems, fmt.Sprintf("%s.%s used %q, which the test never named with Recorder.Name", c.Service, c.Operation, g.Name))
				continue
			}
			covered := false
			for i, p := range fn.Permissions {
				if p.Action == g.Action && p.On == res && p.PassedToService == g.PassedToService && pathMatch(p.Path, g.Path) {
					used[i] = true
					covered = true
				}
			}
			if !covered {
				msg := fmt.Sprintf("%s: %s.%s needs %s on %s path %q, which manifest does not declare", fn.Name, c.Service, c.Operation, g.Action, res, g.Path)
				if !seen[msg] {
					seen[msg] = true
					problems = append(problems, msg)
				}
			}
		}
	}
	for i, p := range fn.Permissions {
		if !used[i] {
			problems = append(problems, fmt.Sprintf("%s: declared %s on %s path %q is never used by the handler's tests", fn.Name, p.Action, p.On, p.Path))
		}
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return fmt.Errorf("permission check for %s:\n  %s", fn.Name, strings.Join(problems, "\n  "))
	}
	return nil
}

// pathMatch reports whether a concrete path matches a declared one: "" only matches "", a
// pattern ending in "*" matches any non-empty path with that prefix, anything else matches
// itself.
func pathMatch(pattern, path string) bool {
	if prefix, ok := strings.CutSuffix(pattern, "*"); ok {
		return path != "" && strings.HasPrefix(path, prefix)
	}
	return pattern == path
}
