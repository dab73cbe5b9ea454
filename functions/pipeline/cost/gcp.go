package cost

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/ottkit/ottkit/functions/pipeline"
)

// Cloud Storage classes, as the GCP lifecycle rules and gcsstore name them.
const (
	GCSStandard = "STANDARD"
	GCSNearline = "NEARLINE"
	GCSColdline = "COLDLINE"
	GCSArchive  = "ARCHIVE"
)

// TierTranscoder is the tier GCP titles report: the Transcoder API has one price list, with
// no basic/professional split, no codec or multi-pass surcharge and no frame-rate doubling.
const TierTranscoder = pipeline.TierTranscoder

// TranscoderMinutes are the output minutes a Transcoder API job bills, by the API's video
// classes (SD below 1280x720, HD up to 1920x1080, UHD above) and audio-only outputs. They are
// what tcjob.OutputMinutes counts on the job tcjob.Build makes.
type TranscoderMinutes struct {
	SD, HD, UHD, Audio float64
}

// GCPPrices is a dated Google Cloud price table. Amounts are US dollars; a GB is a GiB, as
// Google bills storage and transfer.
type GCPPrices struct {
	// Date is when the figures were recorded; Sources the pages they were read from.
	Date    string
	Sources []string
	// Transcoder is the price of one output minute by video class (pipeline.ClassSD, ClassHD,
	// ClassUHD); TranscoderAudio that of an audio-only output minute.
	Transcoder      map[string]float64
	TranscoderAudio float64
	// Storage is the price of a GB-month in a regional bucket, by region and class
	// (GCSStandard, GCSNearline, GCSColdline, GCSArchive). A region absent is refused, not
	// guessed.
	Storage map[string]map[string]float64
	// ClassAPer1000 and ClassBPer1000 are the regional Standard operation prices (object
	// writes; object reads), per 1,000. Autoclass buckets bill every operation at Standard's.
	ClassAPer1000, ClassBPer1000 float64
	// AutoclassPer1000 is Autoclass's monthly management fee per 1,000 objects of at least
	// AutoclassMinBytes; smaller objects stay in Standard and pay no fee.
	AutoclassPer1000  float64
	AutoclassMinBytes float64
	// SoftDeleteDays is how long a deleted object stays restorable, billed at its class
	// (components/gcp.SoftDeleteSeconds).
	SoftDeleteDays int
	// CDNEgress is Cloud CDN's cache data transfer out to North America and Europe, by monthly
	// volume tier; CDNFillPerGB a cache fill from a bucket on the same continent;
	// CDNLookupsPer10k the price of 10,000 HTTP(S) cache lookups.
	CDNEgress        []EgressTier
	CDNFillPerGB     float64
	CDNLookupsPer10k float64
	// Fixed is the monthly price of one resource of a Pulumi type that costs money whether or
	// not it is used. Types priced by their inputs or in tiers are below.
	Fixed map[string]float64
	// ArmorRule is a Cloud Armor rule's monthly price (its policy is in Fixed).
	ArmorRule float64
	// AlertCondition is the monthly price of one condition of an alerting policy.
	AlertCondition float64
	// ForwardingRulesHourly is the hourly price of a project's first
	// ForwardingRulesIncluded global forwarding rules together; ForwardingRuleExtraHourly
	// that of each one after them.
	ForwardingRulesHourly     float64
	ForwardingRulesIncluded   int
	ForwardingRuleExtraHourly float64
}

// hoursPerMonth is the month Google's pricing pages convert hourly prices with.
const hoursPerMonth = 730

