package aws

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

// Reserved bucket name prefixes and suffixes, from Amazon S3's general purpose bucket naming
// rules: S3 refuses a bucket whose name starts or ends with one of them, although the name is
// otherwise valid.
var (
	ReservedBucketPrefixes = []string{"xn--", "sthree-", "amzn-s3-demo-"}
	ReservedBucketSuffixes = []string{"-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"}
)

var bucketNameRe = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
var ipLikeRe = regexp.MustCompile(`^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$`)

// CheckBucketName returns why S3 would refuse a general purpose bucket name, or nil.
func CheckBucketName(name string) error {
	switch {
	case !bucketNameRe.MatchString(name):
		return fmt.Errorf("bucket name %q must be 3 to 63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit", name)
	case strings.Contains(name, ".."):
		return fmt.Errorf("bucket name %q has two adjacent dots", name)
	case ipLikeRe.MatchString(name):
		return fmt.Errorf("bucket name %q is formatted as an IP address", name)
	}
	for _, p := range ReservedBucketPrefixes {
		if strings.HasPrefix(name, p) {
			return fmt.Errorf("bucket name %q starts with %q, which S3 reserves", name, p)
		}
	}
	for _, s := range ReservedBucketSuffixes {
		if strings.HasSuffix(name, s) {
			return fmt.Errorf("bucket name %q ends with %q, which S3 reserves", name, s)
		}
	}
	return nil
}

// Tag limits IAM and most AWS services enforce: key and value lengths in Unicode characters,
// and the characters both may hold (letters, digits, white space and _ . : / = + - @).
const (
	MaxTagKeyChars   = 128
	MaxTagValueChars = 256
)

var tagCharsRe = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`)

// CheckTag returns why AWS would refuse a tag, or nil; the error names the key or the value.
func CheckTag(key, value string) error {
	switch n := utf8.RuneCountInString(key); {
	case n == 0 || n > MaxTagKeyChars:
		return fmt.Errorf("tag key must be 1 to %d characters, not %d", MaxTagKeyChars, n)
	case strings.HasPrefix(strings.ToLower(key), "aws:"):
		return fmt.Errorf("tag key %q: the aws: prefix is reserved by AWS", key)
	case !tagCharsRe.MatchString(key):
		return fmt.Errorf("tag key %q may hold only letters, digits, spaces and _ . : / = + - @", key)
	}
	switch n := utf8.RuneCountInString(value); {
	case n > MaxTagValueChars:
		return fmt.Errorf("tag value is %d characters; at most %d", n, MaxTagValueChars)
	case !tagCharsRe.MatchString(value):
		return fmt.Errorf("tag value %q may hold only letters, digits, spaces and _ . : / = + - @", value)
	}
	return nil
}

// MediaConvertRegions are the commercial-partition regions with an AWS Elemental MediaConvert
// endpoint (AWS General Reference, "AWS Elemental MediaConvert endpoints and quotas"); other
// partitions are refused before this list is consulted. A stack elsewhere cannot
// transcode: its transcoder queue cannot even be created.
var MediaConvertRegions = []string{
	"us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "sa-east-1",
	"eu-central-1", "eu-north-1", "eu-west-1", "eu-west-2", "eu-west-3",
	"af-south-1", "ap-south-1", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
	"ap-southeast-1", "ap-southeast-2", "ap-southeast-4", "ap-southeast-5",
}

// OptInRegions are the regions an account has to enable before use. CloudFront standard
// logging does not deliver access logs to buckets there, so a CDN that logs to the stack's
// logs bucket in one of them would silently lose every log.
var OptInRegions = []string{
	"af-south-1", "ap-east-1", "ap-east-2", "ap-south-2", "ap-southeast-3", "ap-southeast-4",
	"ap-southeast-5", "ap-southeast-6", "ap-southeast-7", "ca-west-1", "eu-central-2",
	"eu-south-1", "eu-south-2", "il-central-1", "me-central-1", "me-south-1", "mx-central-1",
}

// otherPartitions are the region prefixes of AWS partitions other than the commercial one
// (aws-us-gov, aws-cn, the isolated ones). The platform's CDN is CloudFront with its
// certificate and WAF ACL in the commercial partition's us-east-1, and its ARNs, roles and
// certificates are commercial ones; none of that exists in another partition.
var otherPartitions = map[string]string{"us-gov-": "aws-us-gov", "cn-": "aws-cn", "us-iso-": "aws-iso", "us-isob-": "aws-iso-b", "eu-isoe-": "aws-iso-e", "us-isof-": "aws-iso-f"}

// CheckRegion returns why a media platform cannot work in region, or nil.
func CheckRegion(region string) error {
	for prefix, partition := range otherPartitions {
		if strings.HasPrefix(region, prefix) {
			return fmt.Errorf("%q is in the %s partition, which has none of the commercial partition's CloudFront, us-east-1 certificate and WAF the platform's CDN is built from; ottkit stacks deploy to commercial (aws) regions", region, partition)
		}
	}
	switch {
	case !slices.Contains(MediaConvertRegions, region):
		return fmt.Errorf("%q has no AWS Elemental MediaConvert endpoint, so nothing could be transcoded; MediaConvert regions: %s",
			region, strings.Join(MediaConvertRegions, ", "))
	case slices.Contains(OptInRegions, region):
		return fmt.Errorf("%q is an opt-in region, where CloudFront standard logging does not deliver the CDN's access logs to the stack's logs bucket", region)
	}
	return nil
}

// Physical names the components derive from their own names. The stack key's policy names
// these resources exactly (KeyConsumers), so they are computed in one place.

// BucketName is MediaStorage's name for the bucket of role: "<storage>-<role>-<suffix>".
func BucketName(storage, role, suffix string) string { return storage + "-" + role + "-" + suffix }

// QueueName is the SQS name of a WorkQueue's queue.
func QueueName(workQueue string) string { return workQueue + "-queue" }

// DeadLetterQueueName is the name of a WorkQueue's dead-letter queue.
func DeadLetterQueueName(workQueue string) string { return workQueue + "-dlq" }

// FunctionLogGroupName is the log group of a GoFunction.
func FunctionLogGroupName(function string) string { return "/aws/lambda/" + function }

// APIAccessLogGroupName is the access log group of an API.
func APIAccessLogGroupName(api string) string { return "/aws/apigateway/" + api + "-access" }

// AlarmTopicName is the name of the Alerts component's alarm topic.
func AlarmTopicName(alerts string) string { return alerts + "-alarms" }
