package main

import (
	"fmt"
	"time"

	"github.com/ottkit/ottkit/components/platform"
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
			cloud:     platform.CloudAWS,
			rules:     pipeline.Rules{MaxDuration: time.Duration(def("maxDuration")) * time.Second, MaxBytes: platform.MaxPutBytes},
			ladder:    pipeline.LadderConfig{Rungs: platform.DefaultLadder, MaxHeight: def("maxHeight"), Codec: codec},
			lifecycle: cost.Lifecycle{ArchiveAfterDays: def("archiveAfterDays"), DeepArchiveAfterDays: def("deepArchiveAfterDays")},
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
	return mediaSettings{
		stack:     stack,
		cloud:     spec.Cloud,
		rules:     pipeline.Rules{MaxDuration: time.Duration(spec.MaxDurationSeconds) * time.Second, MaxBytes: spec.MaxUploadBytes},
		ladder:    pipeline.LadderConfig{Rungs: spec.Ladder, MaxHeight: spec.MaxHeight, Codec: spec.VideoCodec},
		lifecycle: cost.Lifecycle{ArchiveAfterDays: spec.ArchiveAfterDays, DeepArchiveAfterDays: spec.DeepArchiveAfterDays},
	}, nil
}

// name is how reports name the settings' stack.
func (s mediaSettings) name() string {
	if s.stack == "" {
		return "the default stack settings"
	}
	return "stack " + s.stack
}

// awsPricesOnly refuses a stack on another cloud: the price table holds AWS prices only, and
// pricing a GCP stack with them would print a confident, wrong figure.
func awsPricesOnly(stack, cloud string) error {
	if cloud != platform.CloudAWS {
		return fmt.Errorf("cost: stack %s deploys to %s, and the price table (%s) holds AWS prices only (MediaConvert, S3, CloudFront); GCP prices are not in it yet", stack, cloud, cost.Default.Date)
	}
	return nil
}