// GCPDefault is the Google Cloud price table ottkit ships, recorded on the date below from the
// pages in Sources: list prices without free tiers or committed-use discounts.
var GCPDefault = GCPPrices{
	Date: "2026-12-01",
	Sources: []string{
		"https://cloud.google.com/transcoder/pricing (per output minute: SD < 1280x720, HD to 1920x1080, UHD above; audio-only)",
		"https://cloud.google.com/storage/pricing (regional storage by class, operations, retrieval, minimum durations, Autoclass management fee, soft delete)",
		"https://cloud.google.com/cdn/pricing (cache data transfer out to North America and Europe by volume, cache fill, cache lookups)",
		"https://cloud.google.com/load-balancing/pricing (global forwarding rules)",
		"https://cloud.google.com/armor/pricing (Standard tier policy and rules), https://cloud.google.com/stackdriver/pricing (alerting conditions)",
		"https://cloud.google.com/kms/pricing (software key versions), https://cloud.google.com/secret-manager/pricing (active secret versions per location)",
	},
	Transcoder:      map[string]float64{"sd": 0.015, "hd": 0.030, "uhd": 0.060},
	TranscoderAudio: 0.005,
	Storage: map[string]map[string]float64{
		// The regions whose rows were read; the common price level first.
		"us-central1":             gcsRow(0.020, 0.010, 0.004, 0.0012),
		"us-east1":                gcsRow(0.020, 0.010, 0.004, 0.0012),
		"us-east5":                gcsRow(0.020, 0.010, 0.004, 0.0012),
		"us-south1":               gcsRow(0.020, 0.010, 0.004, 0.0012),
		"us-west1":                gcsRow(0.020, 0.010, 0.004, 0.0012),
		"europe-north1":           gcsRow(0.020, 0.010, 0.004, 0.0012),
		"europe-west1":            gcsRow(0.020, 0.010, 0.004, 0.0012),
		"europe-west4":            gcsRow(0.020, 0.010, 0.004, 0.0012),
		"us-east4":                gcsRow(0.023, 0.013, 0.006, 0.0025),
		"us-west4":                gcsRow(0.023, 0.013, 0.006, 0.0025),
		"us-west2":                gcsRow(0.023, 0.016, 0.007, 0.0025),
		"us-west3":                gcsRow(0.023, 0.016, 0.007, 0.0025),
		"northamerica-northeast1": gcsRow(0.023, 0.013, 0.007, 0.0025),
		"northamerica-northeast2": gcsRow(0.023, 0.013, 0.007, 0.0025),
		"europe-central2":         gcsRow(0.023, 0.013, 0.006, 0.0025),
		"europe-north2":           gcsRow(0.023, 0.013, 0.006, 0.0025),
		"europe-west2":            gcsRow(0.023, 0.013, 0.007, 0.0025),
	},
	ClassAPer1000:     0.005,
	ClassBPer1000:     0.0004,
	AutoclassPer1000:  0.0025,
	AutoclassMinBytes: 128 << 10,
	SoftDeleteDays:    7,
	CDNEgress: []EgressTier{
		{UpToGB: 10 * 1024, PerGB: 0.08},
		{UpToGB: 150 * 1024, PerGB: 0.055},
		// Above 500 TiB the page says "contact us": the last listed rate carries on, which
		// bounds the bill from above.
		{PerGB: 0.03},
	},
	CDNFillPerGB:     0.01,
	CDNLookupsPer10k: 0.0075,
	Fixed: map[string]float64{
		// One software key version; rotation adds a version every rotation period (90 days
		// for the stack key), each billed while it is enabled.
		"gcp:kms/cryptoKey:CryptoKey": 0.06,
		// One active version in one location (the signing secret has one user-managed replica).
		"gcp:secretmanager/secretVersion:SecretVersion": 0.06,
		"gcp:compute/securityPolicy:SecurityPolicy":     5.00,
	},
	ArmorRule:                 1.00,
	AlertCondition:            1.50,
	ForwardingRulesHourly:     0.025,
	ForwardingRulesIncluded:   5,
	ForwardingRuleExtraHourly: 0.01,
}

func gcsRow(standard, nearline, coldline, archive float64) map[string]float64 {
	return map[string]float64{GCSStandard: standard, GCSNearline: nearline, GCSColdline: coldline, GCSArchive: archive}
}

// Regions returns the regions the table prices storage in, sorted.
func (p GCPPrices) Regions() []string {
	var out []string
	for r := range p.Storage {
		out = append(out, r)
	}
	slices.Sort(out)
	return out
}

// GCPLifecycle is what happens to a GCP title's master, as the stack configures it
// (components/gcp.MediaStorage and the complete stage): once transcoded, complete rewrites the
// master in place to ArchiveClass. The masters bucket is versioned, so the STANDARD upload
// stays as a noncurrent version until NoncurrentDays, then soft delete keeps it
// SoftDeleteDays more. The bucket's lifecycle then moves the current version from NEARLINE
// to COLDLINE at ArchiveAfterDays+60 days and to ARCHIVE at DeepArchiveAfterDays (0:
// never); its rule to NEARLINE at ArchiveAfterDays matches STANDARD objects only, which the
// rewrite has already left.
type GCPLifecycle struct {
	Region               string
	ArchiveClass         string
	ArchiveAfterDays     int
	DeepArchiveAfterDays int
	NoncurrentDays       int
}

