package cost

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/ottkit/ottkit/functions/pipeline"
)

// Lifecycle is the stack's storage rules a title's cost follows (platform.Spec's
// ArchiveAfterDays and DeepArchiveAfterDays): masters stay in S3 Standard until
// ArchiveAfterDays, then Glacier Instant Retrieval, then Deep Archive from
// DeepArchiveAfterDays (0: never). Delivery outputs are in Intelligent-Tiering from the start.
type Lifecycle struct {
	ArchiveAfterDays     int
	DeepArchiveAfterDays int
}

// Title is one title to price.
type Title struct {
	// Plan is the ladder planned for it; Duration its judged length.
	Plan     pipeline.Plan
	Duration time.Duration
	// MultiPass prices multi-pass encoding (the professional tier).
	MultiPass bool
	// SourceBytes is the master's size.
	SourceBytes int64
	// Views is how many times it is watched; WatchedFraction how much of it a view plays on
	// average (default 0.5), at the top rendition.
	Views           int
	WatchedFraction float64
	// Months is the storage horizon (default 12).
	Months int
}

// Fill factors: QVBR spends on average about this fraction of a rendition's peak bitrate on
// typical content, which sets the outputs' size and a view's bytes.
const qvbrFill = 0.5

// TitleCost is what a title costs.
type TitleCost struct {
	// Cloud is whose prices these are: aws or gcp.
	Cloud string `json:"cloud"`
	// Minutes are the billed transcode minutes; TranscodeUSD their price.
	Minutes      pipeline.Minutes `json:"minutes"`
	TranscodeUSD float64          `json:"transcodeUsd"`
	// OutputGB is the size of the delivery outputs; Storage the monthly storage cost of
	// master and outputs, month 1 first; StorageUSD their sum.
	OutputGB   float64        `json:"outputGb"`
	Storage    []MonthStorage `json:"storage"`
	StorageUSD float64        `json:"storageUsd"`
	// EgressGB and EgressUSD are the CDN transfer of the views, requests included (on GCP
	// also the cache fill and its bucket reads).
	EgressGB  float64 `json:"egressGb"`
	EgressUSD float64 `json:"egressUsd"`
	// FillGB is what the CDN fetched from the bucket to serve them (GCP: priced as cache
	// fill; on AWS the fetch from S3 to CloudFront is free and not counted).
	FillGB float64 `json:"fillGb,omitempty"`
	// TotalUSD is the sum of the three.
	TotalUSD float64 `json:"totalUsd"`
}

// MonthStorage is one month of storage: the classes the master and the outputs were in and
// what that month cost.
type MonthStorage struct {
	Month        int     `json:"month"`
	MasterClass  string  `json:"masterClass"`
	OutputsClass string  `json:"outputsClass"`
	USD          float64 `json:"usd"`
}

// segmentSeconds is the CMAF segment length mcjob writes; it sets the object count
// Intelligent-Tiering monitors and the requests a view makes.
const segmentSeconds = 6

// withDefaults checks t and fills in what it leaves to the defaults: half of the title
// watched per view, over 12 months. Both clouds' estimates start here.
func (t Title) withDefaults() (Title, error) {
	if t.Duration <= 0 {
		return t, errors.New("cost: title duration is not positive")
	}
	if len(t.Plan.Renditions) == 0 {
		return t, errors.New("cost: the plan has no renditions")
	}
	if t.WatchedFraction == 0 {
		t.WatchedFraction = 0.5
	}
	if t.WatchedFraction < 0 || t.WatchedFraction > 1 {
		return t, fmt.Errorf("cost: watched fraction %v is outside 0..1", t.WatchedFraction)
	}
	if t.Months == 0 {
		t.Months = 12
	}
	return t, nil
}

