package pipeline_test

import (
	"fmt"

	"github.com/ottkit/ottkit/functions/pipeline"
)

// A phone video: coded 1920x1080 with a 90° display rotation, so it is shown 1080x1920. The
// renditions come out portrait, and the stack's 720 ceiling drops the 1080 rung.
func ExamplePlanLadder() {
	rungs, err := pipeline.ParseLadder(`[{"height":1080,"maxBitrate":6000000},{"height":720,"maxBitrate":3500000},{"height":360,"maxBitrate":900000}]`)
	if err != nil {
		panic(err)
	}
	plan, err := pipeline.PlanLadder(
		pipeline.Source{Width: 1920, Height: 1080, Rotation: 90, FrameRate: 30},
		pipeline.LadderConfig{Rungs: rungs, MaxHeight: 720, Codec: pipeline.CodecH264},
	)
	if err != nil {
		panic(err)
	}
	fmt.Println(plan)
	// Output: h264 720x1280@3500k,360x640@900k
}

func ExampleParseLadder() {
	_, err := pipeline.ParseLadder(`[{"height":1080,"maxBitrate":6000000},{"height":720,"maxBitrate":3500000},{"height":100,"maxBitrate":200000}]`)
	fmt.Println(err)
	// Output: ladder[2].height: 100 is below the minimum 144
}

func ExampleAssetID() {
	fmt.Println(pipeline.AssetID("ingest", "uploads/acme/u1/movie.mp4", "3sL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY"))
	// Output: wk7mu42i56ftier4jgm2w2xyewpato3d
}