// masterClass is the class of the current master version on day (0: the upload day).
func (lc GCPLifecycle) masterClass(day int) string {
	c := lc.ArchiveClass
	if c == GCSNearline && day >= lc.ArchiveAfterDays+60 {
		c = GCSColdline
	}
	if lc.DeepArchiveAfterDays > 0 && day >= lc.DeepArchiveAfterDays {
		c = GCSArchive
	}
	return c
}

func (lc GCPLifecycle) validate(p GCPPrices) error {
	if _, ok := p.Storage[lc.Region]; !ok {
		return fmt.Errorf("cost: region %q has no Cloud Storage prices in the GCP table (%s); it prices %s", lc.Region, p.Date, strings.Join(p.Regions(), ", "))
	}
	switch lc.ArchiveClass {
	case GCSNearline, GCSColdline, GCSArchive:
	default:
		return fmt.Errorf("cost: archive storage class %q is not NEARLINE, COLDLINE or ARCHIVE", lc.ArchiveClass)
	}
	if lc.NoncurrentDays < 1 || lc.ArchiveAfterDays < 1 || lc.DeepArchiveAfterDays < 0 {
		return fmt.Errorf("cost: lifecycle %+v has days below their minimum", lc)
	}
	return nil
}

// MinutesUSD prices Transcoder API output minutes.
func (p GCPPrices) MinutesUSD(m TranscoderMinutes) float64 {
	return m.SD*p.Transcoder["sd"] + m.HD*p.Transcoder["hd"] + m.UHD*p.Transcoder["uhd"] + m.Audio*p.TranscoderAudio
}

// EgressUSD prices gb of Cloud CDN cache data transfer out in one month through the tiers.
func (p GCPPrices) EgressUSD(gb float64) float64 {
	return Prices{Egress: p.CDNEgress}.EgressUSD(gb)
}