// PriceTitle prices t with p under the lifecycle lc.
func (p Prices) PriceTitle(t Title, lc Lifecycle) (TitleCost, error) {
	t, err := t.withDefaults()
	if err != nil {
		return TitleCost{}, err
	}
	c := TitleCost{Cloud: "aws"}
	c.Minutes = pipeline.BilledMinutes(t.Plan, t.Duration, t.MultiPass)
	c.TranscodeUSD = p.MinutesUSD(c.Minutes)

	secs := t.Duration.Seconds()
	var bits float64
	for _, r := range t.Plan.Renditions {
		bits += float64(r.MaxBitrate) * qvbrFill * secs
	}
	audio := len(t.Plan.AudioTracks)
	bits += float64(audio) * 128_000 * secs
	c.OutputGB = bits / 8 / (1 << 30)
	objects := float64(len(t.Plan.Renditions)+audio) * math.Ceil(secs/segmentSeconds)

	masterGB := float64(t.SourceBytes) / (1 << 30)
	for m := 1; m <= t.Months; m++ {
		day := (m - 1) * 30 // the month's first day
		master := "STANDARD"
		switch {
		case lc.DeepArchiveAfterDays > 0 && day >= lc.DeepArchiveAfterDays:
			master = "DEEP_ARCHIVE"
		case lc.ArchiveAfterDays > 0 && day >= lc.ArchiveAfterDays:
			master = "GLACIER_IR"
		}
		// Intelligent-Tiering: frequent in the first month, infrequent after 30 days
		// without access, archive instant access after 90 (a catalogue title is watched
		// mostly when new).
		outputs := "IT_FREQUENT"
		switch {
		case day >= 90:
			outputs = "IT_ARCHIVE_INSTANT"
		case day >= 30:
			outputs = "IT_INFREQUENT"
		}
		usd := masterGB*p.S3[master] + c.OutputGB*p.S3[outputs] + objects/1000*p.S3MonitoringPer1000
		c.Storage = append(c.Storage, MonthStorage{Month: m, MasterClass: master, OutputsClass: outputs, USD: usd})
		c.StorageUSD += usd
	}

	top := t.Plan.Renditions[0]
	viewBits := (float64(top.MaxBitrate)*qvbrFill + 128_000*float64(min(audio, 1))) * secs * t.WatchedFraction
	c.EgressGB = float64(t.Views) * viewBits / 8 / (1 << 30)
	requests := float64(t.Views) * math.Ceil(secs*t.WatchedFraction/segmentSeconds) * float64(1+min(audio, 1))
	c.EgressUSD = p.EgressUSD(c.EgressGB) + requests/10000*p.RequestsPer10k
	c.TotalUSD = c.TranscodeUSD + c.StorageUSD + c.EgressUSD
	return c, nil
}

// MinutesUSD prices billed minutes.
func (p Prices) MinutesUSD(m pipeline.Minutes) float64 {
	rates := p.MediaConvert[m.Tier]
	return m.SD*rates[pipeline.ClassSD] + m.HD*rates[pipeline.ClassHD] + m.UHD*rates[pipeline.ClassUHD] + m.Audio*p.MediaConvertAudio[m.Tier]
}

// EgressUSD prices gb of transfer in one month through the volume tiers.
func (p Prices) EgressUSD(gb float64) float64 {
	var usd, done float64
	for _, t := range p.Egress {
		if gb <= done {
			break
		}
		upper := gb
		if t.UpToGB > 0 {
			upper = min(gb, t.UpToGB)
		}
		usd += (upper - done) * t.PerGB
		done = upper
	}
	return usd
}

// IdleLine is one kind of resource that costs money at idle.
type IdleLine struct {
	Type  string  `json:"type"`
	Count int     `json:"count"`
	USD   float64 `json:"usd"`
}

// IdleMonthly is the fixed monthly cost of a stack that deploys resources of the given Pulumi
// types (one entry per resource), before any upload or view; wafRules is the number of rules
// in its web ACLs.
func (p Prices) IdleMonthly(resourceTypes []string, wafRules int) (total float64, lines []IdleLine) {
	counts := map[string]int{}
	var order []string
	for _, typ := range resourceTypes {
		if _, ok := p.Fixed[typ]; !ok {
			continue
		}
		if counts[typ] == 0 {
			order = append(order, typ)
		}
		counts[typ]++
	}
	for _, typ := range order {
		l := IdleLine{Type: typ, Count: counts[typ], USD: float64(counts[typ]) * p.Fixed[typ]}
		lines = append(lines, l)
		total += l.USD
	}
	if wafRules > 0 {
		l := IdleLine{Type: "waf rules", Count: wafRules, USD: float64(wafRules) * p.WAFRule}
		lines = append(lines, l)
		total += l.USD
	}
	return total, lines
}
