package tcjob_test

import (
	"fmt"
	"time"

	"github.com/ottkit/ottkit/functions/gcp/tcjob"
	"github.com/ottkit/ottkit/functions/pipeline"
)

func ExampleBuild() {
	plan, err := pipeline.PlanLadder(pipeline.Source{Width: 1280, Height: 720, Audio: true}, pipeline.LadderConfig{
		Rungs: []pipeline.Rung{{Height: 1080, MaxBitrate: 6_000_000}, {Height: 720, MaxBitrate: 3_500_000}, {Height: 360, MaxBitrate: 900_000}},
		Codec: pipeline.CodecH264,
	})
	if err != nil {
		panic(err)
	}
	job, err := tcjob.Build(tcjob.Input{
		AssetID: "k5m2", Attempt: 1,
		SourceURI: "gs://masters/acme/k5m2/source.mp4", DeliveryBucket: "delivery",
		Topic: "projects/ottkit-demo/topics/jobs",
		Plan:  plan, Duration: 42 * time.Second, ThumbnailInterval: 10,
	})
	if err != nil {
		panic(err)
	}
	cfg := job.GetConfig()
	for _, m := range cfg.Manifests {
		fmt.Println(m.Type, m.FileName, m.MuxStreams)
	}
	fmt.Println(cfg.Output.Uri)
	fmt.Println(tcjob.Filter("k5m2", 1))
	fmt.Printf("%+v\n", tcjob.OutputMinutes(job, 10*time.Minute))
	// Output:
	// HLS index.m3u8 [video-1280x720-fmp4 video-640x360-fmp4 audio-fmp4]
	// DASH index.mpd [video-1280x720-fmp4 video-640x360-fmp4 audio-fmp4]
	// gs://delivery/assets/k5m2/
	// labels.ottkit-asset="k5m2" AND labels.ottkit-attempt="1"
	// {SD:10 HD:10 UHD:0 Audio:10}
}