// PriceTitle prices t on GCP: m are the output minutes of the title's Transcoder API job
// (tcjob.OutputMinutes of the job tcjob.Build makes for t.Plan), storage follows lc and
// delivery is Cloud CDN's. t.MultiPass does not apply (every tcjob video stream is two-pass,
// at one price).
//
// Storage is summed day by day over 30-day months: the master in its class (and its
// noncurrent STANDARD upload until it is gone), the outputs in the delivery bucket's
// Autoclass (Standard while new, Nearline from day 30, assuming views come in the first
// month as the AWS estimate does), Autoclass's fee on the segments of at least 128 KiB, and
// the Class A writes of the segments and the two manifests. Delivery is cache egress for the views, one
// cache fill of what they watched (Class B reads included) and a cache lookup per segment
// request.
func (p GCPPrices) PriceTitle(t Title, m TranscoderMinutes, lc GCPLifecycle) (TitleCost, error) {
	if err := lc.validate(p); err != nil {
		return TitleCost{}, err
	}
	t, err := t.withDefaults()
	if err != nil {
		return TitleCost{}, err
	}
	rates := p.Storage[lc.Region]
	c := TitleCost{Cloud: "gcp"}
	c.Minutes.Tier = TierTranscoder
	c.Minutes.SD, c.Minutes.HD, c.Minutes.UHD, c.Minutes.Audio = m.SD, m.HD, m.UHD, m.Audio
	c.TranscodeUSD = p.MinutesUSD(m)

	secs := t.Duration.Seconds()
	segments := math.Ceil(secs / segmentSeconds)
	var bits, managed float64
	for _, r := range t.Plan.Renditions {
		bits += float64(r.MaxBitrate) * qvbrFill * secs
		if float64(r.MaxBitrate)*qvbrFill*segmentSeconds/8 >= p.AutoclassMinBytes {
			managed += segments
		}
	}
	// tcjob encodes one AAC stereo stream whatever the source's track count.
	audio := 0
	if t.Plan.Audio {
		audio = 1
		bits += 128_000 * secs
		if 128_000*segmentSeconds/8 >= p.AutoclassMinBytes {
			managed += segments
		}
	}
	c.OutputGB = bits / 8 / (1 << 30)
	objects := float64(len(t.Plan.Renditions)+audio)*segments + 2 // and the two manifests
	writesUSD := objects / 1000 * p.ClassAPer1000

	masterGB := float64(t.SourceBytes) / (1 << 30)
	noncurrentUntil := lc.NoncurrentDays + p.SoftDeleteDays
	for mo := 1; mo <= t.Months; mo++ {
		first := (mo - 1) * 30
		var usd float64
		for day := first; day < first+30; day++ {
			usd += masterGB * rates[lc.masterClass(day)] / 30
			if day < noncurrentUntil {
				usd += masterGB * rates[GCSStandard] / 30
			}
			outputs := GCSStandard
			if day >= 30 {
				outputs = GCSNearline
			}
			usd += c.OutputGB * rates[outputs] / 30
		}
		usd += managed / 1000 * p.AutoclassPer1000
		if mo == 1 {
			usd += writesUSD
		}
		outputs := GCSStandard
		if first >= 30 {
			outputs = GCSNearline
		}
		c.Storage = append(c.Storage, MonthStorage{Month: mo, MasterClass: lc.masterClass(first), OutputsClass: outputs, USD: usd})
		c.StorageUSD += usd
	}

	top := t.Plan.Renditions[0]
	viewBits := (float64(top.MaxBitrate)*qvbrFill + 128_000*float64(audio)) * secs * t.WatchedFraction
	c.EgressGB = float64(t.Views) * viewBits / 8 / (1 << 30)
	watchedSegments := math.Ceil(secs * t.WatchedFraction / segmentSeconds)
	requests := float64(t.Views) * watchedSegments * float64(1+audio)
	if t.Views > 0 {
		c.FillGB = viewBits / 8 / (1 << 30)
		fills := watchedSegments * float64(1+audio)
		c.EgressUSD = c.FillGB*p.CDNFillPerGB + fills/1000*p.ClassBPer1000
	}
	c.EgressUSD += p.EgressUSD(c.EgressGB) + requests/10000*p.CDNLookupsPer10k
	c.TotalUSD = c.TranscodeUSD + c.StorageUSD + c.EgressUSD
	return c, nil
}

// IdleResource is one planned resource as the idle estimate reads it: its Pulumi type and
// inputs.
type IdleResource struct {
	Type   string
	Inputs map[string]any
}

// IdleMonthly is the fixed monthly cost of a GCP stack deploying res, before any upload or
// view: the types in Fixed, the global forwarding rules (priced together up to
// ForwardingRulesIncluded), the Cloud Armor rules and the alerting conditions.
func (p GCPPrices) IdleMonthly(res []IdleResource) (total float64, lines []IdleLine) {
	var types []string
	rules, conditions, forwarding := 0, 0, 0
	for _, r := range res {
		switch r.Type {
		case "gcp:compute/securityPolicy:SecurityPolicy":
			rules += countOf(r.Inputs["rules"])
		case "gcp:monitoring/alertPolicy:AlertPolicy":
			conditions += countOf(r.Inputs["conditions"])
			continue
		case "gcp:compute/globalForwardingRule:GlobalForwardingRule":
			forwarding++
			continue
		}
		types = append(types, r.Type)
	}
	total, lines = Prices{Fixed: p.Fixed}.IdleMonthly(types, 0)
	add := func(l IdleLine) {
		lines = append(lines, l)
		total += l.USD
	}
	if forwarding > 0 {
		extra := max(forwarding-p.ForwardingRulesIncluded, 0)
		add(IdleLine{Type: "gcp:compute/globalForwardingRule:GlobalForwardingRule", Count: forwarding,
			USD: (p.ForwardingRulesHourly + float64(extra)*p.ForwardingRuleExtraHourly) * hoursPerMonth})
	}
	if rules > 0 {
		add(IdleLine{Type: "cloud armor rules", Count: rules, USD: float64(rules) * p.ArmorRule})
	}
	if conditions > 0 {
		add(IdleLine{Type: "alerting conditions", Count: conditions, USD: float64(conditions) * p.AlertCondition})
	}
	return total, lines
}

func countOf(v any) int {
	if l, ok := v.([]any); ok {
		return len(l)
	}
	return 0
}
