// Package cost prices what ottkit runs: a title's transcode (MediaConvert output minutes by
// tier and resolution class, or the Transcoder API's by its video classes), its storage over
// time under the stack's lifecycle rules, its CDN egress for a number of views, and the fixed
// monthly cost of an idle stack, on AWS or GCP. It also models the job templates of AWS's
// "Video on Demand on AWS" solution, the anchor ottkit's per-title ladder is measured against.
//
// Every figure comes from a dated price table, AWS's in this file (Default) and GCP's in
// gcp.go (GCPDefault); nothing is fetched.
package cost

// Prices is a dated price table. Amounts are US dollars.
type Prices struct {
	// Date is when the figures were recorded; Region the AWS region they are for.
	Date, Region string
	// Sources are the pages the figures were read from.
	Sources []string
	// MediaConvert is the on-demand price of one output minute, by tier and resolution class
	// (pipeline.TierBasic/TierProfessional, pipeline.ClassSD/HD/UHD), for outputs up to 30
	// fps; pipeline.BilledMinutes already counts faster outputs twice.
	MediaConvert map[string]map[string]float64
	// MediaConvertAudio is the price of one audio-only output minute, by tier.
	MediaConvertAudio map[string]float64
	// S3 is the price of a GB-month by storage class (STANDARD, INTELLIGENT_TIERING's access
	// tiers as IT_FREQUENT, IT_INFREQUENT, IT_ARCHIVE_INSTANT, GLACIER_IR, DEEP_ARCHIVE).
	S3 map[string]float64
	// S3MonitoringPer1000 is Intelligent-Tiering's monthly monitoring fee per 1,000 objects.
	S3MonitoringPer1000 float64
	// Egress is CloudFront's data transfer out to the internet (North America and Europe), by
	// monthly volume tier.
	Egress []EgressTier
	// RequestsPer10k is CloudFront's price of 10,000 HTTPS requests.
	RequestsPer10k float64
	// Fixed is the monthly price of one resource of a Pulumi type that costs money whether or
	// not it is used; types absent cost nothing at idle (Lambda, SQS, SNS, on-demand
	// DynamoDB, API Gateway, CloudFront, S3 buckets before storage, IAM).
	Fixed map[string]float64
	// WAFRule is the monthly price of one rule in a WAF web ACL.
	WAFRule float64
}

// EgressTier is one volume tier: the price per GB of transfer up to UpToGB in the month
// (0: no upper bound).
type EgressTier struct {
	UpToGB float64
	PerGB  float64
}

// Default is the price table ottkit ships: us-east-1 list prices, recorded on the date below
// from the AWS pricing pages named in Sources. MediaConvert has since added normalized-minute
// multipliers for some features; the figures here are the per-minute list rates of the two
// tiers, which those multipliers start from. Check the pages before budgeting.
var Default = Prices{
	Date:   "2026-12-01",
	Region: "us-east-1",
	Sources: []string{
		"https://aws.amazon.com/mediaconvert/pricing/ (on-demand, basic and professional tiers)",
		"https://aws.amazon.com/s3/pricing/ (storage, Intelligent-Tiering monitoring)",
		"https://aws.amazon.com/cloudfront/pricing/ (data transfer out, HTTPS requests)",
		"https://aws.amazon.com/kms/pricing/, https://aws.amazon.com/cloudwatch/pricing/, https://aws.amazon.com/waf/pricing/, https://aws.amazon.com/secrets-manager/pricing/, https://aws.amazon.com/route53/pricing/",
	},
	MediaConvert: map[string]map[string]float64{
		"basic":        {"sd": 0.0075, "hd": 0.015, "uhd": 0.030},
		"professional": {"sd": 0.0120, "hd": 0.024, "uhd": 0.048},
	},
	MediaConvertAudio: map[string]float64{"basic": 0.0030, "professional": 0.0030},
	S3: map[string]float64{
		"STANDARD":           0.023,
		"IT_FREQUENT":        0.023,
		"IT_INFREQUENT":      0.0125,
		"IT_ARCHIVE_INSTANT": 0.004,
		"GLACIER_IR":         0.004,
		"DEEP_ARCHIVE":       0.00099,
	},
	S3MonitoringPer1000: 0.0025,
	Egress: []EgressTier{
		{UpToGB: 10 * 1024, PerGB: 0.085},
		{UpToGB: 50 * 1024, PerGB: 0.080},
		{UpToGB: 150 * 1024, PerGB: 0.060},
		{UpToGB: 500 * 1024, PerGB: 0.040},
		{UpToGB: 1024 * 1024, PerGB: 0.030},
		{UpToGB: 5 * 1024 * 1024, PerGB: 0.025},
		{PerGB: 0.020},
	},
	RequestsPer10k: 0.0100,
	Fixed: map[string]float64{
		"aws:kms/key:Key":                              1.00,
		"aws:cloudwatch/metricAlarm:MetricAlarm":       0.10,
		"aws:cloudwatch/dashboard:Dashboard":           3.00,
		"aws:wafv2/webAcl:WebAcl":                      5.00,
		"aws:secretsmanager/secret:Secret":             0.40,
		"aws:route53/zone:Zone":                        0.50,
		"aws:cloudwatch/compositeAlarm:CompositeAlarm": 0.50,
	},
	WAFRule: 1.00,
}
