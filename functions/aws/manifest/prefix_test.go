package manifest_test

import (
	"testing"

	"github.com/ottkit/ottkit/functions/aws/manifest"
	"github.com/ottkit/ottkit/functions/pipeline"
)

// The stages name keys with pipeline's prefixes and the components scope grants and rules with
// the manifest's: they must be the same strings.
func TestPrefixesMatchThePipeline(t *testing.T) {
	for _, p := range []struct{ manifest, pipeline string }{
		{manifest.UploadPrefix, pipeline.UploadPrefix},
		{manifest.QuarantinePrefix, pipeline.QuarantinePrefix},
		{manifest.AssetPrefix + "a1/", pipeline.AssetPrefix("a1")},
	} {
		if p.manifest != p.pipeline {
			t.Errorf("manifest prefix %q, pipeline %q", p.manifest, p.pipeline)
		}
	}
}
