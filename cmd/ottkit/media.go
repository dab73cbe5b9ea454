package main

import (
	"fmt"
	"time"

	"github.com/ottkit/ottkit/components/platform"
	"github.com/ottkit/ottkit/functions/gcp/tcjob"
	"github.com/ottkit/ottkit/functions/pipeline"
	"github.com/ottkit/ottkit/functions/pipeline/cost"
)

// mediaSettings are the parts of a stack's configuration `probe` and `cost` need: what ingest
// accepts, how the ladder is planned and how storage ages.
type mediaSettings struct {
	stack     string // "" for the defaults every stack starts from
	cloud     string // the stack's ottkit:cloud; aws for the defaults
	rules     pipeline.Rules
	ladder    pipeline.LadderConfig
	lifecycle cost.Lifecycle
	// gcp is the GCP storage lifecycle (region, archive class, noncurrent expiry), set on a
	// GCP stack; thumbnailInterval goes into the Transcoder API job priced.
	gcp               cost.GCPLifecycle
	thumbnailInterval int
}

// loadMediaSettings reads stack's configuration, or the configuration defaults when stack is "".
func loadMediaSettings(stack, projectDir string) (mediaSettings, error) {
	if stack == "" {
		def := func(name string) int {
			k, _ := platform.KeyNamed(name)
			n, _ := k.Default.(int)
			return n
		}
		codec := pipeline.CodecH264
		if k, ok := platform.KeyNamed("videoCodec"); ok {
			codec, _ = k.Default.(string)
		}
		return mediaSettings{
			cloud:             platform.CloudAWS,
			rules:             pipeline.Rules{MaxDuration: time.Duration(def("maxDuration")) * time.Second, MaxBytes: platform.MaxPutBytes},
			ladder:            pipeline.LadderConfig{Rungs: platform.DefaultLadder, MaxHeight: def("maxHeight"), Codec: codec},
			lifecycle:         cost.Lifecycle{ArchiveAfterDays: def("archiveAfterDays"), DeepArchiveAfterDays: def("deepArchiveAfterDays")},
			thumbnailInterval: def("thumbnailInterval"),
		}, nil
	}
	project, err := findProject(projectDir)
	if err != nil {
		return mediaSettings{}, err
	}
	cfg, err := planSource.readConfig(project.dir, stack)
	if err != nil {
		return mediaSettings{}, err
	}
	spec, err := platform.ParseSpec(cfg)
	if err != nil {
		return mediaSettings{}, fmt.Errorf("stack %s: %w", stack, err)
	}
	s := mediaSettings{
		stack:             stack,
		cloud:             spec.Cloud,
		rules:             pipeline.Rules{MaxDuration: time.Duration(spec.MaxDurationSeconds) * time.Second, MaxBytes: spec.MaxUploadBytes},
		ladder:            pipeline.LadderConfig{Rungs: spec.Ladder, MaxHeight: spec.MaxHeight, Codec: spec.VideoCodec},
		lifecycle:         cost.Lifecycle{ArchiveAfterDays: spec.ArchiveAfterDays, DeepArchiveAfterDays: spec.DeepArchiveAfterDays},
		thumbnailInterval: spec.ThumbnailInterval,
	}
	if spec.Cloud == platform.CloudGCP {
		s.gcp = cost.GCPLifecycle{
			Region: spec.Region, ArchiveClass: spec.ArchiveStorageClass,
			ArchiveAfterDays: spec.ArchiveAfterDays, DeepArchiveAfterDays: spec.DeepArchiveAfterDays,
			NoncurrentDays: spec.NoncurrentVersionExpirationDays,
		}
	}
	return s, nil
}

// name is how reports name the settings' stack.
func (s mediaSettings) name() string {
	if s.stack == "" {
		return "the default stack settings"
	}
	return "stack " + s.stack
}

// prices names the price table the settings' cloud is priced with.
func (s mediaSettings) prices() string {
	if s.cloud == platform.CloudGCP {
		return fmt.Sprintf("GCP prices of %s, %s", cost.GCPDefault.Date, s.gcp.Region)
	}
	return fmt.Sprintf("AWS prices of %s, %s", cost.Default.Date, cost.Default.Region)
}

// priceTitle prices t with the table of the settings' cloud. On GCP the transcode is what the
// Transcoder API job the transcode stage submits bills: tcjob builds it from t.Plan and
// tcjob.OutputMinutes counts it.
func (s mediaSettings) priceTitle(t cost.Title) (cost.TitleCost, error) {
	if s.cloud != platform.CloudGCP {
		return cost.Default.PriceTitle(t, s.lifecycle)
	}
	m, err := transcoderMinutes(t.Plan, t.Duration, s.thumbnailInterval)
	if err != nil {
		return cost.TitleCost{}, err
	}
	return cost.GCPDefault.PriceTitle(t, m, s.gcp)
}

// transcoderMinutes builds the Transcoder API job for plan (with placeholder names: billing
// does not depend on them) and counts the output minutes it bills for a source of duration d.
func transcoderMinutes(plan pipeline.Plan, d time.Duration, thumbnailInterval int) (cost.TranscoderMinutes, error) {
	job, err := tcjob.Build(tcjob.Input{
		AssetID: "cost-estimate", Attempt: 1,
		SourceURI: "gs://ottkit-cost-estimate/master", DeliveryBucket: "ottkit-cost-estimate",
		Topic: "projects/ottkit-cost-estimate/topics/jobs",
		Plan:  plan, Duration: d, ThumbnailInterval: pipeline.CaptureInterval(max(thumbnailInterval, 1), d),
	})
	if err != nil {
		return cost.TranscoderMinutes{}, fmt.Errorf("cost: %w", err)
	}
	m := tcjob.OutputMinutes(job, d)
	return cost.TranscoderMinutes{SD: m.SD, HD: m.HD, UHD: m.UHD, Audio: m.Audio}, nil
}
